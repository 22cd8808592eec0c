/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Image references, parsed with the grammar of distribution/reference (the one
 * docker, podman and containerd share) so that a name means the same image in
 * hull as in those tools:
 *
 *   reference  := name [ ":" tag ] [ "@" digest ]
 *   name       := [ domain "/" ] component ( "/" component )*
 *   domain     := host [ ":" port ]          (first component with '.' or ':' or "localhost")
 *   component  := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
 *   tag        := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
 *
 * The default domain is a build-time value (HULL_DEFAULT_REGISTRY, empty unless a
 * packager sets it): hull names no registry of its own accord. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "hull/image.h"

#define NAME_MAX_TOTAL 255 /* distribution/reference NameTotalLengthMax */
#define TAG_MAX 128

static bool
is_lower_alnum (char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* One path component: alnum runs joined by '.', '_', "__" or any number of '-'. */
static bool
component_valid (const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t run = 0, sep = 0;

		while (i < n && is_lower_alnum (s[i]))
			i++, run++;
		if (run == 0)
			return false;
		if (i == n)
			return true;
		if (s[i] == '.')
			sep = 1;
		else if (s[i] == '_')
			sep = (i + 1 < n && s[i + 1] == '_') ? 2 : 1;
		else if (s[i] == '-')
			while (i + sep < n && s[i + sep] == '-')
				sep++;
		if (sep == 0)
			return false;
		i += sep;
		if (i == n)
			return false;
	}
	return n > 0;
}

