/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The admission policy: parsing (through the one JSON wrapper, fail closed), mode
 * resolution (global, per rule, the bundle's opt-in) and evaluation of the rule
 * table. Schema: docs/policy.md. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/file.h"
#include "common/json.h"
#include "common/xalloc.h"
#include "policy/policy.h"

/* The JSON tables are positional with a trailing { NULL } (STYLE.md): the omitted
 * fields are meant to be zero. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

extern const char hull_policy_default_json[];
extern const size_t hull_policy_default_json_len;

static const char *const mode_names[] = { "off", "warn", "enforce" };
static const char *const severity_names[] = { "low", "medium", "high", "critical" };

const char *
hull_policy_mode_name (enum hull_policy_mode m)
{
	return (unsigned) m < 3 ? mode_names[m] : "?";
}

const char *
hull_policy_severity_name (enum hull_policy_severity s)
{
	return (unsigned) s < 4 ? severity_names[s] : "?";
}

static int
lookup (const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; s && i < n; i++)
		if (strcmp (names[i], s) == 0)
			return (int) i;
	return -1;
}

const struct hull_policy_rule_info *
hull_policy_rules (size_t *n)
{
	static struct hull_policy_rule_info info[HULL_POLICY_RULES_MAX];

	for (size_t i = 0; i < hull_policy_table_len; i++)
		info[i] = (struct hull_policy_rule_info){ hull_policy_table[i].id,
							  hull_policy_table[i].severity,
							  hull_policy_table[i].title,
							  hull_policy_table[i].doc };
	*n = hull_policy_table_len;
	return info;
}

int
hull_policy_rule_index (const char *id)
{
	for (size_t i = 0; i < hull_policy_table_len; i++)
		if (strcmp (hull_policy_table[i].id, id) == 0)
			return (int) i;
	return -1;
}

bool
hull_policy_listed (const struct hull_strv *v, const char *s)
{
	for (size_t i = 0; i < v->n; i++)
		if (strcmp (v->v[i], s) == 0)
			return true;
	return false;
}

char *
hull_policy_normalize_path (const char *path)
{
	size_t n = strlen (path), len = 0;
	char *out;

	if (path[0] != '/')
		return NULL;
	out = hull_xmalloc (n + 2);
	for (const char *p = path; *p;) {
		const char *end;
		size_t seg;

		while (*p == '/')
			p++;
		end = strchrnul (p, '/');
		seg = (size_t) (end - p);
		if (seg == 0 || (seg == 1 && p[0] == '.')) {
			/* nothing */
		} else if (seg == 2 && p[0] == '.' && p[1] == '.') {
			while (len > 0 && out[len] != '/')
				len--; /* ".." of "/" is "/" */
		} else {
			out[len++] = '/';
			memcpy (out + len, p, seg);
			len += seg;
		}
		/* Make the backtracking above see the current end. */
		out[len] = '\0';
		p = end;
	}
	if (len == 0)
		out[len++] = '/';
	out[len] = '\0';
	return out;
}

/* ---- parsing --------------------------------------------------------------------------- */

struct rule_override {
	char *mode;
};

static const struct hull_json_field rule_fields[] = {
	{ "mode", HULL_JSON_STRING, offsetof (struct rule_override, mode), HULL_JSON_MANDATORY },
	{ NULL },
};

static int
parse_one_rule (struct hull_json_ctx *ctx, struct hull_policy *p, const char *id, json_t *value,
		hull_error_t *err)
{
	struct hull_strv unknown = { 0 };
	struct rule_override o = { 0 };
	struct hull_strv *saved = ctx->unknown;
	int idx = hull_policy_rule_index (id), mode, r;

	if (idx < 0)
		return hull_json_error (ctx, err,
					"unknown rule id (see `hull policy check --help`)");
	if (!json_is_object (value))
		return hull_json_error (ctx, err,
					"expected an object such as {\"mode\": \"warn\"}");
	ctx->unknown = &unknown;
	r = hull_json_map (ctx, value, rule_fields, &o, err);
	ctx->unknown = saved;
	if (r == 0 && unknown.n > 0)
		r = hull_error_make (err, 0, "%s: %s: unknown key", ctx->name, unknown.v[0]);
	mode = lookup (mode_names, 3, o.mode);
	if (r == 0 && mode < 0)
		r = hull_json_error (ctx, err, "mode `%s` is not off, warn or enforce", o.mode);
	if (r == 0 && p)
		p->rule_mode[idx] = mode;
	free (o.mode);
	hull_strv_free (&unknown);
	return r;
}

