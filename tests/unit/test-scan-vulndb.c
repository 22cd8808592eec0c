/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The OSV database: the strict record parser (bad inputs name file and field), the
 * index file (round trip, corruption, truncation, wrong version, tampered offsets
 * with a recomputed checksum) and matching, as tables mirroring public advisories.
 * The records under tests/data/osv/match/ are copies of public advisories (each
 * file's id is the advisory's, see tests/data/osv/README.md); the inline records
 * say which public advisory or OSV schema example they mirror. */
#include <errno.h>
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

#include "common/cleanup.h"
#include "common/sha256.h"
#include "common/xalloc.h"
#include "hull/scan.h"
#include "scan/vuln/vulndb.h"

/* Positional case tables leave trailing fields out (as the test-unpack tables do). */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

static char tmpdir[64];

static void
write_file (const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf (path, sizeof path, "%s/%s", dir, name);
	f = fopen (path, "we");
	assert_non_null (f);
	fputs (text, f);
	fclose (f);
}

static char *
sub (const char *name)
{
	char *p = hull_xasprintf ("%s/%s", tmpdir, name);
	mkdir (p, 0755);
	return p;
}

static int
setup (void **state)
{
	snprintf (tmpdir, sizeof tmpdir, "/tmp/test-vulndb-XXXXXX");
	return mkdtemp (tmpdir) ? 0 : -1;
}

static int
teardown (void **state)
{
	char cmd[128];
	/* check-style: allow test cleanup of its own mkdtemp dir */
	snprintf (cmd, sizeof cmd, "rm -rf %s", tmpdir);
	return system (cmd) == 0 ? 0 : -1; /* check-style: allow test cleanup */
}

/* ---- parser ---- */

#define REC_HEAD "{\"id\":\"GHSA-test\",\"modified\":\"2024-01-02T03:04:05Z\","
#define PKG "\"package\":{\"ecosystem\":\"PyPI\",\"name\":\"x\"}"

static const struct bad_case {
	const char *json;
	const char *want; /* substring of the error */
} bad_cases[] = {
	{ "[1]", "an OSV record is a JSON object" },
	{ "{\"id\":", "rec.json:1:" },
	{ "{\"modified\":\"2024-01-02T03:04:05Z\"}", "rec.json: id: required field missing" },
	{ "{\"id\":7,\"modified\":\"2024-01-02T03:04:05Z\"}", "rec.json: id: expected a string" },
	{ "{\"id\":\"a b\",\"modified\":\"2024-01-02T03:04:05Z\"}", "rec.json: id: `a b`" },
	{ "{\"id\":\"X-1\"}", "rec.json: modified: required field missing" },
	{ "{\"id\":\"X-1\",\"modified\":\"yesterday\"}",
	  "modified: `yesterday` is not an RFC 3339" },
	{ "{\"id\":\"X-1\",\"modified\":\"2024-02-30T00:00:00Z\"}", "modified: `2024-02-30" },
	{ REC_HEAD "\"aliases\":\"CVE-1\"}", "aliases: expected an array of strings" },
	{ REC_HEAD "\"aliases\":[1]}", "aliases[0]: expected a string" },
	{ REC_HEAD "\"affected\":{}}", "affected: expected an array" },
	{ REC_HEAD "\"affected\":[{\"package\":{\"ecosystem\":\"PyPI\"}}]}",
	  "affected[0].package.name: required field missing" },
	{ REC_HEAD "\"affected\":[{" PKG ",\"ranges\":[{\"type\":\"FOO\",\"events\":[{"
		   "\"introduced\":\"0\"}]}]}]}",
	  "affected[0].ranges[0].type: unknown range type `FOO`" },
	{ REC_HEAD "\"affected\":[{" PKG ",\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{"
		   "\"introduced\":\"0\"},{\"fixed\":\"1\",\"limit\":\"2\"}]}]}]}",
	  "affected[0].ranges[0].events[1]: expected an object with one of" },
	{ REC_HEAD "\"affected\":[{" PKG ",\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{"
		   "\"introduced\":\"0\"},{\"patched\":\"1\"}]}]}]}",
	  "affected[0].ranges[0].events[1]: unknown event `patched`" },
	{ REC_HEAD "\"affected\":[{" PKG ",\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{"
		   "\"fixed\":1}]}]}]}",
	  "affected[0].ranges[0].events[0].fixed: expected a string" },
	{ REC_HEAD "\"affected\":[{" PKG ",\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{"
		   "\"fixed\":\"1\"}]}]}]}",
	  "affected[0].ranges[0].events: no introduced event" },
	{ REC_HEAD "\"affected\":[{" PKG ",\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[]}]}]}",
	  "affected[0].ranges[0].events: expected 1 to 4096 events, got 0" },
	{ REC_HEAD "\"affected\":[{" PKG ",\"ranges\":[{\"type\":\"GIT\",\"events\":[{"
		   "\"introduced\":\"0\"}]}]}]}",
	  "affected[0].ranges[0].repo: required for a range of type `GIT`" },
	{ REC_HEAD "\"affected\":[{" PKG ",\"ranges\":[{\"events\":[{\"introduced\":\"0\"}]}]}]}",
	  "affected[0].ranges[0].type: required field missing" },
	{ REC_HEAD "\"severity\":[{\"type\":\"CVSS_V9\",\"score\":\"x\"}]}",
	  "severity[0].type: unknown severity type `CVSS_V9`" },
	{ REC_HEAD "\"severity\":[{\"type\":\"CVSS_V3\"}]}", "severity[0].score: required field" },
	{ REC_HEAD "\"references\":[{\"type\":\"BLOG\",\"url\":\"u\"}]}",
	  "references[0].type: unknown reference type `BLOG`" },
	{ REC_HEAD "\"affected\":[{" PKG ",\"database_specific\":[]}]}",
	  "affected[0].database_specific: expected an object" },
	{ REC_HEAD "\"withdrawn\":true}", "withdrawn: expected a string" },
	{ REC_HEAD "\"summary\":{}}", "summary: expected a string" },
	{ "{\"id\":\"X-1\",\"id\":\"X-2\",\"modified\":\"2024-01-02T03:04:05Z\"}", "duplicate" },
};

