/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Registry client parsers: WWW-Authenticate challenges (good and hostile), base64,
 * auth.json lookup, token answers, URL building, origins, insecure matching and the
 * registries.json config. No network. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "hull/registry.h"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

static const struct {
	const char *in;
	enum hull_registry_scheme scheme; /* NONE: refused */
	const char *realm, *service, *scope;
} challenges[] = {
	{ "Bearer realm=\"https://auth.test/token\",service=\"registry.test\",scope=\"repository:"
	  "a/b:pull\"",
	  HULL_REGISTRY_AUTH_BEARER, "https://auth.test/token", "registry.test",
	  "repository:a/b:pull" },
	{ "bearer  realm = \"https://a.test/t\" , service=reg", HULL_REGISTRY_AUTH_BEARER,
	  "https://a.test/t", "reg", NULL },
	{ "Bearer realm=\"https://a.test/t\",,error=\"invalid_token\",", HULL_REGISTRY_AUTH_BEARER,
	  "https://a.test/t", NULL, NULL },
	{ "Bearer realm=\"https://a.test/t?x=\\\"q\\\"\"", HULL_REGISTRY_AUTH_BEARER,
	  "https://a.test/t?x=\"q\"", NULL, NULL },
	{ "Bearer realm=\"https://a.test/t\",foo=bar", HULL_REGISTRY_AUTH_BEARER,
	  "https://a.test/t", NULL, NULL },
	{ "Basic realm=\"Registry Realm\"", HULL_REGISTRY_AUTH_BASIC, "Registry Realm", NULL,
	  NULL },
	{ "BASIC", HULL_REGISTRY_AUTH_BASIC, NULL, NULL, NULL },
	/* Refused. */
	{ "", HULL_REGISTRY_AUTH_NONE },
	{ "Digest realm=\"x\"", HULL_REGISTRY_AUTH_NONE },
	{ "Negotiate", HULL_REGISTRY_AUTH_NONE },
	{ "Bearer", HULL_REGISTRY_AUTH_NONE },		     /* no realm */
	{ "Bearer service=\"x\"", HULL_REGISTRY_AUTH_NONE }, /* no realm */
	{ "Bearer realm=\"\"", HULL_REGISTRY_AUTH_NONE },    /* empty realm */
	{ "Bearer realm=\"https://a\",realm=\"https://b\"", HULL_REGISTRY_AUTH_NONE },
	{ "Bearer realm=\"https://a\",REALM=\"https://b\"", HULL_REGISTRY_AUTH_NONE },
	{ "Bearer realm=\"https://a", HULL_REGISTRY_AUTH_NONE },	       /* unterminated */
	{ "Bearer realm=\"https://a\\", HULL_REGISTRY_AUTH_NONE },	       /* escape at end */
	{ "Bearer realm=", HULL_REGISTRY_AUTH_NONE },			       /* empty value */
	{ "Bearer realm=\"https://a\" scope=\"x\"", HULL_REGISTRY_AUTH_NONE }, /* no comma */
	{ "Bearer realm=\"https://a\", Basic realm=\"x\"", HULL_REGISTRY_AUTH_NONE }, /* two */
	{ "Bearer realm=\"https://a\r\nX-Injected: 1\"", HULL_REGISTRY_AUTH_NONE },
	{ "Bearerrealm=\"https://a\"", HULL_REGISTRY_AUTH_NONE },
	{ "Bearer,realm=\"https://a\"", HULL_REGISTRY_AUTH_NONE },
	{ "Bearer =x", HULL_REGISTRY_AUTH_NONE },
};

static void
test_challenges (void **state)
{
	for (size_t i = 0; i < sizeof challenges / sizeof challenges[0]; i++) {
		struct hull_registry_challenge c;
		hull_error_t err = { 0 };
		int r = hull_registry_challenge_parse (challenges[i].in, strlen (challenges[i].in),
						       &c, &err);
		if (challenges[i].scheme == HULL_REGISTRY_AUTH_NONE) {
			if (r == 0)
				fail_msg ("accepted `%s`", challenges[i].in);
			assert_non_null (strstr (err.msg, "WWW-Authenticate"));
			continue;
		}
		if (r < 0)
			fail_msg ("refused `%s`: %s", challenges[i].in, err.msg);
		assert_int_equal (c.scheme, challenges[i].scheme);
#define SAME(f)                                                                                    \
	if (challenges[i].f == NULL)                                                               \
		assert_null (c.f);                                                                 \
	else                                                                                       \
		assert_string_equal (c.f, challenges[i].f);
		SAME (realm);
		SAME (service);
		SAME (scope);
		hull_registry_challenge_clear (&c);
	}
}

