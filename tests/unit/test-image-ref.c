/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Image references (distribution/reference rules), manifests and indexes: a table of
 * good and bad references with their normal forms, schema 1 refusal, media type and
 * digest checks, platform selection and the size cap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hull/image.h"

/* A reserved test domain (RFC 2606): not any registry's name. */
#define DEF "registry.test"
#define D64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define D64B "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static const struct {
	const char *in, *def, *want; /* want NULL: refused */
} refs[] = {
	{ "localhost/busybox", NULL, "localhost/busybox:latest" },
	{ "localhost/test/busybox:1", NULL, "localhost/test/busybox:1" },
	{ "localhost:5000/a/b:v1.2-rc_3", NULL, "localhost:5000/a/b:v1.2-rc_3" },
	{ "reg.test:5000/x", NULL, "reg.test:5000/x:latest" },
	{ "reg.test/x@sha256:" D64, NULL, "reg.test/x@sha256:" D64 },
	{ "reg.test/x:t@sha256:" D64, NULL, "reg.test/x:t@sha256:" D64 },
	{ "reg.test/a__b/c-d--e/f.g", NULL, "reg.test/a__b/c-d--e/f.g:latest" },
	{ "busybox", DEF, DEF "/library/busybox:latest" },
	{ "busybox:1.36", DEF, DEF "/library/busybox:1.36" },
	{ "user/app", DEF, DEF "/user/app:latest" },
	{ DEF "/busybox", DEF, DEF "/library/busybox:latest" },
	{ "other.test/busybox", DEF, "other.test/busybox:latest" },
	/* No default registry: names must be qualified. */
	{ "busybox", NULL, NULL },
	{ "busybox", "", NULL },
	{ "user/app", NULL, NULL },
	/* Bad syntax. */
	{ "", NULL, NULL },
	{ "localhost/Busybox", NULL, NULL },
	{ "localhost/a_-b", NULL, NULL },
	{ "localhost/a___b", NULL, NULL },
	{ "localhost/a.", NULL, NULL },
	{ "localhost/-a", NULL, NULL },
	{ "localhost//a", NULL, NULL },
	{ "localhost/a/", NULL, NULL },
	{ "localhost/a:", NULL, NULL },
	{ "localhost/a:.x", NULL, NULL },
	{ "localhost/a:-x", NULL, NULL },
	{ "localhost/a:x/y", NULL, NULL },
	{ "localhost/a@sha256:" D64 "0", NULL, NULL },
	{ "localhost/a@sha256:ABCDEF", NULL, NULL },
	{ "localhost/a@sha512:" D64 D64, NULL, NULL },
	{ "-bad.test/a", NULL, NULL },
	{ "bad_.test/a", NULL, NULL },
	{ "reg.test:port/a", NULL, NULL },
	{ "reg.test:123456/a", NULL, NULL },
	{ "reg.test/a b", NULL, NULL },
	{ "localhost/a:"
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
	  NULL, NULL },
};

static void
test_ref_table (void **state)
{
	for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++) {
		struct hull_image_ref r;
		hull_error_t err = { 0 };
		int ret = hull_image_ref_parse (refs[i].in, refs[i].def, &r, &err);

		if (refs[i].want == NULL) {
			if (ret == 0)
				fail_msg ("`%s` accepted", refs[i].in);
			assert_true (err.msg[0] != '\0');
			continue;
		}
		if (ret != 0)
			fail_msg ("`%s` refused: %s", refs[i].in, err.msg);
		char *s = hull_image_ref_format (&r);
		assert_string_equal (s, refs[i].want);
		free (s);
		hull_image_ref_clear (&r);
	}
}