static void
test_parse_bad (void **state)
{
	for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		struct hull_osv_record r;
		hull_error_t err = { 0 };
		int ret = hull_osv_parse (bad_cases[i].json, strlen (bad_cases[i].json), 1 << 20,
					  "rec.json", &r, &err);
		if (ret >= 0 || strstr (err.msg, bad_cases[i].want) == NULL)
			fail_msg ("case %zu: ret %d, error `%s`, want `%s`", i, ret, err.msg,
				  bad_cases[i].want);
		hull_osv_record_clear (&r);
	}
}

/* A JSON record with an `n`-element array at the interesting place. */
static char *
huge (const char *head, const char *elem, size_t n, const char *tail)
{
	size_t el = strlen (elem), len = strlen (head) + n * (el + 1) + strlen (tail) + 1;
	char *s = hull_xmalloc (len), *p = s;

	p += snprintf (p, len, "%s", head);
	for (size_t i = 0; i < n; i++)
		p += snprintf (p, len - (size_t) (p - s), "%s%s", i ? "," : "", elem);
	snprintf (p, len - (size_t) (p - s), "%s", tail);
	return s;
}

static void
test_parse_huge (void **state)
{
	static const struct {
		const char *head, *elem, *tail, *want;
		size_t n;
	} cases[] = {
		{ REC_HEAD "\"aliases\":[", "\"CVE-1\"", "]}", "aliases: 1025 entries", 1025 },
		{ REC_HEAD "\"affected\":[{" PKG ",\"ranges\":[{\"type\":\"SEMVER\",\"events\":[",
		  "{\"introduced\":\"1.0.0\"}", "]}]}]}",
		  "affected[0].ranges[0].events: expected 1 to 4096 events, got 5000", 5000 },
		{ REC_HEAD "\"affected\":[", "{" PKG "}", "]}", "affected: 9000 entries", 9000 },
		{ REC_HEAD "\"affected\":[{" PKG ",\"versions\":[", "\"1\"", "]}]}",
		  "affected[0].versions: 70000 entries", 70000 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		_cleanup_free_ char *j =
			huge (cases[i].head, cases[i].elem, cases[i].n, cases[i].tail);
		struct hull_osv_record r;
		hull_error_t err = { 0 };
		assert_true (hull_osv_parse (j, strlen (j), 4 << 20, "h.json", &r, &err) < 0);
		if (strstr (err.msg, cases[i].want) == NULL)
			fail_msg ("case %zu: `%s`", i, err.msg);
		hull_osv_record_clear (&r);
	}
	/* The byte cap comes before parsing. */
	{
		_cleanup_free_ char *j = huge (REC_HEAD "\"aliases\":[", "\"A\"", 100, "]}");
		struct hull_osv_record r;
		hull_error_t err = { 0 };
		assert_true (hull_osv_parse (j, strlen (j), 64, "cap.json", &r, &err) < 0);
		assert_non_null (strstr (err.msg, "cap.json"));
		hull_osv_record_clear (&r);
	}
}

static void
test_parse_good (void **state)
{
	static const char j[] =
		REC_HEAD "\"withdrawn\":\"2024-02-01T00:00:00.123+01:00\",\"aliases\":[\"CVE-1\"],"
			 "\"severity\":[{\"type\":\"CVSS_V4\",\"score\":\"CVSS:4.0/AV:N\"}],"
			 "\"affected\":[{" PKG ",\"ranges\":[{\"type\":\"SEMVER\",\"events\":["
			 "{\"introduced\":\"1.0.0\"},{\"limit\":\"2.0.0\"}]}],"
			 "\"ecosystem_specific\":{\"severity\":\"LOW\"},"
			 "\"database_specific\":{\"severity\":\"HIGH\"}}],"
			 "\"credits\":[{\"name\":\"n\"}],\"unknown_key\":1}";
	struct hull_osv_record r;
	hull_error_t err = { 0 };
	time_t t;

	assert_int_equal (hull_osv_parse (j, strlen (j), 1 << 20, "g.json", &r, &err), 0);
	assert_string_equal (r.id, "GHSA-test");
	assert_int_equal (r.modified_time, 1704164645);
	assert_int_equal (r.n_affected, 1);
	assert_int_equal (r.affected[0].ranges[0].type, HULL_OSV_RANGE_SEMVER);
	assert_int_equal (r.affected[0].ranges[0].events[1].kind, HULL_OSV_EV_LIMIT);
	assert_string_equal (r.affected[0].db_severity, "LOW"); /* ecosystem_specific first */
	hull_osv_record_clear (&r);
	assert_int_equal (hull_osv_parse_time ("2024-02-01T00:00:00+01:00", &t), 0);
	assert_int_equal (t, 1706742000);
	assert_int_equal (hull_osv_parse_time ("2024-02-01 00:00:00Z", &t), -1);
	assert_int_equal (hull_osv_parse_time ("2024-13-01T00:00:00Z", &t), -1);
	assert_int_equal (hull_osv_parse_time ("2024-01-01T00:00:00", &t), -1);
}

static void
test_pep503 (void **state)
{
	char out[64];
	hull_osv_pep503 ("Friendly-Bard", out);
	assert_string_equal (out, "friendly-bard");
	hull_osv_pep503 ("FRIENDLY._-._BARD", out);
	assert_string_equal (out, "friendly-bard");
	hull_osv_pep503 ("zope.interface", out);
	assert_string_equal (out, "zope-interface");
}

/* A bad record inside a directory tree names the file and the field. */
static void
test_import_bad_names_file (void **state)
{
	_cleanup_free_ char *dir = sub ("bad"), *deep = NULL, *idx = sub ("badidx");
	_cleanup_free_ char *out = hull_xasprintf ("%s/osv.idx", idx);
	const char *paths[] = { dir };
	hull_error_t err = { 0 };
	struct stat st;

	deep = hull_xasprintf ("%s/PyPI", dir);
	mkdir (deep, 0755);
	write_file (deep, "GHSA-bad.json",
		    REC_HEAD "\"affected\":[{" PKG ",\"ranges\":[{\"type\":\"ECOSYSTEM\","
			     "\"events\":[{\"introduced\":\"0\"},{\"fixed\":[]}]}]}]}");
	assert_true (hull_vulndb_import (paths, 1, out, NULL, NULL, &err) < 0);
	if (strstr (err.msg, "PyPI/GHSA-bad.json: affected[0].ranges[0].events[1].fixed") == NULL)
		fail_msg ("error: %s", err.msg);
	/* Nothing half-written is left behind. */
	assert_int_equal (stat (out, &st), -1);
}

/* ---- the index ---- */

static char *
import_dir (const char *name, const char *const *recs, size_t n,
	    struct hull_vulndb_import_stats *st)
{
	_cleanup_free_ char *dir = sub (name);
	char *out = hull_xasprintf ("%s/%s.idx", tmpdir, name);
	const char *paths[] = { dir };
	hull_error_t err = { 0 };

	for (size_t i = 0; i < n; i++) {
		char fname[32];
		snprintf (fname, sizeof fname, "r%zu.json", i);
		write_file (dir, fname, recs[i]);
	}
	if (hull_vulndb_import (paths, 1, out, NULL, st, &err) < 0)
		fail_msg ("import: %s", err.msg);
	return out;
}

static char *
import_data (struct hull_vulndb_import_stats *st)
{
	char *out = hull_xasprintf ("%s/data.idx", tmpdir);
	const char *paths[] = { HULL_TEST_DATA "/osv/match" };
	hull_error_t err = { 0 };

	if (hull_vulndb_import (paths, 1, out, NULL, st, &err) < 0)
		fail_msg ("import: %s", err.msg);
	return out;
}

static void
test_index_roundtrip (void **state)
{
	struct hull_vulndb_import_stats st;
	_cleanup_free_ char *idx = import_data (&st);
	struct hull_vulndb_info info;
	struct hull_vulndb *db;
	hull_error_t err = { 0 };
	bool debian = false, pypi = false;

	assert_int_equal (st.files, 6);
	assert_int_equal (st.records, 6);
	assert_int_equal (st.withdrawn, 0);
	db = hull_vulndb_open (idx, &err);
	if (db == NULL)
		fail_msg ("%s", err.msg);
	assert_int_equal (hull_vulndb_get_info (db, &info, &err), 0);
	assert_int_equal (info.format_version, HULL_VULNDB_FORMAT);
	assert_int_equal (info.n_records, 6);
	assert_int_equal (info.n_affected, 6);
	assert_int_equal (info.newest_modified, 1726395630); /* 2024-09-15T10:20:30Z */
	assert_true (info.built > 1700000000);
	for (size_t i = 0; i < info.n_ecosystems; i++) {
		if (strcmp (info.ecosystems[i], "Debian:12") == 0)
			debian = info.n_per_ecosystem[i] == 1;
		if (strcmp (info.ecosystems[i], "PyPI") == 0)
			pypi = info.n_per_ecosystem[i] == 2;
	}
	assert_true (debian && pypi);
	assert_non_null (hull_vulndb_lookup (db, "PyPI", "requests"));
	assert_non_null (hull_vulndb_lookup (db, "Maven", "com.h2database:h2"));
	assert_null (hull_vulndb_lookup (db, "PyPI", "request"));
	hull_vulndb_info_clear (&info);
	hull_vulndb_close (db);
}

static uint8_t *
slurp (const char *path, size_t *len)
{
	FILE *f = fopen (path, "re");
	uint8_t *buf;
	long n;

	assert_non_null (f);
	fseek (f, 0, SEEK_END);
	n = ftell (f);
	rewind (f);
	buf = hull_xmalloc ((size_t) n);
	assert_int_equal (fread (buf, 1, (size_t) n, f), (size_t) n);
	fclose (f);
	*len = (size_t) n;
	return buf;
}

static void
spit (const char *path, const uint8_t *buf, size_t len)
{
	FILE *f = fopen (path, "we");
	assert_non_null (f);
	assert_int_equal (fwrite (buf, 1, len, f), len);
	fclose (f);
}

static void
expect_open_error (const char *path, const char *want)
{
	hull_error_t err = { 0 };
	struct hull_vulndb *db = hull_vulndb_open (path, &err);
	if (db != NULL || strstr (err.msg, want) == NULL)
		fail_msg ("open: `%s`, want `%s`", db ? "(opened)" : err.msg, want);
}

static void
rehash (uint8_t *buf, size_t len)
{
	struct hull_vulndb_header h;
	memcpy (&h, buf, sizeof h);
	hull_sha256 (buf + h.header_size, len - h.header_size, h.sha256);
	memcpy (buf, &h, sizeof h);
}

static void
test_index_corrupt (void **state)
{
	_cleanup_free_ char *idx = import_data (NULL);
	_cleanup_free_ char *bad = hull_xasprintf ("%s/bad.idx", tmpdir);
	size_t len;
	_cleanup_free_ uint8_t *orig = slurp (idx, &len);
	_cleanup_free_ uint8_t *buf = hull_xmalloc (len);
	struct hull_vulndb_header h;

	memcpy (&h, orig, sizeof h);
	/* One flipped byte in every region of the body is caught by the checksum. */
	for (size_t off = h.header_size; off < len; off += len / 7) {
		memcpy (buf, orig, len);
		buf[off] ^= 0x40;
		spit (bad, buf, len);
		expect_open_error (bad, "checksum mismatch");
	}
	/* Truncated, anywhere. */
	spit (bad, orig, len - 1);
	expect_open_error (bad, "truncated");
	spit (bad, orig, 40);
	expect_open_error (bad, "truncated");
	spit (bad, orig, 0);
	expect_open_error (bad, "truncated");
	/* Another format version. */
	memcpy (buf, orig, len);
	((struct hull_vulndb_header *) buf)->format_version = HULL_VULNDB_FORMAT + 1;
	spit (bad, buf, len);
	expect_open_error (bad, "format version 2, this hull reads 1");
	/* Not an index at all. */
	memcpy (buf, orig, len);
	buf[0] = 'X';
	spit (bad, buf, len);
	expect_open_error (bad, "bad magic");
	/* Tampered with and re-checksummed: offsets are still checked. */
	memcpy (buf, orig, len);
	{
		struct hull_vulndb_pkg *p = (void *) (buf + h.s[HULL_VULNDB_S_PACKAGES].off);
		p->n_aff = 1000000;
	}
	rehash (buf, len);
	spit (bad, buf, len);
	expect_open_error (bad, "outside its section");
	memcpy (buf, orig, len);
	{
		struct hull_vulndb_event *e = (void *) (buf + h.s[HULL_VULNDB_S_EVENTS].off);
		e->version = (uint32_t) h.s[HULL_VULNDB_S_STRINGS].count;
	}
	rehash (buf, len);
	spit (bad, buf, len);
	expect_open_error (bad, "outside its section");
	memcpy (buf, orig, len);
	((struct hull_vulndb_header *) buf)->s[HULL_VULNDB_S_RECORDS].count = 1u << 30;
	rehash (buf, len);
	spit (bad, buf, len);
	expect_open_error (bad, "outside the file");
	memcpy (buf, orig, len);
	buf[h.s[HULL_VULNDB_S_STRINGS].off + h.s[HULL_VULNDB_S_STRINGS].count - 1] = 'x';
	rehash (buf, len);
	spit (bad, buf, len);
	expect_open_error (bad, "string table");
	/* Byte-for-byte intact: opens. */
	spit (bad, orig, len);
	{
		hull_error_t err = { 0 };
		struct hull_vulndb *db = hull_vulndb_open (bad, &err);
		assert_non_null (db);
		hull_vulndb_close (db);
	}
}

/* ---- matching ---- */

struct ipkg {
	enum hull_pkg_type type;
	const char *name, *version, *source_name, *source_version;
};

static void
inv_add (struct hull_inventory *inv, const struct ipkg *p)
{
	struct hull_pkg *x = hull_inventory_add (inv);
	x->type = p->type;
	x->name = hull_xstrdup (p->name);
	x->version = hull_xstrdup (p->version);
	x->source_name = p->source_name ? hull_xstrdup (p->source_name) : NULL;
	x->source_version = p->source_version ? hull_xstrdup (p->source_version) : NULL;
	x->purl =
		hull_xasprintf ("pkg:%s/%s@%s", hull_pkg_type_purl (p->type), p->name, p->version);
	x->location = hull_xstrdup ("var/lib/dpkg/status");
}

static const struct hull_finding *
find (const struct hull_findings *f, const char *id, const char *pkg)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp (f->v[i].id, id) == 0 && strcmp (f->v[i].pkg_name, pkg) == 0)
			return &f->v[i];
	return NULL;
}

