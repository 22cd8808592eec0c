/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The OSV vulnerability database inside hull: the record model the strict parser
 * fills (osv.c), the on-disk index layout (db.c, docs/vulndb.md) and the lookups the
 * matcher uses (match.c). Internal to src/scan/vuln/. */
#ifndef HULL_SCAN_VULNDB_H
#define HULL_SCAN_VULNDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "hull/oci.h"
#include "hull/scan.h"

/* ---- OSV records (schema 1.6, https://ossf.github.io/osv-schema/) ---- */

/* Caps on one record's arrays: real records stay far below (the largest published
 * `versions` lists hold a few thousand entries); a record above is refused. */
#define HULL_OSV_MAX_ALIASES 1024
#define HULL_OSV_MAX_AFFECTED 8192
#define HULL_OSV_MAX_RANGES 1024
#define HULL_OSV_MAX_EVENTS 4096
#define HULL_OSV_MAX_VERSIONS 65536
#define HULL_OSV_MAX_REFERENCES 4096
#define HULL_OSV_MAX_SEVERITY 16
#define HULL_OSV_MAX_STRING 65536 /* one id, name or version; details excepted */

enum hull_osv_event_kind {
	HULL_OSV_EV_INTRODUCED = 0,
	HULL_OSV_EV_FIXED,
	HULL_OSV_EV_LAST_AFFECTED,
	HULL_OSV_EV_LIMIT,
	HULL_OSV_EV_MAX,
};

enum hull_osv_range_type {
	HULL_OSV_RANGE_ECOSYSTEM = 0,
	HULL_OSV_RANGE_SEMVER,
	HULL_OSV_RANGE_GIT,
	HULL_OSV_RANGE_MAX,
};

struct hull_osv_event {
	uint32_t kind; /* enum hull_osv_event_kind */
	char *version;
};

struct hull_osv_range {
	char *type_name;
	uint32_t type; /* enum hull_osv_range_type */
	char *repo;
	struct hull_osv_event *events;
	size_t n_events;
};

struct hull_osv_severity {
	char *type; /* CVSS_V2, CVSS_V3, CVSS_V4, Ubuntu */
	char *score;
};

struct hull_osv_reference {
	char *type;
	char *url;
};

struct hull_osv_affected {
	char *ecosystem, *name, *purl;
	struct hull_osv_range *ranges;
	size_t n_ranges;
	struct hull_strv versions;
	struct hull_osv_severity *severity;
	size_t n_severity;
	/* ecosystem_specific / database_specific "severity" or "urgency", first found */
	char *db_severity;
};

struct hull_osv_record {
	char *schema_version, *id, *modified, *published, *withdrawn;
	struct hull_strv aliases, related, upstream;
	char *summary, *details;
	struct hull_osv_severity *severity;
	size_t n_severity;
	struct hull_osv_affected *affected;
	size_t n_affected;
	struct hull_osv_reference *references;
	size_t n_references;
	char *db_severity; /* top-level database_specific "severity" or "urgency" */
	time_t modified_time;
};

/* Parse one OSV record (`len` bytes of JSON, at most `max`) strictly against the
 * schema: required fields, types, enums, RFC 3339 times, one key per event, at
 * least one "introduced" per range, caps on every array. Errors read
 * "NAME: FIELD.PATH: reason". On error *out holds what was parsed so far. */
int hull_osv_parse (const char *text, size_t len, size_t max, const char *name,
		    struct hull_osv_record *out, hull_error_t *err);
void hull_osv_record_clear (struct hull_osv_record *r);
/* Parse an RFC 3339 date-time ("2023-10-03T18:00:00Z", fractions and offsets
 * allowed) into seconds since the epoch. */
int hull_osv_parse_time (const char *s, time_t *out);
/* PEP 503 normalisation of a PyPI name (lower case, runs of -_. become one -);
 * `out` has room for strlen (name) + 1 bytes. */
void hull_osv_pep503 (const char *name, char *out);
/* The name under which a package of `ecosystem` is indexed and looked up: PyPI
 * names normalised, others as given. New string. */
char *hull_osv_index_name (const char *ecosystem, const char *name);

/* ---- the index file (db.c); every integer little-endian ---- */

