/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The language-package walk: every directory below the root opened with openat relative
 * to its parent's fd and O_NOFOLLOW, so no symlink is ever followed (one pointing out of
 * the root, or into a loop, is simply not a directory here); depth- and entry-capped;
 * /proc, /sys and /dev at the top skipped. Files are dispatched by name to the readers
 * (lang-readers.h). A file a reader refuses becomes an inventory warning. */
#include "scan/inventory/lang.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/file.h"
#include "common/xalloc.h"
#include "scan/inventory/lang-readers.h"

#define MAX_LICENSES 64u
#define MAX_JAR_FILE (1ull << 30)

/* ---- context, packages, purls ---- */

void
hull_lang_ctx_init (struct hull_lang_ctx *c, struct hull_inventory *inv,
		    const struct hull_inventory_opts *o)
{
	memset (c, 0, sizeof *c);
	c->inv = inv;
	if (o != NULL)
		c->o = *o;
	if (c->o.max_file_bytes == 0)
		c->o.max_file_bytes = HULL_LANG_DEFAULT_MAX_FILE_BYTES;
	if (c->o.max_packages == 0)
		c->o.max_packages = HULL_LANG_DEFAULT_MAX_PACKAGES;
	if (c->o.max_depth == 0)
		c->o.max_depth = HULL_LANG_DEFAULT_MAX_DEPTH;
	/* The walk recurses and holds one fd per level: never deeper than this. */
	if (c->o.max_depth > HULL_LANG_MAX_DEPTH)
		c->o.max_depth = HULL_LANG_MAX_DEPTH;
	c->jar_budget = HULL_LANG_JAR_MAX_TOTAL_BYTES;
}

void
hull_lang_ctx_clear (struct hull_lang_ctx *c)
{
	for (size_t i = 0; i < c->cap_seen; i++)
		free (c->seen[i]);
	free (c->seen);
	c->seen = NULL;
	c->n_seen = c->cap_seen = 0;
}

bool
hull_lang_has_nul (const char *s, size_t n)
{
	return memchr (s, '\0', n) != NULL;
}

char *
hull_lang_pep503 (const char *name)
{
	size_t n = strlen (name), j = 0;
	char *out = hull_xmalloc (n + 1);

	/* PEP 503 "Normalized Names": re.sub(r"[-_.]+", "-", name).lower() */
	for (size_t i = 0; i < n; i++) {
		char ch = name[i];
		if (ch == '-' || ch == '_' || ch == '.') {
			if (j == 0 || out[j - 1] != '-')
				out[j++] = '-';
			continue;
		}
		out[j++] = (ch >= 'A' && ch <= 'Z') ? (char) (ch - 'A' + 'a') : ch;
	}
	out[j] = '\0';
	return out;
}

/* purl-spec "Character encoding": keep unreserved characters, percent-encode the rest. */
static void
purl_escape (char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char) s[i];
		bool keep = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			    (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '_' ||
			    ch == '~';
		if (*len + 4 > *cap) {
			*cap = (*cap + 4) * 2;
			*buf = hull_xrealloc (*buf, *cap);
		}
		if (keep) {
			(*buf)[(*len)++] = (char) ch;
		} else {
			(*buf)[(*len)++] = '%';
			(*buf)[(*len)++] = hex[ch >> 4];
			(*buf)[(*len)++] = hex[ch & 15];
		}
	}
	(*buf)[*len] = '\0';
}

/* "pkg:TYPE/" + namespace segments (split at `/`) + name + "@version". */
static char *
purl_make (const char *type, const char *ns, size_t ns_len, const char *name, const char *version)
{
	size_t cap = 64, len = 0;
	char *buf = hull_xmalloc (cap);

	len = (size_t) snprintf (buf, cap, "pkg:%s/", type);
	while (ns_len > 0) {
		const char *slash = memchr (ns, '/', ns_len);
		size_t seg = slash ? (size_t) (slash - ns) : ns_len;
		purl_escape (&buf, &len, &cap, ns, seg);
		if (len + 2 > cap)
			buf = hull_xrealloc (buf, cap *= 2);
		buf[len++] = '/';
		buf[len] = '\0';
		ns += seg + (slash ? 1 : 0);
		ns_len -= seg + (slash ? 1 : 0);
	}
	purl_escape (&buf, &len, &cap, name, strlen (name));
	if (version != NULL && version[0] != '\0') {
		if (len + 2 > cap)
			buf = hull_xrealloc (buf, cap *= 2);
		buf[len++] = '@';
		buf[len] = '\0';
		purl_escape (&buf, &len, &cap, version, strlen (version));
	}
	return buf;
}