static bool
has_alias (const struct hull_finding *f, const char *a)
{
	for (size_t i = 0; i < f->n_aliases; i++)
		if (strcmp (f->aliases[i], a) == 0)
			return true;
	return false;
}

/* One row: a package, and the finding expected (id NULL: none for this package). */
static const struct match_case {
	const char *mirrors;
	struct ipkg pkg;
	const char *id, *fixed;
	enum hull_severity sev;
} match_cases[] = {
	/* DEBIAN-CVE-2023-4911 + DSA-5514-1: glibc in Debian 12, fixed 2.36-9+deb12u3;
	 * libc6 matched through its source package and source version, the two records
	 * merged into one CVE finding, CVSS 3.1 vector 7.8 -> HIGH. */
	{ "CVE-2023-4911 libc6",
	  { HULL_PKG_DEB, "libc6", "2.36-9+deb12u1", "glibc", NULL },
	  "CVE-2023-4911",
	  "2.36-9+deb12u3",
	  HULL_SEV_HIGH },
	{ "CVE-2023-4911 libc-bin (binNMU version, source version given)",
	  { HULL_PKG_DEB, "libc-bin", "2.36-9+deb12u1+b1", "glibc", "2.36-9+deb12u1" },
	  "CVE-2023-4911",
	  "2.36-9+deb12u3",
	  HULL_SEV_HIGH },
	{ "CVE-2023-4911 fixed version installed",
	  { HULL_PKG_DEB, "libc6", "2.36-9+deb12u3", "glibc", NULL },
	  NULL },
	{ "CVE-2023-4911 later version installed",
	  { HULL_PKG_DEB, "libc6", "2.36-9+deb12u14", "glibc", NULL },
	  NULL },
	{ "CVE-2023-4911 binary name alone does not match",
	  { HULL_PKG_DEB, "glibc-doc-reference", "2.36-1", NULL, NULL },
	  NULL },
	/* GHSA-j8r2-6x86-q33q + PYSEC-2023-74 (requests, CVE-2023-32681): ECOSYSTEM range
	 * [2.3.0, 2.31.0), PEP 503 name, CVSS 3.1 6.1 -> MEDIUM. */
	{ "CVE-2023-32681 requests 2.28.1",
	  { HULL_PKG_PYPI, "Requests", "2.28.1" },
	  "CVE-2023-32681",
	  "2.31.0",
	  HULL_SEV_MEDIUM },
	{ "CVE-2023-32681 before introduced", { HULL_PKG_PYPI, "requests", "2.2.1" }, NULL },
	{ "CVE-2023-32681 fixed", { HULL_PKG_PYPI, "requests", "2.31.0" }, NULL },
	/* GHSA-r9p9-mrjm-926w (elliptic, CVE-2020-28498), SEMVER range written with its
	 * events out of order (fixed first): sorted before evaluation. 6.8 -> MEDIUM. */
	{ "CVE-2020-28498 elliptic 6.5.3",
	  { HULL_PKG_NPM, "elliptic", "6.5.3" },
	  "CVE-2020-28498",
	  "6.5.4",
	  HULL_SEV_MEDIUM },
	{ "CVE-2020-28498 elliptic 6.5.4", { HULL_PKG_NPM, "elliptic", "6.5.4" }, NULL },
	/* GHSA-22wj-vf5f-wrvj (H2, CVE-2022-45868): last_affected 2.1.214 is inclusive,
	 * no fix known; severity from database_specific "HIGH". */
	{ "CVE-2022-45868 h2 2.1.214",
	  { HULL_PKG_MAVEN, "com.h2database:h2", "2.1.214" },
	  "CVE-2022-45868",
	  NULL,
	  HULL_SEV_HIGH },
	{ "CVE-2022-45868 h2 2.1.210",
	  { HULL_PKG_MAVEN, "com.h2database:h2", "2.1.210" },
	  "CVE-2022-45868",
	  NULL,
	  HULL_SEV_HIGH },
	{ "CVE-2022-45868 h2 2.2.220", { HULL_PKG_MAVEN, "com.h2database:h2", "2.2.220" }, NULL },
};

