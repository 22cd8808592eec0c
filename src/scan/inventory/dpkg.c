/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Debian and Ubuntu packages: var/lib/dpkg/status (deb822 stanzas, deb-control(5)
 * syntax), distroless var/lib/dpkg/status.d/<one file per package>, the file lists in
 * var/lib/dpkg/info/PKG[:ARCH].list and DEP-5 licences in usr/share/doc/PKG/copyright.
 *
 * Everything here is hostile input. What fails the whole read (an error): a NUL byte,
 * a field longer than HULL_INV_MAX_FIELD_BYTES, a file over the size cap, more packages
 * than o->max_packages. What skips one stanza: a line that is neither a field nor a
 * continuation, a continuation with no field before it, no Package or no Version, a
 * Status whose third word is not "installed". */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/cleanup.h"
#include "common/path.h"
#include "common/xalloc.h"
#include "scan/inventory/readers.h"

#define DPKG_STATUS "var/lib/dpkg/status"
#define DPKG_STATUS_D "var/lib/dpkg/status.d"
#define DPKG_INFO "var/lib/dpkg/info"
/* A DEP-5 copyright file is a few KiB to a few hundred KiB. */
#define COPYRIGHT_MAX_BYTES (1u << 20)
#define LICENSES_PER_PKG 64u
/* Entries read from status.d (distroless images carry one per package). */
#define STATUS_D_MAX_ENTRIES 100000u

enum { F_PACKAGE, F_STATUS, F_VERSION, F_SOURCE, F_ARCH, F_MAX };

static const char *const field_names[F_MAX] = {
	[F_PACKAGE] = "Package", [F_STATUS] = "Status",	    [F_VERSION] = "Version",
	[F_SOURCE] = "Source",	 [F_ARCH] = "Architecture",
};

struct stanza {
	const char *v[F_MAX]; /* first line of the value, trimmed; not NUL-terminated */
	size_t n[F_MAX];
	bool any;	 /* at least one field seen */
	bool bad;	 /* a malformed line: the stanza is skipped */
	size_t cur_len;	 /* bytes of the field being read, continuation lines included */
	const char *cur; /* its name, for the error message */
	size_t cur_nlen;
};

struct parse_ctx {
	const char *location;
	bool status_d;
	const struct hull_os *os;
	const struct hull_inventory_opts *o;
	struct hull_inventory *inv;
};

