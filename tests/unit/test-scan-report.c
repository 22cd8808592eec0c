/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The reporter: selection and order, table, JSON and SARIF structure (parsed back,
 * not compared as text), the .hullignore format with an injected "today", and OpenVEX
 * suppression. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "common/xalloc.h"
#include "hull/scan.h"
#include "scan/report/report.h"

static struct hull_finding *
add (struct hull_findings *f, const char *id, const char *pkg, const char *ver,
     enum hull_severity sev, double score, const char *fixed)
{
	struct hull_finding *x = hull_findings_add (f);

	x->id = hull_xstrdup (id);
	x->pkg_name = hull_xstrdup (pkg);
	x->pkg_version = hull_xstrdup (ver);
	x->pkg_purl = hull_xasprintf ("pkg:deb/debian/%s@%s?arch=amd64&distro=debian-12", pkg, ver);
	x->severity = sev;
	x->score = score;
	x->fixed_version = fixed ? hull_xstrdup (fixed) : NULL;
	x->title = hull_xasprintf ("%s in %s", id, pkg);
	x->location = hull_xstrdup ("/var/lib/dpkg/status");
	return x;
}

/* Four findings in two packages, deliberately out of order. */
static void
sample (struct hull_findings *f)
{
	struct hull_finding *x;

	add (f, "CVE-2024-0002", "zlib", "1.2.13", HULL_SEV_LOW, 3.1, NULL);
	add (f, "CVE-2024-0001", "openssl", "3.0.11-1", HULL_SEV_MEDIUM, 5.3, "3.0.13-1");
	x = add (f, "CVE-2024-0003", "openssl", "3.0.11-1", HULL_SEV_CRITICAL, 9.8, "3.0.13-1");
	x->aliases = hull_xcalloc (1, sizeof (char *));
	x->aliases[0] = hull_xstrdup ("DSA-5999-1");
	x->n_aliases = 1;
	add (f, "CVE-2024-0004", "zlib", "1.2.13", HULL_SEV_HIGH, 0, "1.2.14");
}

static void
test_findings_grow_and_clear (void **state)
{
	struct hull_findings f = { 0 };

	for (int i = 0; i < 100; i++) {
		struct hull_finding *x = hull_findings_add (&f);
		assert_null (x->id);
		x->id = hull_xasprintf ("CVE-%d", i);
	}
	assert_int_equal (f.n, 100);
	assert_string_equal (f.v[57].id, "CVE-57");
	hull_findings_clear (&f);
	assert_int_equal (f.n, 0);
	assert_null (f.v);
	hull_findings_clear (&f); /* twice is fine */
}

static void
test_parse_severities (void **state)
{
	unsigned m = 0;
	hull_error_t err = { 0 };

	assert_int_equal (hull_report_parse_severities ("high,CRITICAL", &m, &err), 0);
	assert_int_equal (m, (1u << HULL_SEV_HIGH) | (1u << HULL_SEV_CRITICAL));
	assert_true (hull_report_parse_severities ("HIGH,SEVERE", &m, &err) < 0);
	assert_non_null (strstr (err.msg, "SEVERE"));
	assert_true (hull_report_parse_severities (",", &m, &err) < 0);
}

static void
test_select_sorts_and_filters (void **state)
{
	struct hull_findings f = { 0 };
	struct hull_report_opts o = { 0 };

	sample (&f);
	hull_report_select (&f, &o);
	assert_int_equal (f.n, 4);
	/* package, then most severe first */
	assert_string_equal (f.v[0].id, "CVE-2024-0003");
	assert_string_equal (f.v[1].id, "CVE-2024-0001");
	assert_string_equal (f.v[2].id, "CVE-2024-0004");
	assert_string_equal (f.v[3].id, "CVE-2024-0002");
	o.severities = (1u << HULL_SEV_HIGH) | (1u << HULL_SEV_CRITICAL);
	hull_report_select (&f, &o);
	assert_int_equal (f.n, 2);
	o.severities = 0;
	o.ignore_unfixed = true;
	hull_findings_clear (&f);
	sample (&f);
	hull_report_select (&f, &o);
	assert_int_equal (f.n, 3);
	for (size_t i = 0; i < f.n; i++)
		assert_non_null (f.v[i].fixed_version);
	hull_findings_clear (&f);
}

