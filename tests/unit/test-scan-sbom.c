/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SBOMs: inventory -> CycloneDX -> inventory and inventory -> SPDX -> inventory give
 * the same inventory; the required fields of each format are present; SBOMs written by
 * other tools (OS component last, `upstream` and `epoch` qualifiers) are read; hostile
 * documents are refused with the path named; purls parse per purl-spec. */
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
#include "scan/sbom/sbom.h"

static struct hull_pkg *
pkg (struct hull_inventory *inv, enum hull_pkg_type t, const char *name, const char *version,
     const char *purl)
{
	struct hull_pkg *p = hull_inventory_add (inv);

	p->type = t;
	p->name = hull_xstrdup (name);
	p->version = hull_xstrdup (version);
	p->purl = hull_xstrdup (purl);
	return p;
}

static void
lic (struct hull_pkg *p, const char *l)
{
	p->licenses = hull_xreallocarray (p->licenses, p->n_licenses + 1, sizeof (char *));
	p->licenses[p->n_licenses++] = hull_xstrdup (l);
}

static void
sample (struct hull_inventory *inv)
{
	struct hull_pkg *p;

	memset (inv, 0, sizeof (*inv));
	inv->target = hull_xstrdup ("localhost/app:1");
	inv->target_digest = hull_xstrdup (
		"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	inv->os.id = hull_xstrdup ("debian");
	inv->os.version_id = hull_xstrdup ("12");
	inv->os.pretty_name = hull_xstrdup ("Debian GNU/Linux 12 (bookworm)");
	p = pkg (inv, HULL_PKG_DEB, "libssl3", "3.0.11-1~deb12u2",
		 "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12");
	p->source_name = hull_xstrdup ("openssl");
	p->arch = hull_xstrdup ("amd64");
	p->location = hull_xstrdup ("var/lib/dpkg/status");
	lic (p, "Apache-2.0");
	p = pkg (inv, HULL_PKG_DEB, "libc6", "2.36-9+deb12u4",
		 "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12");
	p->source_name = hull_xstrdup ("glibc");
	p->source_version = hull_xstrdup ("2.36-9+deb12u3");
	p->arch = hull_xstrdup ("amd64");
	p->location = hull_xstrdup ("var/lib/dpkg/status");
	lic (p, "LGPL-2.1-or-later");
	lic (p, "GPL-2.0-only");
	p = pkg (inv, HULL_PKG_PYPI, "requests", "2.31.0", "pkg:pypi/requests@2.31.0");
	p->location =
		hull_xstrdup ("usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA");
	pkg (inv, HULL_PKG_MAVEN, "org.apache.logging.log4j:log4j-core", "2.14.1",
	     "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1");
	pkg (inv, HULL_PKG_NPM, "@babel/core", "7.0.0", "pkg:npm/%40babel/core@7.0.0");
	p = pkg (inv, HULL_PKG_GOLANG, "github.com/foo/bar", "v1.2.3",
		 "pkg:golang/github.com/foo/bar@v1.2.3");
	p->location = hull_xstrdup ("usr/local/bin/my app"); /* a space, for SPDX's locators */
	/* The purl's name is PEP 503-normalised, the package's is as installed: reading the
	 * SBOM back must give "Jinja2", as scanning the directory does. */
	pkg (inv, HULL_PKG_PYPI, "Jinja2", "2.10", "pkg:pypi/jinja2@2.10");
}

static void
assert_str0 (const char *a, const char *b)
{
	if (a == NULL || b == NULL) {
		assert_ptr_equal (a, b);
		return;
	}
	assert_string_equal (a, b);
}

static void
assert_same (const struct hull_inventory *a, const struct hull_inventory *b)
{
	assert_str0 (a->target, b->target);
	assert_str0 (a->os.id, b->os.id);
	assert_str0 (a->os.version_id, b->os.version_id);
	assert_int_equal (a->n_pkgs, b->n_pkgs);
	for (size_t i = 0; i < a->n_pkgs; i++) {
		const struct hull_pkg *x = &a->pkgs[i], *y = &b->pkgs[i];
		assert_int_equal (x->type, y->type);
		assert_str0 (x->name, y->name);
		assert_str0 (x->version, y->version);
		assert_str0 (x->purl, y->purl);
		assert_str0 (x->source_name, y->source_name);
		assert_str0 (x->source_version, y->source_version);
		assert_str0 (x->arch, y->arch);
		assert_str0 (x->location, y->location);
		assert_int_equal (x->n_licenses, y->n_licenses);
		for (size_t j = 0; j < x->n_licenses; j++)
			assert_string_equal (x->licenses[j], y->licenses[j]);
	}
}

static void
round_trip (char *(*emit) (const struct hull_inventory *, const struct hull_sbom_opts *,
			   hull_error_t *),
	    enum hull_sbom_format fmt)
{
	struct hull_inventory inv, back = { 0 };
	struct hull_sbom_opts o = { .tool_version = "1.2.3", .now = 1700000000 };
	hull_error_t err = { 0 };
	char *text;

	sample (&inv);
	text = emit (&inv, &o, &err);
	assert_non_null (text);
	assert_int_equal (hull_sbom_detect (text, strlen (text)), fmt);
	assert_int_equal (hull_sbom_read (text, strlen (text), "x.json", &back, &err), 0);
	assert_same (&inv, &back);
	free (text);
	hull_inventory_clear (&back);
	hull_inventory_clear (&inv);
}

static void
test_cyclonedx_round_trip (void **state)
{
	round_trip (hull_sbom_cyclonedx, HULL_SBOM_CYCLONEDX);
}

static void
test_spdx_round_trip (void **state)
{
	round_trip (hull_sbom_spdx, HULL_SBOM_SPDX);
}

static json_t *
emit_json (char *(*emit) (const struct hull_inventory *, const struct hull_sbom_opts *,
			  hull_error_t *) )
{
	struct hull_inventory inv;
	struct hull_sbom_opts o = { .tool_version = "1.2.3", .now = 1700000000 };
	hull_error_t err = { 0 };
	char *text;
	json_t *j;

	sample (&inv);
	text = emit (&inv, &o, &err);
	hull_inventory_clear (&inv);
	j = json_loads (text, JSON_REJECT_DUPLICATES, NULL);
	assert_non_null (j);
	free (text);
	return j;
}

#define GET(o, k) json_object_get (o, k)
#define STR(o, k) json_string_value (json_object_get (o, k))

static void
test_cyclonedx_fields (void **state)
{
	json_t *j = emit_json (hull_sbom_cyclonedx), *j2 = emit_json (hull_sbom_cyclonedx);
	json_t *comps = GET (j, "components"), *c;
	size_t i;

	assert_string_equal (STR (j, "bomFormat"), "CycloneDX");
	assert_string_equal (STR (j, "specVersion"), "1.5");
	assert_int_equal (json_integer_value (GET (j, "version")), 1);
	assert_int_equal (strncmp (STR (j, "serialNumber"), "urn:uuid:", 9), 0);
	assert_int_equal (strlen (STR (j, "serialNumber")), 9 + 36);
	/* random: two BOMs of the same inventory differ */
	assert_string_not_equal (STR (j, "serialNumber"), STR (j2, "serialNumber"));
	assert_string_equal (STR (GET (j, "metadata"), "timestamp"), "2023-11-14T22:13:20Z");
	c = json_array_get (GET (GET (GET (j, "metadata"), "tools"), "components"), 0);
	assert_string_equal (STR (c, "name"), "hull");
	assert_string_equal (STR (c, "version"), "1.2.3");
	assert_string_equal (STR (GET (GET (j, "metadata"), "component"), "name"),
			     "localhost/app:1");
	assert_int_equal (json_array_size (comps), 8);
	assert_string_equal (STR (json_array_get (comps, 0), "type"), "operating-system");
	json_array_foreach (comps, i, c) {
		if (i == 0)
			continue;
		assert_string_equal (STR (c, "type"), "library");
		assert_non_null (STR (c, "bom-ref"));
		assert_non_null (STR (c, "purl"));
	}
	c = json_array_get (comps, 1);
	assert_string_equal (STR (GET (json_array_get (GET (c, "licenses"), 0), "license"), "name"),
			     "Apache-2.0");
	json_decref (j);
	json_decref (j2);
}

static void
test_spdx_fields (void **state)
{
	json_t *j = emit_json (hull_sbom_spdx), *pkgs, *p, *rels, *r;
	size_t i, contains = 0, describes = 0;

	assert_string_equal (STR (j, "spdxVersion"), "SPDX-2.3");
	assert_string_equal (STR (j, "dataLicense"), "CC0-1.0");
	assert_string_equal (STR (j, "SPDXID"), "SPDXRef-DOCUMENT");
	assert_int_equal (strncmp (STR (j, "documentNamespace"), "https://hull.invalid/", 21), 0);
	assert_string_equal (STR (GET (j, "creationInfo"), "created"), "2023-11-14T22:13:20Z");
	pkgs = GET (j, "packages");
	assert_int_equal (json_array_size (pkgs), 9); /* target, OS, seven packages */
	json_array_foreach (pkgs, i, p) {
		assert_int_equal (strncmp (STR (p, "SPDXID"), "SPDXRef-", 8), 0);
		assert_string_equal (STR (p, "downloadLocation"), "NOASSERTION");
	}
	p = json_array_get (pkgs, 3); /* libc6 */
	assert_string_equal (STR (p, "versionInfo"), "2.36-9+deb12u4");
	assert_string_equal (STR (p, "licenseDeclared"), "LGPL-2.1-or-later AND GPL-2.0-only");
	r = json_array_get (GET (p, "externalRefs"), 0);
	assert_string_equal (STR (r, "referenceCategory"), "PACKAGE-MANAGER");
	assert_string_equal (STR (r, "referenceType"), "purl");
	rels = GET (j, "relationships");
	json_array_foreach (rels, i, r) {
		describes += strcmp (STR (r, "relationshipType"), "DESCRIBES") == 0;
		contains += strcmp (STR (r, "relationshipType"), "CONTAINS") == 0;
	}
	assert_int_equal (describes, 1);
	assert_int_equal (contains, 8);
	json_decref (j);
}

/* What other tools write: the OS component last, the source package in the purl's
 * `upstream` qualifier, rpm epochs as a qualifier, unknown purl types. */
static void
test_read_foreign_cyclonedx (void **state)
{
	static const char doc[] =
		"{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.6\", \"components\": ["
		"{\"type\": \"library\", \"name\": \"libc6\", \"version\": \"2.36-9\","
		" \"purl\": "
		"\"pkg:deb/debian/libc6@2.36-9?arch=amd64&upstream=glibc&distro=debian-12.4\"},"
		"{\"type\": \"library\", \"name\": \"openssl-libs\","
		" \"purl\": "
		"\"pkg:rpm/redhat/"
		"openssl-libs@3.0.7-24.el9?arch=x86_64&epoch=1&upstream=openssl%403.0.7-24.el9\"},"
		"{\"type\": \"library\", \"name\": \"thing\", \"purl\": \"pkg:generic/thing@1\"},"
		"{\"type\": \"library\", \"name\": \"nested\", \"components\": [{\"type\": "
		"\"library\","
		" \"name\": \"x\", \"purl\": \"pkg:npm/x@1.0.0\", \"licenses\": [{\"expression\": "
		"\"MIT OR Apache-2.0\"}]}]},"
		"{\"type\": \"operating-system\", \"name\": \"Debian\", \"version\": \"12\"}]}";
	struct hull_inventory inv = { 0 };
	hull_error_t err = { 0 };

	assert_int_equal (hull_sbom_read (doc, strlen (doc), "foreign.json", &inv, &err), 0);
	assert_string_equal (inv.target, "foreign.json");
	assert_string_equal (inv.os.id, "debian");
	assert_string_equal (inv.os.version_id, "12");
	assert_int_equal (inv.n_pkgs, 3);
	assert_string_equal (inv.pkgs[0].source_name, "glibc");
	assert_null (inv.pkgs[0].source_version);
	assert_string_equal (inv.pkgs[0].arch, "amd64");
	assert_int_equal (inv.pkgs[1].type, HULL_PKG_RPM);
	assert_string_equal (inv.pkgs[1].version, "1:3.0.7-24.el9");
	assert_string_equal (inv.pkgs[1].source_name, "openssl");
	assert_string_equal (inv.pkgs[1].source_version, "3.0.7-24.el9");
	assert_string_equal (inv.pkgs[2].name, "x");
	assert_string_equal (inv.pkgs[2].licenses[0], "MIT OR Apache-2.0");
	hull_inventory_clear (&inv);
}

static void
test_read_os_from_distro (void **state)
{
	static const char doc[] =
		"{\"spdxVersion\": \"SPDX-2.2\", \"name\": \"x\", \"packages\": [{\"name\": "
		"\"musl\","
		" \"versionInfo\": \"1.2.4-r2\", \"externalRefs\": [{\"referenceCategory\": "
		"\"PACKAGE_MANAGER\", \"referenceType\": \"purl\", \"referenceLocator\": "
		"\"pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=alpine-3.18.4\"}]}]}";
	struct hull_inventory inv = { 0 };
	hull_error_t err = { 0 };

	assert_int_equal (hull_sbom_read (doc, strlen (doc), "s.json", &inv, &err), 0);
	assert_string_equal (inv.os.id, "alpine");
	assert_string_equal (inv.os.version_id, "3.18.4");
	assert_int_equal (inv.n_pkgs, 1);
	assert_int_equal (inv.pkgs[0].type, HULL_PKG_APK);
	hull_inventory_clear (&inv);
}

static void
test_read_hostile (void **state)
{
	static const char *const bad[] = {
		"[]",
		"{}",
		"{\"bomFormat\": \"CycloneDX\"}",
		"{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"2.0\"}",
		"{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.5\", \"components\": {}}",
		"{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.5\", \"components\": [1]}",
		"{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.5\", \"components\": "
		"[{\"purl\": 5}]}",
		"{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.5\", \"components\": "
		"[{\"purl\": \"pkg:deb/debian/a%zz@1\"}]}",
		"{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.5\", \"components\": "
		"[{\"purl\": \"pkg:deb/debian/a@1\", \"properties\": [7]}]}",
		"{\"bomFormat\": \"CycloneDX\", \"bomFormat\": \"CycloneDX\", \"specVersion\": "
		"\"1.5\"}",
		"{\"spdxVersion\": \"SPDX-3.0\"}",
		"{\"spdxVersion\": \"SPDX-2.3\", \"packages\": [{\"externalRefs\": \"x\"}]}",
		"{\"spdxVersion\": \"SPDX-2.3\", \"packages\": [{\"name\": [1]}]}",
	};
	hull_error_t err = { 0 };

	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct hull_inventory inv = { 0 };
		hull_error_clear (&err);
		assert_true (hull_sbom_read (bad[i], strlen (bad[i]), "h.json", &inv, &err) < 0);
		assert_non_null (strstr (err.msg, "h.json"));
		assert_int_equal (inv.n_pkgs, 0);
		assert_null (inv.target);
	}
}