static void
test_challenge_limits (void **state)
{
	size_t n = HULL_REGISTRY_HEADER_MAX + 10;
	char *big = malloc (n + 1);
	struct hull_registry_challenge c;
	hull_error_t err = { 0 };
	char many[1024];
	size_t k;

	memset (big, 'a', n);
	memcpy (big, "Bearer realm=\"", 14);
	big[n - 1] = '"';
	big[n] = '\0';
	assert_true (hull_registry_challenge_parse (big, n, &c, &err) < 0);
	assert_non_null (strstr (err.msg, "more than"));
	free (big);
	/* Seventeen parameters is one too many. */
	k = (size_t) snprintf (many, sizeof many, "Bearer realm=\"https://a\"");
	for (int i = 0; i < 16; i++)
		k += (size_t) snprintf (many + k, sizeof many - k, ",p%d=v", i);
	assert_true (hull_registry_challenge_parse (many, k, &c, &err) < 0);
	/* An embedded NUL is a control character, not the end of the header. */
	assert_true (hull_registry_challenge_parse ("Basic realm=\"a\0b\"", 17, &c, &err) < 0);
}

static void
test_base64 (void **state)
{
	static const struct {
		const char *plain, *enc;
	} t[] = { { "", "" },
		  { "f", "Zg==" },
		  { "fo", "Zm8=" },
		  { "foo", "Zm9v" },
		  { "user:pass", "dXNlcjpwYXNz" },
		  { "a:b:c", "YTpiOmM=" } };
	static const char *const bad[] = { "Zg=",  "Zg",   "Z===", "Zm9v=", "Zg==Zg==",
					   "Zm9*", "=Zg=", "Zm=v", "Zh==",  "Zm9=" };
	hull_error_t err = { 0 };
	char *out;
	size_t len;

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char *enc = hull_registry_base64_encode (t[i].plain, strlen (t[i].plain));
		assert_string_equal (enc, t[i].enc);
		free (enc);
		assert_int_equal (
			hull_registry_base64_decode (t[i].enc, strlen (t[i].enc), &out, &len, &err),
			0);
		assert_int_equal (len, strlen (t[i].plain));
		assert_string_equal (out, t[i].plain);
		free (out);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (hull_registry_base64_decode (bad[i], strlen (bad[i]), &out, &len, &err) == 0)
			fail_msg ("accepted base64 `%s`", bad[i]);
}

#define AUTHS(x) "{\"auths\": {" x "}}"

static void
test_authfile (void **state)
{
	static const struct {
		const char *doc, *domain;
		int want; /* 1 found, 0 none, -1 refused */
		const char *user, *pass;
	} t[] = {
		{ AUTHS ("\"reg.test:5000\": {\"auth\": \"dXNlcjpwYXNz\"}"), "reg.test:5000", 1,
		  "user", "pass" },
		{ AUTHS ("\"https://reg.test:5000/v1/\": {\"auth\": \"dXNlcjpwYXNz\"}"),
		  "reg.test:5000", 1, "user", "pass" },
		/* The exact key wins whatever the order. */
		{ AUTHS ("\"https://reg.test\": {\"auth\": \"YTpi\"}, \"reg.test\": {\"auth\": "
			 "\"dXNlcjpwYXNz\"}"),
		  "reg.test", 1, "user", "pass" },
		/* A password may hold ':' (split at the first). */
		{ AUTHS ("\"reg.test\": {\"auth\": \"YTpiOmM=\"}"), "reg.test", 1, "a", "b:c" },
		{ AUTHS ("\"reg.test:5000\": {\"auth\": \"dXNlcjpwYXNz\"}"), "reg.test", 0 },
		{ AUTHS ("\"reg.test.evil\": {\"auth\": \"dXNlcjpwYXNz\"}"), "reg.test", 0 },
		{ AUTHS ("\"reg.test\": {}"), "reg.test", 0 },
		{ AUTHS ("\"reg.test\": {\"auth\": \"\"}"), "reg.test", 0 },
		{ "{}", "reg.test", 0 },
		{ "{\"credHelpers\": {}}", "reg.test", 0 },
		{ AUTHS ("\"reg.test\": {\"auth\": \"bm9jb2xvbg==\"}"), "reg.test",
		  -1 },								  /* no ':' */
		{ AUTHS ("\"reg.test\": {\"auth\": \"OnB3\"}"), "reg.test", -1 }, /* empty user */
		{ AUTHS ("\"reg.test\": {\"auth\": \"not base64!\"}"), "reg.test", -1 },
		{ AUTHS ("\"reg.test\": {\"auth\": 5}"), "reg.test", -1 },
		{ AUTHS ("\"reg.test\": []"), "reg.test", -1 },
		{ "{\"auths\": []}", "reg.test", -1 },
		{ "[]", "reg.test", -1 },
		{ "{\"auths\": {}, \"auths\": {}}", "reg.test", -1 }, /* duplicate key */
		{ "{\"auths\": ", "reg.test", -1 },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct hull_registry_cred c;
		hull_error_t err = { 0 };
		int r = hull_registry_authfile_parse (t[i].doc, strlen (t[i].doc), "auth.json",
						      t[i].domain, &c, &err);
		if ((r < 0 ? -1 : r) != t[i].want)
			fail_msg ("case %zu `%s`: got %d (%s)", i, t[i].doc, r, err.msg);
		if (r < 0)
			assert_non_null (strstr (err.msg, "auth.json"));
		if (r == 1) {
			assert_string_equal (c.user, t[i].user);
			assert_string_equal (c.pass, t[i].pass);
		}
		hull_registry_cred_clear (&c);
	}
}