static void
test_ref_messages (void **state)
{
	struct hull_image_ref r;
	hull_error_t err = { 0 };

	assert_true (hull_image_ref_parse ("busybox", "", &r, &err) < 0);
	assert_non_null (strstr (err.msg, "HULL_DEFAULT_REGISTRY"));
	assert_non_null (strstr (err.msg, "localhost/busybox"));
	assert_true (hull_image_ref_parse ("localhost/Abc", NULL, &r, &err) < 0);
	assert_non_null (strstr (err.msg, "lowercase"));
	assert_true (hull_image_digest_valid ("sha256:" D64));
	assert_false (hull_image_digest_valid ("sha256:" D64 "a"));
	assert_false (hull_image_digest_valid (NULL));
}

#define CFG_DESC                                                                                   \
	"\"config\": {\"mediaType\": \"application/vnd.oci.image.config.v1+json\", \"digest\": "   \
	"\"sha256:" D64 "\", \"size\": 10}"
#define LAYER(mt) "{\"mediaType\": \"" mt "\", \"digest\": \"sha256:" D64B "\", \"size\": 5}"

static struct hull_image_manifest *
parse (const char *s, const char *mt, hull_error_t *err)
{
	return hull_image_manifest_parse (s, strlen (s), mt, err);
}

static void
test_manifest (void **state)
{
	static const char *const layer_types[] = {
		"application/vnd.oci.image.layer.v1.tar",
		"application/vnd.oci.image.layer.v1.tar+gzip",
		"application/vnd.oci.image.layer.v1.tar+zstd",
		"application/vnd.docker.image.rootfs.diff.tar.gzip",
	};
	hull_error_t err = { 0 };
	struct hull_image_manifest *m;
	char buf[1024];

	for (size_t i = 0; i < 4; i++) {
		snprintf (buf, sizeof buf,
			  "{\"schemaVersion\": 2, %s, \"layers\": [{\"mediaType\": \"%s\", "
			  "\"digest\": \"sha256:" D64B "\", \"size\": 5}]}",
			  CFG_DESC, layer_types[i]);
		m = parse (buf, NULL, &err);
		if (m == NULL)
			fail_msg ("%s: %s", layer_types[i], err.msg);
		assert_int_equal (m->kind, HULL_IMAGE_KIND_MANIFEST);
		assert_int_equal (m->n_layers, 1);
		assert_int_equal (m->layers[0].size, 5);
		hull_image_manifest_free (m);
	}
	/* Unknown layer type, bad digest, negative size, duplicate key, mismatched type. */
	static const char *const bad[] = {
		"{\"schemaVersion\": 2, " CFG_DESC ", \"layers\": [" LAYER ("text/plain") "]}",
		"{\"schemaVersion\": 2, \"config\": {\"mediaType\": "
		"\"application/vnd.oci.image.config.v1+json\", \"digest\": \"sha256:x\", \"size\": "
		"1},"
		" \"layers\": []}",
		"{\"schemaVersion\": 2, \"config\": {\"mediaType\": "
		"\"application/vnd.oci.image.config.v1+json\", \"digest\": \"sha256:" D64 "\", "
		"\"size\": -1}, \"layers\": []}",
		"{\"schemaVersion\": 2, \"schemaVersion\": 2, " CFG_DESC ", \"layers\": []}",
		"{\"schemaVersion\": 3, " CFG_DESC ", \"layers\": []}",
		"{\"schemaVersion\": 2, \"layers\": []}",
		"[]",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		m = parse (bad[i], NULL, &err);
		if (m != NULL)
			fail_msg ("accepted: %s", bad[i]);
	}
	m = parse ("{\"schemaVersion\": 2, " CFG_DESC ", \"layers\": []}",
		   "application/vnd.oci.image.index.v1+json", &err);
	assert_null (m);
	m = parse ("{\"schemaVersion\": 2, \"schemaVersion\": 2}", NULL, &err);
	assert_null (m);
	assert_non_null (strstr (err.msg, "manifest:1:"));
}