static char *
table_text (const struct hull_findings *f, bool color)
{
	struct hull_inventory inv = { .target = (char *) "rootfs" };
	struct hull_report_opts o = { .color = color };
	hull_error_t err = { 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream (&buf, &len);

	assert_non_null (m);
	assert_int_equal (hull_report_table (m, &inv, f, &o, &err), 0);
	fclose (m);
	return buf;
}

static void
test_table (void **state)
{
	struct hull_findings f = { 0 };
	struct hull_report_opts o = { 0 };
	char *t, *line, *save = NULL;
	int id_col = -1, rows = 0;

	sample (&f);
	hull_report_select (&f, &o);
	f.v[3].suppressed = true; /* CVE-2024-0002 */
	t = table_text (&f, false);
	assert_null (strstr (t, "CVE-2024-0002"));
	assert_null (strchr (t, '\033'));
	assert_non_null (strstr (t, "3 vulnerabilities"));
	assert_non_null (strstr (t, "1 suppressed"));
	/* aligned: the id column starts at the same offset on every row; each package
	 * is named once */
	for (line = strtok_r (t, "\n", &save); line; line = strtok_r (NULL, "\n", &save)) {
		const char *c = strstr (line, "CVE-");
		if (strncmp (line, "PACKAGE", 7) == 0)
			id_col = (int) (strstr (line, "VULNERABILITY") - line);
		if (c == NULL)
			continue;
		rows++;
		assert_int_equal (c - line, id_col);
		if (strstr (line, "CVE-2024-0001"))
			assert_int_equal (line[0], ' '); /* second openssl row */
	}
	assert_int_equal (rows, 3);
	free (t);
	t = table_text (&f, true);
	assert_non_null (strstr (t, "\033[1;31mCRITICAL"));
	free (t);
	hull_findings_clear (&f);
}

/* Hostile text (package names from an SBOM, advisory titles) cannot reach the
 * terminal as escape sequences. */
static void
test_table_control_chars (void **state)
{
	struct hull_findings f = { 0 };
	struct hull_finding *x =
		add (&f, "CVE-1", "evil\033]0;pwned\a", "1", HULL_SEV_LOW, 0, NULL);
	char *t;

	free (x->title);
	x->title = hull_xstrdup ("title\033[2J\r\nmore");
	t = table_text (&f, false);
	assert_null (strchr (t, '\033'));
	assert_null (strchr (t, '\a'));
	assert_null (strchr (t, '\r'));
	assert_non_null (strstr (t, "evil?]0;pwned?"));
	free (t);
	hull_findings_clear (&f);
}

static json_t *
parse (char *text)
{
	json_error_t je;
	json_t *j = json_loads (text, 0, &je);

	assert_non_null (j);
	free (text);
	return j;
}

static void
test_json (void **state)
{
	struct hull_findings f = { 0 };
	struct hull_report_opts o = { .tool_version = "9.9" };
	struct hull_inventory inv = { .target = (char *) "img", .os = { .id = (char *) "debian" } };
	json_t *j, *fs, *x;

	sample (&f);
	hull_report_select (&f, &o);
	f.v[0].suppressed = true;
	f.v[0].suppressed_by = hull_xstrdup ("vex:a.json");
	f.v[0].justification = hull_xstrdup ("component_not_present");
	j = parse (hull_report_json (&inv, &f, &o));
	assert_int_equal (json_integer_value (json_object_get (j, "schemaVersion")), 1);
	assert_string_equal (json_string_value (json_object_get (j, "target")), "img");
	fs = json_object_get (j, "findings");
	assert_int_equal (json_array_size (fs), 4);
	x = json_array_get (fs, 0);
	assert_string_equal (json_string_value (json_object_get (x, "id")), "CVE-2024-0003");
	assert_true (json_is_true (json_object_get (x, "suppressed")));
	assert_string_equal (json_string_value (json_object_get (x, "justification")),
			     "component_not_present");
	assert_string_equal (json_string_value (json_array_get (json_object_get (x, "aliases"), 0)),
			     "DSA-5999-1");
	assert_string_equal (
		json_string_value (json_object_get (json_object_get (x, "package"), "name")),
		"openssl");
	assert_int_equal (
		json_integer_value (json_object_get (json_object_get (j, "summary"), "suppressed")),
		1);
	assert_true (json_is_false (json_object_get (json_array_get (fs, 1), "suppressed")));
	json_decref (j);
	hull_findings_clear (&f);
}

static void
test_json_hostile_utf8 (void **state)
{
	struct hull_findings f = { 0 };
	struct hull_report_opts o = { 0 };
	struct hull_finding *x = add (&f, "CVE-1", "p", "1", HULL_SEV_LOW, 0, NULL);
	json_t *j;

	free (x->title);
	x->title = hull_xstrdup ("bad \xff\xfe utf8");
	j = parse (hull_report_json (NULL, &f, &o));
	assert_string_equal (json_string_value (json_object_get (
				     json_array_get (json_object_get (j, "findings"), 0), "title")),
			     "bad ?? utf8");
	json_decref (j);
	hull_findings_clear (&f);
}

static void
test_sarif (void **state)
{
	struct hull_findings f = { 0 };
	struct hull_report_opts o = { .tool_version = "9.9" };
	json_t *j, *run, *rules, *results, *r;

	sample (&f);
	add (&f, "CVE-2024-0003", "libssl3", "3.0.11-1", HULL_SEV_CRITICAL, 9.8, NULL);
	hull_report_select (&f, &o);
	f.v[4].suppressed = true;
	j = parse (hull_report_sarif (NULL, &f, &o));
	assert_string_equal (json_string_value (json_object_get (j, "version")), "2.1.0");
	run = json_array_get (json_object_get (j, "runs"), 0);
	assert_string_equal (
		json_string_value (json_object_get (
			json_object_get (json_object_get (run, "tool"), "driver"), "name")),
		"hull");
	rules = json_object_get (json_object_get (json_object_get (run, "tool"), "driver"),
				 "rules");
	results = json_object_get (run, "results");
	assert_int_equal (json_array_size (rules), 4); /* one per vulnerability id */
	assert_int_equal (json_array_size (results), 5);
	for (size_t i = 0; i < json_array_size (results); i++) {
		size_t ri;
		r = json_array_get (results, i);
		ri = (size_t) json_integer_value (json_object_get (r, "ruleIndex"));
		assert_string_equal (
			json_string_value (json_object_get (r, "ruleId")),
			json_string_value (json_object_get (json_array_get (rules, ri), "id")));
		assert_string_equal (
			json_string_value (json_object_get (
				json_object_get (
					json_object_get (
						json_array_get (json_object_get (r, "locations"),
								0),
						"physicalLocation"),
					"artifactLocation"),
				"uri")),
			"var/lib/dpkg/status");
	}
	/* Every result sits at var/lib/dpkg/status: code scanning would fold results of
	 * one rule at one location into one alert (CVE-2024-0003 in openssl and libssl3)
	 * unless partialFingerprints tell them apart. */
	for (size_t i = 0; i < json_array_size (results); i++) {
		const char *fi = json_string_value (json_object_get (
			json_object_get (json_array_get (results, i), "partialFingerprints"),
			"hullFinding/v1"));
		assert_non_null (fi);
		for (size_t k = 0; k < i; k++)
			assert_string_not_equal (
				fi, json_string_value (json_object_get (
					    json_object_get (json_array_get (results, k),
							     "partialFingerprints"),
					    "hullFinding/v1")));
	}
	r = json_array_get (rules, 0);
	assert_string_equal (json_string_value (json_object_get (r, "id")), "CVE-2024-0003");
	assert_string_equal (json_string_value (json_object_get (
				     json_object_get (r, "defaultConfiguration"), "level")),
			     "error");
	assert_string_equal (json_string_value (json_object_get (json_object_get (r, "properties"),
								 "security-severity")),
			     "9.8");
	assert_non_null (json_string_value (json_object_get (r, "helpUri")));
	/* HIGH without a score: the band's middle */
	for (size_t i = 0; i < json_array_size (rules); i++) {
		r = json_array_get (rules, i);
		if (strcmp (json_string_value (json_object_get (r, "id")), "CVE-2024-0004") == 0)
			assert_string_equal (
				json_string_value (json_object_get (
					json_object_get (r, "properties"), "security-severity")),
				"8.0");
		if (strcmp (json_string_value (json_object_get (r, "id")), "CVE-2024-0002") == 0)
			assert_string_equal (
				json_string_value (json_object_get (
					json_object_get (r, "defaultConfiguration"), "level")),
				"note");
	}
	assert_non_null (json_object_get (json_array_get (results, 4), "suppressions"));
	assert_null (json_object_get (json_array_get (results, 0), "suppressions"));
	json_decref (j);
	hull_findings_clear (&f);
}

/* ---- .hullignore ---- */

static const char ignore_text[] =
	"# accepted risks\n"
	"\n"
	"CVE-2024-0001 pkg=openssl exp=2025-06-30 # no TLS in this image\n"
	"CVE-2024-0004 exp=2024-01-01\n"
	"DSA-5999-1\r\n"
	"CVE-2024-0002 pkg=libz\n";

static void
test_ignore_parse (void **state)
{
	struct hull_ignore ig;
	hull_error_t err = { 0 };

	assert_int_equal (
		hull_ignore_parse (ignore_text, strlen (ignore_text), ".hullignore", &ig, &err), 0);
	assert_int_equal (ig.n, 4);
	assert_string_equal (ig.v[0].id, "CVE-2024-0001");
	assert_string_equal (ig.v[0].pkg, "openssl");
	assert_int_equal (ig.v[0].expires, 20250630);
	assert_string_equal (ig.v[0].reason, "no TLS in this image");
	assert_int_equal (ig.v[0].line, 3);
	assert_null (ig.v[1].pkg);
	assert_null (ig.v[1].reason);
	assert_string_equal (ig.v[2].id, "DSA-5999-1");
	assert_int_equal (ig.v[2].expires, 0);
	hull_ignore_clear (&ig);
}

static void
test_ignore_bad (void **state)
{
	static const char *const bad[] = {
		"CVE-1 exp=2024-02-30\n",
		"CVE-1 exp=2023-02-29\n",
		"CVE-1 exp=24-01-01\n",
		"CVE-1 pkg=\n",
		"CVE-1 foo=bar\n",
		"CVE-1 pkg=a pkg=b\n",
		"CVE;1\n",
		"CVE-1 \x01\n",
	};
	struct hull_ignore ig;
	hull_error_t err = { 0 };
	char big[HULL_IGNORE_MAX_BYTES + 2];

	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		assert_true (hull_ignore_parse (bad[i], strlen (bad[i]), "f", &ig, &err) < 0);
		assert_non_null (strstr (err.msg, "f:1"));
		assert_null (ig.v);
	}
	assert_int_equal (hull_ignore_parse ("CVE-1 exp=2024-02-29\n", 21, "f", &ig, &err), 0);
	hull_ignore_clear (&ig);
	memset (big, '#', sizeof big);
	assert_true (hull_ignore_parse (big, sizeof big, "f", &ig, &err) < 0);
	assert_true (hull_ignore_parse ("CVE-1\0x", 7, "f", &ig, &err) < 0);
}