/* A document under the byte cap whose parse would still take gigabytes: 256 MiB of
 * `{},` is 85 million jansson objects. Refused before parsing, by what it would cost. */
static void
test_read_memory_bomb (void **state)
{
	static const char head[] = "{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.5\", "
				   "\"x\": [";
	size_t n = 6000000, len = strlen (head) + 3 * n + 2;
	char *doc = hull_xmalloc (len + 1), *p = doc;
	struct hull_inventory inv = { 0 };
	hull_error_t err = { 0 };

	p = mempcpy (p, head, strlen (head));
	for (size_t i = 0; i < n; i++)
		p = mempcpy (p, i ? ",{}" : "{} ", 3);
	memcpy (p, "]}", 3);
	assert_true (hull_sbom_read (doc, len, "bomb.json", &inv, &err) < 0);
	assert_non_null (strstr (err.msg, "bomb.json"));
	assert_non_null (strstr (err.msg, "MiB"));
	/* the confined scanner's inventory output too */
	assert_true (hull_sbom_inventory_read (doc, len, "output", &inv, &err) < 0);
	assert_non_null (strstr (err.msg, "MiB"));
	free (doc);
	hull_inventory_clear (&inv);
}

static void
test_read_deep_nesting (void **state)
{
	char doc[4096];
	size_t n = 0;
	struct hull_inventory inv = { 0 };
	hull_error_t err = { 0 };

	n += (size_t) snprintf (doc + n, sizeof doc - n,
				"{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.5\", "
				"\"components\": ");
	for (int i = 0; i < 40; i++)
		n += (size_t) snprintf (doc + n, sizeof doc - n,
					"[{\"name\": \"a\", \"components\": ");
	n += (size_t) snprintf (doc + n, sizeof doc - n, "[]");
	for (int i = 0; i < 40; i++)
		n += (size_t) snprintf (doc + n, sizeof doc - n, "}]");
	snprintf (doc + n, sizeof doc - n, "}");
	assert_true (hull_sbom_read (doc, strlen (doc), "deep.json", &inv, &err) < 0);
	assert_non_null (strstr (err.msg, "nested"));
}

