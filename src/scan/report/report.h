/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one reporter for every hull finding (DESIGN.md "Scanning"): the severity and
 * fix filter, the exit-code decision, the outputs (table, JSON, SARIF 2.1.0), and the
 * two ways of suppressing a finding (the .hullignore file and OpenVEX documents).
 * docs/scan.md documents the JSON schema, the SARIF mapping and both file formats.
 * Library code: outputs are strings, or written to a FILE * the CLI passes in. */
#ifndef HULL_SCAN_REPORT_H
#define HULL_SCAN_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include <jansson.h>

#include "hull/scan.h"

#define HULL_REPORT_SCHEMA_VERSION 1
/* Caps on hostile suppression files. */
#define HULL_IGNORE_MAX_BYTES (1u << 20)
#define HULL_IGNORE_MAX_ENTRIES 10000u
#define HULL_VEX_MAX_BYTES (16u << 20)
#define HULL_VEX_MAX_STATEMENTS 100000u

struct hull_report_opts {
	unsigned severities;	  /* bit (1u << HULL_SEV_x) per severity shown; 0: all */
	bool ignore_unfixed;	  /* drop findings with no fixed version */
	bool color;		  /* ANSI colours in the table */
	const char *tool_version; /* "0.1.0" */
};

/* A JSON string for `s` (json null for NULL). Text that is not valid UTF-8 (hostile
 * package metadata) has every non-ASCII byte replaced by '?' rather than failing. */
json_t *hull_report_json_string (const char *s);

/* Parse "LOW,MEDIUM,CRITICAL" (case-insensitive) into a severity mask. */
int hull_report_parse_severities (const char *s, unsigned *mask, hull_error_t *err);

/* Remove the findings the options do not select (severity, --ignore-unfixed), and sort
 * the rest by package name, version, severity (highest first) and id. */
void hull_report_select (struct hull_findings *f, const struct hull_report_opts *o);

/* Findings that decide the exit code: selected and not suppressed. */
size_t hull_report_count_active (const struct hull_findings *f);

/* The aligned table, grouped by package, of the unsuppressed findings, and a summary
 * line. Returns 0 or fills err when writing fails. */
int hull_report_table (FILE *out, const struct hull_inventory *inv, const struct hull_findings *f,
		       const struct hull_report_opts *o, hull_error_t *err);

/* The JSON report (docs/scan.md "JSON output"): keys sorted, two-space indent, a
 * trailing newline. Suppressed findings are kept with "suppressed": true. */
char *hull_report_json (const struct hull_inventory *inv, const struct hull_findings *f,
			const struct hull_report_opts *o);

/* SARIF 2.1.0 (docs/scan.md "SARIF"): one rule per vulnerability id, one result per
 * finding; suppressed findings carry a suppressions[] entry. */
char *hull_report_sarif (const struct hull_inventory *inv, const struct hull_findings *f,
			 const struct hull_report_opts *o);

/* ---- .hullignore (ignore.c) ---- */

struct hull_ignore_entry {
	char *id;     /* vulnerability id or alias */
	char *pkg;    /* package name (or source package name); NULL: any */
	int expires;  /* YYYYMMDD after which the entry stops applying; 0: never */
	char *reason; /* NULL when none */
	unsigned line;
};

struct hull_ignore {
	char *name; /* the file, for messages and suppressed_by */
	struct hull_ignore_entry *v;
	size_t n;
};

/* Parse an ignore file: one entry per line, `ID [pkg=NAME] [exp=YYYY-MM-DD] [# reason]`,
 * blank lines and lines starting with '#' skipped. Strict: an unknown field, a bad
 * date or an over-long file fails with "NAME:LINE: reason". */
int hull_ignore_parse (const char *text, size_t len, const char *name, struct hull_ignore *out,
		       hull_error_t *err);
/* Read and parse the file at `path` (capped at HULL_IGNORE_MAX_BYTES). */
int hull_ignore_load (const char *path, struct hull_ignore *out, hull_error_t *err);
void hull_ignore_clear (struct hull_ignore *ig);
/* The date `t` as YYYYMMDD (UTC). */
int hull_ignore_today (time_t t);
/* True if the entry has expired on `today` (YYYYMMDD): the expiry day itself still
 * applies. */
bool hull_ignore_expired (const struct hull_ignore_entry *e, int today);
/* Mark the findings an unexpired entry names as suppressed (suppressed_by: the file
 * name, justification: the reason). Returns how many were newly suppressed. */
size_t hull_ignore_apply (const struct hull_ignore *ig, int today, struct hull_findings *f);

/* ---- OpenVEX 0.2.0 (vex.c) ---- */

enum hull_vex_status {
	HULL_VEX_NOT_AFFECTED = 0,
	HULL_VEX_AFFECTED,
	HULL_VEX_FIXED,
	HULL_VEX_UNDER_INVESTIGATION,
};

struct hull_vex_statement {
	char *vuln;	/* vulnerability.name */
	char **aliases; /* vulnerability.aliases */
	size_t n_aliases;
	char **products; /* products[].@id and their subcomponents[].@id (purls) */
	size_t n_products;
	enum hull_vex_status status;
	char *justification;	/* not_affected: the justification label */
	char *impact_statement; /* may be NULL */
};

struct hull_vex {
	char *name; /* the file */
	struct hull_vex_statement *v;
	size_t n;
};

/* Parse an OpenVEX document (strict: @context must name OpenVEX, statements must have
 * a vulnerability, products and a known status; not_affected needs a justification or
 * an impact_statement). */
int hull_vex_parse (const char *text, size_t len, const char *name, struct hull_vex *out,
		    hull_error_t *err);
int hull_vex_load (const char *path, struct hull_vex *out, hull_error_t *err);
void hull_vex_clear (struct hull_vex *vx);
/* True if the finding's purl is `product` (qualifiers and subpath ignored on both; a
 * product without a version matches every version). */
bool hull_vex_purl_match (const char *product, const char *purl);
/* Suppress the findings a not_affected statement covers (id or alias equal, purl
 * matching a product). Later statements about the same (vulnerability, product) win,
 * as OpenVEX section "Statement" orders them. Returns how many were suppressed. */
size_t hull_vex_apply (const struct hull_vex *vx, struct hull_findings *f);

#endif
