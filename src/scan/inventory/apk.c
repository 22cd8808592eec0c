/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Alpine (and other apk-tools distributions): lib/apk/db/installed, the installed
 * database of apk-tools 2.x. One block per package, blocks separated by an empty line,
 * each line "X:value" with a one-letter key (apk-tools src/database.c
 * apk_db_index_read / the "Package index format" on the Alpine wiki):
 *   P name  V version  A arch  L licence  o origin (source package)
 *   F directory, followed by its R files   (others ignored).
 *
 * Hostile input: a NUL byte, a line longer than HULL_INV_MAX_FIELD_BYTES, more than
 * o->max_packages packages or more than HULL_INV_MAX_FILES_PER_PKG files in one package
 * fail the read; a block with a line that is not "X:value", or without P or V, is
 * skipped. */
#include <errno.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "scan/inventory/readers.h"

#define APK_INSTALLED "lib/apk/db/installed"

struct block {
	struct hull_pkg p; /* built here, moved into the inventory when complete */
	char *dir;	   /* the current F: directory */
	bool any, bad;
};

static void
block_reset (struct block *b)
{
	hull_pkg_clear (&b->p);
	free (b->dir);
	memset (b, 0, sizeof *b);
}

static void
set_str (char **slot, const char *v, size_t n)
{
	free (*slot);
	*slot = hull_xstrndup (v, n);
}

static char *
apk_purl (const struct hull_pkg *p, const struct hull_os *os)
{
	_cleanup_free_ char *ns = NULL, *name = NULL;
	const char *quals[5] = { "arch", p->arch, "distro", os ? os->version_id : NULL, NULL };

	/* purl-spec apk: namespace is the vendor (alpine, wolfi), name lowercased. */
	ns = hull_inventory_lower (os && os->id ? os->id : "alpine");
	name = hull_inventory_lower (p->name);
	return hull_purl_make ("apk", ns, name, p->version, quals);
}

static int
finish (struct block *b, const char *location, const struct hull_os *os,
	const struct hull_inventory_opts *o, struct hull_inventory *inv, hull_error_t *err)
{
	struct hull_pkg *p;

	if (b->bad || b->p.name == NULL || b->p.version == NULL || *b->p.name == '\0' ||
	    *b->p.version == '\0') {
		block_reset (b);
		return 0;
	}
	if (inv->n_pkgs >= o->max_packages) {
		block_reset (b);
		return hull_error_make (err, E2BIG, "`%s`: more than %llu packages", location,
					(unsigned long long) o->max_packages);
	}
	b->p.type = HULL_PKG_APK;
	b->p.location = hull_xasprintf ("/%s", location);
	b->p.purl = apk_purl (&b->p, os);
	p = hull_inventory_add (inv);
	*p = b->p;
	memset (&b->p, 0, sizeof b->p);
	block_reset (b);
	return 0;
}

static int
add_file (struct block *b, const char *v, size_t n, const char *location, hull_error_t *err)
{
	_cleanup_free_ char *f = NULL;

	if (b->p.n_files >= HULL_INV_MAX_FILES_PER_PKG)
		return hull_error_make (err, E2BIG, "`%s`: package `%s` lists more than %u files",
					location, b->p.name ? b->p.name : "?",
					HULL_INV_MAX_FILES_PER_PKG);
	if (b->dir != NULL && *b->dir != '\0')
		f = hull_xasprintf ("/%s/%.*s", b->dir, (int) n, v);
	else
		f = hull_xasprintf ("/%.*s", (int) n, v);
	hull_strv_push (&b->p.files, &b->p.n_files, f);
	return 0;
}

static int
apk_line (struct block *b, const char *line, size_t n, const char *location,
	  const struct hull_inventory_opts *o, hull_error_t *err)
{
	const char *v;
	size_t vn;

	b->any = true;
	if (n < 2 || line[1] != ':') {
		b->bad = true;
		return 0;
	}
	v = line + 2;
	vn = n - 2;
	switch (line[0]) {
	case 'P':
		set_str (&b->p.name, v, vn);
		break;
	case 'V':
		set_str (&b->p.version, v, vn);
		break;
	case 'A':
		set_str (&b->p.arch, v, vn);
		break;
	case 'o':
		set_str (&b->p.source_name, v, vn);
		break;
	case 'L':
		if (vn > 0 && b->p.n_licenses == 0) {
			_cleanup_free_ char *l = hull_xstrndup (v, vn);
			hull_strv_push (&b->p.licenses, &b->p.n_licenses, l);
		}
		break;
	case 'F':
		set_str (&b->dir, v, vn);
		break;
	case 'R':
		if (!o->skip_files)
			return add_file (b, v, vn, location, err);
		break;
	default:
		break;
	}
	return 0;
}

int
hull_inventory_apk_parse (const char *buf, size_t len, const char *location,
			  const struct hull_os *os, const struct hull_inventory_opts *opts,
			  struct hull_inventory *inv, hull_error_t *err)
{
	struct hull_inventory_opts o = hull_inventory_opts_resolve (opts);
	struct block b = { 0 };
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
		if (n > HULL_INV_MAX_FIELD_BYTES) {
			block_reset (&b);
			return hull_error_make (err, EFBIG, "`%s` line %zu: longer than %u bytes",
						location, lineno, HULL_INV_MAX_FIELD_BYTES);
		}
		if (n == 0) {
			if (b.any && finish (&b, location, os, &o, inv, err) < 0)
				return -1;
			continue;
		}
		if (apk_line (&b, line, n, location, &o, err) < 0) {
			block_reset (&b);
			return -1;
		}
	}
	if (b.any)
		return finish (&b, location, os, &o, inv, err);
	block_reset (&b);
	return 0;
}

int
hull_inventory_apk_scan (int rootfd, const struct hull_inventory_opts *opts,
			 struct hull_inventory *inv, hull_error_t *err)
{
	struct hull_inventory_opts o = hull_inventory_opts_resolve (opts);
	_cleanup_free_ char *buf = NULL;
	hull_error_t local = { 0 };
	size_t len = 0;

	buf = hull_inventory_read_in_root (rootfd, APK_INSTALLED, o.max_file_bytes, &len, &local);
	if (buf == NULL) {
		if (local.code == ENOENT || local.code == ENOTDIR)
			return 0;
		if (err != NULL)
			*err = local;
		return hull_error_wrap (err, "apk");
	}
	if (hull_inventory_apk_parse (buf, len, APK_INSTALLED, &inv->os, &o, inv, err) < 0)
		return hull_error_wrap (err, "apk");
	return 0;
}
