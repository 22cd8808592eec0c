/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The jansson wrapper: parse limits and messages, and the table mapper's types,
 * ranges, caps, paths, has-flags, unknown keys and check-only mode. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/json.h"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

struct inner {
	uint32_t a;
	bool has_b;
	int64_t b;
};

struct outer {
	char *s;
	bool flag;
	int32_t i32;
	uint32_t u32;
	int64_t i64;
	uint64_t u64;
	struct hull_strv list;
	struct hull_kvv map;
	struct inner in;
	struct inner *items;
	size_t n_items;
	int custom;
};

static const struct hull_json_field inner_fields[] = {
	{ "a", HULL_JSON_UINT32, offsetof (struct inner, a), HULL_JSON_MANDATORY },
	{ "b", HULL_JSON_INT64, offsetof (struct inner, b), HULL_JSON_HAS,
	  .has = offsetof (struct inner, has_b) },
	{ NULL },
};

static int
parse_custom (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *value, void *base,
	      hull_error_t *err)
{
	if (!json_is_string (value) || strcmp (json_string_value (value), "yes") != 0)
		return hull_json_error (ctx, err, "must be \"yes\"");
	if (base)
		((struct outer *) base)->custom = 42;
	return 0;
}

static int
check_item (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *value, void *base,
	    hull_error_t *err)
{
	struct inner *in = base;
	if (in && in->a == 13)
		return hull_json_error (ctx, err, "unlucky");
	return 0;
}

#define O(m) offsetof (struct outer, m)
static const struct hull_json_field outer_fields[] = {
	{ "s", HULL_JSON_STRING, O (s), HULL_JSON_MANDATORY },
	{ "flag", HULL_JSON_BOOL, O (flag), 0 },
	{ "i32", HULL_JSON_INT32, O (i32), 0 },
	{ "u32", HULL_JSON_UINT32, O (u32), 0 },
	{ "i64", HULL_JSON_INT64, O (i64), 0 },
	{ "u64", HULL_JSON_UINT64, O (u64), 0 },
	{ "list", HULL_JSON_STRV, O (list), 0, .max = 3 },
	{ "map", HULL_JSON_KVV, O (map), 0, .max = 2 },
	{ "in", HULL_JSON_OBJECT, O (in), 0, .sub = inner_fields },
	{ "items", HULL_JSON_ARRAY, O (items), 0, .sub = inner_fields, .fn = check_item, .max = 2,
	  .elem_size = sizeof (struct inner), .count = O (n_items) },
	{ "custom", HULL_JSON_CUSTOM, 0, 0, .fn = parse_custom },
	{ "ignored", HULL_JSON_IGNORE, 0, 0 },
	{ NULL },
};

static void
free_outer (struct outer *o)
{
	free (o->s);
	hull_strv_free (&o->list);
	for (size_t i = 0; i < o->map.n; i++) {
		free (o->map.v[i].key);
		free (o->map.v[i].value);
	}
	free (o->map.v);
	free (o->items);
}

/* Map `text` into *o; returns the mapper's result, err filled. */
static int
map_text (const char *text, struct outer *o, struct hull_strv *unknown, hull_error_t *err)
{
	struct hull_json_ctx ctx;
	json_t *root = hull_json_parse (text, strlen (text), 1 << 20, "t.json", err);
	int r;

	if (root == NULL)
		return -1;
	hull_json_ctx_init (&ctx, "t.json", unknown);
	r = hull_json_map (&ctx, root, outer_fields, o, err);
	json_decref (root);
	return r;
}

static void
test_parse_errors (void **state)
{
	hull_error_t err = { 0 };
	json_t *j;

	(void) state;
	j = hull_json_parse ("{\n \"a\": 1,\n \"b\": }", 18, 100, "x.json", &err);
	assert_null (j);
	assert_non_null (strstr (err.msg, "x.json:3:7: "));
	assert_null (strstr (err.msg, "Invalid argument"));
	assert_null (hull_json_parse ("{\"a\":1,\"a\":2}", 13, 100, "d.json", &err));
	assert_non_null (strstr (err.msg, "d.json:1:"));
	assert_non_null (strstr (err.msg, "duplicate object key"));
	assert_null (hull_json_parse ("{\"a\":\"x\\u0000y\"}", 16, 100, "n.json", &err));
	/* Over the cap: refused without parsing (this text is not even JSON). */
	assert_null (hull_json_parse ("{{{{{{{{{{{", 11, 10, "big.json", &err));
	assert_int_equal (err.code, EFBIG);
	assert_non_null (strstr (err.msg, "big.json: 11 bytes, more than the 10 accepted"));
	assert_null (hull_json_parse (NULL, 0, 10, "null", &err));
	j = hull_json_parse ("[1, 2]", 6, 6, "a", &err);
	assert_non_null (j);
	json_decref (j);
	assert_null (hull_json_parse ("3", 1, 6, "a", &err)); /* objects and arrays only */
}