static int
parse_rules (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *value, void *base,
	     hull_error_t *err)
{
	const char *key;
	json_t *v;

	if (!json_is_object (value))
		return hull_json_error (ctx, err, "expected an object of rule ids");
	json_object_foreach (value, key, v) {
		size_t old = hull_json_path_push_key (ctx, key);
		int r = parse_one_rule (ctx, base, key, v, err);

		hull_json_path_pop (ctx, old);
		if (r < 0)
			return r;
	}
	return 0;
}

#define P(x) offsetof (struct hull_policy, x)
static const struct hull_json_field allow_fields[] = {
	{ "capabilities", HULL_JSON_STRV, P (allow_caps), 0, .max = HULL_POLICY_ALLOW_MAX },
	{ "host_namespaces", HULL_JSON_STRV, P (allow_ns), 0, .max = HULL_POLICY_ALLOW_MAX },
	{ "mounts", HULL_JSON_STRV, P (allow_mounts), 0, .max = HULL_POLICY_ALLOW_MAX },
	{ "devices", HULL_JSON_STRV, P (allow_devices), 0, .max = HULL_POLICY_ALLOW_MAX },
	{ NULL },
};

static const struct hull_json_field policy_fields[] = {
	{ "mode", HULL_JSON_STRING, P (mode_s), 0 },
	{ "warn_severity", HULL_JSON_STRING, P (warn_severity_s), 0 },
	{ "require_lsm_label", HULL_JSON_BOOL, P (require_lsm_label), 0 },
	{ "rules", HULL_JSON_CUSTOM, 0, 0, .fn = parse_rules },
	/* allow-lists live in struct hull_policy itself: offset 0 of the sub-table */
	{ "allow", HULL_JSON_OBJECT, 0, 0, .sub = allow_fields },
	{ NULL },
};
#undef P

/* Every allow-list entry must mean something: a typo ("CAP_SYSADMIN", "etc") would
 * otherwise silently allow nothing, or look as if it allowed what it does not. */
static int
check_allow (struct hull_policy *p, const char *name, hull_error_t *err)
{
	for (size_t i = 0; i < p->allow_caps.n; i++) {
		int cap = hull_oci_cap_from_name (p->allow_caps.v[i]);
		if (cap < 0 || cap >= 64)
			return hull_error_make (err, 0,
						"%s: allow.capabilities[%zu]: unknown "
						"capability `%s`",
						name, i, p->allow_caps.v[i]);
		p->allowed_caps |= 1ull << cap;
	}
	for (size_t i = 0; i < p->allow_ns.n; i++)
		if (hull_oci_ns_from_name (p->allow_ns.v[i]) < 0)
			return hull_error_make (err, 0,
						"%s: allow.host_namespaces[%zu]: unknown "
						"namespace `%s`",
						name, i, p->allow_ns.v[i]);
	for (size_t i = 0; i < p->allow_mounts.n; i++) {
		_cleanup_free_ char *norm = hull_policy_normalize_path (p->allow_mounts.v[i]);
		if (norm == NULL || strcmp (norm, p->allow_mounts.v[i]) != 0)
			return hull_error_make (err, 0,
						"%s: allow.mounts[%zu]: `%s` is not a "
						"normalised absolute path",
						name, i, p->allow_mounts.v[i]);
	}
	for (size_t i = 0; i < p->allow_devices.n; i++)
		if (p->allow_devices.v[i][0] != '/')
			return hull_error_make (err, 0,
						"%s: allow.devices[%zu]: `%s` is not an "
						"absolute path",
						name, i, p->allow_devices.v[i]);
	return 0;
}