#define HULL_VULNDB_MAGIC "HULLOSV\0"
#define HULL_VULNDB_FORMAT 1

struct hull_vulndb_section {
	uint64_t off;	/* from the start of the file, 8-aligned */
	uint64_t count; /* elements (bytes for the string table) */
};

enum {
	HULL_VULNDB_S_STRINGS = 0, /* NUL-terminated strings; offset 0 is "" (absent) */
	HULL_VULNDB_S_RECORDS,	   /* struct hull_vulndb_rec */
	HULL_VULNDB_S_PACKAGES,	   /* struct hull_vulndb_pkg, sorted by (ecosystem, name) */
	HULL_VULNDB_S_AFFECTED,	   /* struct hull_vulndb_aff, grouped by package */
	HULL_VULNDB_S_RANGES,	   /* struct hull_vulndb_range */
	HULL_VULNDB_S_EVENTS,	   /* struct hull_vulndb_event, sorted per range */
	HULL_VULNDB_S_LISTS,	   /* uint32_t string offsets (aliases, versions) */
	HULL_VULNDB_S_ECOSYSTEMS,  /* struct hull_vulndb_eco, sorted by name */
	HULL_VULNDB_S_MAX,
};

struct hull_vulndb_header {
	char magic[8];
	uint32_t format_version;
	uint32_t header_size;
	uint64_t file_size;
	int64_t built;
	int64_t newest_modified;
	uint64_t n_records;
	uint64_t n_affected;
	struct hull_vulndb_section s[HULL_VULNDB_S_MAX];
	uint8_t sha256[32]; /* over bytes [header_size, file_size) */
};

struct hull_vulndb_rec {
	uint32_t id, canonical, summary, details, url;
	uint32_t cvss_v3, cvss_v4;   /* vectors as given (string offsets, 0: none) */
	uint32_t severity;	     /* database_specific severity/urgency (0: none) */
	uint32_t aliases, n_aliases; /* into the list section */
};

struct hull_vulndb_pkg {
	uint32_t ecosystem, name; /* string offsets */
	uint32_t first_aff, n_aff;
};

struct hull_vulndb_aff {
	uint32_t rec;
	uint32_t first_range, n_ranges;
	uint32_t versions, n_versions; /* into the list section */
	uint32_t severity;	       /* ecosystem/database_specific of this entry */
};

struct hull_vulndb_range {
	uint32_t type; /* ECOSYSTEM or SEMVER (GIT ranges are not indexed) */
	uint32_t first_event, n_events;
	uint32_t has_limit;
};

struct hull_vulndb_event {
	uint32_t kind; /* enum hull_osv_event_kind */
	uint32_t version;
};

struct hull_vulndb_eco {
	uint32_t name;
	uint32_t pad;
	uint64_t n_records;
};

/* The mapped, validated index. */
struct hull_vulndb {
	const uint8_t *map;
	size_t size;
	const struct hull_vulndb_header *h;
	const char *strings;
	size_t n_strings;
	const struct hull_vulndb_rec *recs;
	const struct hull_vulndb_pkg *pkgs;
	const struct hull_vulndb_aff *affs;
	const struct hull_vulndb_range *ranges;
	const struct hull_vulndb_event *events;
	const uint32_t *lists;
	const struct hull_vulndb_eco *ecos;
	size_t n_recs, n_pkgs, n_affs, n_ranges, n_events, n_lists, n_ecos;
};

/* A string of the index (validated at open: every offset < n_strings, the table
 * ends in NUL). */
static inline const char *
hull_vulndb_str (const struct hull_vulndb *db, uint32_t off)
{
	return db->strings + off;
}

/* The package entry for (ecosystem, name), or NULL. */
const struct hull_vulndb_pkg *hull_vulndb_lookup (const struct hull_vulndb *db,
						  const char *ecosystem, const char *name);

/* Whether `version` is affected by one range (events sorted at import) under `s`
 * (OSV schema "Evaluation"); *fixed gets the lowest fixed version above it, or NULL. */
bool hull_vulndb_range_affects (const struct hull_vulndb *db, const struct hull_vulndb_range *r,
				enum hull_vscheme s, const char *version, const char **fixed);

#endif
