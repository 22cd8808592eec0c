/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/parse.h"
#include "common/sha256.h"

static void
test_u32 (void **state)
{
	hull_error_t err = { 0 };
	uint32_t v = 0;

	(void) state;
	assert_int_equal (hull_parse_u32 ("0", 10, &v, "n", &err), 0);
	assert_int_equal (v, 0);
	assert_int_equal (hull_parse_u32 ("4294967295", 10, &v, "n", &err), 0);
	assert_int_equal (v, 4294967295u);
	assert_int_equal (hull_parse_u32 ("0755", 8, &v, "mode", &err), 0);
	assert_int_equal (v, 0755);
	assert_true (hull_parse_u32 ("4294967296", 10, &v, "uid", &err) < 0);
	assert_int_equal (err.code, ERANGE);
	assert_non_null (strstr (err.msg, "uid"));
}

static void
test_refuses_garbage (void **state)
{
	static const char *const bad[] = { "", " 1", "-1", "+1", "1 ", "1x", "0x", "x1", NULL };
	hull_error_t err = { 0 };
	uint64_t v;

	(void) state;
	for (int i = 0; bad[i]; i++) {
		assert_true (hull_parse_u64 (bad[i], 10, &v, "value", &err) < 0);
		assert_int_equal (err.code, EINVAL);
		assert_non_null (strstr (err.msg, "value"));
	}
	assert_true (hull_parse_u64 (NULL, 10, &v, "value", &err) < 0);
	assert_true (hull_parse_u64 ("18446744073709551616", 10, &v, "big", &err) < 0);
	assert_int_equal (err.code, ERANGE);
}

static void
test_signed (void **state)
{
	hull_error_t err = { 0 };
	int64_t v;
	int i;

	(void) state;
	assert_int_equal (hull_parse_i64 ("-42", &v, "n", &err), 0);
	assert_int_equal (v, -42);
	assert_int_equal (hull_parse_int ("2147483647", &i, "n", &err), 0);
	assert_true (hull_parse_int ("2147483648", &i, "n", &err) < 0);
	assert_true (hull_parse_int ("-", &i, "n", &err) < 0);
	assert_true (hull_parse_int ("--1", &i, "n", &err) < 0);
}

static void
test_sha256 (void **state)
{
	uint8_t d[HULL_SHA256_LEN];
	char hex[HULL_SHA256_HEX_LEN + 1];

	(void) state;
	hull_sha256 ("abc", 3, d);
	hull_sha256_hex (d, hex);
	assert_string_equal (hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	hull_sha256 ("", 0, d);
	hull_sha256_hex (d, hex);
	assert_string_equal (hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void
test_error_wrap (void **state)
{
	hull_error_t err = { 0 };

	(void) state;
	assert_int_equal (hull_error_make (&err, ENOENT, "open `%s`", "/x"), -ENOENT);
	assert_string_equal (err.msg, "open `/x`: No such file or directory");
	assert_int_equal (hull_error_wrap (&err, "prepare %s", "rootfs"), -ENOENT);
	assert_string_equal (err.msg, "prepare rootfs: open `/x`: No such file or directory");
	assert_int_equal (hull_error_make (&err, 0, "plain"), -1);
	assert_string_equal (err.msg, "plain");
	assert_int_equal (hull_error_make (NULL, EPERM, "ignored"), -EPERM);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test (test_u32),	   cmocka_unit_test (test_refuses_garbage),
		cmocka_unit_test (test_signed),	   cmocka_unit_test (test_sha256),
		cmocka_unit_test (test_error_wrap),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