static int
resolve (struct hull_policy *p, const char *name, hull_error_t *err)
{
	int m = p->mode_s ? lookup (mode_names, 3, p->mode_s) : HULL_POLICY_WARN;
	int s = p->warn_severity_s ? lookup (severity_names, 4, p->warn_severity_s) : HULL_SEV_HIGH;
	int lsm = hull_policy_rule_index ("HULL-LSM-001");

	if (m < 0)
		return hull_error_make (err, 0, "%s: mode: `%s` is not off, warn or enforce", name,
					p->mode_s);
	if (s < 0)
		return hull_error_make (err, 0,
					"%s: warn_severity: `%s` is not low, medium, high "
					"or critical",
					name, p->warn_severity_s);
	p->mode = m;
	p->warn_severity = s;
	/* The LSM rule is opt-in: many hosts have neither AppArmor nor SELinux. */
	if (lsm >= 0 && !p->require_lsm_label && p->rule_mode[lsm] == HULL_POLICY_MODE_INHERIT)
		p->rule_mode[lsm] = HULL_POLICY_OFF;
	return check_allow (p, name, err);
}

struct hull_policy *
hull_policy_parse (const char *text, size_t len, const char *name, hull_error_t *err)
{
	struct hull_strv unknown = { 0 };
	struct hull_json_ctx ctx;
	struct hull_policy *p;
	json_t *root;
	int r;

	if (name == NULL)
		name = "policy.json";
	root = hull_json_parse (text, len, HULL_POLICY_MAX, name, err);
	if (root == NULL)
		return NULL;
	p = hull_xzalloc (sizeof *p);
	for (size_t i = 0; i < HULL_POLICY_RULES_MAX; i++)
		p->rule_mode[i] = HULL_POLICY_MODE_INHERIT;
	p->source = hull_xstrdup (name);
	p->edit_path = hull_xstrdup (name);
	hull_json_ctx_init (&ctx, name, &unknown);
	if (!json_is_object (root))
		r = hull_error_make (err, 0, "%s: expected a JSON object", name);
	else
		r = hull_json_map (&ctx, root, policy_fields, p, err);
	json_decref (root);
	/* Unlike config.json (where the spec says to ignore them), an unknown key in a
	 * policy is most likely a misspelt protection: refuse it. */
	if (r == 0 && unknown.n > 0)
		r = hull_error_make (err, 0, "%s: %s: unknown key", name, unknown.v[0]);
	hull_strv_free (&unknown);
	if (r == 0)
		r = resolve (p, name, err);
	if (r < 0)
		return hull_policy_free (p);
	return p;
}

struct hull_policy *
hull_policy_default (hull_error_t *err)
{
	struct hull_policy *p =
		hull_policy_parse (hull_policy_default_json, hull_policy_default_json_len,
				   "built-in default policy", err);

	if (p) {
		free (p->edit_path);
		p->edit_path = hull_xstrdup (HULL_POLICY_PATH);
	}
	return p;
}

static char *
read_capped (const char *path, size_t max, size_t *out_len, hull_error_t *err)
{
	return hull_file_read_capped (AT_FDCWD, path, 0, max, out_len, err);
}

struct hull_policy *
hull_policy_load (const char *path, hull_error_t *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;

	if (path == NULL) {
		/* Only "does not exist" falls back to the default: an unreadable or broken
		 * /etc/hull/policy.json is an error, never silently ignored. */
		struct stat st;

		/* lstat: a dangling symlink there is a broken policy, not an absent one. */
		if (lstat (HULL_POLICY_PATH, &st) < 0 && errno == ENOENT)
			return hull_policy_default (err);
		path = HULL_POLICY_PATH;
	}
	text = read_capped (path, HULL_POLICY_MAX, &len, err);
	if (text == NULL)
		return hull_error_wrap (err, "policy"), NULL;
	return hull_policy_parse (text, len, path, err);
}

struct hull_oci_config *
hull_policy_config_load (const char *path, hull_error_t *err)
{
	_cleanup_free_ char *text = NULL;
	struct hull_oci_config *cfg;
	size_t len = 0;

	text = read_capped (path, HULL_OCI_CONFIG_MAX, &len, err);
	if (text == NULL)
		return NULL;
	cfg = hull_oci_config_parse (text, len, path, NULL, err);
	if (cfg && hull_oci_config_validate (cfg, err) < 0)
		return hull_oci_config_free (cfg);
	return cfg;
}

const char *
hull_policy_source (const struct hull_policy *p)
{
	return p->source;
}

const char *
hull_policy_edit_path (const struct hull_policy *p)
{
	return p->edit_path;
}