static void
test_schema1 (void **state)
{
	hull_error_t err = { 0 };

	assert_null (
		parse ("{\"schemaVersion\": 1, \"name\": \"a\", \"fsLayers\": []}", NULL, &err));
	assert_non_null (strstr (err.msg, "schema 1"));
	assert_null (parse ("{\"schemaVersion\": 2}",
			    "application/vnd.docker.distribution.manifest.v1+prettyjws", &err));
	assert_non_null (strstr (err.msg, "schema 1"));
}

#define PLAT(os, arch, variant)                                                                    \
	"{\"mediaType\": \"application/vnd.oci.image.manifest.v1+json\", \"digest\": "             \
	"\"sha256:" D64 "\", \"size\": 1, \"platform\": {\"os\": \"" os "\", \"architecture\": "   \
	"\"" arch "\"" variant "}}"

static void
test_index_select (void **state)
{
	static const char idx[] =
		"{\"schemaVersion\": 2, \"mediaType\": "
		"\"application/vnd.docker.distribution.manifest.list.v2+json\", "
		"\"manifests\": [" PLAT ("linux", "amd64", "") ", " PLAT (
			"linux", "arm", ", \"variant\": \"v7\"") ", " PLAT ("linux", "arm64",
									    "") "]}";
	static const struct {
		const char *want;
		int index; /* -1: none */
	} cases[] = {
		{ "linux/amd64", 0 },	{ "linux/arm/v7", 1 },	 { "linux/arm", 1 },
		{ "linux/arm/v6", -1 }, { "linux/arm64/v8", 2 }, { "windows/amd64", -1 },
	};
	hull_error_t err = { 0 };
	struct hull_image_manifest *m = parse (idx, NULL, &err);
	struct hull_image_platform p;

	if (m == NULL)
		fail_msg ("%s", err.msg);
	assert_int_equal (m->kind, HULL_IMAGE_KIND_INDEX);
	assert_int_equal (m->n_manifests, 3);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct hull_image_desc *d;
		assert_int_equal (hull_image_platform_parse (cases[i].want, &p, &err), 0);
		d = hull_image_index_select (m, &p, &err);
		if (cases[i].index < 0)
			assert_null (d);
		else
			assert_ptr_equal (d, &m->manifests[cases[i].index]);
		hull_image_platform_clear (&p);
	}
	assert_true (hull_image_platform_parse ("linux", &p, &err) < 0);
	assert_true (hull_image_platform_parse ("linux/", &p, &err) < 0);
	assert_true (hull_image_platform_parse ("linux/arm/v7/x", &p, &err) < 0);
	hull_image_platform_host (&p);
	assert_string_equal (p.os, "linux");
	assert_non_null (p.architecture);
	hull_image_platform_clear (&p);
	hull_image_manifest_free (m);
}

static void
test_size_cap (void **state)
{
	size_t n = HULL_IMAGE_JSON_MAX + 1;
	char *big = malloc (n);
	hull_error_t err = { 0 };

	memset (big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	assert_null (hull_image_manifest_parse (big, n, NULL, &err));
	assert_true (hull_image_config_check (big, n, 0, &err) < 0);
	free (big);
}

static void
test_config (void **state)
{
	static const char good[] = "{\"os\": \"linux\", \"architecture\": \"amd64\", \"rootfs\": "
				   "{\"type\": \"layers\", \"diff_ids\": [\"sha256:" D64 "\"]}}";
	hull_error_t err = { 0 };

	assert_int_equal (hull_image_config_check (good, strlen (good), 1, &err), 0);
	assert_true (hull_image_config_check (good, strlen (good), 2, &err) < 0);
	assert_true (hull_image_config_check ("{\"os\": \"linux\"}", 15, SIZE_MAX, &err) < 0);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test (test_ref_table),    cmocka_unit_test (test_ref_messages),
		cmocka_unit_test (test_manifest),     cmocka_unit_test (test_schema1),
		cmocka_unit_test (test_index_select), cmocka_unit_test (test_size_cap),
		cmocka_unit_test (test_config),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
