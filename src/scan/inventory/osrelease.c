/* SPDX-License-Identifier: GPL-2.0-or-later */
/* OS detection from os-release(5): newline-separated KEY=VALUE assignments in a
 * shell-compatible subset (quotes, backslash escapes), `#` comments. */
#include <errno.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "scan/inventory/readers.h"

/* os-release is a few hundred bytes; anything near this is not an os-release file. */
#define OSRELEASE_MAX_BYTES (64u << 10)

/* Decode one value per os-release(5): "Variable assignment values must be enclosed in
 * double or single quotes if they include spaces, semicolons or other special
 * characters outside of A-Z, a-z, 0-9 ... shell special characters ("$", quotes,
 * backslash, backtick) must be escaped with backslashes". Returns NULL for an
 * unterminated quote (the line is then ignored, as systemd's parser does). */
static char *
unquote (const char *s, size_t n)
{
	_cleanup_free_ char *out = hull_xmalloc (n + 1);
	size_t o = 0;
	char q = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (q == '\'') {
			if (c == '\'')
				q = 0;
			else
				out[o++] = c;
		} else if (c == '\\' && i + 1 < n) {
			/* In double quotes only the shell specials are escapable. */
			if (q == '"' && strchr ("\"\\$`", s[i + 1]) == NULL)
				out[o++] = c;
			else
				out[o++] = s[++i];
		} else if (q == '"' && c == '"') {
			q = 0;
		} else if (q == 0 && (c == '"' || c == '\'')) {
			q = c;
		} else {
			out[o++] = c;
		}
	}
	if (q != 0)
		return NULL;
	out[o] = '\0';
	return TAKE_PTR (out);
}

static const struct {
	const char *key;
	size_t off;
} os_keys[] = {
	{ "ID", offsetof (struct hull_os, id) },
	{ "VERSION_ID", offsetof (struct hull_os, version_id) },
	{ "PRETTY_NAME", offsetof (struct hull_os, pretty_name) },
	{ "VERSION_CODENAME", offsetof (struct hull_os, codename) },
};

static void
assign (struct hull_os *os, const char *key, size_t klen, const char *val, size_t vlen)
{
	for (size_t k = 0; k < sizeof os_keys / sizeof os_keys[0]; k++) {
		char **slot = (char **) ((char *) os + os_keys[k].off);
		char *v;
		if (strlen (os_keys[k].key) != klen || memcmp (os_keys[k].key, key, klen) != 0)
			continue;
		v = unquote (val, vlen);
		if (v == NULL)
			return;
		free (*slot);
		*slot = v;
		return;
	}
	/* Older Ubuntu releases carry the codename only here. */
	if (klen == 15 && memcmp (key, "UBUNTU_CODENAME", 15) == 0 && os->codename == NULL)
		os->codename = unquote (val, vlen);
}

static bool
is_key_char (char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

int
hull_inventory_osrelease_parse (const char *buf, size_t len, struct hull_os *os, hull_error_t *err)
{
	const char *end;

	if (len > OSRELEASE_MAX_BYTES)
		return hull_error_make (err, EFBIG,
					"os-release: %zu bytes, more than the %u accepted", len,
					OSRELEASE_MAX_BYTES);
	/* A NUL ends the text: nothing after it can be meant as os-release content. */
	end = memchr (buf, '\0', len);
	if (end != NULL)
		len = (size_t) (end - buf);
	for (size_t i = 0; i < len;) {
		const char *line = buf + i, *nl = memchr (line, '\n', len - i);
		size_t n = nl ? (size_t) (nl - line) : len - i, k = 0, vs;
		i += n + (nl ? 1 : 0);
		while (k < n && (line[k] == ' ' || line[k] == '\t'))
			k++;
		if (k == n || line[k] == '#')
			continue;
		vs = k;
		while (vs < n && is_key_char (line[vs]))
			vs++;
		if (vs == k || vs == n || line[vs] != '=')
			continue; /* not an assignment: ignored, as systemd does */
		while (n > vs + 1 &&
		       (line[n - 1] == ' ' || line[n - 1] == '\t' || line[n - 1] == '\r'))
			n--;
		assign (os, line + k, vs - k, line + vs + 1, n - vs - 1);
	}
	return 0;
}

int
hull_inventory_osrelease_read (int rootfd, const struct hull_inventory_opts *o, struct hull_os *os,
			       hull_error_t *err)
{
	/* os-release(5): "/etc/os-release takes precedence over /usr/lib/os-release";
	 * the first is usually a symlink to ../usr/lib/os-release, resolved in the root. */
	static const char *const paths[] = { "etc/os-release", "usr/lib/os-release" };
	hull_error_t local = { 0 };

	for (size_t i = 0; i < 2; i++) {
		_cleanup_free_ char *buf = NULL;
		size_t len = 0;
		buf = hull_inventory_read_in_root (rootfd, paths[i], OSRELEASE_MAX_BYTES, &len,
						   &local);
		if (buf == NULL && (local.code == ENOENT || local.code == ENOTDIR))
			continue;
		if (buf == NULL) {
			if (err != NULL)
				*err = local;
			return hull_error_wrap (err, "OS detection");
		}
		return hull_inventory_osrelease_parse (buf, len, os, err);
	}
	return 0;
}