static void
trim (const char **s, size_t *n)
{
	while (*n > 0 && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' || (*s)[*n - 1] == '\r'))
		(*n)--;
}

/* The n-th (0-based) space-separated word of a Status value. */
static bool
status_installed (const char *s, size_t n)
{
	/* deb-control(5) Status: "want flag status"; dpkg-query's db:Status-Status is the
	 * third word. "hold ok installed" and "deinstall ok installed" are installed too. */
	const char *last = s + n;
	while (last > s && last[-1] != ' ')
		last--;
	return (size_t) (s + n - last) == 9 && memcmp (last, "installed", 9) == 0 && last != s;
}

static char *
dup_field (const struct stanza *st, int f)
{
	return st->v[f] ? hull_xstrndup (st->v[f], st->n[f]) : NULL;
}

/* Source: "name" or "name (version)" (deb-control(5) "Source"). */
static void
set_source (struct hull_pkg *p, const struct stanza *st)
{
	const char *s = st->v[F_SOURCE], *sp;
	size_t n = st->n[F_SOURCE];

	if (s == NULL || n == 0) {
		p->source_name = hull_xstrdup (p->name);
		return;
	}
	sp = memchr (s, ' ', n);
	if (sp == NULL) {
		p->source_name = hull_xstrndup (s, n);
		return;
	}
	p->source_name = hull_xstrndup (s, (size_t) (sp - s));
	s = sp;
	n -= (size_t) (sp - st->v[F_SOURCE]);
	trim (&s, &n);
	if (n >= 2 && s[0] == '(' && s[n - 1] == ')') {
		const char *v = s + 1;
		size_t vn = n - 2;
		trim (&v, &vn);
		if (vn > 0 && (vn != strlen (p->version) || memcmp (v, p->version, vn) != 0))
			p->source_version = hull_xstrndup (v, vn);
	}
}

static char *
deb_purl (const struct hull_pkg *p, const struct hull_os *os)
{
	_cleanup_free_ char *ns = NULL, *name = NULL, *distro = NULL;
	const char *quals[5] = { "arch", p->arch, "distro", NULL, NULL };

	/* purl-spec deb: namespace is the vendor, lowercased; the version keeps its epoch
	 * ("1:2.3-4", colons are never encoded); distro is "<id>-<VERSION_ID>". */
	ns = hull_inventory_lower (os && os->id ? os->id : "debian");
	name = hull_inventory_lower (p->name);
	if (os && os->id && os->version_id)
		distro = hull_xasprintf ("%s-%s", ns, os->version_id);
	else if (os && os->codename)
		distro = hull_xstrdup (os->codename);
	quals[3] = distro;
	return hull_purl_make ("deb", ns, name, p->version, quals);
}

static int
emit (struct parse_ctx *c, const struct stanza *st, hull_error_t *err)
{
	struct hull_pkg *p;

	if (st->bad || st->v[F_PACKAGE] == NULL || st->n[F_PACKAGE] == 0 ||
	    st->v[F_VERSION] == NULL || st->n[F_VERSION] == 0)
		return 0;
	if (st->v[F_STATUS] != NULL ? !status_installed (st->v[F_STATUS], st->n[F_STATUS])
				    : !c->status_d)
		return 0;
	if (c->inv->n_pkgs >= c->o->max_packages)
		return hull_error_make (err, E2BIG, "`%s`: more than %llu packages", c->location,
					(unsigned long long) c->o->max_packages);
	p = hull_inventory_add (c->inv);
	p->type = HULL_PKG_DEB;
	p->name = dup_field (st, F_PACKAGE);
	p->version = dup_field (st, F_VERSION);
	p->arch = dup_field (st, F_ARCH);
	set_source (p, st);
	p->location = hull_xasprintf ("/%s", c->location);
	p->purl = deb_purl (p, c->os);
	return 0;
}

static bool
name_is (const char *s, size_t n, const char *want)
{
	return strlen (want) == n && strncasecmp (s, want, n) == 0;
}

/* One line of a stanza (without its newline). */
static int
field_line (struct stanza *st, const char *line, size_t n, size_t lineno, const char *loc,
	    hull_error_t *err)
{
	const char *colon, *v;
	size_t vn;

	if (line[0] == ' ' || line[0] == '\t') {
		if (st->cur == NULL) {
			st->bad = true; /* continuation with nothing to continue */
			return 0;
		}
		st->cur_len += n + 1;
	} else {
		st->any = true;
		colon = memchr (line, ':', n);
		if (colon == NULL || colon == line) {
			st->bad = true;
			st->cur = NULL;
			return 0;
		}
		st->cur = line;
		st->cur_nlen = (size_t) (colon - line);
		v = colon + 1;
		vn = n - st->cur_nlen - 1;
		trim (&v, &vn);
		st->cur_len = vn;
		for (int f = 0; f < F_MAX; f++)
			if (name_is (line, st->cur_nlen, field_names[f])) {
				st->v[f] = v;
				st->n[f] = vn;
			}
	}
	if (st->cur_len > HULL_INV_MAX_FIELD_BYTES)
		return hull_error_make (err, EFBIG,
					"`%s` line %zu: field `%.*s` longer than %u bytes", loc,
					lineno, (int) (st->cur_nlen > 64 ? 64 : st->cur_nlen),
					st->cur, HULL_INV_MAX_FIELD_BYTES);
	return 0;
}

int
hull_inventory_dpkg_parse (const char *buf, size_t len, const char *location, bool status_d,
			   const struct hull_os *os, const struct hull_inventory_opts *o,
			   struct hull_inventory *inv, hull_error_t *err)
{
	struct hull_inventory_opts r = hull_inventory_opts_resolve (o);
	struct parse_ctx c = { location, status_d, os, &r, inv };
	struct stanza st = { 0 };
	const char *nul = memchr (buf, '\0', len);
	size_t lineno = 0;

	if (nul != NULL)
		return hull_error_make (err, EINVAL, "`%s`: NUL byte at offset %zu", location,
					(size_t) (nul - buf));
	for (size_t i = 0; i < len;) {
		const char *line = buf + i, *nl = memchr (line, '\n', len - i);
		size_t n = nl ? (size_t) (nl - line) : len - i;
		i += n + (nl ? 1 : 0);
		lineno++;
		if (n > 0 && line[n - 1] == '\r')
			n--;
		if (n == 0) {
			if (st.any && emit (&c, &st, err) < 0)
				return -1;
			memset (&st, 0, sizeof st);
			continue;
		}
		if (field_line (&st, line, n, lineno, location, err) < 0)
			return -1;
	}
	if (st.any && emit (&c, &st, err) < 0)
		return -1;
	return 0;
}

int
hull_inventory_dpkg_parse_list (const char *buf, size_t len, struct hull_pkg *p, hull_error_t *err)
{
	if (memchr (buf, '\0', len) != NULL)
		return hull_error_make (err, EINVAL, "file list of `%s`: NUL byte", p->name);
	for (size_t i = 0; i < len;) {
		const char *line = buf + i, *nl = memchr (line, '\n', len - i);
		size_t n = nl ? (size_t) (nl - line) : len - i;
		_cleanup_free_ char *f = NULL;
		i += n + (nl ? 1 : 0);
		/* "/." is the package's root entry, not a file it owns. */
		if (n == 0 || (n == 2 && line[0] == '/' && line[1] == '.'))
			continue;
		if (p->n_files >= HULL_INV_MAX_FILES_PER_PKG)
			return hull_error_make (err, E2BIG, "file list of `%s`: more than %u files",
						p->name, HULL_INV_MAX_FILES_PER_PKG);
		f = hull_xstrndup (line, n);
		hull_strv_push (&p->files, &p->n_files, f);
	}
	return 0;
}

/* Package and architecture names become path components below: only what dpkg itself
 * accepts (deb-control(5): lowercase letters, digits, `+-.`; arch: letters, digits,
 * `-`), so a hostile name cannot add a `/` or `..`. */
static bool
safe_component (const char *s)
{
	if (s == NULL || *s == '\0' || *s == '.' || strlen (s) > 255)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '+' || *s == '-' || *s == '.' || *s == '_'))
			return false;
	return true;
}