static void
test_ignore_expiry (void **state)
{
	struct hull_ignore ig;
	struct hull_findings f = { 0 };
	hull_error_t err = { 0 };

	assert_int_equal (
		hull_ignore_parse (ignore_text, strlen (ignore_text), ".hullignore", &ig, &err), 0);
	assert_int_equal (hull_ignore_today (86400 * 365), 19710101);
	assert_false (hull_ignore_expired (&ig.v[0], 20250630)); /* the day itself applies */
	assert_true (hull_ignore_expired (&ig.v[0], 20250701));
	assert_false (hull_ignore_expired (&ig.v[2], 99991231));
	sample (&f);
	/* 2024-06-01: entry 1 (openssl CVE-0001) applies, entry 2 (CVE-0004) expired, the
	 * DSA alias suppresses CVE-0003, pkg=libz does not name zlib */
	assert_int_equal (hull_ignore_apply (&ig, 20240601, &f), 2);
	for (size_t i = 0; i < f.n; i++) {
		bool want = strcmp (f.v[i].id, "CVE-2024-0001") == 0 ||
			    strcmp (f.v[i].id, "CVE-2024-0003") == 0;
		assert_int_equal (f.v[i].suppressed, want);
		if (strcmp (f.v[i].id, "CVE-2024-0001") == 0) {
			assert_string_equal (f.v[i].justification, "no TLS in this image");
			assert_string_equal (f.v[i].suppressed_by, ".hullignore");
		}
	}
	hull_findings_clear (&f);
	/* after 2025-06-30 the openssl entry stops applying */
	sample (&f);
	assert_int_equal (hull_ignore_apply (&ig, 20250701, &f), 1);
	assert_int_equal (hull_report_count_active (&f), 3);
	hull_findings_clear (&f);
	/* before 2024-01-02 the CVE-0004 entry applies too */
	sample (&f);
	assert_int_equal (hull_ignore_apply (&ig, 20231231, &f), 3);
	hull_findings_clear (&f);
	hull_ignore_clear (&ig);
}