static void
run_match (const char *idx, struct hull_inventory *inv, struct hull_findings *out)
{
	hull_error_t err = { 0 };
	struct hull_vulndb *db = hull_vulndb_open (idx, &err);

	if (db == NULL)
		fail_msg ("%s", err.msg);
	assert_int_equal (hull_vulndb_match (db, inv, out, &err), 0);
	hull_vulndb_close (db);
}

static void
test_match_advisories (void **state)
{
	_cleanup_free_ char *idx = import_data (NULL);

	for (size_t i = 0; i < sizeof match_cases / sizeof match_cases[0]; i++) {
		const struct match_case *c = &match_cases[i];
		struct hull_inventory inv = { 0 };
		struct hull_findings out = { 0 };
		const struct hull_finding *f;

		inv.os.id = hull_xstrdup ("debian");
		inv.os.version_id = hull_xstrdup ("12");
		inv_add (&inv, &c->pkg);
		run_match (idx, &inv, &out);
		if (c->id == NULL) {
			if (out.n != 0)
				fail_msg ("%s: unexpected finding %s", c->mirrors, out.v[0].id);
		} else {
			if (out.n != 1 || (f = find (&out, c->id, c->pkg.name)) == NULL)
				fail_msg ("%s: %zu findings, want one %s", c->mirrors, out.n,
					  c->id);
			if ((c->fixed == NULL) != (f->fixed_version == NULL) ||
			    (c->fixed && strcmp (c->fixed, f->fixed_version) != 0))
				fail_msg ("%s: fixed %s, want %s", c->mirrors,
					  f->fixed_version ? f->fixed_version : "(none)",
					  c->fixed ? c->fixed : "(none)");
			if (f->severity != c->sev)
				fail_msg ("%s: severity %s, want %s", c->mirrors,
					  hull_severity_name (f->severity),
					  hull_severity_name (c->sev));
		}
		hull_findings_clear (&out);
		hull_inventory_clear (&inv);
	}
}

