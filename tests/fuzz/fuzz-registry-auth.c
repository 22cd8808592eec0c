/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: bytes -> the registry client's parsers of hostile input: the
 * WWW-Authenticate challenge, auth.json, the token answer and base64. The first
 * byte picks the parser; a parsed challenge must also build a token URL or refuse
 * it cleanly, and base64 that decodes must encode back to the same text. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hull/registry.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
challenge (const char *s, size_t n)
{
	struct hull_registry_challenge c;
	hull_error_t err = { 0 };
	char *url;

	if (hull_registry_challenge_parse (s, n, &c, &err) < 0)
		return;
	if (c.scheme == HULL_REGISTRY_AUTH_BEARER && c.realm == NULL)
		abort ();
	url = hull_registry_token_url (&c, "repository:a/b:pull", false, &err);
	if (url) {
		char origin[300];
		/* allow_http was false: only HTTPS realms may come back. */
		if (strncasecmp (url, "https://", 8) != 0)
			abort ();
		/* An origin decides where Authorization goes: never one with userinfo
		 * ("https://registry@evil") or a path in it. */
		if (hull_registry_url_origin (url, origin, sizeof origin) == 0 &&
		    (strncmp (origin, "https://", 8) != 0 || strpbrk (origin + 8, "@/?#") != NULL))
			abort ();
	}
	free (url);
	hull_registry_challenge_clear (&c);
}

static void
base64_round_trip (const char *s, size_t n)
{
	hull_error_t err = { 0 };
	char *out, *again;
	size_t len;

	if (hull_registry_base64_decode (s, n, &out, &len, &err) < 0)
		return;
	again = hull_registry_base64_encode (out, len);
	if (strlen (again) != n || memcmp (again, s, n) != 0)
		abort ();
	free (again);
	free (out);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	struct hull_registry_cred cred;
	hull_error_t err = { 0 };
	char *s, *tok = NULL;

	if (size < 1)
		return 0;
	s = malloc (size);
	memcpy (s, data + 1, size - 1);
	s[size - 1] = '\0';
	switch (data[0] % 4) {
	case 0:
		challenge (s, size - 1);
		break;
	case 1:
		if (hull_registry_authfile_parse (s, size - 1, "auth.json", "reg.test:5000", &cred,
						  &err) == 1 &&
		    (cred.user == NULL || cred.pass == NULL || cred.user[0] == '\0'))
			abort ();
		hull_registry_cred_clear (&cred);
		break;
	case 2:
		if (hull_registry_token_parse (s, size - 1, &tok, &err) == 0 && tok[0] == '\0')
			abort ();
		free (tok);
		break;
	default:
		base64_round_trip (s, size - 1);
		break;
	}
	free (s);
	return 0;
}
