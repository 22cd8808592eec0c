/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Scanning: one inventory model fed by the package-database readers and consumed by
 * the SBOM emitters and the vulnerability matcher (DESIGN.md "Scanning"), and one
 * finding model for every reporter output (table, JSON, SARIF).
 *
 * Parts (each its own folder under src/scan/, each a parser of hostile input):
 *   inventory/  OS detection, dpkg, apk, rpm, and language package manifests
 *   vuln/       version ordering per ecosystem, CVSS, the OSV index, matching
 *   sbom/       CycloneDX 1.5 and SPDX 2.3 JSON, written and read back
 *   report/     table, JSON, SARIF 2.1.0; severity filter, ignore file, OpenVEX */
#ifndef HULL_SCAN_H
#define HULL_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "hull/error.h"

/* ---- the inventory model ---- */

/* Where a package came from; decides its purl type, its OSV ecosystem and its version
 * ordering. */
enum hull_pkg_type {
	HULL_PKG_UNKNOWN = 0,
	HULL_PKG_DEB,	   /* dpkg status / status.d */
	HULL_PKG_APK,	   /* lib/apk/db/installed */
	HULL_PKG_RPM,	   /* the rpm database */
	HULL_PKG_PYPI,	   /* dist-info / egg-info */
	HULL_PKG_NPM,	   /* package-lock.json, node_modules */
	HULL_PKG_GOLANG,   /* Go binaries' build info */
	HULL_PKG_CARGO,	   /* Cargo.lock */
	HULL_PKG_MAVEN,	   /* pom.properties in jars */
	HULL_PKG_GEM,	   /* Gemfile.lock, specifications/NAME.gemspec */
	HULL_PKG_TYPE_MAX, /* count */
};

/* Version orderings (src/scan/vuln/version*.c). */
enum hull_vscheme {
	HULL_VS_UNKNOWN = 0,
	HULL_VS_DPKG,	/* Debian, Ubuntu: deb-version(7) */
	HULL_VS_APK,	/* Alpine: apk-tools' version.c semantics */
	HULL_VS_RPM,	/* rpmvercmp + epoch and release */
	HULL_VS_SEMVER, /* SemVer 2.0 (npm, Go with a leading v, crates.io) */
	HULL_VS_PEP440, /* PyPI */
	HULL_VS_MAVEN,	/* Maven ComparableVersion */
	HULL_VS_GEM,	/* RubyGems Gem::Version */
};

struct hull_os {
	char *id;	   /* os-release ID: "debian", "alpine", "rhel", ... (NULL: unknown) */
	char *version_id;  /* VERSION_ID: "12", "3.18.4" */
	char *pretty_name; /* PRETTY_NAME */
	char *codename;	   /* VERSION_CODENAME, may be NULL */
};

struct hull_pkg {
	enum hull_pkg_type type;
	char *name;	   /* maven: "group:artifact"; go: module path */
	char *version;	   /* as recorded (dpkg: with epoch and revision) */
	char *source_name; /* source package (deb Source:, apk o:, rpm SOURCERPM name); may be NULL */
	char *source_version; /* source version when it differs; may be NULL */
	char *arch;	      /* may be NULL */
	char *purl;	      /* package URL (purl-spec), always set by the readers */
	char *location;	      /* file inside the target the record was read from */
	char **licenses;      /* SPDX ids or free text as recorded; may be empty */
	size_t n_licenses;
	char **files; /* installed files where the database lists them (dpkg info/NAME.list) */
	size_t n_files;
};

struct hull_inventory {
	char *target;	     /* what was scanned: a path, an image reference, an SBOM file */
	char *target_digest; /* image manifest digest, may be NULL */
	struct hull_os os;
	struct hull_pkg *pkgs;
	size_t n_pkgs;
	size_t cap_pkgs;
	/* Files skipped with the reason ("usr/lib/x/package-lock.json: 3:7: ..."): one bad
	 * manifest does not fail a whole scan, but it is not silently dropped either.
	 * Freed by hull_inventory_clear. */
	char **warnings;
	size_t n_warnings;
};

