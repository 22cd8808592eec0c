/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Python core metadata (PyPA "Core metadata specifications"): the RFC 822 style header
 * block of dist-info/METADATA, egg-info/PKG-INFO and single-file *.egg-info. Only the
 * headers are read; the body (the long description) after the first empty line is not. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "scan/inventory/lang-readers.h"

/* A License field longer than this, or continued over several lines, is a licence text
 * rather than a name: it is not recorded. */
#define MAX_LICENSE_NAME 200u
#define MAX_CLASSIFIERS 64u

struct meta {
	const char *name, *version, *license, *expr;
	size_t name_len, version_len, license_len, expr_len;
	bool license_multi;
	const char *classifiers[MAX_CLASSIFIERS];
	size_t classifier_len[MAX_CLASSIFIERS];
	size_t n_classifiers;
};

static void
trim (const char **s, size_t *n)
{
	while (*n > 0 && (**s == ' ' || **s == '\t'))
		(*s)++, (*n)--;
	while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' || (*s)[*n - 1] == '\r'))
		(*n)--;
}

static bool
key_is (const char *line, size_t klen, const char *key)
{
	return strlen (key) == klen && strncasecmp (line, key, klen) == 0;
}

/* One "Key: value" line into m (the first Name, Version, ... wins, as in
 * importlib.metadata, which returns the first header of a name). */
static void
header (struct meta *m, const char *line, size_t klen, const char *v, size_t vlen)
{
	if (key_is (line, klen, "Name") && m->name == NULL)
		m->name = v, m->name_len = vlen;
	else if (key_is (line, klen, "Version") && m->version == NULL)
		m->version = v, m->version_len = vlen;
	else if (key_is (line, klen, "License") && m->license == NULL)
		m->license = v, m->license_len = vlen;
	else if (key_is (line, klen, "License-Expression") && m->expr == NULL)
		m->expr = v, m->expr_len = vlen;
	else if (key_is (line, klen, "Classifier") && vlen > 11 &&
		 strncmp (v, "License :: ", 11) == 0 && m->n_classifiers < MAX_CLASSIFIERS) {
		m->classifiers[m->n_classifiers] = v;
		m->classifier_len[m->n_classifiers++] = vlen;
	}
}

static int
scan_headers (struct meta *m, const char *buf, size_t len, const char *location, hull_error_t *err)
{
	const char *p = buf, *end = buf + len, *last_key = NULL;
	size_t lineno = 0;

	while (p < end) {
		const char *nl = memchr (p, '\n', (size_t) (end - p));
		size_t n = nl ? (size_t) (nl - p) : (size_t) (end - p);
		const char *colon, *v;
		size_t vlen;

		lineno++;
		if (n > HULL_LANG_MAX_LINE)
			return hull_error_make (err, EINVAL, "`%s`: line %zu longer than %u bytes",
						location, lineno, HULL_LANG_MAX_LINE);
		if (n == 0 || (n == 1 && p[0] == '\r'))
			break; /* end of the headers: the body follows */
		if (p[0] == ' ' || p[0] == '\t') {
			/* a continuation line (RFC 822 folding) */
			if (last_key == NULL)
				return hull_error_make (
					err, EINVAL,
					"`%s`: line %zu: continuation before any header", location,
					lineno);
			if (m->license != NULL && last_key == m->license)
				m->license_multi = true;
		} else {
			colon = memchr (p, ':', n);
			if (colon == NULL || colon == p)
				return hull_error_make (err, EINVAL, "`%s`: line %zu: not a header",
							location, lineno);
			v = colon + 1;
			vlen = n - (size_t) (v - p);
			trim (&v, &vlen);
			header (m, p, (size_t) (colon - p), v, vlen);
			last_key = v;
		}
		p = nl ? nl + 1 : end;
	}
	return 0;
}

static void
add_licenses (struct hull_pkg *pkg, const struct meta *m)
{
	if (m->expr != NULL && m->expr_len > 0) {
		/* PEP 639: License-Expression supersedes License and the classifiers. */
		hull_lang_add_license (pkg, m->expr, m->expr_len);
		return;
	}
	if (m->license != NULL && !m->license_multi && m->license_len <= MAX_LICENSE_NAME)
		hull_lang_add_license (pkg, m->license, m->license_len);
	for (size_t i = 0; i < m->n_classifiers; i++) {
		/* "License :: OSI Approved :: MIT License" -> "MIT License" */
		const char *c = m->classifiers[i], *last = c;
		size_t n = m->classifier_len[i];
		for (const char *q = c; q + 4 <= c + n; q++)
			if (memcmp (q, " :: ", 4) == 0)
				last = q + 4;
		if (last == c + 11 && n - 11 == 12 && memcmp (last, "OSI Approved", 12) == 0)
			continue;
		hull_lang_add_license (pkg, last, n - (size_t) (last - c));
	}
}

int
hull_lang_python_parse (struct hull_lang_ctx *c, const char *buf, size_t len, const char *location,
			hull_error_t *err)
{
	struct meta m = { 0 };
	_cleanup_free_ char *name = NULL, *version = NULL;
	struct hull_pkg *pkg;

	if (hull_lang_has_nul (buf, len))
		return hull_error_make (err, EINVAL, "`%s`: NUL byte in metadata", location);
	if (scan_headers (&m, buf, len, location, err) < 0)
		return -1;
	if (m.name == NULL || m.name_len == 0 || m.version == NULL || m.version_len == 0)
		return hull_error_make (err, EINVAL, "`%s`: no %s header", location,
					m.name == NULL || m.name_len == 0 ? "Name" : "Version");
	name = hull_xstrndup (m.name, m.name_len);
	version = hull_xstrndup (m.version, m.version_len);
	pkg = hull_lang_add (c, HULL_PKG_PYPI, name, version, location, err);
	if (pkg == NULL)
		return -1;
	add_licenses (pkg, &m);
	return 0;
}
