/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The inventory model (include/hull/scan.h): ownership, package types, purls, and the
 * OSV ecosystem names that the vulnerability matcher keys on. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/path.h"
#include "common/xalloc.h"
#include "scan/inventory/readers.h"

struct hull_pkg *
hull_inventory_add (struct hull_inventory *inv)
{
	struct hull_pkg *p;

	if (inv->n_pkgs == inv->cap_pkgs) {
		size_t cap = inv->cap_pkgs ? inv->cap_pkgs * 2 : 64;
		inv->pkgs = hull_xreallocarray (inv->pkgs, cap, sizeof *inv->pkgs);
		inv->cap_pkgs = cap;
	}
	p = &inv->pkgs[inv->n_pkgs++];
	memset (p, 0, sizeof *p);
	return p;
}

static void
strv_free (char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free (v[i]);
	free (v);
}

void
hull_pkg_clear (struct hull_pkg *p)
{
	if (p == NULL)
		return;
	free (p->name);
	free (p->version);
	free (p->source_name);
	free (p->source_version);
	free (p->arch);
	free (p->purl);
	free (p->location);
	strv_free (p->licenses, p->n_licenses);
	strv_free (p->files, p->n_files);
	memset (p, 0, sizeof *p);
}

void
hull_os_clear (struct hull_os *os)
{
	if (os == NULL)
		return;
	free (os->id);
	free (os->version_id);
	free (os->pretty_name);
	free (os->codename);
	memset (os, 0, sizeof *os);
}

void
hull_inventory_clear (struct hull_inventory *inv)
{
	if (inv == NULL)
		return;
	for (size_t i = 0; i < inv->n_pkgs; i++)
		hull_pkg_clear (&inv->pkgs[i]);
	free (inv->pkgs);
	for (size_t i = 0; i < inv->n_warnings; i++)
		free (inv->warnings[i]);
	free (inv->warnings);
	free (inv->target);
	free (inv->target_digest);
	hull_os_clear (&inv->os);
	memset (inv, 0, sizeof *inv);
}

/* Indexed by enum hull_pkg_type. */
static const struct {
	const char *purl;
	enum hull_vscheme vs;
	const char *osv; /* language ecosystems; OS ones depend on the distribution */
} pkg_types[HULL_PKG_TYPE_MAX] = {
	[HULL_PKG_UNKNOWN] = { NULL, HULL_VS_UNKNOWN, NULL },
	[HULL_PKG_DEB] = { "deb", HULL_VS_DPKG, NULL },
	[HULL_PKG_APK] = { "apk", HULL_VS_APK, NULL },
	[HULL_PKG_RPM] = { "rpm", HULL_VS_RPM, NULL },
	[HULL_PKG_PYPI] = { "pypi", HULL_VS_PEP440, "PyPI" },
	[HULL_PKG_NPM] = { "npm", HULL_VS_SEMVER, "npm" },
	[HULL_PKG_GOLANG] = { "golang", HULL_VS_SEMVER, "Go" },
	[HULL_PKG_CARGO] = { "cargo", HULL_VS_SEMVER, "crates.io" },
	[HULL_PKG_MAVEN] = { "maven", HULL_VS_MAVEN, "Maven" },
	[HULL_PKG_GEM] = { "gem", HULL_VS_GEM, "RubyGems" },
};

const char *
hull_pkg_type_purl (enum hull_pkg_type t)
{
	if ((unsigned) t >= HULL_PKG_TYPE_MAX)
		return NULL;
	return pkg_types[t].purl;
}

enum hull_vscheme
hull_pkg_type_vscheme (enum hull_pkg_type t)
{
	if ((unsigned) t >= HULL_PKG_TYPE_MAX)
		return HULL_VS_UNKNOWN;
	return pkg_types[t].vs;
}

/* How the OSV ecosystem of an OS package is named (OSV schema "Affected package",
 * ecosystem list): which release part follows the name. */
enum osv_release {
	OSV_NONE,	   /* "Red Hat": advisories carry the release in their ranges */
	OSV_MAJOR,	   /* "Debian:12" */
	OSV_FULL,	   /* "Ubuntu:22.04" */
	OSV_V_MAJOR_MINOR, /* "Alpine:v3.18" */
};

