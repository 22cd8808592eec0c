/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Registry authentication: the WWW-Authenticate challenge (RFC 9110 section 11.6.1,
 * the Bearer scheme of RFC 6750 section 3 as the distribution token spec uses it),
 * auth.json credential files (podman's containers-auth.json(5), docker's
 * config.json) and token answers. All three are hostile input: sizes are capped
 * before anything is allocated, and whatever is not exactly the grammar is refused
 * (tests/fuzz/fuzz-registry-auth.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/file.h"
#include "common/json.h"
#include "common/xalloc.h"
#include "hull/registry.h"

#define PARAMS_MAX 16
#define TOKEN_MAX (64u * 1024)

/* RFC 9110 section 5.6.2 tchar. */
static bool
is_tchar (unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr ("!#$%&'*+-.^_`|~", c) != NULL);
}

struct cursor {
	const char *s;
	size_t i, n;
};

static void
skip_ows (struct cursor *c)
{
	while (c->i < c->n && (c->s[c->i] == ' ' || c->s[c->i] == '\t'))
		c->i++;
}

static size_t
take_token (struct cursor *c)
{
	size_t start = c->i;

	while (c->i < c->n && is_tchar ((unsigned char) c->s[c->i]))
		c->i++;
	return c->i - start;
}

/* quoted-string (RFC 9110 section 5.6.4) into a new string, escapes removed. */
static int
take_quoted (struct cursor *c, char **out, hull_error_t *err)
{
	_cleanup_free_ char *v = hull_xmalloc (c->n - c->i + 1);
	size_t k = 0;

	c->i++; /* the opening quote */
	while (c->i < c->n && c->s[c->i] != '"') {
		if (c->s[c->i] == '\\' && ++c->i >= c->n)
			break;
		v[k++] = c->s[c->i++];
	}
	if (c->i >= c->n)
		return hull_error_make (err, 0, "WWW-Authenticate: unterminated quoted string");
	c->i++;
	v[k] = '\0';
	*out = TAKE_PTR (v);
	return 0;
}

static const struct {
	const char *name;
	size_t offset;
} params[] = {
	{ "realm", offsetof (struct hull_registry_challenge, realm) },
	{ "service", offsetof (struct hull_registry_challenge, service) },
	{ "scope", offsetof (struct hull_registry_challenge, scope) },
	{ "error", offsetof (struct hull_registry_challenge, error) },
};

/* Store a known parameter; unknown ones are dropped, duplicates refused. */
static int
store_param (struct hull_registry_challenge *ch, const char *name, size_t nlen, char *value,
	     char seen[PARAMS_MAX][32], size_t *n_seen, hull_error_t *err)
{
	_cleanup_free_ char *v = value;

	if (nlen >= 32 || *n_seen >= PARAMS_MAX)
		return hull_error_make (err, 0,
					"WWW-Authenticate: too many or too long parameters");
	for (size_t i = 0; i < *n_seen; i++)
		if (strlen (seen[i]) == nlen && strncasecmp (seen[i], name, nlen) == 0)
			return hull_error_make (err, 0,
						"WWW-Authenticate: parameter `%.*s` repeated",
						(int) nlen, name);
	memcpy (seen[*n_seen], name, nlen);
	seen[(*n_seen)++][nlen] = '\0';
	for (size_t i = 0; i < sizeof params / sizeof params[0]; i++)
		if (strlen (params[i].name) == nlen &&
		    strncasecmp (params[i].name, name, nlen) == 0)
			*(char **) ((char *) ch + params[i].offset) = TAKE_PTR (v);
	return 0;
}