/* ---- OpenVEX ---- */

static const char vex_doc[] =
	"{\"@context\": \"https://openvex.dev/ns/v0.2.0\", \"@id\": \"https://example.invalid/v1\","
	" \"author\": \"t\", \"timestamp\": \"2024-01-01T00:00:00Z\", \"version\": 1,"
	" \"statements\": ["
	"  {\"vulnerability\": {\"name\": \"CVE-2024-0001\"},"
	"   \"products\": [{\"@id\": \"pkg:deb/debian/openssl@3.0.11-1\"}],"
	"   \"status\": \"not_affected\", \"justification\": "
	"\"vulnerable_code_not_in_execute_path\"},"
	"  {\"vulnerability\": {\"name\": \"GHSA-xxxx\", \"aliases\": [\"CVE-2024-0002\"]},"
	"   \"products\": [{\"@id\": \"pkg:oci/app\", \"subcomponents\": [{\"@id\": "
	"\"pkg:deb/debian/zlib\"}]}],"
	"   \"status\": \"not_affected\", \"impact_statement\": \"compression unused\"},"
	"  {\"vulnerability\": {\"name\": \"CVE-2024-0003\"},"
	"   \"products\": [{\"@id\": \"pkg:deb/debian/openssl@3.0.11-1\"}],"
	"   \"status\": \"affected\"},"
	"  {\"vulnerability\": {\"name\": \"CVE-2024-0004\"},"
	"   \"products\": [{\"@id\": \"pkg:deb/debian/zlib@9.9\"}],"
	"   \"status\": \"not_affected\", \"justification\": \"component_not_present\"}"
	" ]}";