/* Aliases merged: DEBIAN-CVE-2023-4911 (upstream CVE) and DSA-5514-1 (alias CVE, for
 * the release-less "Debian" ecosystem) give one finding; so do GHSA and PYSEC. */
static void
test_match_merge (void **state)
{
	_cleanup_free_ char *idx = import_data (NULL);
	struct hull_inventory inv = { 0 };
	struct hull_findings out = { 0 };
	const struct hull_finding *f;

	inv.os.id = hull_xstrdup ("debian");
	inv.os.version_id = hull_xstrdup ("12");
	inv_add (&inv, &(struct ipkg){ HULL_PKG_DEB, "libc6", "2.36-9+deb12u1", "glibc" });
	inv_add (&inv, &(struct ipkg){ HULL_PKG_DEB, "libc-bin", "2.36-9+deb12u1", "glibc" });
	inv_add (&inv, &(struct ipkg){ HULL_PKG_PYPI, "requests", "2.30.0" });
	run_match (idx, &inv, &out);
	assert_int_equal (out.n, 3); /* CVE-2023-4911 twice (two packages), CVE-2023-32681 */
	f = find (&out, "CVE-2023-4911", "libc6");
	assert_non_null (f);
	assert_true (has_alias (f, "DEBIAN-CVE-2023-4911"));
	assert_true (has_alias (f, "DSA-5514-1"));
	assert_string_equal (f->source_name, "glibc");
	assert_string_equal (f->cvss_vector, "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H");
	assert_true (f->score > 7.7 && f->score < 7.9);
	assert_string_equal (f->url, "https://security-tracker.debian.org/tracker/CVE-2023-4911");
	assert_non_null (find (&out, "CVE-2023-4911", "libc-bin"));
	f = find (&out, "CVE-2023-32681", "requests");
	assert_non_null (f);
	assert_true (has_alias (f, "GHSA-j8r2-6x86-q33q"));
	assert_true (has_alias (f, "PYSEC-2023-74"));
	assert_string_equal (f->fixed_version, "2.31.0");
	assert_string_equal (f->title, "Unintended leak of Proxy-Authorization header in requests");
	hull_findings_clear (&out);
	hull_inventory_clear (&inv);
}