/* Read a file that may legitimately be absent: 1 read, 0 absent, <0 error. */
static int
read_optional (int rootfd, const char *path, uint64_t max, char **buf, size_t *len,
	       hull_error_t *err)
{
	hull_error_t local = { 0 };

	*buf = hull_inventory_read_in_root (rootfd, path, max, len, &local);
	if (*buf != NULL)
		return 1;
	if (local.code == ENOENT || local.code == ENOTDIR)
		return 0;
	if (err != NULL)
		*err = local;
	return -1;
}

static int
read_file_list (int rootfd, struct hull_pkg *p, uint64_t max, hull_error_t *err)
{
	_cleanup_free_ char *path = NULL, *buf = NULL;
	size_t len = 0;
	int r;

	if (!safe_component (p->name))
		return 0;
	path = hull_xasprintf (DPKG_INFO "/%s.list", p->name);
	r = read_optional (rootfd, path, max, &buf, &len, err);
	if (r == 0 && p->arch != NULL && safe_component (p->arch)) {
		/* Multi-Arch: same packages have their list under PKG:ARCH.list. */
		free (path);
		path = hull_xasprintf (DPKG_INFO "/%s:%s.list", p->name, p->arch);
		r = read_optional (rootfd, path, max, &buf, &len, err);
	}
	if (r <= 0)
		return r;
	return hull_inventory_dpkg_parse_list (buf, len, p, err);
}

/* DEP-5 (machine-readable debian/copyright, "Format:" first): "License:" lines of
 * every paragraph, first line only (the short name), deduplicated. */
static int
read_licenses (int rootfd, struct hull_pkg *p, hull_error_t *err)
{
	_cleanup_free_ char *path = NULL, *buf = NULL;
	size_t len = 0;
	int r;

	if (!safe_component (p->name))
		return 0;
	path = hull_xasprintf ("usr/share/doc/%s/copyright", p->name);
	r = read_optional (rootfd, path, COPYRIGHT_MAX_BYTES, &buf, &len, err);
	if (r < 0 && err != NULL && err->code == EFBIG) {
		hull_error_clear (err); /* the licence list is an extra: too big, none */
		return 0;
	}
	if (r <= 0)
		return r;
	if (strncmp (buf, "Format:", 7) != 0 || memchr (buf, '\0', len) != NULL)
		return 0;
	for (size_t i = 0; i < len && p->n_licenses < LICENSES_PER_PKG;) {
		const char *line = buf + i, *nl = memchr (line, '\n', len - i);
		size_t n = nl ? (size_t) (nl - line) : len - i;
		const char *v = line + 8;
		size_t vn = n >= 8 ? n - 8 : 0;
		_cleanup_free_ char *lic = NULL;
		bool dup = false;
		i += n + (nl ? 1 : 0);
		if (n < 8 || strncmp (line, "License:", 8) != 0)
			continue;
		trim (&v, &vn);
		if (vn == 0 || vn > 256)
			continue;
		lic = hull_xstrndup (v, vn);
		for (size_t k = 0; k < p->n_licenses && !dup; k++)
			dup = strcmp (p->licenses[k], lic) == 0;
		if (!dup)
			hull_strv_push (&p->licenses, &p->n_licenses, lic);
	}
	return 0;
}