static void
test_authfile_search (void **state)
{
	char dir[] = "/tmp/hull-test-registry-XXXXXX", path[128], sub[128];
	const char *doc = AUTHS ("\"reg.test\": {\"auth\": \"dXNlcjpwYXNz\"}");
	struct hull_registry_cred c;
	hull_error_t err = { 0 };
	FILE *f;

	assert_non_null (mkdtemp (dir));
	snprintf (sub, sizeof sub, "%s/containers", dir);
	assert_int_equal (mkdir (sub, 0700), 0);
	snprintf (path, sizeof path, "%s/containers/auth.json", dir);
	f = fopen (path, "we");
	fputs (doc, f);
	fclose (f);
	unsetenv ("REGISTRY_AUTH_FILE");
	setenv ("XDG_RUNTIME_DIR", dir, 1);
	setenv ("HOME", "/nonexistent", 1);
	assert_int_equal (hull_registry_authfile_find (NULL, "reg.test", &c, &err), 1);
	assert_string_equal (c.user, "user");
	hull_registry_cred_clear (&c);
	/* $REGISTRY_AUTH_FILE comes first, and must exist when set. */
	setenv ("REGISTRY_AUTH_FILE", "/nonexistent/auth.json", 1);
	assert_true (hull_registry_authfile_find (NULL, "reg.test", &c, &err) < 0);
	assert_non_null (strstr (err.msg, "/nonexistent/auth.json"));
	unsetenv ("REGISTRY_AUTH_FILE");
	/* An explicit path wins over everything. */
	assert_true (hull_registry_authfile_find ("/nonexistent/x.json", "reg.test", &c, &err) < 0);
	unlink (path);
	assert_int_equal (hull_registry_authfile_find (NULL, "reg.test", &c, &err), 0);
	rmdir (sub);
	rmdir (dir);
}

static void
test_token (void **state)
{
	static const struct {
		const char *doc, *want;
	} t[] = {
		{ "{\"token\": \"abc.def-ghi\"}", "abc.def-ghi" },
		{ "{\"access_token\": \"xyz\", \"expires_in\": 300}", "xyz" },
		{ "{\"token\": \"t1\", \"access_token\": \"t2\"}", "t1" },
		{ "{}", NULL },
		{ "{\"token\": \"\"}", NULL },
		{ "{\"token\": 5}", NULL },
		{ "{\"token\": \"a b\"}", NULL },
		{ "{\"token\": \"a\\r\\nX-Evil: 1\"}", NULL },
		{ "[\"token\"]", NULL },
		{ "not json", NULL },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		hull_error_t err = { 0 };
		char *tok = NULL;
		int r = hull_registry_token_parse (t[i].doc, strlen (t[i].doc), &tok, &err);
		if (t[i].want == NULL) {
			if (r == 0)
				fail_msg ("accepted token answer `%s`", t[i].doc);
			continue;
		}
		assert_int_equal (r, 0);
		assert_string_equal (tok, t[i].want);
		free (tok);
	}
}