/* Hand-made records for the rules no single advisory above shows. */
static const char *const rules_recs[] = {
	/* The OSV schema's "multiple range" example: [1.0.0, 1.0.2) and [3.0.0, 3.2.5),
	 * events shuffled. */
	"{\"id\":\"OSV-EXAMPLE-MULTI\",\"modified\":\"2024-01-01T00:00:00Z\",\"affected\":[{"
	"\"package\":{\"ecosystem\":\"npm\",\"name\":\"multi\"},\"ranges\":[{\"type\":\"SEMVER\","
	"\"events\":[{\"fixed\":\"3.2.5\"},{\"introduced\":\"1.0.0\"},{\"introduced\":\"3.0.0\"},"
	"{\"fixed\":\"1.0.2\"}]}]}]}",
	/* The OSV schema's "limit" example, on a SEMVER range: introduced 0, limit 2.0.0
	 * (a branch that ends at 2.0.0). */
	"{\"id\":\"OSV-EXAMPLE-LIMIT\",\"modified\":\"2024-01-01T00:00:00Z\",\"affected\":[{"
	"\"package\":{\"ecosystem\":\"npm\",\"name\":\"limited\"},\"ranges\":[{\"type\":\"SEMVER\","
	"\"events\":[{\"introduced\":\"0\"},{\"limit\":\"2.0.0\"}]}]}]}",
	/* A withdrawn GHSA (GitHub withdraws reviewed advisories found invalid: the record
	 * keeps its ranges and gains `withdrawn`). */
	"{\"id\":\"GHSA-wwww-wwww-wwww\",\"modified\":\"2024-01-01T00:00:00Z\","
	"\"withdrawn\":\"2024-01-01T00:00:00Z\",\"aliases\":[\"CVE-2099-0001\"],\"affected\":[{"
	"\"package\":{\"ecosystem\":\"npm\",\"name\":\"multi\"},\"ranges\":[{\"type\":\"SEMVER\","
	"\"events\":[{\"introduced\":\"0\"}]}]}]}",
	/* PYSEC-style explicit versions only; CVSS v4 kept as given with the GHSA
	 * severity word. */
	"{\"id\":\"PYSEC-0000-1\",\"modified\":\"2024-01-01T00:00:00Z\",\"severity\":[{\"type\":"
	"\"CVSS_V4\",\"score\":\"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/"
	"SA:N\"}],"
	"\"affected\":[{\"package\":{\"ecosystem\":\"PyPI\",\"name\":\"zope.interface\"},"
	"\"versions\":[\"5.0.0\",\"5.1.0\"],\"database_specific\":{\"severity\":\"CRITICAL\"}}]}",
	/* Debian urgency only ("low**": tracker-assigned) -> LOW; a GIT-only affected entry
	 * for another ecosystem is skipped. */
	"{\"id\":\"DEBIAN-CVE-2099-0002\",\"modified\":\"2024-01-01T00:00:00Z\",\"affected\":[{"
	"\"package\":{\"ecosystem\":\"Debian:12\",\"name\":\"zlib\"},\"ranges\":[{\"type\":"
	"\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"}]}],\"ecosystem_specific\":{\"urgency\":"
	"\"low**\"}}]}",
	"{\"id\":\"OSV-2099-3\",\"modified\":\"2024-01-01T00:00:00Z\",\"affected\":[{\"package\":"
	"{\"ecosystem\":\"OSS-Fuzz\",\"name\":\"zlib\"},\"ranges\":[{\"type\":\"GIT\",\"repo\":"
	"\"https://example.invalid/zlib\",\"events\":[{\"introduced\":\"0\"}]}]}]}",
};

static void
test_match_rules (void **state)
{
	static const struct {
		struct ipkg pkg;
		const char *id, *fixed;
		enum hull_severity sev;
	} rows[] = {
		{ { HULL_PKG_NPM, "multi", "1.0.1" }, "OSV-EXAMPLE-MULTI", "1.0.2" },
		{ { HULL_PKG_NPM, "multi", "1.0.2" }, NULL },
		{ { HULL_PKG_NPM, "multi", "2.9.9" }, NULL },
		{ { HULL_PKG_NPM, "multi", "3.0.0" }, "OSV-EXAMPLE-MULTI", "3.2.5" },
		{ { HULL_PKG_NPM, "multi", "3.2.5" }, NULL },
		{ { HULL_PKG_NPM, "multi", "0.9.0" }, NULL },
		{ { HULL_PKG_NPM, "limited", "1.9.9" }, "OSV-EXAMPLE-LIMIT", NULL },
		{ { HULL_PKG_NPM, "limited", "2.0.0" }, NULL },
		{ { HULL_PKG_NPM, "limited", "3.0.0" }, NULL },
		{ { HULL_PKG_PYPI, "Zope_Interface", "5.1.0" },
		  "PYSEC-0000-1",
		  NULL,
		  HULL_SEV_CRITICAL },
		{ { HULL_PKG_PYPI, "zope.interface", "5.0.1" }, NULL },
		{ { HULL_PKG_DEB, "zlib1g", "1:1.2.13.dfsg-1", "zlib", "1.2.13.dfsg-1" },
		  "DEBIAN-CVE-2099-0002",
		  NULL,
		  HULL_SEV_LOW },
	};
	struct hull_vulndb_import_stats st;
	_cleanup_free_ char *idx =
		import_dir ("rules", rules_recs, sizeof rules_recs / sizeof rules_recs[0], &st);

	assert_int_equal (st.withdrawn, 1);
	assert_int_equal (st.skipped, 1);
	assert_int_equal (st.records, 4);
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct hull_inventory inv = { 0 };
		struct hull_findings out = { 0 };

		inv.os.id = hull_xstrdup ("debian");
		inv.os.version_id = hull_xstrdup ("12");
		inv_add (&inv, &rows[i].pkg);
		run_match (idx, &inv, &out);
		if ((rows[i].id == NULL) != (out.n == 0) || out.n > 1 ||
		    (rows[i].id && strcmp (out.v[0].id, rows[i].id) != 0))
			fail_msg ("row %zu (%s %s): %zu findings (%s)", i, rows[i].pkg.name,
				  rows[i].pkg.version, out.n, out.n ? out.v[0].id : "-");
		if (out.n && ((rows[i].fixed == NULL) != (out.v[0].fixed_version == NULL) ||
			      (rows[i].fixed && strcmp (rows[i].fixed, out.v[0].fixed_version))))
			fail_msg ("row %zu: fixed %s", i, out.v[0].fixed_version);
		if (out.n && out.v[0].severity != rows[i].sev)
			fail_msg ("row %zu: severity %s", i,
				  hull_severity_name (out.v[0].severity));
		if (out.n && strcmp (out.v[0].id, "PYSEC-0000-1") == 0)
			assert_non_null (strstr (out.v[0].cvss_vector, "CVSS:4.0/"));
		hull_findings_clear (&out);
		hull_inventory_clear (&inv);
	}
}