static void
test_map_good (void **state)
{
	static const char text[] =
		"{\"s\":\"str\",\"flag\":true,\"i32\":-2147483648,\"u32\":4294967295,"
		"\"i64\":-9223372036854775808,\"u64\":9223372036854775807,\"list\":[\"a\",\"b\","
		"\"c\"],"
		"\"map\":{\"k\":\"v\",\"k2\":\"v2\"},\"in\":{\"a\":1,\"b\":-5},"
		"\"items\":[{\"a\":2},{\"a\":3,\"b\":4}],\"custom\":\"yes\",\"ignored\":[{}],"
		"\"extra\":1}";
	struct outer o = { 0 };
	struct hull_strv unknown = { 0 };
	hull_error_t err = { 0 };

	(void) state;
	if (map_text (text, &o, &unknown, &err) < 0)
		fail_msg ("%s", err.msg);
	assert_string_equal (o.s, "str");
	assert_true (o.flag);
	assert_int_equal (o.i32, INT32_MIN);
	assert_int_equal (o.u32, UINT32_MAX);
	assert_true (o.i64 == INT64_MIN);
	assert_int_equal (o.u64, INT64_MAX);
	assert_int_equal (o.list.n, 3);
	assert_string_equal (o.list.v[2], "c");
	assert_null (o.list.v[3]);
	assert_int_equal (o.map.n, 2);
	assert_string_equal (o.map.v[1].key, "k2");
	assert_string_equal (o.map.v[1].value, "v2");
	assert_int_equal (o.in.a, 1);
	assert_true (o.in.has_b);
	assert_int_equal (o.in.b, -5);
	assert_int_equal (o.n_items, 2);
	assert_false (o.items[0].has_b);
	assert_true (o.items[1].has_b);
	assert_int_equal (o.items[1].b, 4);
	assert_int_equal (o.custom, 42);
	assert_int_equal (unknown.n, 1);
	assert_string_equal (unknown.v[0], "extra");
	hull_strv_free (&unknown);
	free_outer (&o);
}

static void
test_map_bad (void **state)
{
	static const struct {
		const char *text, *message;
	} cases[] = {
		{ "{}", "t.json: s: required field missing" },
		{ "{\"s\":null}", "t.json: s: required field missing" },
		{ "{\"s\":1}", "t.json: s: expected a string, got an integer" },
		{ "{\"s\":\"\",\"flag\":\"true\"}", "flag: expected a boolean, got a string" },
		{ "{\"s\":\"\",\"i32\":2147483648}",
		  "i32: expected a signed 32-bit integer, got 2147483648" },
		{ "{\"s\":\"\",\"i32\":-2147483649}", "i32: expected a signed 32-bit integer" },
		{ "{\"s\":\"\",\"u32\":-1}", "u32: expected an unsigned 32-bit integer, got -1" },
		{ "{\"s\":\"\",\"u32\":4294967296}", "u32: expected an unsigned 32-bit integer" },
		{ "{\"s\":\"\",\"u32\":1.0}",
		  "u32: expected an unsigned 32-bit integer, got a real number" },
		{ "{\"s\":\"\",\"u64\":-1}", "u64: expected an unsigned 64-bit integer, got -1" },
		{ "{\"s\":\"\",\"i64\":true}",
		  "i64: expected a signed 64-bit integer, got a boolean" },
		{ "{\"s\":\"\",\"list\":[\"a\",\"b\",\"c\",\"d\"]}",
		  "list: 4 entries, more than the 3 accepted" },
		{ "{\"s\":\"\",\"list\":[\"a\",{}]}", "list[1]: expected a string, got an object" },
		{ "{\"s\":\"\",\"list\":\"a\"}",
		  "list: expected an array of strings, got a string" },
		{ "{\"s\":\"\",\"map\":{\"a\":\"1\",\"b\":\"2\",\"c\":\"3\"}}",
		  "map: 3 entries, more than the 2" },
		{ "{\"s\":\"\",\"map\":{\"a\":1}}", "map.a: expected a string, got an integer" },
		{ "{\"s\":\"\",\"in\":[]}", "in: expected an object, got an array" },
		{ "{\"s\":\"\",\"in\":{\"b\":1}}", "in.a: required field missing" },
		{ "{\"s\":\"\",\"items\":[{\"a\":1},{\"a\":1},{\"a\":1}]}",
		  "items: 3 entries, more than the 2" },
		{ "{\"s\":\"\",\"items\":[{\"a\":1},{\"a\":\"x\"}]}",
		  "items[1].a: expected an unsigned 32-bit" },
		{ "{\"s\":\"\",\"items\":[5]}", "items[0]: expected an object, got an integer" },
		{ "{\"s\":\"\",\"items\":[{\"a\":13}]}", "items[0]: unlucky" },
		{ "{\"s\":\"\",\"custom\":\"no\"}", "custom: must be \"yes\"" },
		{ NULL, NULL },
	};
	hull_error_t err = { 0 };

	(void) state;
	for (int i = 0; cases[i].text; i++) {
		struct outer o = { 0 };
		if (map_text (cases[i].text, &o, NULL, &err) == 0)
			fail_msg ("accepted %s", cases[i].text);
		if (strstr (err.msg, cases[i].message) == NULL)
			fail_msg ("%s\n  got      %s\n  expected %s", cases[i].text, err.msg,
				  cases[i].message);
		free_outer (&o);
	}
}