static void
test_vex_apply (void **state)
{
	struct hull_vex vx;
	struct hull_findings f = { 0 };
	hull_error_t err = { 0 };

	assert_int_equal (hull_vex_parse (vex_doc, strlen (vex_doc), "a.vex.json", &vx, &err), 0);
	assert_int_equal (vx.n, 4);
	assert_int_equal (vx.v[1].n_products, 2);
	assert_int_equal (vx.v[2].status, HULL_VEX_AFFECTED);
	sample (&f);
	assert_int_equal (hull_vex_apply (&vx, &f), 2);
	for (size_t i = 0; i < f.n; i++) {
		const char *id = f.v[i].id;
		if (strcmp (id, "CVE-2024-0001") == 0) {
			assert_true (f.v[i].suppressed);
			assert_string_equal (f.v[i].justification,
					     "vulnerable_code_not_in_execute_path");
			assert_string_equal (f.v[i].suppressed_by, "vex:a.vex.json");
		} else if (strcmp (id, "CVE-2024-0002") == 0) {
			assert_true (f.v[i].suppressed); /* alias, versionless subcomponent */
			assert_string_equal (f.v[i].justification, "compression unused");
		} else {
			assert_false (f.v[i].suppressed); /* affected; other version */
		}
	}
	hull_findings_clear (&f);
	hull_vex_clear (&vx);
}