static void
test_detect (void **state)
{
	assert_int_equal (hull_sbom_detect ("  {\"bomFormat\":\"CycloneDX\"}", 28),
			  HULL_SBOM_CYCLONEDX);
	assert_int_equal (hull_sbom_detect ("{\"spdxVersion\":\"SPDX-2.3\"}", 26), HULL_SBOM_SPDX);
	assert_int_equal (hull_sbom_detect ("{\"a\":1}", 7), HULL_SBOM_NONE);
	assert_int_equal (hull_sbom_detect ("\x7f"
					    "ELF",
					    4),
			  HULL_SBOM_NONE);
	assert_int_equal (hull_sbom_detect ("", 0), HULL_SBOM_NONE);
}

static void
test_purl (void **state)
{
	struct hull_purl u;
	hull_error_t err = { 0 };

	assert_int_equal (
		hull_purl_parse ("pkg:deb/debian/curl@7.50.3-1?arch=i386&distro=jessie", &u, &err),
		0);
	assert_string_equal (u.type, "deb");
	assert_string_equal (u.namespace, "debian");
	assert_string_equal (u.name, "curl");
	assert_string_equal (u.version, "7.50.3-1");
	assert_string_equal (hull_purl_qualifier (&u, "arch"), "i386");
	assert_string_equal (hull_purl_qualifier (&u, "distro"), "jessie");
	assert_null (hull_purl_qualifier (&u, "epoch"));
	hull_purl_clear (&u);
	assert_int_equal (
		hull_purl_parse ("PKG:NPM/%40angular/animation@12.3.1#sub/path", &u, &err), 0);
	assert_string_equal (u.type, "npm");
	assert_string_equal (u.namespace, "@angular");
	assert_string_equal (u.subpath, "sub/path");
	hull_purl_clear (&u);
	assert_int_equal (hull_purl_parse ("pkg:npm/@types/node", &u, &err), 0);
	assert_string_equal (u.namespace, "@types");
	assert_string_equal (u.name, "node");
	assert_null (u.version);
	hull_purl_clear (&u);
	assert_int_equal (hull_purl_parse ("pkg:golang/github.com/a/b@v1.0.0", &u, &err), 0);
	assert_string_equal (u.namespace, "github.com/a");
	hull_purl_clear (&u);
	static const char *const bad[] = { "deb/debian/a@1", "pkg:deb",	     "pkg:/a",
					   "pkg:deb/a%2",    "pkg:deb/a%00", "pkg:d_b/a",
					   "pkg:deb/a?x",    "pkg:deb/" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		assert_true (hull_purl_parse (bad[i], &u, &err) < 0);
		assert_null (u.type);
	}
}