static void
test_check_only (void **state)
{
	struct hull_json_ctx ctx;
	hull_error_t err = { 0 };
	json_t *ok = json_loads ("{\"s\":\"x\",\"items\":[{\"a\":1}],\"custom\":\"yes\"}", 0, NULL);
	json_t *bad = json_loads ("{\"s\":\"x\",\"in\":{\"a\":-1}}", 0, NULL);

	(void) state;
	hull_json_ctx_init (&ctx, "c", NULL);
	assert_int_equal (hull_json_map (&ctx, ok, outer_fields, NULL, &err), 0);
	hull_json_ctx_init (&ctx, "c", NULL);
	assert_true (hull_json_map (&ctx, bad, outer_fields, NULL, &err) < 0);
	assert_non_null (strstr (err.msg, "c: in.a: expected an unsigned 32-bit integer"));
	json_decref (ok);
	json_decref (bad);
}

static void
test_helpers (void **state)
{
	struct hull_json_ctx ctx;
	struct hull_strv v = { 0 };
	hull_error_t err = { 0 };
	json_t *j = json_loads ("{\"b\":[1,\"x\"],\"a\":\"s\"}", 0, NULL);
	char *s = hull_json_dump_compact (j);
	size_t old;

	(void) state;
	assert_string_equal (s, "{\"b\":[1,\"x\"],\"a\":\"s\"}"); /* document order kept */
	free (s);
	hull_json_ctx_init (&ctx, "h", NULL);
	old = hull_json_path_push_key (&ctx, "x");
	hull_json_path_push_index (&ctx, 7);
	hull_json_path_push_key (&ctx, "y");
	assert_string_equal (ctx.path, "x[7].y");
	hull_json_path_pop (&ctx, old);
	assert_string_equal (ctx.path, "");
	assert_int_equal (hull_json_error (&ctx, &err, "top %d", 1), -1);
	assert_string_equal (err.msg, "h: top 1");
	for (int i = 0; i < 200; i++)
		hull_json_path_push_key (&ctx, "long-component");
	assert_true (ctx.path_len < HULL_JSON_PATH_MAX);
	hull_json_strv_push (&v, "a");
	hull_json_strv_push (&v, "b");
	assert_int_equal (v.n, 2);
	assert_null (v.v[2]);
	hull_strv_free (&v);
	hull_strv_free (&v); /* idempotent */
	json_decref (j);
}

/* HULL_JSON_NULL_VALUE: null reaches the field's parser and is refused by type
 * (mandatory or not); without the flag null reads as absent. */
static void
test_null_value (void **state)
{
	static const struct hull_json_field fields[] = {
		{ "opt", HULL_JSON_STRV, 0, HULL_JSON_NULL_VALUE },
		{ "req", HULL_JSON_UINT32, sizeof (struct hull_strv),
		  HULL_JSON_MANDATORY | HULL_JSON_NULL_VALUE },
		{ "plain", HULL_JSON_STRING, 0, 0 },
		{ NULL },
	};
	static const struct {
		const char *text, *message; /* message NULL: accepted */
	} cases[] = {
		{ "{\"req\":1,\"plain\":null}", NULL },
		{ "{\"req\":1}", NULL },
		{ "{\"req\":1,\"opt\":null}",
		  "n.json: opt: expected an array of strings, got null" },
		{ "{\"req\":null}", "n.json: req: expected an unsigned 32-bit integer, got null" },
		{ "{}", "n.json: req: required field missing" },
		{ NULL, NULL },
	};

	(void) state;
	for (int i = 0; cases[i].text; i++) {
		hull_error_t err = { 0 };
		struct hull_json_ctx ctx;
		json_t *root = hull_json_parse (cases[i].text, strlen (cases[i].text), 1024,
						"n.json", &err);
		int r;

		assert_non_null (root);
		hull_json_ctx_init (&ctx, "n.json", NULL);
		/* Check-only mode: the flag decides before anything is stored. */
		r = hull_json_map (&ctx, root, fields, NULL, &err);
		json_decref (root);
		if (cases[i].message == NULL) {
			if (r != 0)
				fail_msg ("refused %s: %s", cases[i].text, err.msg);
			continue;
		}
		if (r == 0)
			fail_msg ("accepted %s", cases[i].text);
		if (strstr (err.msg, cases[i].message) == NULL)
			fail_msg ("%s\n  got      %s\n  expected %s", cases[i].text, err.msg,
				  cases[i].message);
	}
}

