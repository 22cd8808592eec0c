/* SPDX-License-Identifier: GPL-2.0-or-later */
/* npm: package-lock.json (docs.npmjs.com "package-lock.json": lockfileVersion 1 nests
 * "dependencies"; 2 and 3 list "packages" keyed by install path, "" being the project
 * itself) and node_modules/[@scope/]name/package.json. JSON goes through the one
 * wrapper (size cap, duplicate keys refused). A package seen both in a lockfile and in
 * the node_modules below it is counted once: the dedupe key is project directory, name
 * and version. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/xalloc.h"
#include "scan/inventory/lang-readers.h"

static uint64_t
fnv1a (const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char) *s) * 1099511628211ull;
	return h;
}

static void
seen_grow (struct hull_lang_ctx *c)
{
	size_t cap = c->cap_seen ? c->cap_seen * 2 : 256;
	char **v = hull_xcalloc (cap, sizeof (char *));

	for (size_t i = 0; i < c->cap_seen; i++) {
		size_t j;
		if (c->seen[i] == NULL)
			continue;
		for (j = fnv1a (c->seen[i]) & (cap - 1); v[j] != NULL; j = (j + 1) & (cap - 1))
			;
		v[j] = c->seen[i];
	}
	free (c->seen);
	c->seen = v;
	c->cap_seen = cap;
}

/* True if (dir, name, version) is new (and remembers it). */
static bool
seen_first (struct hull_lang_ctx *c, const char *dir, const char *name, const char *version)
{
	_cleanup_free_ char *key = hull_xasprintf ("%s\n%s\n%s", dir, name, version);
	size_t j;

	if ((c->n_seen + 1) * 2 > c->cap_seen)
		seen_grow (c);
	for (j = fnv1a (key) & (c->cap_seen - 1); c->seen[j] != NULL;
	     j = (j + 1) & (c->cap_seen - 1))
		if (strcmp (c->seen[j], key) == 0)
			return false;
	c->seen[j] = TAKE_PTR (key);
	c->n_seen++;
	return true;
}

static const char *
str_member (json_t *o, const char *key)
{
	json_t *v = json_object_get (o, key);
	return json_is_string (v) ? json_string_value (v) : NULL;
}

/* "license": "MIT" | {"type": "MIT"}; legacy "licenses": ["MIT"] | [{"type": "MIT"}]. */
static void
add_licenses (struct hull_pkg *p, json_t *o)
{
	json_t *l = json_object_get (o, "license"), *v;
	size_t i;

	if (json_is_object (l))
		l = json_object_get (l, "type");
	if (json_is_string (l))
		hull_lang_add_license (p, json_string_value (l), json_string_length (l));
	l = json_object_get (o, "licenses");
	if (!json_is_array (l))
		return;
	json_array_foreach (l, i, v) {
		if (json_is_object (v))
			v = json_object_get (v, "type");
		if (json_is_string (v))
			hull_lang_add_license (p, json_string_value (v), json_string_length (v));
	}
}

static int
add_one (struct hull_lang_ctx *c, const char *name, const char *version, json_t *o,
	 const char *location, const char *dir, hull_error_t *err)
{
	struct hull_pkg *p;

	if (name[0] == '\0' || version[0] == '\0' || !seen_first (c, dir, name, version))
		return 0;
	p = hull_lang_add (c, HULL_PKG_NPM, name, version, location, err);
	if (p == NULL)
		return -1;
	add_licenses (p, o);
	return 0;
}

/* lockfileVersion 1: "dependencies": { NAME: { "version", "dependencies": {...} } }. */
static int
lock_v1 (struct hull_lang_ctx *c, json_t *deps, unsigned depth, const char *location,
	 const char *dir, hull_error_t *err)
{
	const char *name;
	json_t *v;

	if (deps == NULL)
		return 0;
	if (!json_is_object (deps))
		return hull_error_make (err, EINVAL, "`%s`: \"dependencies\" is not an object",
					location);
	if (depth > HULL_LANG_NPM_MAX_NESTING)
		return hull_error_make (err, ELOOP, "`%s`: dependencies nested deeper than %u",
					location, HULL_LANG_NPM_MAX_NESTING);
	json_object_foreach (deps, name, v) {
		const char *version;
		if (!json_is_object (v))
			return hull_error_make (err, EINVAL,
						"`%s`: dependency `%s` is not an object", location,
						name);
		version = str_member (v, "version");
		if (version != NULL && add_one (c, name, version, v, location, dir, err) < 0)
			return -1;
		if (lock_v1 (c, json_object_get (v, "dependencies"), depth + 1, location, dir,
			     err) < 0)
			return -1;
	}
	return 0;
}