static bool
host_label_valid (const char *s, size_t n)
{
	if (n == 0 || !isalnum ((unsigned char) s[0]) || !isalnum ((unsigned char) s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum ((unsigned char) s[i]) && s[i] != '-')
			return false;
	return true;
}

/* host [":" port]; IPv6 literals are not accepted (yet). */
static bool
domain_valid (const char *s, size_t n)
{
	const char *colon = memchr (s, ':', n);
	size_t hn = colon ? (size_t) (colon - s) : n;
	size_t start = 0;

	if (colon) {
		size_t pn = n - hn - 1;
		if (pn == 0 || pn > 5)
			return false;
		for (size_t i = hn + 1; i < n; i++)
			if (!isdigit ((unsigned char) s[i]))
				return false;
	}
	for (size_t i = 0; i <= hn; i++) {
		if (i == hn || s[i] == '.') {
			if (!host_label_valid (s + start, i - start))
				return false;
			start = i + 1;
		}
	}
	return true;
}

bool
hull_image_digest_valid (const char *s)
{
	if (s == NULL || strncmp (s, "sha256:", 7) != 0 || strlen (s) != 7 + 64)
		return false;
	for (const char *p = s + 7; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

static bool
tag_valid (const char *s)
{
	size_t n = strlen (s);

	if (n == 0 || n > TAG_MAX || s[0] == '.' || s[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum ((unsigned char) s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
			return false;
	return true;
}

static bool
looks_like_domain (const char *s, size_t n)
{
	return memchr (s, '.', n) || memchr (s, ':', n) || (n == 9 && !strncmp (s, "localhost", 9));
}

static int
check_path (const char *ref, const char *path, hull_error_t *err)
{
	const char *p = path;

	for (;;) {
		const char *slash = strchr (p, '/');
		size_t n = slash ? (size_t) (slash - p) : strlen (p);

		if (!component_valid (p, n)) {
			for (size_t i = 0; i < n; i++)
				if (isupper ((unsigned char) p[i]))
					return hull_error_make (
						err, 0,
						"reference `%s`: repository name must be lowercase",
						ref);
			return hull_error_make (err, 0, "reference `%s`: invalid repository name",
						ref);
		}
		if (!slash)
			return 0;
		p = slash + 1;
	}
}

/* Split "name[:tag]" (digest already removed) into name and tag. The tag's ':' is
 * the last one after the last '/', so "host:5000/x" has no tag. */
static void
split_tag (char *s, char **tag)
{
	char *slash = strrchr (s, '/');
	char *colon = strrchr (slash ? slash : s, ':');

	*tag = NULL;
	if (colon) {
		*colon = '\0';
		*tag = colon + 1;
	}
}

static int
split_domain (const char *ref, const char *name, const char *default_domain,
	      struct hull_image_ref *out, hull_error_t *err)
{
	const char *slash = strchr (name, '/');

	if (slash && looks_like_domain (name, (size_t) (slash - name))) {
		if (!domain_valid (name, (size_t) (slash - name)))
			return hull_error_make (err, 0, "reference `%s`: invalid domain", ref);
		out->domain = hull_xstrndup (name, (size_t) (slash - name));
		out->path = hull_xstrdup (slash + 1);
	} else if (default_domain == NULL || default_domain[0] == '\0') {
		return hull_error_make (err, 0,
					"reference `%s` names no registry and hull has no default "
					"(HULL_DEFAULT_REGISTRY): write it in full, for example "
					"`localhost/%s`",
					ref, name);
	} else {
		out->domain = hull_xstrdup (default_domain);
		out->path = hull_xstrdup (name);
	}
	/* The default registry's official images live under library/ (docker's rule). */
	if (default_domain && strcmp (out->domain, default_domain) == 0 &&
	    !strchr (out->path, '/')) {
		char *p = hull_xasprintf ("library/%s", out->path);
		free (out->path);
		out->path = p;
	}
	return check_path (ref, out->path, err);
}

int
hull_image_ref_parse (const char *s, const char *default_domain, struct hull_image_ref *out,
		      hull_error_t *err)
{
	char *copy, *at, *tag;
	int r = -EINVAL;

	memset (out, 0, sizeof *out);
	if (s == NULL || s[0] == '\0')
		return hull_error_make (err, 0, "empty image reference");
	if (strlen (s) > HULL_IMAGE_REF_MAX)
		return hull_error_make (err, 0, "image reference longer than %d bytes",
					HULL_IMAGE_REF_MAX);
	copy = hull_xstrdup (s);
	at = strchr (copy, '@');
	if (at) {
		*at = '\0';
		if (!hull_image_digest_valid (at + 1)) {
			r = hull_error_make (
				err, 0, "reference `%s`: invalid digest (want sha256:<64 hex>)", s);
			goto out;
		}
		out->digest = hull_xstrdup (at + 1);
	}
	split_tag (copy, &tag);
	if (tag && !tag_valid (tag)) {
		r = hull_error_make (err, 0, "reference `%s`: invalid tag `%s`", s, tag);
		goto out;
	}
	r = split_domain (s, copy, default_domain, out, err);
	if (r < 0)
		goto out;
	/* The limit applies to the normalised name, as distribution/reference does. */
	if (strlen (out->domain) + 1 + strlen (out->path) > NAME_MAX_TOTAL) {
		r = hull_error_make (err, 0, "reference `%s`: name longer than %d bytes", s,
				     NAME_MAX_TOTAL);
		goto out;
	}
	if (tag)
		out->tag = hull_xstrdup (tag);
	else if (!out->digest)
		out->tag = hull_xstrdup ("latest");
	r = 0;
out:
	free (copy);
	if (r < 0)
		hull_image_ref_clear (out);
	return r;
}

char *
hull_image_ref_name (const struct hull_image_ref *r)
{
	return hull_xasprintf ("%s/%s", r->domain, r->path);
}

char *
hull_image_ref_format (const struct hull_image_ref *r)
{
	return hull_xasprintf ("%s/%s%s%s%s%s", r->domain, r->path, r->tag ? ":" : "",
			       r->tag ? r->tag : "", r->digest ? "@" : "",
			       r->digest ? r->digest : "");
}

void
hull_image_ref_clear (struct hull_image_ref *r)
{
	free (r->domain);
	free (r->path);
	free (r->tag);
	free (r->digest);
	memset (r, 0, sizeof *r);
}