/* Append a zeroed package and return it (the inventory owns it). */
struct hull_pkg *hull_inventory_add (struct hull_inventory *inv);
void hull_pkg_clear (struct hull_pkg *p);
void hull_os_clear (struct hull_os *os);
/* Free every member; `inv` itself is not freed (it is usually on the stack). */
void hull_inventory_clear (struct hull_inventory *inv);

/* Limits for the readers (0 in a field: the default). */
struct hull_inventory_opts {
	uint64_t max_file_bytes; /* one database or manifest file; default 64 MiB */
	uint64_t max_packages;	 /* default 1,000,000 */
	uint32_t max_depth;	 /* directory depth of the language-package walk; default 32 */
	bool skip_language;	 /* OS packages only */
	bool skip_files;	 /* do not read dpkg info/NAME.list file lists */
};

/* Inventory the directory tree `rootfd` (an unpacked rootfs, any fd of it): OS from
 * etc/os-release or usr/lib/os-release, then every package database and language
 * manifest found. Every path is opened through the rootfs resolver (a symlink in the
 * tree cannot point the reader outside it). `target` names the result. */
int hull_inventory_scan_dir (int rootfd, const char *target, const struct hull_inventory_opts *o,
			     struct hull_inventory *out, hull_error_t *err);

/* The purl type ("deb", "apk", "rpm", "pypi", "npm", "golang", "cargo", "maven", "gem"). */
const char *hull_pkg_type_purl (enum hull_pkg_type t);
/* The version ordering used for packages of type `t`. */
enum hull_vscheme hull_pkg_type_vscheme (enum hull_pkg_type t);
/* The OSV ecosystem name for a package of the given type on the given OS:
 * "Debian:12", "Ubuntu:22.04", "Alpine:v3.18", "Red Hat", "PyPI", "npm", "Go",
 * "crates.io", "Maven", "RubyGems". New string, or NULL when there is none. */
char *hull_pkg_osv_ecosystem (const struct hull_pkg *p, const struct hull_os *os);

/* ---- versions (src/scan/vuln/version*.c) ---- */

/* Compare two versions under `s`: <0, 0, >0. Versions that do not parse under the
 * scheme are ordered as the reference tool orders them where it accepts them, and
 * otherwise compared bytewise after every valid version (never a crash). */
int hull_version_cmp (enum hull_vscheme s, const char *a, const char *b);
/* True if `v` is a valid version under `s`. */
bool hull_version_valid (enum hull_vscheme s, const char *v);
/* The scheme for an OSV ecosystem name ("Debian:12" -> DPKG, "PyPI" -> PEP440, ...);
 * HULL_VS_UNKNOWN when unknown. */
enum hull_vscheme hull_vscheme_for_ecosystem (const char *osv_ecosystem);

/* ---- severities and findings (report/) ---- */

enum hull_severity {
	HULL_SEV_UNKNOWN = 0,
	HULL_SEV_LOW,
	HULL_SEV_MEDIUM,
	HULL_SEV_HIGH,
	HULL_SEV_CRITICAL,
	HULL_SEV_MAX, /* count */
};

/* "UNKNOWN", "LOW", ... */
const char *hull_severity_name (enum hull_severity s);
/* Case-insensitive; -1 for an unknown name. */
int hull_severity_parse (const char *s);
/* The CVSS v3.x base score of a vector ("CVSS:3.1/AV:N/AC:L/..."), computed per the
 * CVSS v3.1 specification section 7. Returns 0 and sets *score (0.0-10.0), or fills err
 * for a malformed vector. */
int hull_cvss3_base_score (const char *vector, double *score, hull_error_t *err);
/* NONE (0.0) maps to LOW's neighbour UNKNOWN; 0.1-3.9 LOW, 4.0-6.9 MEDIUM,
 * 7.0-8.9 HIGH, 9.0-10.0 CRITICAL. */
enum hull_severity hull_severity_from_score (double score);

