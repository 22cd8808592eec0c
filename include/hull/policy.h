/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The admission policy (docs/policy.md): which valid configs hull refuses to run.
 * `/etc/hull/policy.json`, `--policy FILE`, or the built-in default
 * (data/policy/default.json). Pure: no printing, no syscalls beyond reading the
 * policy file; the CLI prints the findings and picks the exit code. */
#ifndef HULL_POLICY_H
#define HULL_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "hull/error.h"
#include "hull/oci.h"

#define HULL_POLICY_PATH "/etc/hull/policy.json"
#define HULL_POLICY_MAX (1024u * 1024) /* bytes of policy JSON accepted */
/* The bundle opts in to enforcement with this config.json annotation set to "enforce". */
#define HULL_POLICY_ANNOTATION "run.oci.hull.policy"

enum hull_policy_mode {
	HULL_POLICY_OFF = 0,
	HULL_POLICY_WARN,
	HULL_POLICY_ENFORCE,
};

enum hull_policy_severity {
	HULL_SEV_LOW = 0,
	HULL_SEV_MEDIUM,
	HULL_SEV_HIGH,
	HULL_SEV_CRITICAL,
};

struct hull_policy;

/* One rule of the table, for listings (`hull policy check`, docs). */
struct hull_policy_rule_info {
	const char *id; /* stable, shared with the config linter: "HULL-CAP-001" */
	enum hull_policy_severity severity;
	const char *title;
	const char *doc;
};

/* One thing a rule found. `id`, `title` are static; the strings are owned. */
struct hull_policy_finding {
	size_t rule;	/* index into the rule table */
	const char *id; /* the rule's id */
	enum hull_policy_severity severity;
	enum hull_policy_mode mode; /* effective: WARN or ENFORCE (OFF rules find nothing) */
	bool reported;		    /* WARN at or above the policy's warn_severity */
	char *field;		    /* "process.capabilities.bounding" */
	char *message;		    /* "adds CAP_SYS_ADMIN" */
	char *allow;		    /* the policy JSON that allows it */
};

struct hull_policy_report {
	struct hull_policy_finding *v;
	size_t n;
	size_t n_refused;	    /* findings in ENFORCE mode */
	enum hull_policy_mode mode; /* the global mode after the bundle's opt-in */
	/* Per rule (indexed like the table): its effective mode for this config. */
	enum hull_policy_mode *rule_mode;
};

/* The rule table; *n receives its length. */
const struct hull_policy_rule_info *hull_policy_rules (size_t *n);

/* Parse policy JSON (at most HULL_POLICY_MAX bytes). `name` is used in messages
 * ("policy.json:3:7: ..."). Unknown keys, unknown rule ids, bad modes and invalid
 * allow-list entries are errors: a policy that does not say what its author meant
 * must not be half-applied (fail closed). */
struct hull_policy *hull_policy_parse (const char *text, size_t len, const char *name,
				       hull_error_t *err);

/* The built-in default policy (data/policy/default.json, embedded at build time). */
struct hull_policy *hull_policy_default (hull_error_t *err);

/* Load `path`; with path NULL, HULL_POLICY_PATH when it exists, else the built-in
 * default. A file that exists but cannot be read or parsed is an error. */
struct hull_policy *hull_policy_load (const char *path, hull_error_t *err);

/* Where the policy came from ("/etc/hull/policy.json", or the file given), and where
 * a person should edit to allow something (HULL_POLICY_PATH for the built-in one). */
const char *hull_policy_source (const struct hull_policy *p);
const char *hull_policy_edit_path (const struct hull_policy *p);

/* Evaluate every rule against a parsed, validated config. Fills *out (freed with
 * hull_policy_report_free). Fails only on a bad `run.oci.hull.policy` annotation. */
int hull_policy_check (const struct hull_policy *p, const struct hull_oci_config *cfg,
		       struct hull_policy_report *out, hull_error_t *err);

/* "policy ID (MODE): FIELD MESSAGE; allow it with ALLOW in FILE". Caller frees. */
char *hull_policy_finding_format (const struct hull_policy *p, const struct hull_policy_finding *f);

/* Read, parse and validate a config.json at any path (for `hull policy check`). */
struct hull_oci_config *hull_policy_config_load (const char *path, hull_error_t *err);

const char *hull_policy_mode_name (enum hull_policy_mode m);
const char *hull_policy_severity_name (enum hull_policy_severity s);

void hull_policy_report_free (struct hull_policy_report *r);
struct hull_policy *hull_policy_free (struct hull_policy *p);

#endif