static void
test_vex_purl_match (void **state)
{
	assert_true (hull_vex_purl_match ("pkg:deb/debian/a@1", "pkg:deb/debian/a@1?arch=amd64"));
	assert_true (hull_vex_purl_match ("pkg:deb/debian/a@1?arch=arm64", "pkg:deb/debian/a@1"));
	assert_true (hull_vex_purl_match ("pkg:deb/debian/a", "pkg:deb/debian/a@1"));
	assert_false (hull_vex_purl_match ("pkg:deb/debian/a@2", "pkg:deb/debian/a@1"));
	assert_false (hull_vex_purl_match ("pkg:deb/debian/ab", "pkg:deb/debian/a@1"));
	assert_false (hull_vex_purl_match ("pkg:deb/debian/a", "pkg:deb/debian/ab@1"));
	/* purls compare decoded (purl-spec): hull writes `+` and an npm scope's `@`
	 * encoded, other tools and people write them as they are. */
	assert_true (hull_vex_purl_match ("pkg:deb/debian/libc6@2.36-9+deb12u4",
					  "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64"));
	assert_true (hull_vex_purl_match ("pkg:npm/@babel/traverse@7.22.0",
					  "pkg:npm/%40babel/traverse@7.22.0"));
	assert_true (hull_vex_purl_match ("pkg:npm/@babel/traverse",
					  "pkg:npm/%40babel/traverse@7.22.0"));
	assert_true (hull_vex_purl_match ("PKG:DEB/debian/a@1", "pkg:deb/debian/a@1"));
	/* pypi names are PEP 503-normalised (purl-spec PURL-TYPES pypi) */
	assert_true (hull_vex_purl_match ("pkg:pypi/Jinja2@2.10", "pkg:pypi/jinja2@2.10"));
	assert_false (hull_vex_purl_match ("pkg:npm/%40babel/traverse@7.22.1",
					   "pkg:npm/%40babel/traverse@7.22.0"));
	assert_false (hull_vex_purl_match ("pkg:npm/babel/traverse@7.22.0",
					   "pkg:npm/%40babel/traverse@7.22.0"));
	assert_false (hull_vex_purl_match ("pkg:deb/ubuntu/a@1", "pkg:deb/debian/a@1"));
	assert_false (hull_vex_purl_match ("pkg:rpm/redhat/a@1", "pkg:deb/redhat/a@1"));
	assert_false (hull_vex_purl_match ("pkg:deb/debian/a%2Fb@1", "pkg:deb/debian/a/b@1"));
	/* decoded once: a double-encoded `@` is the text "%40", not a scope */
	assert_false (hull_vex_purl_match ("pkg:npm/%2540babel/traverse@7.22.0",
					   "pkg:npm/%40babel/traverse@7.22.0"));
	/* a bad escape or an encoded NUL matches nothing */
	assert_false (hull_vex_purl_match ("pkg:npm/%zzbabel/traverse", "pkg:npm/%zzbabel/x@1"));
	assert_false (hull_vex_purl_match ("pkg:npm/a%00b", "pkg:npm/a%00b@1"));
}