/* auth-param *( OWS "," OWS auth-param ), with empty list elements allowed. */
static int
parse_params (struct cursor *c, struct hull_registry_challenge *ch, hull_error_t *err)
{
	char seen[PARAMS_MAX][32];
	size_t n_seen = 0;

	while (c->i < c->n) {
		const char *name = c->s + c->i;
		size_t nlen = take_token (c);
		char *value = NULL;

		if (nlen == 0 && c->s[c->i] == ',') {
			c->i++, skip_ows (c);
			continue;
		}
		skip_ows (c);
		if (nlen == 0 || c->i >= c->n || c->s[c->i] != '=')
			return hull_error_make (err, 0,
						"WWW-Authenticate: expected name=value at "
						"byte %zu (one challenge only)",
						c->i);
		c->i++, skip_ows (c);
		if (c->i < c->n && c->s[c->i] == '"') {
			if (take_quoted (c, &value, err) < 0)
				return -EINVAL;
		} else {
			const char *v = c->s + c->i;
			size_t vlen = take_token (c);
			if (vlen == 0)
				return hull_error_make (err, 0,
							"WWW-Authenticate: empty value of `%.*s`",
							(int) nlen, name);
			value = hull_xstrndup (v, vlen);
		}
		if (store_param (ch, name, nlen, value, seen, &n_seen, err) < 0)
			return -EINVAL;
		skip_ows (c);
		if (c->i < c->n && c->s[c->i] != ',')
			return hull_error_make (err, 0,
						"WWW-Authenticate: expected `,` at byte %zu", c->i);
		if (c->i < c->n)
			c->i++, skip_ows (c);
	}
	return 0;
}

static int
check_chars (const char *s, size_t len, hull_error_t *err)
{
	if (len > HULL_REGISTRY_HEADER_MAX)
		return hull_error_make (err, 0, "WWW-Authenticate: more than %d bytes",
					HULL_REGISTRY_HEADER_MAX);
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char) s[i];
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return hull_error_make (
				err, 0, "WWW-Authenticate: control character at byte %zu", i);
	}
	return 0;
}

int
hull_registry_challenge_parse (const char *s, size_t len, struct hull_registry_challenge *out,
			       hull_error_t *err)
{
	struct cursor c = { s, 0, len };
	const char *scheme;
	size_t slen;

	memset (out, 0, sizeof *out);
	if (check_chars (s, len, err) < 0)
		return -EINVAL;
	skip_ows (&c);
	scheme = s + c.i;
	slen = take_token (&c);
	if (slen == 6 && strncasecmp (scheme, "bearer", 6) == 0)
		out->scheme = HULL_REGISTRY_AUTH_BEARER;
	else if (slen == 5 && strncasecmp (scheme, "basic", 5) == 0)
		out->scheme = HULL_REGISTRY_AUTH_BASIC;
	else
		return hull_error_make (err, 0, "WWW-Authenticate: unsupported scheme `%.*s`",
					(int) (slen > 32 ? 32 : slen), scheme);
	if (c.i < c.n && c.s[c.i] != ' ' && c.s[c.i] != '\t') {
		hull_registry_challenge_clear (out);
		return hull_error_make (err, 0,
					"WWW-Authenticate: expected a space after the scheme");
	}
	skip_ows (&c);
	if (parse_params (&c, out, err) < 0) {
		hull_registry_challenge_clear (out);
		return -EINVAL;
	}
	if (out->scheme == HULL_REGISTRY_AUTH_BEARER && (out->realm == NULL || !*out->realm)) {
		hull_registry_challenge_clear (out);
		return hull_error_make (err, 0, "WWW-Authenticate: Bearer challenge without realm");
	}
	return 0;
}

void
hull_registry_challenge_clear (struct hull_registry_challenge *c)
{
	free (c->realm);
	free (c->service);
	free (c->scope);
	free (c->error);
	memset (c, 0, sizeof *c);
}

static int
b64_value (unsigned char c)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c ? strchr (alphabet, c) : NULL;

	return p ? (int) (p - alphabet) : -1;
}