static void
test_urls (void **state)
{
	struct hull_registry_challenge c = { HULL_REGISTRY_AUTH_BEARER, "https://auth.test/token",
					     "reg.test", NULL, NULL };
	hull_error_t err = { 0 };
	char *u, origin[128];

	u = hull_registry_url (false, "127.0.0.1:5000", "test/img", "manifests", "v1");
	assert_string_equal (u, "https://127.0.0.1:5000/v2/test/img/manifests/v1");
	free (u);
	u = hull_registry_url (true, "reg.test", "a/b", "blobs", "sha256:00");
	assert_string_equal (u, "http://reg.test/v2/a/b/blobs/sha256:00");
	free (u);
	u = hull_registry_token_url (&c, "repository:a/b:pull", false, &err);
	assert_string_equal (u, "https://auth.test/token?service=reg.test&scope=repository%3Aa%2Fb%"
				"3Apull");
	free (u);
	c.realm = "https://auth.test/token?account=x y";
	assert_null (hull_registry_token_url (&c, NULL, false, &err));
	c.realm = "https://auth.test/token?account=x";
	c.service = NULL;
	c.scope = "repository:c:pull";
	u = hull_registry_token_url (&c, "repository:a/b:pull", false, &err);
	assert_string_equal (u, "https://auth.test/token?account=x&scope=repository%3Ac%3Apull");
	free (u);
	c.realm = "http://auth.test/token";
	assert_null (hull_registry_token_url (&c, NULL, false, &err));
	assert_non_null (strstr (err.msg, "plain HTTP"));
	u = hull_registry_token_url (&c, NULL, true, &err);
	assert_non_null (u);
	free (u);
	c.realm = "file:///etc/passwd";
	assert_null (hull_registry_token_url (&c, NULL, true, &err));

	assert_int_equal (
		hull_registry_url_origin ("HTTPS://Reg.Test:5000/v2/x?y", origin, sizeof origin),
		0);
	assert_string_equal (origin, "https://reg.test:5000");
	assert_int_equal (hull_registry_url_origin ("http://a.test", origin, sizeof origin), 0);
	assert_string_equal (origin, "http://a.test");
	assert_true (hull_registry_url_origin ("https://reg.test@evil.test/", origin,
					       sizeof origin) < 0);
	assert_true (hull_registry_url_origin ("ftp://a.test/", origin, sizeof origin) < 0);
	assert_true (hull_registry_url_origin ("https:///x", origin, sizeof origin) < 0);
	assert_true (hull_registry_url_origin ("https://a.test/", origin, 8) < 0);
}

static void
test_insecure (void **state)
{
	const char *const list[] = { "reg.test:5000", "127.0.0.1", "[::1]:80" };

	assert_true (hull_registry_insecure_match ("reg.test:5000", list, 3));
	assert_true (hull_registry_insecure_match ("REG.test:5000", list, 3));
	assert_false (hull_registry_insecure_match ("reg.test:5001", list, 3));
	assert_false (hull_registry_insecure_match ("reg.test", list, 3));
	assert_true (hull_registry_insecure_match ("127.0.0.1:5000", list, 3));
	assert_true (hull_registry_insecure_match ("127.0.0.1", list, 3));
	assert_false (hull_registry_insecure_match ("127.0.0.10:5000", list, 3));
	assert_true (hull_registry_insecure_match ("[::1]:80", list, 3));
	assert_false (hull_registry_insecure_match ("[::1]:81", list, 3));
	assert_false (hull_registry_insecure_match ("reg.test:5000", list, 0));
}

static void
write_file (const char *path, const char *text)
{
	FILE *f = fopen (path, "we");

	assert_non_null (f);
	fputs (text, f);
	fclose (f);
}

static void
test_config (void **state)
{
	char path[] = "/tmp/hull-test-registries-XXXXXX";
	int fd = mkostemp (path, O_CLOEXEC);
	hull_error_t err = { 0 };
	char **v;
	size_t n;

	close (fd);
	write_file (path, "{\"insecure\": [\"a.test:5000\", \"b.test\"]}");
	assert_int_equal (hull_registry_config_load (path, &v, &n, &err), 0);
	assert_int_equal (n, 2);
	assert_string_equal (v[1], "b.test");
	assert_null (v[2]);
	for (size_t i = 0; i < n; i++)
		free (v[i]);
	free (v);
	write_file (path, "{\"insecure\": [\"a.test\", 5]}");
	assert_true (hull_registry_config_load (path, &v, &n, &err) < 0);
	assert_non_null (strstr (err.msg, "insecure[1]"));
	write_file (path, "{\"insecure\": \"a.test\"}");
	assert_true (hull_registry_config_load (path, &v, &n, &err) < 0);
	unlink (path);
	/* A missing file is an empty list. */
	assert_int_equal (hull_registry_config_load (path, &v, &n, &err), 0);
	assert_int_equal (n, 0);
	free (v);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test (test_challenges),
		cmocka_unit_test (test_challenge_limits),
		cmocka_unit_test (test_base64),
		cmocka_unit_test (test_authfile),
		cmocka_unit_test (test_authfile_search),
		cmocka_unit_test (test_token),
		cmocka_unit_test (test_urls),
		cmocka_unit_test (test_insecure),
		cmocka_unit_test (test_config),
	};

	return cmocka_run_group_tests (tests, NULL, NULL);
}
