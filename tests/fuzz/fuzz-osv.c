/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: the OSV vulnerability database.
 *
 * Every input is parsed as an OSV record; a record that parses is imported into an
 * index, which is opened and matched against a small inventory. Every input of
 * header size or more is also taken as an index file itself, with its checksum
 * recomputed first so the structural checks behind the checksum (offsets, counts,
 * sortedness) are what the fuzzer exercises: a tampered index must be refused or
 * matched without a crash. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/sha256.h"
#include "common/xalloc.h"
#include "hull/scan.h"
#include "scan/vuln/vulndb.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static char dir[64];

static void
add (struct hull_inventory *inv, enum hull_pkg_type t, const char *name, const char *version,
     const char *src)
{
	struct hull_pkg *p = hull_inventory_add (inv);
	p->type = t;
	p->name = hull_xstrdup (name);
	p->version = hull_xstrdup (version);
	p->source_name = src ? hull_xstrdup (src) : NULL;
	p->purl = hull_xstrdup ("pkg:generic/x");
}

static void
match (const char *path)
{
	struct hull_inventory inv = { 0 };
	struct hull_findings out = { 0 };
	hull_error_t err = { 0 };
	struct hull_vulndb *db = hull_vulndb_open (path, &err);
	struct hull_vulndb_info info;

	if (db == NULL)
		return;
	inv.os.id = hull_xstrdup ("debian");
	inv.os.version_id = hull_xstrdup ("12");
	add (&inv, HULL_PKG_DEB, "libc6", "2.36-9+deb12u1", "glibc");
	add (&inv, HULL_PKG_DEB, "x", "1:1.0-1", NULL);
	add (&inv, HULL_PKG_PYPI, "Requests", "2.28.1", NULL);
	add (&inv, HULL_PKG_NPM, "x", "1.0.0", NULL);
	add (&inv, HULL_PKG_MAVEN, "x", "1.0", NULL);
	hull_vulndb_match (db, &inv, &out, &err);
	if (hull_vulndb_get_info (db, &info, &err) == 0)
		hull_vulndb_info_clear (&info);
	hull_findings_clear (&out);
	hull_inventory_clear (&inv);
	hull_vulndb_close (db);
}

static void
as_index (const uint8_t *data, size_t size)
{
	char path[128];
	struct hull_vulndb_header h;
	uint8_t *copy;
	FILE *f;

	if (size < sizeof h)
		return;
	copy = hull_xmalloc (size);
	memcpy (copy, data, size);
	memcpy (&h, copy, sizeof h);
	if (h.header_size >= sizeof h && h.header_size <= size) {
		hull_sha256 (copy + h.header_size, size - h.header_size, h.sha256);
		memcpy (copy, &h, sizeof h);
	}
	snprintf (path, sizeof path, "%s/raw.idx", dir);
	f = fopen (path, "we");
	if (f) {
		fwrite (copy, 1, size, f);
		fclose (f);
		match (path);
	}
	free (copy);
}

static void
cleanup (void)
{
	static const char *const names[] = { "rec.json", "rec.idx", "raw.idx" };
	char path[128];

	for (size_t i = 0; i < 3; i++) {
		snprintf (path, sizeof path, "%s/%s", dir, names[i]);
		unlink (path);
	}
	rmdir (dir);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	struct hull_osv_record r;
	hull_error_t err = { 0 };
	char rec[128], idx[128];
	const char *paths[] = { rec };
	FILE *f;
	int ret;

	if (dir[0] == '\0') {
		snprintf (dir, sizeof dir, "/tmp/fuzz-osv-XXXXXX");
		if (mkdtemp (dir) == NULL)
			abort ();
		atexit (cleanup);
	}
	ret = hull_osv_parse ((const char *) data, size, 1 << 20, "fuzz.json", &r, &err);
	hull_osv_record_clear (&r);
	as_index (data, size);
	if (ret < 0)
		return 0;
	snprintf (rec, sizeof rec, "%s/rec.json", dir);
	snprintf (idx, sizeof idx, "%s/rec.idx", dir);
	f = fopen (rec, "we");
	if (f == NULL)
		return 0;
	fwrite (data, 1, size, f);
	fclose (f);
	if (hull_vulndb_import (paths, 1, idx, NULL, NULL, &err) == 0)
		match (idx);
	return 0;
}