int
hull_registry_base64_decode (const char *s, size_t len, char **out, size_t *out_len,
			     hull_error_t *err)
{
	_cleanup_free_ char *buf = NULL;
	size_t k = 0;

	if (len % 4 != 0)
		return hull_error_make (err, 0, "base64: length %zu is not a multiple of 4", len);
	buf = hull_xmalloc (len / 4 * 3 + 1);
	for (size_t i = 0; i < len; i += 4) {
		int v[4];
		size_t pad = 0;
		for (size_t j = 0; j < 4; j++) {
			bool last = i + 4 == len;
			if (last && j >= 2 && s[i + j] == '=' && (j == 3 || s[i + 3] == '=')) {
				v[j] = 0, pad++;
				continue;
			}
			if ((v[j] = b64_value ((unsigned char) s[i + j])) < 0)
				return hull_error_make (err, 0, "base64: bad character at %zu",
							i + j);
		}
		/* Non-zero bits under the padding: two spellings of one value (RFC 4648
		 * section 3.5); only the canonical one is accepted. */
		if ((pad == 1 && (v[2] & 3)) || (pad == 2 && (v[1] & 15)))
			return hull_error_make (err, 0, "base64: non-canonical padding at %zu", i);
		uint32_t w = (uint32_t) v[0] << 18 | (uint32_t) v[1] << 12 | (uint32_t) v[2] << 6 |
			     (uint32_t) v[3];
		buf[k++] = (char) (w >> 16);
		if (pad < 2)
			buf[k++] = (char) (w >> 8 & 0xff);
		if (pad < 1)
			buf[k++] = (char) (w & 0xff);
	}
	buf[k] = '\0';
	*out_len = k;
	*out = TAKE_PTR (buf);
	return 0;
}

char *
hull_registry_base64_encode (const void *in, size_t len)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = in;
	char *out = hull_xmalloc ((len + 2) / 3 * 4 + 1);
	size_t k = 0;

	for (size_t i = 0; i < len; i += 3) {
		uint32_t w = (uint32_t) p[i] << 16;
		if (i + 1 < len)
			w |= (uint32_t) p[i + 1] << 8;
		if (i + 2 < len)
			w |= p[i + 2];
		out[k++] = alphabet[w >> 18 & 63];
		out[k++] = alphabet[w >> 12 & 63];
		out[k++] = i + 1 < len ? alphabet[w >> 6 & 63] : '=';
		out[k++] = i + 2 < len ? alphabet[w & 63] : '=';
	}
	out[k] = '\0';
	return out;
}

/* "https://host:port/v1/" -> "host:port": the key forms docker and podman write. */
static bool
key_names (const char *key, const char *domain)
{
	size_t n;

	if (strncmp (key, "https://", 8) == 0)
		key += 8;
	else if (strncmp (key, "http://", 7) == 0)
		key += 7;
	n = strcspn (key, "/");
	return strlen (domain) == n && strncmp (key, domain, n) == 0;
}

/* One auths entry: {"auth": base64("user:pass")}. An entry without "auth" (one a
 * credential helper serves) is "no credentials here". */
static int
read_entry (json_t *entry, const char *name, const char *key, struct hull_registry_cred *out,
	    hull_error_t *err)
{
	json_t *a = json_is_object (entry) ? json_object_get (entry, "auth") : NULL;
	_cleanup_free_ char *plain = NULL;
	size_t len;
	char *colon;

	if (!json_is_object (entry))
		return hull_error_make (err, 0, "%s: auths.%s: expected an object", name, key);
	if (a == NULL || (json_is_string (a) && json_string_length (a) == 0))
		return 0;
	if (!json_is_string (a))
		return hull_error_make (err, 0, "%s: auths.%s.auth: expected a string", name, key);
	if (hull_registry_base64_decode (json_string_value (a), json_string_length (a), &plain,
					 &len, err) < 0)
		return hull_error_wrap (err, "%s: auths.%s.auth", name, key);
	colon = memchr (plain, ':', len);
	if (colon == NULL || colon == plain || strlen (plain) != len)
		return hull_error_make (err, 0, "%s: auths.%s.auth: not base64 of `user:password`",
					name, key);
	*colon = '\0';
	out->user = hull_xstrdup (plain);
	out->pass = hull_xstrdup (colon + 1);
	return 1;
}