/* Zip archives, as OSV publishes per ecosystem (all.zip). */
static void
test_import_zip (void **state)
{
	_cleanup_free_ char *zip = hull_xasprintf ("%s/all.zip", tmpdir);
	_cleanup_free_ char *out = hull_xasprintf ("%s/zip.idx", tmpdir);
	_cleanup_free_ char *cmd = NULL;
	const char *paths[] = { zip };
	struct hull_vulndb_import_stats st;
	hull_error_t err = { 0 };

	cmd = hull_xasprintf ("cd %s/osv/match && /usr/bin/python3 -c 'import zipfile,glob; "
			      "z=zipfile.ZipFile(\"%s\",\"w\",zipfile.ZIP_DEFLATED); "
			      "[z.write(f) for f in sorted(glob.glob(\"*.json\"))]'",
			      HULL_TEST_DATA, zip);
	assert_int_equal (system (cmd), 0); /* check-style: allow test fixture */
	assert_int_equal (hull_vulndb_import (paths, 1, out, NULL, &st, &err), 0);
	assert_int_equal (st.files, 6);
	assert_int_equal (st.records, 6);
}

/* The record cap counts every file; a file named directly may be a symlink; Ubuntu's
 * "Ubuntu" severity type carries the priority word (as UBUNTU-CVE-* records do). */
static void
test_import_limits_and_ubuntu (void **state)
{
	struct hull_pkg probe = { .type = HULL_PKG_DEB };
	struct hull_os os = { .id = (char *) "ubuntu", .version_id = (char *) "22.04" };
	_cleanup_free_ char *eco = hull_pkg_osv_ecosystem (&probe, &os);
	_cleanup_free_ char *dir = sub ("ubuntu"), *rec = NULL, *link = NULL, *out = NULL;
	struct hull_vulndb_import_opts o = { .max_records = 1 };
	struct hull_vulndb_import_stats st;
	struct hull_inventory inv = { 0 };
	struct hull_findings f = { 0 };
	hull_error_t err = { 0 };
	const char *two[] = { dir, HULL_TEST_DATA "/osv/match" }, *one[1];

	assert_non_null (eco);
	rec = hull_xasprintf (
		"{\"id\":\"UBUNTU-CVE-2099-0004\",\"modified\":"
		"\"2024-01-01T00:00:00Z\",\"upstream\":[\"CVE-2099-0004\"],"
		"\"severity\":[{\"type\":\"Ubuntu\",\"score\":\"medium\"}],"
		"\"affected\":[{\"package\":{\"ecosystem\":\"%s\",\"name\":"
		"\"zlib\"},\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{"
		"\"introduced\":\"0\"},{\"fixed\":\"1:1.2.11.dfsg-2ubuntu9.2\"}]}]}]}",
		eco);
	write_file (dir, "u.json", rec);
	out = hull_xasprintf ("%s/ubuntu.idx", tmpdir);
	assert_true (hull_vulndb_import (two, 2, out, &o, &st, &err) < 0);
	assert_non_null (strstr (err.msg, "more than 1 record files"));
	link = hull_xasprintf ("%s/link.json", tmpdir);
	rec = (free (rec), hull_xasprintf ("%s/u.json", dir));
	assert_int_equal (symlink (rec, link), 0);
	one[0] = link;
	assert_int_equal (hull_vulndb_import (one, 1, out, &o, &st, &err), 0);
	assert_int_equal (st.records, 1);
	inv.os.id = hull_xstrdup ("ubuntu");
	inv.os.version_id = hull_xstrdup ("22.04");
	inv_add (&inv, &(struct ipkg){ HULL_PKG_DEB, "zlib1g", "1:1.2.11.dfsg-2ubuntu9", "zlib" });
	run_match (out, &inv, &f);
	assert_int_equal (f.n, 1);
	assert_string_equal (f.v[0].id, "CVE-2099-0004");
	assert_int_equal (f.v[0].severity, HULL_SEV_MEDIUM);
	assert_string_equal (f.v[0].fixed_version, "1:1.2.11.dfsg-2ubuntu9.2");
	hull_findings_clear (&f);
	/* OSV's Ubuntu data names LTS releases "Ubuntu:22.04:LTS" (UBUNTU-CVE-2023-45853,
	 * zlib, fixed in 1:1.2.11.dfsg-2ubuntu9.2 for jammy): they apply to 22.04 too. */
	rec = (free (rec), hull_xasprintf ("%s/lts", tmpdir));
	assert_int_equal (mkdir (rec, 0700), 0);
	write_file (rec, "u.json",
		    "{\"id\":\"UBUNTU-CVE-2023-45853\",\"modified\":"
		    "\"2024-01-01T00:00:00Z\",\"upstream\":[\"CVE-2023-45853\"],"
		    "\"affected\":[{\"package\":{\"ecosystem\":\"Ubuntu:22.04:LTS\","
		    "\"name\":\"zlib\"},\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{"
		    "\"introduced\":\"0\"},{\"fixed\":\"1:1.2.11.dfsg-2ubuntu9.2\"}]}]}]}");
	one[0] = rec;
	assert_int_equal (hull_vulndb_import (one, 1, out, NULL, &st, &err), 0);
	run_match (out, &inv, &f);
	assert_int_equal (f.n, 1);
	assert_string_equal (f.v[0].id, "CVE-2023-45853");
	assert_string_equal (f.v[0].fixed_version, "1:1.2.11.dfsg-2ubuntu9.2");
	hull_findings_clear (&f);
	hull_inventory_clear (&inv);
}