static const struct {
	const char *os_id; /* os-release ID */
	enum hull_pkg_type type;
	const char *ecosystem;
	enum osv_release rel;
} os_ecosystems[] = {
	{ "debian", HULL_PKG_DEB, "Debian", OSV_MAJOR },
	{ "ubuntu", HULL_PKG_DEB, "Ubuntu", OSV_FULL },
	{ "alpine", HULL_PKG_APK, "Alpine", OSV_V_MAJOR_MINOR },
	{ "wolfi", HULL_PKG_APK, "Wolfi", OSV_NONE },
	{ "chainguard", HULL_PKG_APK, "Chainguard", OSV_NONE },
	{ "rhel", HULL_PKG_RPM, "Red Hat", OSV_NONE },
	{ "rocky", HULL_PKG_RPM, "Rocky Linux", OSV_MAJOR },
	{ "almalinux", HULL_PKG_RPM, "AlmaLinux", OSV_MAJOR },
	{ "sles", HULL_PKG_RPM, "SUSE", OSV_NONE },
	{ "opensuse-leap", HULL_PKG_RPM, "openSUSE", OSV_NONE },
	{ "opensuse-tumbleweed", HULL_PKG_RPM, "openSUSE", OSV_NONE },
	{ "mageia", HULL_PKG_RPM, "Mageia", OSV_FULL },
	{ "openEuler", HULL_PKG_RPM, "openEuler", OSV_NONE },
};

/* The first `parts` dot-separated components of `v` ("3.18.4", 2 -> "3.18"). */
static char *
version_prefix (const char *v, int parts)
{
	size_t i = 0;
	int seen = 0;

	for (; v[i] != '\0'; i++)
		if (v[i] == '.' && ++seen == parts)
			break;
	return hull_xstrndup (v, i);
}

static char *
os_ecosystem (size_t k, const struct hull_os *os)
{
	_cleanup_free_ char *rel = NULL;
	const char *vid = os ? os->version_id : NULL;

	if (os_ecosystems[k].rel == OSV_NONE || vid == NULL || *vid == '\0')
		return hull_xstrdup (os_ecosystems[k].ecosystem);
	switch (os_ecosystems[k].rel) {
	case OSV_MAJOR:
		rel = version_prefix (vid, 1);
		break;
	case OSV_V_MAJOR_MINOR:
		rel = version_prefix (vid, 2);
		return hull_xasprintf ("%s:v%s", os_ecosystems[k].ecosystem, rel);
	default:
		rel = hull_xstrdup (vid);
		break;
	}
	return hull_xasprintf ("%s:%s", os_ecosystems[k].ecosystem, rel);
}

char *
hull_pkg_osv_ecosystem (const struct hull_pkg *p, const struct hull_os *os)
{
	if (p == NULL || (unsigned) p->type >= HULL_PKG_TYPE_MAX)
		return NULL;
	if (pkg_types[p->type].osv != NULL)
		return hull_xstrdup (pkg_types[p->type].osv);
	if (os != NULL && os->id != NULL)
		for (size_t k = 0; k < sizeof os_ecosystems / sizeof os_ecosystems[0]; k++)
			if (os_ecosystems[k].type == p->type &&
			    strcmp (os_ecosystems[k].os_id, os->id) == 0)
				return os_ecosystem (k, os);
	/* Unknown distribution: the family's base ecosystem for deb and apk (their
	 * advisories name a release, so matching stays conservative), none for rpm. */
	if (p->type == HULL_PKG_DEB)
		return hull_xstrdup ("Debian");
	if (p->type == HULL_PKG_APK)
		return hull_xstrdup ("Alpine");
	return NULL;
}

struct hull_inventory_opts
hull_inventory_opts_resolve (const struct hull_inventory_opts *o)
{
	struct hull_inventory_opts r = { 0 };

	if (o != NULL)
		r = *o;
	if (r.max_file_bytes == 0)
		r.max_file_bytes = HULL_INV_DEFAULT_MAX_FILE_BYTES;
	if (r.max_packages == 0)
		r.max_packages = HULL_INV_DEFAULT_MAX_PACKAGES;
	if (r.max_depth == 0)
		r.max_depth = HULL_INV_DEFAULT_MAX_DEPTH;
	return r;
}