static void
test_inventory_json (void **state)
{
	struct hull_inventory inv;
	struct hull_sbom_opts o = { .tool_version = "1.2.3" };
	char *text;
	json_t *j, *p;

	sample (&inv);
	text = hull_sbom_inventory_json (&inv, &o);
	hull_inventory_clear (&inv);
	j = json_loads (text, 0, NULL);
	free (text);
	assert_non_null (j);
	assert_int_equal (json_integer_value (GET (j, "schemaVersion")), 1);
	assert_string_equal (STR (GET (j, "os"), "id"), "debian");
	p = json_array_get (GET (j, "packages"), 1);
	assert_string_equal (STR (p, "type"), "deb");
	assert_string_equal (STR (p, "sourceName"), "glibc");
	assert_int_equal (json_array_size (GET (p, "licenses")), 2);
	json_decref (j);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test (test_cyclonedx_round_trip),
		cmocka_unit_test (test_spdx_round_trip),
		cmocka_unit_test (test_cyclonedx_fields),
		cmocka_unit_test (test_spdx_fields),
		cmocka_unit_test (test_read_foreign_cyclonedx),
		cmocka_unit_test (test_read_os_from_distro),
		cmocka_unit_test (test_read_hostile),
		cmocka_unit_test (test_read_memory_bomb),
		cmocka_unit_test (test_read_deep_nesting),
		cmocka_unit_test (test_detect),
		cmocka_unit_test (test_purl),
		cmocka_unit_test (test_inventory_json),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
