/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CVSS v3.x base scores (src/scan/vuln/cvss.c) against published scores: NVD's for
 * well-known CVEs and the worked examples of FIRST's "CVSS v3.1: Examples" document
 * (the few entries named by their shape rather than a CVE are standard vectors whose
 * scores the FIRST calculator gives);
 * malformed vectors must be refused with the reason named; severity helpers. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "hull/scan.h"

static const struct {
	const char *vector;
	double score;
	const char *source;
} published[] = {
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0, "CVE-2021-44228 (Log4Shell)" },
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5, "CVE-2014-0160 (Heartbleed)" },
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, "CVE-2014-6271 (Shellshock)" },
	{ "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8, "CVE-2021-3156, CVE-2023-4911" },
	{ "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 9.9, "CVE-2012-1516 (PR:L, S:C)" },
	{ "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", 6.4, "CVE-2013-0375 (PR:L, S:C)" },
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1, "CVE-2013-1937 (reflected XSS)" },
	{ "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", 3.1, "CVE-2014-3566 (POODLE)" },
	{ "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 8.8, "CVE-2012-0384" },
	{ "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 7.8, "CVE-2015-1098" },
	{ "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:N/I:H/A:N", 6.8,
	  "CVE-2008-1447 (DNS cache poisoning)" },
	{ "CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 6.8, "CVE-2014-2005" },
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:L/I:N/A:N", 5.8, "CVE-2010-0467" },
	{ "CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:C/C:H/I:H/A:H", 8.2, "CVE-2016-5729" },
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 8.8, "CVE-2016-1645" },
	{ "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:H/A:N", 6.8, "CVE-2016-0128 (Badlock)" },
	{ "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:N", 7.4, "CVE-2014-0224" },
	{ "CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 8.8, "CVE-2011-1265" },
	{ "CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:N", 4.6, "CVE-2014-2019" },
	{ "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N", 6.5, "CVE-2015-0971" },
	{ "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N", 5.5, "local information leak" },
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5,
	  "CVE-2023-44487 (HTTP/2 rapid reset)" },
	{ "CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.0, "local race (AC:H)" },
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0, "no impact" },
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:N/I:N/A:N", 0.0, "no impact, scope changed" },
	/* v3.0 vectors use the same base equations. */
	{ "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, "v3.0 critical" },
	{ "CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", 6.4, "v3.0 PR:L, S:C" },
	/* Any order; temporal and environmental metrics do not change the base score. */
	{ "CVSS:3.1/A:N/I:N/C:H/S:U/UI:N/PR:N/AC:L/AV:N", 7.5, "metrics in reverse order" },
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N/E:F/RL:O/RC:C/CR:H/MAV:L/MS:C", 7.5,
	  "temporal and environmental metrics present" },
};

static void
test_published_scores (void **state)
{
	(void) state;
	for (size_t i = 0; i < sizeof published / sizeof published[0]; i++) {
		hull_error_t err = { 0 };
		double score = -1;

		if (hull_cvss3_base_score (published[i].vector, &score, &err) < 0)
			fail_msg ("%s: `%s` refused: %s", published[i].source, published[i].vector,
				  err.msg);
		if (fabs (score - published[i].score) > 1e-9)
			fail_msg ("%s: `%s` scored %.10g, published %.1f", published[i].source,
				  published[i].vector, score, published[i].score);
	}
}

/* Every base vector scores a multiple of 0.1 in 0..10, Roundup never rounds down, and
 * the score never falls when one metric gets worse (a property of the equations). */
static void
test_whole_space (void **state)
{
	static const char *const av = "PLAN", *const ac = "HL", *const pr = "HLN", *const ui = "RN";
	static const char *const cia = "NLH";
	size_t n = 0;

	(void) state;
	for (int i = 0; i < 4 * 2 * 3 * 2 * 2 * 27; i++) {
		int k = i, v[8];
		char vec[80], worse[80];
		double s, s2;
		hull_error_t err = { 0 };

		v[0] = k % 4, k /= 4;
		v[1] = k % 2, k /= 2;
		v[2] = k % 3, k /= 3;
		v[3] = k % 2, k /= 2;
		v[4] = k % 2, k /= 2;
		v[5] = k % 3, k /= 3;
		v[6] = k % 3, k /= 3;
		v[7] = k % 3;
		snprintf (vec, sizeof vec, "CVSS:3.1/AV:%c/AC:%c/PR:%c/UI:%c/S:%c/C:%c/I:%c/A:%c",
			  av[v[0]], ac[v[1]], pr[v[2]], ui[v[3]], "UC"[v[4]], cia[v[5]], cia[v[6]],
			  cia[v[7]]);
		assert_int_equal (hull_cvss3_base_score (vec, &s, &err), 0);
		assert_true (s >= 0 && s <= 10);
		assert_true (fabs (s * 10 - (double) (long) (s * 10 + 0.5)) < 1e-9);
		/* A higher attack vector (N over A over L over P) never lowers the score. */
		if (v[0] < 3) {
			snprintf (worse, sizeof worse, "CVSS:3.1/AV:%c%s", av[v[0] + 1], vec + 13);
			assert_int_equal (hull_cvss3_base_score (worse, &s2, &err), 0);
			if (s2 < s)
				fail_msg ("`%s` = %.1f but `%s` = %.1f", worse, s2, vec, s);
		}
		n++;
	}
	assert_int_equal (n, 2592);
}

static void
test_malformed (void **state)
{
	static const struct {
		const char *vector, *reason;
	} bad[] = {
		{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N", "missing metric `A`" },
		{ "CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", "`AV` given twice" },
		{ "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", "bad value `AV:X`" },
		{ "CVSS:3.1/AV:NN/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", "bad value" },
		{ "CVSS:3.1/AV:/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", "bad value" },
		{ "CVSS:3.1/AV/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", "bad value" },
		{ "CVSS:3.1/XX:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", "unknown metric `XX`" },
		{ "CVSS:3.1/av:n/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", "unknown metric `av`" },
		{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N/", "unknown metric ``" },
		{ "CVSS:3.1//AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", "unknown metric ``" },
		{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N/E:Z", "bad value `E:Z`" },
		{ "CVSS:3.2/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", "does not start with" },
		{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
		  "does not start with" },
		{ "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", "does not start with" },
		{ "AV:N/AC:L/Au:N/C:P/I:P/A:P", "does not start with" }, /* CVSS v2 */
		{ "", "does not start with" },
		{ "CVSS:3.1/", "unknown metric ``" },
	};
	char big[600];

	(void) state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		hull_error_t err = { 0 };
		double score = 42;

		if (hull_cvss3_base_score (bad[i].vector, &score, &err) >= 0)
			fail_msg ("`%s` accepted (%.1f)", bad[i].vector, score);
		if (!strstr (err.msg, bad[i].reason))
			fail_msg ("`%s`: message `%s` lacks `%s`", bad[i].vector, err.msg,
				  bad[i].reason);
		assert_non_null (strstr (err.msg, "CVSS vector"));
	}
	memset (big, 'A', sizeof big - 1);
	big[sizeof big - 1] = 0;
	memcpy (big, "CVSS:3.1/", 9);
	{
		hull_error_t err = { 0 };
		double score;

		assert_true (hull_cvss3_base_score (big, &score, &err) < 0);
		assert_non_null (strstr (err.msg, "longer than"));
		assert_true (hull_cvss3_base_score (NULL, &score, &err) < 0);
		assert_true (hull_cvss3_base_score ("CVSS:3.1/AV:Q", &score, NULL) < 0);
	}
}

static void
test_severity (void **state)
{
	static const struct {
		double score;
		enum hull_severity sev;
	} cases[] = {
		{ 0.0, HULL_SEV_UNKNOWN },  { 0.1, HULL_SEV_LOW },	{ 3.9, HULL_SEV_LOW },
		{ 4.0, HULL_SEV_MEDIUM },   { 6.9, HULL_SEV_MEDIUM },	{ 7.0, HULL_SEV_HIGH },
		{ 8.9, HULL_SEV_HIGH },	    { 9.0, HULL_SEV_CRITICAL }, { 10.0, HULL_SEV_CRITICAL },
		{ -1.0, HULL_SEV_UNKNOWN }, { 10.1, HULL_SEV_UNKNOWN }, { NAN, HULL_SEV_UNKNOWN },
	};

	(void) state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_int_equal (hull_severity_from_score (cases[i].score), cases[i].sev);
	assert_string_equal (hull_severity_name (HULL_SEV_CRITICAL), "CRITICAL");
	assert_string_equal (hull_severity_name (HULL_SEV_UNKNOWN), "UNKNOWN");
	assert_string_equal (hull_severity_name ((enum hull_severity) 77), "UNKNOWN");
	for (int s = 0; s < HULL_SEV_MAX; s++)
		assert_int_equal (hull_severity_parse (hull_severity_name ((enum hull_severity) s)),
				  s);
	assert_int_equal (hull_severity_parse ("high"), HULL_SEV_HIGH);
	assert_int_equal (hull_severity_parse ("Critical"), HULL_SEV_CRITICAL);
	assert_int_equal (hull_severity_parse ("MODERATE"), HULL_SEV_MEDIUM);
	assert_int_equal (hull_severity_parse ("Important"), HULL_SEV_HIGH);
	assert_int_equal (hull_severity_parse ("severe"), -1);
	assert_int_equal (hull_severity_parse (""), -1);
	assert_int_equal (hull_severity_parse ("HIGH "), -1);
	assert_int_equal (hull_severity_parse (NULL), -1);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test (test_published_scores),
		cmocka_unit_test (test_whole_space),
		cmocka_unit_test (test_malformed),
		cmocka_unit_test (test_severity),
	};

	return cmocka_run_group_tests (tests, NULL, NULL);
}