static int
scan_one_file (int rootfd, const char *path, bool status_d, const struct hull_inventory_opts *o,
	       struct hull_inventory *inv, hull_error_t *err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r = read_optional (rootfd, path, o->max_file_bytes, &buf, &len, err);

	if (r <= 0)
		return r;
	return hull_inventory_dpkg_parse (buf, len, path, status_d, &inv->os, o, inv, err);
}

static int
cmp_str (const void *a, const void *b)
{
	return strcmp (*(char *const *) a, *(char *const *) b);
}

static void
free_names (char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free (names[i]);
	free (names);
}

/* Entry names of status.d, sorted (stable output), md5sums files left out. */
static int
list_status_d (int rootfd, char ***out, size_t *n_out, hull_error_t *err)
{
	_cleanup_ (closedirp) DIR *d = NULL;
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;
	int fd;

	fd = hull_path_openat_in_root (rootfd, DPKG_STATUS_D, O_RDONLY | O_DIRECTORY, 0, err);
	if (fd < 0)
		return (err != NULL && (err->code == ENOENT || err->code == ENOTDIR))
			       ? (hull_error_clear (err), 0)
			       : hull_error_wrap (err, "dpkg");
	d = fdopendir (fd);
	if (d == NULL) {
		hull_safe_close (fd);
		return hull_error_make (err, errno, "open directory `%s`", DPKG_STATUS_D);
	}
	while ((de = readdir (d)) != NULL) {
		size_t nl = strlen (de->d_name);
		if (de->d_name[0] == '.' ||
		    (nl > 8 && strcmp (de->d_name + nl - 8, ".md5sums") == 0))
			continue;
		if (n >= STATUS_D_MAX_ENTRIES) {
			free_names (names, n);
			return hull_error_make (err, E2BIG, "`%s`: more than %u entries",
						DPKG_STATUS_D, STATUS_D_MAX_ENTRIES);
		}
		hull_strv_push (&names, &n, de->d_name);
	}
	if (n > 0)
		qsort (names, n, sizeof *names, cmp_str);
	*out = names;
	*n_out = n;
	return 0;
}

static int
scan_status_d (int rootfd, const struct hull_inventory_opts *o, struct hull_inventory *inv,
	       hull_error_t *err)
{
	char **names = NULL;
	size_t n = 0;
	int r = list_status_d (rootfd, &names, &n, err);

	for (size_t i = 0; r >= 0 && i < n; i++) {
		_cleanup_free_ char *path = hull_xasprintf (DPKG_STATUS_D "/%s", names[i]);
		r = scan_one_file (rootfd, path, true, o, inv, err);
	}
	free_names (names, n);
	return r < 0 ? -1 : 0;
}

int
hull_inventory_dpkg_scan (int rootfd, const struct hull_inventory_opts *opts,
			  struct hull_inventory *inv, hull_error_t *err)
{
	struct hull_inventory_opts o = hull_inventory_opts_resolve (opts);
	size_t first = inv->n_pkgs;
	hull_error_t local = { 0 };

	if (err == NULL)
		err = &local;
	if (scan_one_file (rootfd, DPKG_STATUS, false, &o, inv, err) < 0 ||
	    scan_status_d (rootfd, &o, inv, err) < 0)
		return hull_error_wrap (err, "dpkg");
	for (size_t i = first; i < inv->n_pkgs; i++) {
		struct hull_pkg *p = &inv->pkgs[i];
		if (!o.skip_files && read_file_list (rootfd, p, o.max_file_bytes, err) < 0)
			return hull_error_wrap (err, "dpkg: package `%s`", p->name);
		if (read_licenses (rootfd, p, err) < 0)
			return hull_error_wrap (err, "dpkg: package `%s`", p->name);
	}
	return 0;
}
