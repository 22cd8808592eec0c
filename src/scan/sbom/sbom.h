/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SBOMs: the inventory as CycloneDX 1.5 JSON, SPDX 2.3 JSON and hull's own inventory
 * JSON, and CycloneDX / SPDX JSON read back into an inventory (docs/scan.md "SBOM").
 * Emitters return new strings (keys sorted, two-space indent, trailing newline). */
#ifndef HULL_SCAN_SBOM_H
#define HULL_SCAN_SBOM_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "hull/scan.h"

#define HULL_SBOM_MAX_BYTES (256u << 20)
/* Estimated memory of the parsed document (read.c parse_cost): 10^6 minimal
 * components take about 1 GiB. */
#define HULL_SBOM_MAX_PARSE_MEMORY (1536ull << 20)
#define HULL_SBOM_MAX_COMPONENTS 1000000u
#define HULL_SBOM_MAX_STRING 65536u

/* The property names hull writes on CycloneDX components. */
#define HULL_SBOM_PROP_SOURCE "hull:package:source"
#define HULL_SBOM_PROP_SOURCE_VERSION "hull:package:source-version"
#define HULL_SBOM_PROP_LOCATION "hull:package:location"
#define HULL_SBOM_PROP_ARCH "hull:package:arch"

enum hull_sbom_format {
	HULL_SBOM_NONE = 0,
	HULL_SBOM_CYCLONEDX,
	HULL_SBOM_SPDX,
};

struct hull_sbom_opts {
	const char *tool_version; /* "0.1.0" */
	time_t now;		  /* creation time (0: time (NULL)) */
};

/* CycloneDX 1.5 JSON: serialNumber a random urn:uuid, the target as
 * metadata.component, one "operating-system" component for inv->os and one "library"
 * component per package. */
char *hull_sbom_cyclonedx (const struct hull_inventory *inv, const struct hull_sbom_opts *o,
			   hull_error_t *err);
/* SPDX 2.3 JSON: one package per inventory package plus the OS, the document
 * DESCRIBES the target package, which CONTAINS every other package. */
char *hull_sbom_spdx (const struct hull_inventory *inv, const struct hull_sbom_opts *o,
		      hull_error_t *err);
/* hull's own inventory JSON (docs/scan.md "Inventory JSON"). */
char *hull_sbom_inventory_json (const struct hull_inventory *inv, const struct hull_sbom_opts *o);
/* Its full form, the confined scanner's output (*len bytes): the JSON text with
 * "warnings" added, a NUL, then every package's file names in order, each ended by a
 * NUL ("files" gives their number). */
char *hull_sbom_inventory_json_full (const struct hull_inventory *inv,
				     const struct hull_sbom_opts *o, size_t *len);
/* What parsing a JSON text would take in memory, estimated from its tokens (read.c):
 * the byte cap alone does not bound it (256 MiB of `{},` is 85 million objects). */
uint64_t hull_sbom_json_cost (const char *text, size_t len);
/* An error naming `name` when that estimate is over HULL_SBOM_MAX_PARSE_MEMORY. */
int hull_sbom_json_cost_check (const char *text, size_t len, const char *name, hull_error_t *err);
/* Read inventory JSON, either form, into `out` (zeroed by the caller; cleared on
 * error); without the names after it, file lists stay empty. At most
 * HULL_SBOM_MAX_BYTES, duplicate keys refused, counts capped, the names must match
 * the counts exactly; errors name the document and the JSON path. */
int hull_sbom_inventory_read (const char *text, size_t len, const char *name,
			      struct hull_inventory *out, hull_error_t *err);

/* Which SBOM format the text is, by content (HULL_SBOM_NONE: neither; the text need
 * not be valid JSON for NONE). */
enum hull_sbom_format hull_sbom_detect (const char *text, size_t len);

/* Read a CycloneDX (1.4-1.6) or SPDX (2.2, 2.3) JSON SBOM into `out` (zeroed by the
 * caller; cleared on error). Packages come from purls; the OS from the
 * operating-system component or the purls' distro qualifier; the source package from
 * hull's property or the purl qualifier `upstream`. `name` names the document in
 * errors and becomes out->target when the SBOM names no target. */
int hull_sbom_read (const char *text, size_t len, const char *name, struct hull_inventory *out,
		    hull_error_t *err);

/* A random (version 4) UUID, "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx". */
char *hull_sbom_uuid (void);
/* RFC 3339 UTC time "2024-01-31T12:00:00Z" into buf. */
void hull_sbom_timestamp (time_t t, char buf[32]);

/* Serialise and release `root` as every emitter does: sorted keys, two-space indent,
 * a trailing newline. */
char *hull_sbom_dump (json_t *root);

/* A parsed package URL (purl-spec): every field percent-decoded, NULL when absent. */
struct hull_purl {
	char *type;
	char *namespace;
	char *name;
	char *version;
	char **qkeys, **qvals;
	size_t n_qualifiers;
	char *subpath;
};

int hull_purl_parse (const char *s, struct hull_purl *out, hull_error_t *err);
void hull_purl_clear (struct hull_purl *p);
/* The value of qualifier `key`, or NULL. */
const char *hull_purl_qualifier (const struct hull_purl *p, const char *key);

#endif