static const char *const purl_types[HULL_PKG_TYPE_MAX] = {
	[HULL_PKG_PYPI] = "pypi",   [HULL_PKG_NPM] = "npm",	[HULL_PKG_GOLANG] = "golang",
	[HULL_PKG_CARGO] = "cargo", [HULL_PKG_MAVEN] = "maven", [HULL_PKG_GEM] = "gem",
};

static char *
lang_purl (enum hull_pkg_type t, const char *name, const char *version)
{
	const char *type = purl_types[t], *sep = NULL;
	_cleanup_free_ char *norm = NULL;

	switch (t) {
	case HULL_PKG_PYPI:
		norm = hull_lang_pep503 (name);
		return purl_make (type, "", 0, norm, version);
	case HULL_PKG_NPM: /* "@scope/name": namespace "@scope" (encoded %40scope) */
		sep = name[0] == '@' ? strchr (name, '/') : NULL;
		break;
	case HULL_PKG_GOLANG: /* "github.com/a/b": namespace "github.com/a", name "b" */
		sep = strrchr (name, '/');
		if (version != NULL && strcmp (version, "(devel)") == 0)
			version = NULL; /* a main module built from a checkout: no release */
		break;
	case HULL_PKG_MAVEN: /* "group:artifact" */
		sep = strchr (name, ':');
		break;
	default:
		break;
	}
	if (sep == NULL)
		return purl_make (type, "", 0, name, version);
	return purl_make (type, name, (size_t) (sep - name), sep + 1, version);
}

struct hull_pkg *
hull_lang_add (struct hull_lang_ctx *c, enum hull_pkg_type t, const char *name, const char *version,
	       const char *location, hull_error_t *err)
{
	struct hull_pkg *p;

	if (c->inv->n_pkgs >= c->o.max_packages) {
		c->full = true;
		return hull_error_make (err, ERANGE, "`%s`: more than %llu packages", location,
					(unsigned long long) c->o.max_packages),
		       NULL;
	}
	p = hull_inventory_add (c->inv);
	p->type = t;
	p->name = hull_xstrdup (name);
	p->version = hull_xstrdup (version ? version : "");
	p->location = hull_xstrdup (location);
	p->purl = lang_purl (t, name, version);
	return p;
}

void
hull_lang_add_license (struct hull_pkg *p, const char *lic, size_t len)
{
	while (len > 0 && (*lic == ' ' || *lic == '\t'))
		lic++, len--;
	while (len > 0 && (lic[len - 1] == ' ' || lic[len - 1] == '\t' || lic[len - 1] == '\r'))
		len--;
	if (len == 0 || (len == 7 && strncmp (lic, "UNKNOWN", 7) == 0))
		return;
	if (p->n_licenses >= MAX_LICENSES)
		return;
	for (size_t i = 0; i < p->n_licenses; i++)
		if (strlen (p->licenses[i]) == len && memcmp (p->licenses[i], lic, len) == 0)
			return;
	p->licenses = hull_xreallocarray (p->licenses, p->n_licenses + 1, sizeof (char *));
	p->licenses[p->n_licenses++] = hull_xstrndup (lic, len);
}

void
hull_lang_warn (struct hull_inventory *inv, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;

	if (inv->n_warnings > HULL_LANG_MAX_WARNINGS)
		return;
	if (inv->n_warnings == HULL_LANG_MAX_WARNINGS) {
		msg = hull_xasprintf ("more than %u warnings: the rest not recorded",
				      HULL_LANG_MAX_WARNINGS);
	} else {
		va_start (ap, fmt);
		if (vasprintf (&msg, fmt, ap) < 0)
			abort ();
		va_end (ap);
	}
	inv->warnings = hull_xreallocarray (inv->warnings, inv->n_warnings + 1, sizeof (char *));
	inv->warnings[inv->n_warnings++] = msg;
}

/* ---- dispatch by file name ---- */

enum kind {
	K_NONE,
	K_PYTHON,
	K_NPM_LOCK,
	K_NPM_PKG,
	K_CARGO,
	K_JAR,
	K_GEMLOCK,
	K_GEMSPEC,
	K_EXEC, /* maybe an ELF Go binary */
};

