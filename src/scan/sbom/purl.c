/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Package URLs (package-url/purl-spec, PURL-SPECIFICATION.rst "How to parse a purl
 * string"): pkg:type/namespace/name@version?qualifiers#subpath. Hostile input:
 * length capped, percent-escapes checked, a decoded NUL refused. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "scan/sbom/sbom.h"

#define PURL_MAX 4096
#define PURL_MAX_QUALIFIERS 64

static int
hexval (char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decode n bytes of s; NULL for a bad escape or an encoded NUL. */
static char *
pct_decode (const char *s, size_t n)
{
	char *out = hull_xmalloc (n + 1), *o = out;

	for (size_t i = 0; i < n; i++) {
		int hi, lo;
		if (s[i] != '%') {
			*o++ = s[i];
			continue;
		}
		if (i + 2 >= n)
			goto bad;
		hi = hexval (s[i + 1]), lo = hexval (s[i + 2]);
		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
			goto bad;
		*o++ = (char) (hi * 16 + lo);
		i += 2;
	}
	*o = '\0';
	return out;
bad:
	free (out);
	return NULL;
}

static int
bad (const char *s, const char *why, hull_error_t *err)
{
	return hull_error_make (err, EINVAL, "purl `%.200s`: %s", s, why);
}

/* A segment into *out, decoded; an empty segment stays NULL. */
static int
segment (const char *s, size_t n, char **out)
{
	if (n == 0)
		return 0;
	return (*out = pct_decode (s, n)) ? 0 : -EINVAL;
}

static int
parse_qualifiers (char *q, struct hull_purl *out)
{
	char *save = NULL;

	for (char *kv = strtok_r (q, "&", &save); kv; kv = strtok_r (NULL, "&", &save)) {
		char *eq = strchr (kv, '='), *val;
		if (eq == NULL || eq == kv || out->n_qualifiers >= PURL_MAX_QUALIFIERS)
			return -EINVAL;
		if (eq[1] == '\0')
			continue; /* purl-spec: an empty value is the same as no qualifier */
		if ((val = pct_decode (eq + 1, strlen (eq + 1))) == NULL)
			return -EINVAL;
		*eq = '\0';
		for (char *k = kv; *k; k++)
			*k = (char) (*k >= 'A' && *k <= 'Z' ? *k + 32 : *k);
		out->qkeys =
			hull_xreallocarray (out->qkeys, out->n_qualifiers + 1, sizeof (char *));
		out->qvals =
			hull_xreallocarray (out->qvals, out->n_qualifiers + 1, sizeof (char *));
		out->qkeys[out->n_qualifiers] = hull_xstrdup (kv);
		out->qvals[out->n_qualifiers++] = val;
	}
	return 0;
}

/* Everything after "pkg:type/": namespace/name@version. */
static int
parse_path (const char *r, struct hull_purl *out)
{
	size_t n = strlen (r);
	const char *at, *slash;

	while (n > 0 && r[n - 1] == '/')
		n--;
	/* The version '@' comes after the last '/': an unencoded npm scope ("@types/node")
	 * is not a version. */
	slash = memrchr (r, '/', n);
	at = slash ? memrchr (slash, '@', n - (size_t) (slash - r)) : memrchr (r, '@', n);
	if (at && segment (at + 1, n - (size_t) (at - r) - 1, &out->version) < 0)
		return -EINVAL;
	if (at)
		n = (size_t) (at - r);
	slash = memrchr (r, '/', n);
	if (segment (slash ? slash + 1 : r, slash ? n - (size_t) (slash - r) - 1 : n, &out->name) <
	    0)
		return -EINVAL;
	if (slash && segment (r, (size_t) (slash - r), &out->namespace) < 0)
		return -EINVAL;
	if (out->namespace)
		for (char *p = out->namespace; *p; p++)
			if (*p == '/' && p[1] == '/')
				return -EINVAL;
	return out->name ? 0 : -EINVAL;
}

int
hull_purl_parse (const char *s, struct hull_purl *out, hull_error_t *err)
{
	_cleanup_free_ char *buf = NULL;
	char *p, *hash, *q, *slash;

	memset (out, 0, sizeof (*out));
	if (strlen (s) > PURL_MAX)
		return bad (s, "longer than 4096 bytes", err);
	if (strncasecmp (s, "pkg:", 4) != 0)
		return bad (s, "does not start with `pkg:`", err);
	buf = hull_xstrdup (s + 4);
	if ((hash = strchr (buf, '#')) != NULL) {
		*hash++ = '\0';
		if (segment (hash, strlen (hash), &out->subpath) < 0)
			goto fail;
	}
	if ((q = strchr (buf, '?')) != NULL) {
		*q++ = '\0';
		if (parse_qualifiers (q, out) < 0)
			goto fail;
	}
	p = buf + strspn (buf, "/");
	if ((slash = strchr (p, '/')) == NULL || slash == p)
		goto fail;
	*slash = '\0';
	for (char *t = p; *t; t++) {
		if (!((*t >= 'a' && *t <= 'z') || (*t >= 'A' && *t <= 'Z') ||
		      (*t >= '0' && *t <= '9') || *t == '.' || *t == '+' || *t == '-'))
			goto fail;
		*t = (char) (*t >= 'A' && *t <= 'Z' ? *t + 32 : *t);
	}
	out->type = hull_xstrdup (p);
	if (parse_path (slash + 1, out) < 0)
		goto fail;
	return 0;
fail:
	hull_purl_clear (out);
	return bad (s, "malformed package URL", err);
}

void
hull_purl_clear (struct hull_purl *p)
{
	if (p == NULL)
		return;
	free (p->type);
	free (p->namespace);
	free (p->name);
	free (p->version);
	for (size_t i = 0; i < p->n_qualifiers; i++) {
		free (p->qkeys[i]);
		free (p->qvals[i]);
	}
	free (p->qkeys);
	free (p->qvals);
	free (p->subpath);
	memset (p, 0, sizeof (*p));
}

const char *
hull_purl_qualifier (const struct hull_purl *p, const char *key)
{
	for (size_t i = 0; i < p->n_qualifiers; i++)
		if (strcmp (p->qkeys[i], key) == 0)
			return p->qvals[i];
	return NULL;
}