/* A range whose first segment ends in last_affected and a later one in fixed (the OSV
 * schema's "Evaluation": segments [0, 1.0] and [2.0, 2.5)). 0.5 is affected with no
 * fix known: 2.5 ends the other segment, not this one. Hand-made; it mirrors records
 * such as GHSA-22wj-vf5f-wrvj (last_affected) joined with a later fixed branch. */
static void
test_match_segments (void **state)
{
	static const char *const recs[] = {
		"{\"id\":\"HULL-SEG-1\",\"modified\":\"2024-01-01T00:00:00Z\","
		"\"affected\":[{\"package\":{\"ecosystem\":\"npm\",\"name\":\"seg\"},"
		"\"ranges\":[{\"type\":\"SEMVER\",\"events\":[{\"introduced\":\"0\"},"
		"{\"last_affected\":\"1.0.0\"},{\"introduced\":\"2.0.0\"},{\"fixed\":"
		"\"2.5.0\"}]}]}]}",
	};
	static const struct {
		const char *version, *fixed;
		bool hit;
	} cases[] = {
		{ "0.5.0", NULL, true },    { "1.0.0", NULL, true },  { "1.5.0", NULL, false },
		{ "2.1.0", "2.5.0", true }, { "2.5.0", NULL, false },
	};
	_cleanup_free_ char *idx = import_dir ("segments", recs, 1, NULL);

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct hull_inventory inv = { 0 };
		struct hull_findings f = { 0 };
		inv_add (&inv, &(struct ipkg){ HULL_PKG_NPM, "seg", cases[i].version });
		run_match (idx, &inv, &f);
		assert_int_equal (f.n, cases[i].hit ? 1 : 0);
		if (cases[i].hit && cases[i].fixed == NULL && f.v[0].fixed_version != NULL)
			fail_msg ("%s: fixed %s, expected none", cases[i].version,
				  f.v[0].fixed_version);
		if (cases[i].fixed)
			assert_string_equal (f.v[0].fixed_version, cases[i].fixed);
		hull_findings_clear (&f);
		hull_inventory_clear (&inv);
	}
}

/* Aliases merge without a CVE too: RustSec and GitHub publish RUSTSEC-2021-0003 and
 * GHSA-43w2-9j62-hq99 (smallvec) naming each other; and a record whose alias chain
 * reaches a CVE only through another record (GHSA with the CVE, RUSTSEC naming just
 * the GHSA) joins that CVE's finding. One finding per package either way. */
static void
test_match_alias_chain (void **state)
{
#define SV_REC(id, aliases)                                                                        \
	"{\"id\":\"" id "\",\"modified\":\"2024-01-01T00:00:00Z\",\"aliases\":[" aliases           \
	"],\"affected\":[{\"package\":{\"ecosystem\":\"crates.io\",\"name\":\"smallvec\"},"        \
	"\"ranges\":[{\"type\":\"SEMVER\",\"events\":[{\"introduced\":\"1.0.0\"},"                 \
	"{\"fixed\":\"1.6.1\"}]}]}]}"
	static const char *const recs[] = {
		SV_REC ("RUSTSEC-2021-0003", "\"GHSA-43w2-9j62-hq99\""),
		SV_REC ("GHSA-43w2-9j62-hq99", "\"RUSTSEC-2021-0003\""),
		SV_REC ("RUSTSEC-2099-0001", "\"GHSA-2099-aaaa-bbbb\""),
		SV_REC ("GHSA-2099-aaaa-bbbb", "\"CVE-2099-0005\""),
	};
#undef SV_REC
	_cleanup_free_ char *idx = import_dir ("chain", recs, 4, NULL);
	struct hull_inventory inv = { 0 };
	struct hull_findings f = { 0 };
	const struct hull_finding *x;

	inv_add (&inv, &(struct ipkg){ HULL_PKG_CARGO, "smallvec", "1.6.0" });
	run_match (idx, &inv, &f);
	assert_int_equal (f.n, 2);
	x = find (&f, "CVE-2099-0005", "smallvec");
	assert_non_null (x);
	assert_true (has_alias (x, "GHSA-2099-aaaa-bbbb") && has_alias (x, "RUSTSEC-2099-0001"));
	x = f.v[0].id == x->id ? &f.v[1] : &f.v[0];
	assert_true (strcmp (x->id, "GHSA-43w2-9j62-hq99") == 0 ||
		     strcmp (x->id, "RUSTSEC-2021-0003") == 0);
	assert_int_equal (x->n_aliases, 1);
	hull_findings_clear (&f);
	hull_inventory_clear (&inv);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test (test_parse_bad),
		cmocka_unit_test (test_match_segments),
		cmocka_unit_test (test_match_alias_chain),
		cmocka_unit_test (test_parse_huge),
		cmocka_unit_test (test_parse_good),
		cmocka_unit_test (test_pep503),
		cmocka_unit_test (test_import_bad_names_file),
		cmocka_unit_test (test_index_roundtrip),
		cmocka_unit_test (test_index_corrupt),
		cmocka_unit_test (test_match_advisories),
		cmocka_unit_test (test_match_merge),
		cmocka_unit_test (test_match_rules),
		cmocka_unit_test (test_import_zip),
		cmocka_unit_test (test_import_limits_and_ubuntu),
	};
	return cmocka_run_group_tests (tests, setup, teardown);
}