static char *
read_fd_capped (int fd, const char *path, uint64_t max, size_t *out_len, hull_error_t *err)
{
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	size_t len = 0, want;

	if (fstat (fd, &st) < 0)
		return hull_error_make (err, errno, "stat `%s`", path), NULL;
	if (!S_ISREG (st.st_mode))
		return hull_error_make (err, EINVAL, "`%s` is not a regular file", path), NULL;
	if ((uint64_t) st.st_size > max)
		return hull_error_make (err, EFBIG, "`%s`: %lld bytes, more than the %llu accepted",
					path, (long long) st.st_size, (unsigned long long) max),
		       NULL;
	want = (size_t) st.st_size + 1; /* one more, to notice a file that grew */
	buf = hull_xmalloc (want + 1);
	while (len < want) {
		ssize_t n = read (fd, buf + len, want - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hull_error_make (err, errno, "read `%s`", path), NULL;
		if (n == 0)
			break;
		len += (size_t) n;
	}
	if (len > (size_t) st.st_size)
		return hull_error_make (err, EFBIG, "`%s` grew while being read", path), NULL;
	buf[len] = '\0';
	*out_len = len;
	return TAKE_PTR (buf);
}

char *
hull_inventory_read_in_root (int rootfd, const char *path, uint64_t max, size_t *len,
			     hull_error_t *err)
{
	_cleanup_close_ int fd = -EBADF;

	/* O_NONBLOCK: a FIFO planted in the tree must not block the open. */
	fd = hull_path_openat_in_root (rootfd, path, O_RDONLY | O_NOCTTY | O_NONBLOCK, 0, err);
	if (fd < 0)
		return NULL;
	return read_fd_capped (fd, path, max, len, err);
}

void
hull_purl_escape_append (char **buf, size_t *len, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen (s);

	*buf = hull_xrealloc (*buf, *len + 3 * n + 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char) s[i];
		if (isalnum (c) || strchr (".-_~:", c) != NULL) {
			(*buf)[(*len)++] = (char) c;
		} else {
			(*buf)[(*len)++] = '%';
			(*buf)[(*len)++] = hex[c >> 4];
			(*buf)[(*len)++] = hex[c & 15];
		}
	}
	(*buf)[*len] = '\0';
}

static void
append_raw (char **buf, size_t *len, const char *s)
{
	size_t n = strlen (s);

	*buf = hull_xrealloc (*buf, *len + n + 1);
	memcpy (*buf + *len, s, n + 1);
	*len += n;
}

char *
hull_purl_make (const char *type, const char *ns, const char *name, const char *version,
		const char *const *quals)
{
	char *buf = NULL;
	size_t len = 0;
	bool first = true;

	append_raw (&buf, &len, "pkg:");
	append_raw (&buf, &len, type);
	append_raw (&buf, &len, "/");
	if (ns != NULL && *ns != '\0') {
		hull_purl_escape_append (&buf, &len, ns);
		append_raw (&buf, &len, "/");
	}
	hull_purl_escape_append (&buf, &len, name);
	if (version != NULL && *version != '\0') {
		append_raw (&buf, &len, "@");
		hull_purl_escape_append (&buf, &len, version);
	}
	for (size_t i = 0; quals != NULL && quals[i] != NULL; i += 2) {
		if (quals[i + 1] == NULL || quals[i + 1][0] == '\0')
			continue;
		append_raw (&buf, &len, first ? "?" : "&");
		append_raw (&buf, &len, quals[i]);
		append_raw (&buf, &len, "=");
		hull_purl_escape_append (&buf, &len, quals[i + 1]);
		first = false;
	}
	return buf;
}

void
hull_strv_push (char ***v, size_t *n, const char *s)
{
	/* Grow in powers of two: the vector's capacity is implied by its count. */
	if ((*n & (*n - 1)) == 0)
		*v = hull_xreallocarray (*v, *n ? *n * 2 : 1, sizeof **v);
	(*v)[(*n)++] = hull_xstrdup (s);
}

char *
hull_inventory_lower (const char *s)
{
	char *r = hull_xstrdup (s);

	for (char *c = r; *c; c++)
		*c = (char) tolower ((unsigned char) *c);
	return r;
}