struct hull_policy *
hull_policy_free (struct hull_policy *p)
{
	if (p == NULL)
		return NULL;
	free (p->source);
	free (p->edit_path);
	free (p->mode_s);
	free (p->warn_severity_s);
	hull_strv_free (&p->allow_caps);
	hull_strv_free (&p->allow_ns);
	hull_strv_free (&p->allow_mounts);
	hull_strv_free (&p->allow_devices);
	free (p);
	return NULL;
}

/* ---- evaluation ------------------------------------------------------------------------ */

void
hull_policy_finding_add (struct hull_policy_eval *e, const char *field, char *allow,
			 const char *fmt, ...)
{
	struct hull_policy_report *r = e->r;
	struct hull_policy_finding *f;
	va_list ap;
	char *msg;

	va_start (ap, fmt);
	if (vasprintf (&msg, fmt, ap) < 0)
		abort ();
	va_end (ap);
	r->v = hull_xreallocarray (r->v, r->n + 1, sizeof *r->v);
	f = &r->v[r->n++];
	*f = (struct hull_policy_finding){
		.rule = e->rule,
		.id = hull_policy_table[e->rule].id,
		.severity = hull_policy_table[e->rule].severity,
		.mode = r->rule_mode[e->rule],
		.field = hull_xstrdup (field),
		.message = msg,
		.allow = allow ? allow
			       : hull_xasprintf ("\"rules\": {\"%s\": {\"mode\": \"off\"}}",
						 hull_policy_table[e->rule].id),
	};
	f->reported = f->mode == HULL_POLICY_ENFORCE || f->severity >= e->p->warn_severity;
	if (f->mode == HULL_POLICY_ENFORCE)
		r->n_refused++;
}

/* The bundle may ask for enforcement (annotation "run.oci.hull.policy": "enforce"); it
 * can never lower what the policy file says, so "warn" changes nothing. */
static int
bundle_opts_in (const struct hull_oci_config *cfg, bool *enforce, hull_error_t *err)
{
	*enforce = false;
	for (size_t i = 0; i < cfg->annotations.n; i++) {
		const struct hull_kv *kv = &cfg->annotations.v[i];

		if (strcmp (kv->key, HULL_POLICY_ANNOTATION) != 0)
			continue;
		if (strcmp (kv->value, "enforce") == 0)
			*enforce = true;
		else if (strcmp (kv->value, "warn") != 0)
			return hull_error_make (err, 0,
						"annotations.%s: `%s` is not enforce or warn",
						HULL_POLICY_ANNOTATION, kv->value);
	}
	return 0;
}

int
hull_policy_check (const struct hull_policy *p, const struct hull_oci_config *cfg,
		   struct hull_policy_report *out, hull_error_t *err)
{
	struct hull_policy_eval e = { .p = p, .r = out };
	bool enforce;

	memset (out, 0, sizeof *out);
	if (bundle_opts_in (cfg, &enforce, err) < 0)
		return hull_error_ret (err);
	out->mode = enforce ? HULL_POLICY_ENFORCE : p->mode;
	out->rule_mode = hull_xcalloc (hull_policy_table_len, sizeof *out->rule_mode);
	for (size_t i = 0; i < hull_policy_table_len; i++) {
		int m = p->rule_mode[i];

		if (m == HULL_POLICY_MODE_INHERIT)
			m = out->mode;
		else if (m != HULL_POLICY_OFF && enforce)
			m = HULL_POLICY_ENFORCE;
		out->rule_mode[i] = m;
		if (m == HULL_POLICY_OFF)
			continue;
		e.rule = i;
		hull_policy_table[i].check (&e, cfg);
	}
	return 0;
}

char *
hull_policy_finding_format (const struct hull_policy *p, const struct hull_policy_finding *f)
{
	return hull_xasprintf ("policy %s (%s): %s %s; allow it with %s in %s", f->id,
			       hull_policy_mode_name (f->mode), f->field, f->message, f->allow,
			       p->edit_path);
}

void
hull_policy_report_free (struct hull_policy_report *r)
{
	for (size_t i = 0; r->v && i < r->n; i++) {
		free (r->v[i].field);
		free (r->v[i].message);
		free (r->v[i].allow);
	}
	free (r->v);
	free (r->rule_mode);
	memset (r, 0, sizeof *r);
}