/* lockfileVersion 2 and 3: "packages": { "node_modules/a/node_modules/@s/b": {...} }. */
static int
lock_packages (struct hull_lang_ctx *c, json_t *pkgs, const char *location, const char *dir,
	       hull_error_t *err)
{
	const char *key;
	json_t *v;

	if (!json_is_object (pkgs))
		return hull_error_make (err, EINVAL, "`%s`: \"packages\" is not an object",
					location);
	json_object_foreach (pkgs, key, v) {
		const char *name = NULL, *version, *nm = NULL, *q;

		if (key[0] == '\0')
			continue; /* the project itself */
		if (!json_is_object (v))
			return hull_error_make (err, EINVAL, "`%s`: package `%s` is not an object",
						location, key);
		if (json_is_true (json_object_get (v, "link")))
			continue; /* a symlink to a workspace folder, listed under its own key */
		for (q = key; (q = strstr (q, "node_modules/")) != NULL; q += 13)
			nm = q + 13;
		/* A key without node_modules/ is a workspace folder: its name is recorded. */
		name = nm != NULL ? nm : str_member (v, "name");
		version = str_member (v, "version");
		if (name == NULL || version == NULL)
			continue;
		if (add_one (c, name, version, v, location, dir, err) < 0)
			return -1;
	}
	return 0;
}

int
hull_lang_npm_lock_parse (struct hull_lang_ctx *c, const char *buf, size_t len,
			  const char *location, const char *dir, hull_error_t *err)
{
	_cleanup_ (json_decrefp) json_t *root = NULL;
	json_t *ver, *pkgs;
	json_int_t lv = 1;

	root = hull_json_parse (buf, len, c->o.max_file_bytes, location, err);
	if (root == NULL)
		return -1;
	if (!json_is_object (root))
		return hull_error_make (err, EINVAL, "`%s`: not a JSON object", location);
	ver = json_object_get (root, "lockfileVersion");
	if (ver != NULL) {
		if (!json_is_integer (ver))
			return hull_error_make (
				err, EINVAL, "`%s`: lockfileVersion is not an integer", location);
		lv = json_integer_value (ver);
	}
	if (lv < 1 || lv > 3)
		return hull_error_make (err, ENOTSUP, "`%s`: lockfileVersion %lld not supported",
					location, (long long) lv);
	pkgs = json_object_get (root, "packages");
	/* Version 2 carries both maps for npm 6; "packages" is the complete one. */
	if (lv >= 2 && pkgs != NULL)
		return lock_packages (c, pkgs, location, dir, err);
	if (lv == 3)
		return hull_error_make (err, EINVAL, "`%s`: lockfileVersion 3 without \"packages\"",
					location);
	return lock_v1 (c, json_object_get (root, "dependencies"), 0, location, dir, err);
}

int
hull_lang_npm_pkgjson_parse (struct hull_lang_ctx *c, const char *buf, size_t len,
			     const char *location, const char *dir, hull_error_t *err)
{
	_cleanup_ (json_decrefp) json_t *root = NULL;
	const char *name, *version;

	root = hull_json_parse (buf, len, c->o.max_file_bytes, location, err);
	if (root == NULL)
		return -1;
	if (!json_is_object (root))
		return hull_error_make (err, EINVAL, "`%s`: not a JSON object", location);
	name = str_member (root, "name");
	version = str_member (root, "version");
	if (name == NULL || name[0] == '\0' || version == NULL || version[0] == '\0')
		return hull_error_make (err, EINVAL, "`%s`: no \"%s\" string", location,
					name == NULL || name[0] == '\0' ? "name" : "version");
	return add_one (c, name, version, root, location, dir, err);
}
