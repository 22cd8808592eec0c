/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internals of the admission policy: the parsed policy and the rule table
 * (one entry per rule: { id, severity, title, check, doc }, DESIGN.md "Scanning"). */
#ifndef HULL_POLICY_INTERNAL_H
#define HULL_POLICY_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "hull/oci.h"
#include "hull/policy.h"

#define HULL_POLICY_RULES_MAX 32   /* the table is static; a compile-time bound */
#define HULL_POLICY_ALLOW_MAX 1024 /* entries per allow-list */
#define HULL_POLICY_MODE_INHERIT (-1)

struct hull_policy {
	char *source;	 /* the file read, or "built-in default" */
	char *edit_path; /* where to allow things */
	/* As written (mapped from JSON), then resolved below. */
	char *mode_s;
	char *warn_severity_s;
	bool require_lsm_label;
	struct hull_strv allow_caps, allow_ns, allow_mounts, allow_devices;
	enum hull_policy_mode mode;
	enum hull_policy_severity warn_severity;
	int rule_mode[HULL_POLICY_RULES_MAX]; /* HULL_POLICY_MODE_INHERIT or a mode */
	uint64_t allowed_caps;		      /* bit n: capability n is allowed */
};

/* What a check writes to: the policy, the report, the rule being run. */
struct hull_policy_eval {
	const struct hull_policy *p;
	struct hull_policy_report *r;
	size_t rule;
};

typedef void (*hull_policy_check_fn) (struct hull_policy_eval *e,
				      const struct hull_oci_config *cfg);

struct hull_policy_rule {
	const char *id;
	enum hull_policy_severity severity;
	const char *title;
	hull_policy_check_fn check;
	const char *doc;
};

extern const struct hull_policy_rule hull_policy_table[];
extern const size_t hull_policy_table_len;

/* Index of rule `id` in the table, or -1. */
int hull_policy_rule_index (const char *id);

/* Record a finding for the current rule. `allow` (owned by the finding from now on)
 * is the policy JSON that allows it; NULL means "turn the rule off". */
void hull_policy_finding_add (struct hull_policy_eval *e, const char *field, char *allow,
			      const char *fmt, ...) __attribute__ ((format (printf, 4, 5)));

/* True when s is in the allow-list v. */
bool hull_policy_listed (const struct hull_strv *v, const char *s);

/* Lexically normalised absolute path ("//a/./b/../c" -> "/a/c"); NULL if `path` is
 * not absolute. Caller frees. */
char *hull_policy_normalize_path (const char *path);

#endif