/* jansson quotes the input in its message ("near '...'"); a hostile document's escape
 * sequences must not reach the terminal through it (CWE-150). */
#define DOC(s) s, sizeof s - 1

static void
test_parse_error_terminal_safe (void **state)
{
	static const struct {
		const char *doc;
		size_t len;
		const char *want; /* the excerpt as it must appear */
	} cases[] = {
		{ DOC ("\x1b]0;owned\x07"), "near '?'" },
		{ DOC ("[1\x1b[2J]"), "near '?'" },
		{ DOC ("[1\x7f]"), "near '?'" },
		/* CSI as a UTF-8 C1 character; then U+00E9 and U+00A0, which are not C1 */
		{ DOC ("[\"\302\2331m"), "near '\"??1m'" },
		{ DOC ("[\"\303\251\302\240x"), "near '\"\303\251\302\240x'" },
	};
	hull_error_t err = { 0 };

	(void) state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_null (hull_json_parse (cases[i].doc, cases[i].len, 100, "e.json", &err));
		assert_non_null (strstr (err.msg, "e.json:1:"));
		assert_non_null (strstr (err.msg, cases[i].want));
		for (const unsigned char *q = (const unsigned char *) err.msg; *q; q++) {
			assert_true (*q >= 0x20 && *q != 0x7f);
			assert_false (q[0] == 0xc2 && q[1] >= 0x80 && q[1] <= 0x9f);
		}
	}
}

/* HULL_JSON_EACH: the count capped first, each element to the callback at its path. */
static int
each_count (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *value, void *base,
	    hull_error_t *err)
{
	if (!json_is_integer (value))
		return hull_json_error (ctx, err, "not a number");
	if (base)
		*(json_int_t *) base += json_integer_value (value);
	return 0;
}

static void
test_each (void **state)
{
	static const struct hull_json_field fields[] = {
		{ "n", HULL_JSON_EACH, 0, 0, .fn = each_count, .max = 3 },
		{ NULL },
	};
	static const struct {
		const char *text, *message; /* message NULL: accepted, the sum in `sum` */
		json_int_t sum;
	} cases[] = {
		{ "{\"n\":[1,2,3]}", NULL, 6 },
		{ "{\"n\":[]}", NULL, 0 },
		{ "{\"n\":null}", NULL, 0 },
		{ "{\"n\":[1,2,3,4]}", "e.json: n: 4 entries, more than the 3 accepted", 0 },
		{ "{\"n\":{}}", "e.json: n: expected an array, got an object", 0 },
		{ "{\"n\":[1,\"x\"]}", "e.json: n[1]: not a number", 0 },
		{ NULL, NULL, 0 },
	};

	(void) state;
	for (int i = 0; cases[i].text; i++) {
		hull_error_t err = { 0 };
		struct hull_json_ctx ctx;
		json_int_t sum = 0;
		json_t *root = hull_json_parse (cases[i].text, strlen (cases[i].text), 1024,
						"e.json", &err);
		int r;

		assert_non_null (root);
		hull_json_ctx_init (&ctx, "e.json", NULL);
		r = hull_json_map (&ctx, root, fields, &sum, &err);
		json_decref (root);
		if (cases[i].message == NULL) {
			if (r != 0)
				fail_msg ("refused %s: %s", cases[i].text, err.msg);
			assert_int_equal (sum, cases[i].sum);
			continue;
		}
		if (r == 0)
			fail_msg ("accepted %s", cases[i].text);
		if (strstr (err.msg, cases[i].message) == NULL)
			fail_msg ("%s\n  got      %s\n  expected %s", cases[i].text, err.msg,
				  cases[i].message);
	}
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test (test_parse_errors),
		cmocka_unit_test (test_map_good),
		cmocka_unit_test (test_map_bad),
		cmocka_unit_test (test_check_only),
		cmocka_unit_test (test_helpers),
		cmocka_unit_test (test_null_value),
		cmocka_unit_test (test_each),
		cmocka_unit_test (test_parse_error_terminal_safe),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