/* One finding of any hull checker: a vulnerability in a package, or (later) a lint or
 * audit rule hit. Strings owned by the finding; NULL where absent. */
struct hull_finding {
	char *id;	/* "CVE-2023-4911", "GHSA-...", "DSA-...", or a rule id */
	char **aliases; /* other ids of the same vulnerability */
	size_t n_aliases;
	enum hull_severity severity;
	double score;	   /* CVSS base score, 0 when unknown */
	char *cvss_vector; /* as given (v3.x computed, v4 kept) */
	char *title;	   /* one line (OSV summary) */
	char *description; /* OSV details, may be long */
	char *url;	   /* primary reference */
	/* vulnerabilities */
	char *pkg_name;
	char *pkg_version;
	char *pkg_purl;
	char *source_name;   /* the source package the advisory matched, when it did */
	char *fixed_version; /* NULL: no fix known */
	char *location;	     /* where in the target (package database file, manifest) */
	/* suppression (ignore file, VEX): the finding is kept but flagged */
	bool suppressed;
	char *suppressed_by; /* "vex:FILE", ".hullignore" */
	char *justification; /* VEX justification or ignore reason */
};

struct hull_findings {
	struct hull_finding *v;
	size_t n, cap;
};

struct hull_finding *hull_findings_add (struct hull_findings *f);
void hull_finding_clear (struct hull_finding *x);
void hull_findings_clear (struct hull_findings *f);

/* ---- the vulnerability database (src/scan/vuln/db.c, match.c) ---- */

/* Default location of the index: <store>/vulndb/osv.idx. */
#define HULL_VULNDB_FILE "vulndb/osv.idx"

struct hull_vulndb_import_opts {
	uint64_t max_record_bytes; /* one OSV JSON record; default 4 MiB */
	uint64_t max_records;	   /* default 10,000,000 */
	/* Called now and then with the counts so far (a progress line); may be NULL. */
	void (*progress) (void *arg, uint64_t files, uint64_t records);
	void *progress_arg;
};

struct hull_vulndb_import_stats {
	uint64_t records;   /* records indexed */
	uint64_t withdrawn; /* records skipped as withdrawn */
	uint64_t skipped;   /* records with no ecosystem hull matches */
	uint64_t files;	    /* JSON files read (directories and zip members) */
};

/* Build the index file `out_path` atomically (temp file, fsync, rename) from OSV
 * records in `paths`: directories of *.json (recursively) and zip archives of them. A
 * bad record fails the import with the file and field named. */
int hull_vulndb_import (const char *const *paths, size_t n_paths, const char *out_path,
			const struct hull_vulndb_import_opts *o,
			struct hull_vulndb_import_stats *st, hull_error_t *err);

struct hull_vulndb;

struct hull_vulndb_info {
	uint32_t format_version;
	uint64_t n_records;
	uint64_t n_affected;	/* (record, package) pairs */
	time_t newest_modified; /* the newest record's "modified" time */
	time_t built;		/* when the index was built */
	char **ecosystems;	/* with per-ecosystem counts in n_per_ecosystem */
	uint64_t *n_per_ecosystem;
	size_t n_ecosystems;
};

/* Map the index read-only after checking its header, version and checksum. */
struct hull_vulndb *hull_vulndb_open (const char *path, hull_error_t *err);
struct hull_vulndb *hull_vulndb_close (struct hull_vulndb *db);
int hull_vulndb_get_info (struct hull_vulndb *db, struct hull_vulndb_info *out, hull_error_t *err);
void hull_vulndb_info_clear (struct hull_vulndb_info *i);

/* Append to `out` one finding per (vulnerability, package) of `inv` that the database
 * says is affected: aliases merged (one finding per CVE and package even when several
 * records name it), withdrawn records ignored, OS packages matched through their
 * source package in the distro ecosystem ("Debian:12"), severity from CVSS v3 (computed)
 * or the record's own. */
int hull_vulndb_match (struct hull_vulndb *db, const struct hull_inventory *inv,
		       struct hull_findings *out, hull_error_t *err);

#endif