/* The names of the directory holding a file, of its parent and of the grandparent ("" above
 * the top). */
struct where {
	const char *dir, *parent, *grandparent;
};

static bool
ends_with (const char *s, const char *suffix)
{
	size_t a = strlen (s), b = strlen (suffix);
	return a > b && strcasecmp (s + a - b, suffix) == 0;
}

static bool
is_site (const char *d)
{
	return strcmp (d, "site-packages") == 0 || strcmp (d, "dist-packages") == 0;
}

static enum kind
classify (const char *name, const struct where *w, const struct stat *st)
{
	if (strcmp (name, "METADATA") == 0 && ends_with (w->dir, ".dist-info") &&
	    is_site (w->parent))
		return K_PYTHON;
	if (strcmp (name, "PKG-INFO") == 0 && ends_with (w->dir, ".egg-info"))
		return K_PYTHON;
	if (ends_with (name, ".egg-info"))
		return K_PYTHON;
	/* node_modules/.package-lock.json (npm's hidden lockfile) is not matched: the
	 * package.json files it describes are read instead. */
	if (strcmp (name, "package-lock.json") == 0)
		return K_NPM_LOCK;
	if (strcmp (name, "package.json") == 0 &&
	    (strcmp (w->parent, "node_modules") == 0 ||
	     (w->parent[0] == '@' && strcmp (w->grandparent, "node_modules") == 0)))
		return K_NPM_PKG;
	if (strcmp (name, "Cargo.lock") == 0)
		return K_CARGO;
	if (ends_with (name, ".jar") || ends_with (name, ".war") || ends_with (name, ".ear"))
		return K_JAR;
	if (strcmp (name, "Gemfile.lock") == 0)
		return K_GEMLOCK;
	/* specifications/default/ holds the default gems that come with Ruby itself. */
	if (ends_with (name, ".gemspec") &&
	    (strcmp (w->dir, "specifications") == 0 ||
	     (strcmp (w->dir, "default") == 0 && strcmp (w->parent, "specifications") == 0)))
		return K_GEMSPEC;
	if ((st->st_mode & 0111) != 0 && st->st_size >= 64)
		return K_EXEC;
	return K_NONE;
}

struct walk {
	struct hull_lang_ctx *c;
	char path[PATH_MAX]; /* relative path of the directory being read, "" at the top */
	size_t plen;
	uint64_t entries;
	bool stopped;
};

/* The project directory of a file under node_modules: the path before the first
 * node_modules component (the lockfile describing it lives there). */
static char *
npm_project_dir (const char *rel)
{
	const char *p = rel;

	for (;;) {
		if (strncmp (p, "node_modules/", 13) == 0)
			return hull_xstrndup (rel, p == rel ? 0 : (size_t) (p - rel - 1));
		p = strchr (p, '/');
		if (p == NULL)
			return hull_xstrdup ("");
		p++;
	}
}

static int
parse_text (struct hull_lang_ctx *c, enum kind k, const char *buf, size_t len, const char *rel,
	    hull_error_t *err)
{
	_cleanup_free_ char *dir = NULL;
	const char *slash;

	switch (k) {
	case K_PYTHON:
		return hull_lang_python_parse (c, buf, len, rel, err);
	case K_NPM_LOCK:
		slash = strrchr (rel, '/');
		dir = hull_xstrndup (rel, slash ? (size_t) (slash - rel) : 0);
		return hull_lang_npm_lock_parse (c, buf, len, rel, dir, err);
	case K_NPM_PKG:
		dir = npm_project_dir (rel);
		return hull_lang_npm_pkgjson_parse (c, buf, len, rel, dir, err);
	case K_CARGO:
		return hull_lang_cargo_parse (c, buf, len, rel, err);
	case K_GEMLOCK:
		return hull_lang_gemfile_lock_parse (c, buf, len, rel, err);
	case K_GEMSPEC:
		return hull_lang_gemspec_parse (c, buf, len, rel, err);
	default:
		return 0;
	}
}

