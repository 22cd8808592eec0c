/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Registry URLs (distribution spec "API": /v2/<name>/manifests/<reference>,
 * /v2/<name>/blobs/<digest>), token request URLs, and which registries may be
 * spoken to over plain HTTP. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/cleanup.h"
#include "common/file.h"
#include "common/json.h"
#include "common/xalloc.h"
#include "hull/registry.h"

#define CONFIG_MAX (64u * 1024)
#define INSECURE_MAX 256

char *
hull_registry_url (bool insecure, const char *domain, const char *path, const char *kind,
		   const char *ref)
{
	return hull_xasprintf ("%s://%s/v2/%s/%s/%s", insecure ? "http" : "https", domain, path,
			       kind, ref);
}

/* RFC 3986 section 2.3 unreserved characters stay; everything else is %XX. */
static void
append_encoded (char **buf, size_t *len, const char *s)
{
	size_t n = strlen (s);

	*buf = hull_xrealloc (*buf, *len + 3 * n + 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char) s[i];
		if (isalnum (c) || c == '-' || c == '.' || c == '_' || c == '~')
			(*buf)[(*len)++] = (char) c;
		else
			*len += (size_t) snprintf (*buf + *len, 4, "%%%02X", c);
	}
	(*buf)[*len] = '\0';
}

static void
append_param (char **buf, size_t *len, bool *first, const char *name, const char *value)
{
	size_t n = strlen (name);

	*buf = hull_xrealloc (*buf, *len + n + 3);
	(*buf)[(*len)++] = *first ? '?' : '&';
	memcpy (*buf + *len, name, n);
	*len += n;
	(*buf)[(*len)++] = '=';
	(*buf)[*len] = '\0';
	append_encoded (buf, len, value);
	*first = false;
}

char *
hull_registry_token_url (const struct hull_registry_challenge *c, const char *scope,
			 bool allow_http, hull_error_t *err)
{
	const char *realm = c->realm;
	char *buf;
	size_t len;
	bool first;

	if (realm == NULL ||
	    (strncasecmp (realm, "https://", 8) != 0 && strncasecmp (realm, "http://", 7) != 0)) {
		hull_error_make (err, 0, "token realm `%s` is not an http(s) URL",
				 realm ? realm : "");
		return NULL;
	}
	if (!allow_http && strncasecmp (realm, "http://", 7) == 0) {
		hull_error_make (err, 0,
				 "token realm `%s` is plain HTTP (credentials would travel "
				 "unencrypted)",
				 realm);
		return NULL;
	}
	/* Fragments would swallow the query; a realm with one is not a token endpoint. */
	if (strchr (realm, '#') || strpbrk (realm, " \t\r\n")) {
		hull_error_make (err, 0, "token realm `%s` is not a plain URL", realm);
		return NULL;
	}
	buf = hull_xstrdup (realm);
	len = strlen (buf);
	first = strchr (buf, '?') == NULL;
	if (c->service)
		append_param (&buf, &len, &first, "service", c->service);
	if (c->scope || scope)
		append_param (&buf, &len, &first, "scope", c->scope ? c->scope : scope);
	return buf;
}

int
hull_registry_url_origin (const char *url, char *out, size_t n)
{
	size_t skip, hlen;

	if (strncasecmp (url, "https://", 8) == 0)
		skip = 8;
	else if (strncasecmp (url, "http://", 7) == 0)
		skip = 7;
	else
		return -1;
	hlen = strcspn (url + skip, "/?#");
	/* userinfo is refused: "https://registry@evil/" must not look like "registry". */
	if (hlen == 0 || memchr (url + skip, '@', hlen) || skip + hlen >= n)
		return -1;
	for (size_t i = 0; i < skip + hlen; i++)
		out[i] = (char) tolower ((unsigned char) url[i]);
	out[skip + hlen] = '\0';
	return 0;
}

/* Length of the host part of "host[:port]" or "[v6]:port". */
static size_t
host_len (const char *s)
{
	const char *close = s[0] == '[' ? strchr (s, ']') : NULL;

	return close ? (size_t) (close - s) + 1 : strcspn (s, ":");
}

bool
hull_registry_insecure_match (const char *domain, const char *const *list, size_t n)
{
	size_t hl = host_len (domain);

	for (size_t i = 0; i < n; i++) {
		const char *e = list[i];
		if (strcasecmp (e, domain) == 0)
			return true;
		/* An entry without a port names every port of its host. */
		if (e[host_len (e)] == '\0' && strlen (e) == hl && strncasecmp (e, domain, hl) == 0)
			return true;
	}
	return false;
}

int
hull_registry_config_load (const char *path, char ***out, size_t *n, hull_error_t *err)
{
	_cleanup_ (json_decrefp) json_t *root = NULL;
	_cleanup_free_ char *buf = NULL;
	json_t *ins, *v;
	size_t len, i;

	*out = NULL;
	*n = 0;
	if (path == NULL)
		path = HULL_REGISTRY_CONFIG;
	buf = hull_file_read_capped (AT_FDCWD, path, 0, CONFIG_MAX, &len, err);
	if (buf == NULL)
		return hull_error_ret (err) == -ENOENT ? (hull_error_clear (err), 0) : -EINVAL;
	if ((root = hull_json_parse (buf, len, CONFIG_MAX, path, err)) == NULL)
		return -EINVAL;
	ins = json_is_object (root) ? json_object_get (root, "insecure") : NULL;
	if (!json_is_object (root) || (ins && !json_is_array (ins)))
		return hull_error_make (err, 0, "%s: expected {\"insecure\": [\"host:port\", ...]}",
					path);
	if (ins && json_array_size (ins) > INSECURE_MAX)
		return hull_error_make (err, 0, "%s: more than %d insecure entries", path,
					INSECURE_MAX);
	*out = hull_xcalloc (json_array_size (ins) + 1, sizeof **out);
	json_array_foreach (ins, i, v) {
		if (!json_is_string (v) || json_string_length (v) == 0) {
			for (size_t k = 0; k < *n; k++)
				free ((*out)[k]);
			free (TAKE_PTR (*out));
			*n = 0;
			return hull_error_make (err, 0, "%s: insecure[%zu]: expected a host[:port]",
						path, i);
		}
		(*out)[(*n)++] = hull_xstrdup (json_string_value (v));
	}
	return 0;
}