static void
test_vex_later_statement_wins (void **state)
{
	static const char doc[] =
		"{\"@context\": \"https://openvex.dev/ns/v0.2.0\", \"statements\": ["
		"{\"vulnerability\": {\"name\": \"CVE-2024-0001\"}, \"products\": [{\"@id\": "
		"\"pkg:deb/debian/openssl\"}], \"status\": \"not_affected\", \"justification\": "
		"\"component_not_present\"},"
		"{\"vulnerability\": {\"name\": \"CVE-2024-0001\"}, \"products\": [{\"@id\": "
		"\"pkg:deb/debian/openssl\"}], \"status\": \"under_investigation\"}]}";
	struct hull_vex vx;
	struct hull_findings f = { 0 };
	hull_error_t err = { 0 };

	assert_int_equal (hull_vex_parse (doc, strlen (doc), "v", &vx, &err), 0);
	sample (&f);
	assert_int_equal (hull_vex_apply (&vx, &f), 0);
	hull_findings_clear (&f);
	hull_vex_clear (&vx);
}

static void
test_vex_strict (void **state)
{
	static const char *const bad[] = {
		"[]",
		"{\"statements\": []}",
		"{\"@context\": \"https://example.invalid\", \"statements\": []}",
		"{\"@context\": \"https://openvex.dev/ns/v0.2.0\"}",
		"{\"@context\": \"https://openvex.dev/ns/v0.2.0\", \"statements\": [1]}",
		"{\"@context\": \"https://openvex.dev/ns/v0.2.0\", \"statements\": "
		"[{\"vulnerability\": "
		"{\"name\": \"C\"}, \"products\": [{\"@id\": \"p\"}], \"status\": "
		"\"not_affected\"}]}",
		"{\"@context\": \"https://openvex.dev/ns/v0.2.0\", \"statements\": "
		"[{\"vulnerability\": "
		"{\"name\": \"C\"}, \"products\": [{\"@id\": \"p\"}], \"status\": \"maybe\"}]}",
		"{\"@context\": \"https://openvex.dev/ns/v0.2.0\", \"statements\": "
		"[{\"vulnerability\": "
		"{\"name\": \"C\"}, \"products\": [], \"status\": \"fixed\"}]}",
		"{\"@context\": \"https://openvex.dev/ns/v0.2.0\", \"statements\": "
		"[{\"vulnerability\": "
		"{\"name\": \"C\"}, \"products\": [{\"@id\": \"p\"}], \"status\": "
		"\"not_affected\", "
		"\"justification\": \"trust_me\"}]}",
		"{\"@context\": \"https://openvex.dev/ns/v0.2.0\", \"@context\": \"x\", "
		"\"statements\": []}",
	};
	struct hull_vex vx;
	hull_error_t err = { 0 };

	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		hull_error_clear (&err);
		assert_true (hull_vex_parse (bad[i], strlen (bad[i]), "v.json", &vx, &err) < 0);
		assert_non_null (strstr (err.msg, "v.json"));
		assert_null (vx.v);
	}
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test (test_findings_grow_and_clear),
		cmocka_unit_test (test_parse_severities),
		cmocka_unit_test (test_select_sorts_and_filters),
		cmocka_unit_test (test_table),
		cmocka_unit_test (test_table_control_chars),
		cmocka_unit_test (test_json),
		cmocka_unit_test (test_json_hostile_utf8),
		cmocka_unit_test (test_sarif),
		cmocka_unit_test (test_ignore_parse),
		cmocka_unit_test (test_ignore_bad),
		cmocka_unit_test (test_ignore_expiry),
		cmocka_unit_test (test_vex_apply),
		cmocka_unit_test (test_vex_purl_match),
		cmocka_unit_test (test_vex_later_statement_wins),
		cmocka_unit_test (test_vex_strict),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