/* Open `name` in dfd without following a symlink; regular files only. */
static int
open_regular (int dfd, const char *name, struct stat *st, hull_error_t *err)
{
	_cleanup_close_ int fd =
		openat (dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return hull_error_make (err, errno, "open `%s`", name);
	if (fstat (fd, st) < 0)
		return hull_error_make (err, errno, "stat `%s`", name);
	if (!S_ISREG (st->st_mode))
		return hull_error_make (err, 0, "`%s` is not a regular file", name);
	return TAKE_FD (fd);
}

static int
read_binary (struct hull_lang_ctx *c, enum kind k, int dfd, const char *name, const char *rel,
	     hull_error_t *err)
{
	_cleanup_close_ int fd = -EBADF;
	unsigned char magic[4];
	struct stat st;

	fd = open_regular (dfd, name, &st, err);
	if (fd < 0)
		return fd;
	if (k == K_JAR) {
		if ((uint64_t) st.st_size > MAX_JAR_FILE)
			return hull_error_make (err, EFBIG, "`%s`: %lld bytes, more than %llu", rel,
						(long long) st.st_size, MAX_JAR_FILE);
		return hull_lang_jar_read (c, fd, NULL, (size_t) st.st_size, rel, err);
	}
	if (pread (fd, magic, sizeof magic, 0) != (ssize_t) sizeof magic ||
	    memcmp (magic, "\177ELF", 4) != 0)
		return 0; /* a script or some other executable: not ours */
	if ((uint64_t) st.st_size > HULL_LANG_MAX_GO_BINARY)
		return hull_error_make (err, EFBIG,
					"`%s`: ELF file of %lld bytes not read (over %llu)", rel,
					(long long) st.st_size, HULL_LANG_MAX_GO_BINARY);
	return hull_lang_gobin_read (c, fd, NULL, (uint64_t) st.st_size, rel, err);
}

static int
read_file (struct walk *w, int dfd, const char *name, enum kind k, hull_error_t *err)
{
	struct hull_lang_ctx *c = w->c;
	_cleanup_free_ char *rel = NULL, *buf = NULL;
	size_t before = c->inv->n_pkgs, len = 0;
	bool opened = true;
	int r;

	rel = w->plen ? hull_xasprintf ("%s/%s", w->path, name) : hull_xstrdup (name);
	if (k == K_JAR || k == K_EXEC) {
		r = read_binary (c, k, dfd, name, rel, err);
	} else {
		buf = hull_file_read_capped (dfd, name, O_NOFOLLOW, c->o.max_file_bytes, &len, err);
		opened = buf != NULL;
		r = buf ? parse_text (c, k, buf, len, rel, err) : -1;
	}
	if (r >= 0)
		return 0;
	/* Drop what the bad file added; a full inventory stops the scan, anything else
	 * is one file skipped with its reason (the readers' messages name the file; the
	 * capped read names only the last component). */
	while (c->inv->n_pkgs > before)
		hull_pkg_clear (&c->inv->pkgs[--c->inv->n_pkgs]);
	if (c->full)
		return r;
	if (opened && strstr (err->msg, rel) != NULL)
		hull_lang_warn (c->inv, "%s", err->msg);
	else
		hull_lang_warn (c->inv, "%s: %s", rel, err->msg);
	hull_error_clear (err);
	return 0;
}

/* True if the relative directory path has a component `node_modules`. */
static bool
in_node_modules (const char *dir)
{
	for (const char *p = dir; (p = strstr (p, "node_modules")) != NULL; p += 12)
		if ((p == dir || p[-1] == '/') && (p[12] == '\0' || p[12] == '/'))
			return true;
	return false;
}

static int
cmp_names (const void *a, const void *b)
{
	return strcmp (*(char *const *) a, *(char *const *) b);
}

static void
free_names (char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free (v[i]);
	free (v);
}

/* The names in dfd, sorted (a stable inventory order), at most the per-directory cap. */
static char **
list_dir (struct walk *w, int dfd, size_t *n, hull_error_t *err)
{
	_cleanup_ (closedirp) DIR *d = NULL;
	char **v = NULL;
	struct dirent *de;
	int fd;

	*n = 0;
	fd = openat (dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || (d = fdopendir (fd)) == NULL) {
		hull_error_make (err, errno, "open directory `%s`", w->plen ? w->path : ".");
		hull_safe_close (fd);
		return NULL;
	}
	while (errno = 0, (de = readdir (d)) != NULL) {
		if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
			continue;
		if (*n >= HULL_LANG_MAX_DIR_ENTRIES) {
			hull_lang_warn (w->c->inv, "%s: more than %u entries: the rest not read",
					w->plen ? w->path : ".", HULL_LANG_MAX_DIR_ENTRIES);
			break;
		}
		v = hull_xreallocarray (v, *n + 1, sizeof (char *));
		v[(*n)++] = hull_xstrdup (de->d_name);
	}
	if (*n > 1)
		qsort (v, *n, sizeof (char *), cmp_names);
	return v ? v : hull_xcalloc (1, sizeof (char *));
}

static int walk_dir (struct walk *w, int dfd, struct where *wh, uint32_t depth, hull_error_t *err);

static int
walk_subdir (struct walk *w, int dfd, const char *name, const struct where *wh, uint32_t depth,
	     hull_error_t *err)
{
	_cleanup_close_ int sub = -EBADF;
	size_t old = w->plen, nl = strlen (name);
	struct where next = { .dir = name, .parent = wh->dir, .grandparent = wh->parent };
	int r;

	if (depth >= w->c->o.max_depth) {
		hull_lang_warn (w->c->inv, "%s/%s: deeper than %u directories: not read", w->path,
				name, w->c->o.max_depth);
		return 0;
	}
	if (old + nl + 2 >= sizeof w->path) {
		hull_lang_warn (w->c->inv, "%s/%s: path too long: not read", w->path, name);
		return 0;
	}
	/* O_NOFOLLOW: the entry was a directory at fstatat time; if it was swapped for a
	 * symlink since, the open fails instead of leaving the tree. */
	sub = openat (dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sub < 0) {
		hull_lang_warn (w->c->inv, "%s%s%s: %s", w->path, old ? "/" : "", name,
				strerror (errno));
		return 0;
	}
	if (old)
		w->path[w->plen++] = '/';
	memcpy (w->path + w->plen, name, nl + 1);
	w->plen += nl;
	r = walk_dir (w, sub, &next, depth + 1, err);
	w->plen = old;
	w->path[old] = '\0';
	return r;
}

/* Skipped at the top of the tree: kernel interfaces, never package files (and /proc
 * of a live system is endless). */
static const char *const skip_top[] = { "proc", "sys", "dev" };

static bool
skipped_top (const char *name, uint32_t depth)
{
	if (depth != 0)
		return false;
	for (size_t i = 0; i < sizeof skip_top / sizeof skip_top[0]; i++)
		if (strcmp (name, skip_top[i]) == 0)
			return true;
	return false;
}

static int
walk_dir (struct walk *w, int dfd, struct where *wh, uint32_t depth, hull_error_t *err)
{
	size_t n = 0;
	char **names = list_dir (w, dfd, &n, err);
	int r = 0;

	if (names == NULL) {
		hull_lang_warn (w->c->inv, "%s", err->msg);
		hull_error_clear (err);
		return 0;
	}
	for (size_t i = 0; i < n && r >= 0 && !w->stopped; i++) {
		struct stat st;
		enum kind k;

		if (++w->entries > HULL_LANG_MAX_ENTRIES) {
			hull_lang_warn (w->c->inv, "more than %u files: the rest not read",
					HULL_LANG_MAX_ENTRIES);
			w->stopped = true;
			break;
		}
		if (skipped_top (names[i], depth) ||
		    fstatat (dfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR (st.st_mode)) {
			r = walk_subdir (w, dfd, names[i], wh, depth, err);
			continue;
		}
		if (!S_ISREG (st.st_mode))
			continue; /* symlinks are never followed */
		k = classify (names[i], wh, &st);
		/* A lockfile inside an installed package describes that package's own
		 * development tree, not what is installed. */
		if (k == K_NPM_LOCK && in_node_modules (w->path))
			k = K_NONE;
		if (k != K_NONE)
			r = read_file (w, dfd, names[i], k, err);
	}
	free_names (names, n);
	return r;
}

int
hull_inventory_scan_lang (int rootfd, const struct hull_inventory_opts *o,
			  struct hull_inventory *inv, hull_error_t *err)
{
	struct hull_lang_ctx c;
	struct walk *w = NULL;
	struct where top = { "", "", "" };
	_cleanup_close_ int dfd = -EBADF;
	int r;

	if (o != NULL && o->skip_language)
		return 0;
	dfd = openat (rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return hull_error_make (err, errno, "open the scan root");
	hull_lang_ctx_init (&c, inv, o);
	w = hull_xzalloc (sizeof *w);
	w->c = &c;
	r = walk_dir (w, dfd, &top, 0, err);
	free (w);
	hull_lang_ctx_clear (&c);
	if (r < 0)
		return hull_error_wrap (err, "language packages");
	return 0;
}