int
hull_registry_authfile_parse (const char *buf, size_t len, const char *name, const char *domain,
			      struct hull_registry_cred *out, hull_error_t *err)
{
	_cleanup_ (json_decrefp) json_t *root = NULL;
	json_t *auths, *v, *best = NULL;
	const char *key, *best_key = NULL;

	memset (out, 0, sizeof *out);
	root = hull_json_parse (buf, len, HULL_REGISTRY_AUTHFILE_MAX, name, err);
	if (root == NULL)
		return -EINVAL;
	if (!json_is_object (root))
		return hull_error_make (err, 0, "%s: expected an object", name);
	auths = json_object_get (root, "auths");
	if (auths == NULL)
		return 0;
	if (!json_is_object (auths))
		return hull_error_make (err, 0, "%s: auths: expected an object", name);
	/* The exact key wins over "https://host/..." forms of the same host. */
	json_object_foreach (auths, key, v) {
		if (strcmp (key, domain) == 0) {
			best = v, best_key = key;
			break;
		}
		if (best == NULL && key_names (key, domain))
			best = v, best_key = key;
	}
	return best ? read_entry (best, name, best_key, out, err) : 0;
}

static int
authfile_read (const char *path, const char *domain, struct hull_registry_cred *out,
	       hull_error_t *err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;

	buf = hull_file_read_capped (AT_FDCWD, path, 0, HULL_REGISTRY_AUTHFILE_MAX, &len, err);
	if (buf == NULL)
		return hull_error_wrap (err, "auth file");
	return hull_registry_authfile_parse (buf, len, path, domain, out, err);
}

int
hull_registry_authfile_find (const char *path, const char *domain, struct hull_registry_cred *out,
			     hull_error_t *err)
{
	const char *env = getenv ("REGISTRY_AUTH_FILE"), *xdg = getenv ("XDG_RUNTIME_DIR");
	const char *home = getenv ("HOME");
	_cleanup_free_ char *p1 = NULL, *p2 = NULL;
	const char *candidates[3];
	size_t n = 0;

	memset (out, 0, sizeof *out);
	if (path)
		return authfile_read (path, domain, out, err);
	if (env && *env)
		return authfile_read (env, domain, out, err);
	if (xdg && *xdg)
		candidates[n++] = p1 = hull_xasprintf ("%s/containers/auth.json", xdg);
	if (home && *home)
		candidates[n++] = p2 = hull_xasprintf ("%s/.docker/config.json", home);
	for (size_t i = 0; i < n; i++)
		if (access (candidates[i], F_OK) == 0)
			return authfile_read (candidates[i], domain, out, err);
	return 0;
}

void
hull_registry_cred_clear (struct hull_registry_cred *c)
{
	if (c->pass)
		explicit_bzero (c->pass, strlen (c->pass));
	free (c->user);
	free (c->pass);
	memset (c, 0, sizeof *c);
}

int
hull_registry_token_parse (const char *buf, size_t len, char **out, hull_error_t *err)
{
	_cleanup_ (json_decrefp) json_t *root = NULL;
	json_t *t;
	const char *s;

	root = hull_json_parse (buf, len, TOKEN_MAX * 4, "token answer", err);
	if (root == NULL)
		return -EINVAL;
	t = json_is_object (root) ? json_object_get (root, "token") : NULL;
	if (t == NULL && json_is_object (root))
		t = json_object_get (root, "access_token");
	if (!json_is_string (t) || json_string_length (t) == 0)
		return hull_error_make (err, 0, "token answer: no token");
	s = json_string_value (t);
	if (json_string_length (t) > TOKEN_MAX)
		return hull_error_make (err, 0, "token answer: token longer than %u bytes",
					TOKEN_MAX);
	/* It goes into a header: visible ASCII only (RFC 6750 section 2.1 b64token). */
	for (size_t i = 0; s[i]; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f)
			return hull_error_make (err, 0, "token answer: token holds byte 0x%02x",
						(unsigned char) s[i]);
	*out = hull_xstrdup (s);
	return 0;
}
