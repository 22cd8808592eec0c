/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `hull policy check`, and the admission check `create` and `run` call after
 * validation (before anything exists, so a refusal leaves nothing behind). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "hull/oci.h"
#include "hull/policy.h"

static const char policy_help[] =
	"NAME\n"
	"    hull policy - check a config.json against the admission policy\n"
	"\n"
	"SYNOPSIS\n"
	"    hull [--policy FILE] policy check [--policy FILE] [--format text|json] CONFIG.json\n"
	"\n"
	"DESCRIPTION\n"
	"    The admission policy says which valid configs hull refuses to run. It is read\n"
	"    from --policy FILE, else /etc/hull/policy.json, else the built-in default\n"
	"    (warn for every bundle, enforce for bundles whose config.json carries the\n"
	"    annotation \"run.oci.hull.policy\": \"enforce\"). `create` and `run` apply it\n"
	"    right after validating config.json: an enforced rule that finds something\n"
	"    refuses the container (exit 125, one line naming the rule, the field and how\n"
	"    to allow it); a rule in warn mode prints `hull: warning: policy ...` (or a\n"
	"    JSON log line with --log) when its severity reaches the policy's\n"
	"    warn_severity, and the container runs. An invalid policy file is an error.\n"
	"\n"
	"    `hull policy check` evaluates every rule against CONFIG.json without running\n"
	"    anything and prints one verdict per rule: id, severity, result (pass, warn,\n"
	"    refuse, off), field and message. The schema is in docs/policy.md.\n"
	"\n"
	"RULES\n"
	"    HULL-CAP-001  dangerous capability added (CAP_SYS_ADMIN, CAP_SYS_MODULE, ...)\n"
	"    HULL-CAP-002  capability beyond podman's default set\n"
	"    HULL-NS-001   host pid, network, ipc, uts or mount namespace\n"
	"    HULL-NS-002   no user namespace\n"
	"    HULL-MNT-001  bind mount of a sensitive host path (/, /etc, /proc, sockets...)\n"
	"    HULL-ROOT-001 writable root filesystem\n"
	"    HULL-SECCOMP-001  no seccomp filter, or an unconfined one\n"
	"    HULL-NNP-001  noNewPrivileges off\n"
	"    HULL-DEV-001  device node beyond the default set\n"
	"    HULL-DEV-002  device cgroup rule allowing every device\n"
	"    HULL-PROC-001 writable /proc/sys\n"
	"    HULL-SYS-001  writable sysfs, cgroup filesystem or bind of /sys\n"
	"    HULL-LSM-001  no AppArmor profile or SELinux label (with require_lsm_label)\n"
	"\n"
	"OPTIONS\n"
	"    --policy FILE       the policy to apply (also a global option)\n"
	"    --format FMT        text (default) or json\n"
	"    -h, --help          this text\n"
	"\n"
	"EXIT STATUS\n"
	"    0    the config would be allowed (possibly with warnings)\n"
	"    1    the config would be refused: some rule finds something in enforce mode\n"
	"    125  error: unreadable or invalid policy or config (the message names\n"
	"         FILE:LINE:COL or the field)\n";

int
hull_cli_policy_admit (struct hull_cli_globals *g, const char *cmd,
		       const struct hull_oci_config *cfg)
{
	struct hull_policy_report rep = { 0 };
	struct hull_policy *p;
	hull_error_t err = { 0 };
	int r = 0;

	p = hull_policy_load (g->policy, &err);
	if (p == NULL || hull_policy_check (p, cfg, &rep, &err) < 0) {
		hull_policy_free (p);
		return hull_cli_fail (cmd, &err);
	}
	/* Warnings first (through the log sink: stderr, or --log as JSON lines), then the
	 * first refusal as the one error line. */
	for (size_t i = 0; i < rep.n; i++) {
		_cleanup_free_ char *line = NULL;

		if (rep.v[i].mode != HULL_POLICY_WARN || !rep.v[i].reported)
			continue;
		line = hull_policy_finding_format (p, &rep.v[i]);
		hull_log (HULL_LOG_WARNING, "%s", line);
	}
	for (size_t i = 0; i < rep.n && r == 0; i++) {
		_cleanup_free_ char *line = NULL;

		if (rep.v[i].mode != HULL_POLICY_ENFORCE)
			continue;
		line = hull_policy_finding_format (p, &rep.v[i]);
		if (rep.n_refused > 1)
			hull_error_make (&err, 0, "%s (and %zu more: see `hull policy check`)",
					 line, rep.n_refused - 1);
		else
			hull_error_make (&err, 0, "%s", line);
		r = hull_cli_fail (cmd, &err);
	}
	hull_policy_report_free (&rep);
	hull_policy_free (p);
	return r;
}

static const char *
result_name (const struct hull_policy_finding *f)
{
	return f->mode == HULL_POLICY_ENFORCE ? "refuse" : "warn";
}

static void
print_text (const struct hull_policy *p, const struct hull_policy_report *rep)
{
	size_t n_rules;
	const struct hull_policy_rule_info *rules = hull_policy_rules (&n_rules);

	printf ("%-17s %-9s %-7s %-32s %s\n", "RULE", "SEVERITY", "RESULT", "FIELD", "MESSAGE");
	for (size_t i = 0; i < n_rules; i++) {
		bool any = false;

		for (size_t j = 0; j < rep->n; j++) {
			const struct hull_policy_finding *f = &rep->v[j];
			if (f->rule != i)
				continue;
			any = true;
			printf ("%-17s %-9s %-7s %-32s %s\n", f->id,
				hull_policy_severity_name (f->severity), result_name (f), f->field,
				f->message);
		}
		if (!any)
			printf ("%-17s %-9s %-7s %-32s %s\n", rules[i].id,
				hull_policy_severity_name (rules[i].severity),
				rep->rule_mode[i] == HULL_POLICY_OFF ? "off" : "pass", "-",
				rules[i].title);
	}
	printf ("verdict: %s (policy %s, mode %s)\n", rep->n_refused ? "refused" : "allowed",
		hull_policy_source (p), hull_policy_mode_name (rep->mode));
}

static json_t *
finding_json (const struct hull_policy_rule_info *rule, const char *result,
	      const struct hull_policy_finding *f)
{
	return json_pack ("{s:s, s:s, s:s, s:s, s:s?, s:s?, s:s?}", "id", rule->id, "severity",
			  hull_policy_severity_name (rule->severity), "title", rule->title,
			  "result", result, "field", f ? f->field : NULL, "message",
			  f ? f->message : NULL, "allow", f ? f->allow : NULL);
}

static void
print_json (const struct hull_policy *p, const struct hull_policy_report *rep)
{
	size_t n_rules;
	const struct hull_policy_rule_info *rules = hull_policy_rules (&n_rules);
	json_t *results = json_array ();
	json_t *doc;
	char *text;

	for (size_t i = 0; i < n_rules; i++) {
		bool any = false;

		for (size_t j = 0; j < rep->n; j++)
			if (rep->v[j].rule == i) {
				any = true;
				json_array_append_new (
					results, finding_json (&rules[i], result_name (&rep->v[j]),
							       &rep->v[j]));
			}
		if (!any)
			json_array_append_new (
				results,
				finding_json (&rules[i],
					      rep->rule_mode[i] == HULL_POLICY_OFF ? "off" : "pass",
					      NULL));
	}
	doc = json_pack ("{s:s, s:s, s:b, s:I, s:o}", "policy", hull_policy_source (p), "mode",
			 hull_policy_mode_name (rep->mode), "allowed", rep->n_refused == 0,
			 "refused", (json_int_t) rep->n_refused, "results", results);
	if (doc == NULL)
		abort ();
	text = json_dumps (doc, JSON_INDENT (2) | JSON_PRESERVE_ORDER);
	if (text == NULL)
		abort ();
	puts (text);
	free (text);
	json_decref (doc);
}

static int
policy_check (struct hull_cli_globals *g, int argc, char **argv)
{
	const char *policy_path = g->policy, *format = "text";
	struct hull_cli_list pos = { 0 };
	struct hull_cli_opt table[] = {
		{ "policy", 0, HULL_OPT_STRING, &policy_path },
		{ "format", 0, HULL_OPT_STRING, &format },
		{ NULL, 0, 0, NULL },
	};
	struct hull_policy_report rep = { 0 };
	struct hull_oci_config *cfg = NULL;
	struct hull_policy *p = NULL;
	hull_error_t err = { 0 };
	int r;

	if ((r = hull_cli_parse ("policy check", table, argc, argv, &pos)) != 0)
		return free (pos.v), r;
	if (pos.n != 1) {
		free (pos.v);
		return hull_cli_usage ("policy", "check takes one CONFIG.json");
	}
	if (strcmp (format, "text") != 0 && strcmp (format, "json") != 0) {
		free (pos.v);
		return hull_cli_usage ("policy", "--format: `%s` is not text or json", format);
	}
	p = hull_policy_load (policy_path, &err);
	if (p != NULL)
		cfg = hull_policy_config_load (pos.v[0], &err);
	free (pos.v);
	if (p == NULL || cfg == NULL || hull_policy_check (p, cfg, &rep, &err) < 0) {
		hull_oci_config_free (cfg);
		hull_policy_free (p);
		return hull_cli_fail ("policy check", &err);
	}
	if (strcmp (format, "json") == 0)
		print_json (p, &rep);
	else
		print_text (p, &rep);
	r = rep.n_refused ? 1 : 0;
	hull_policy_report_free (&rep);
	hull_oci_config_free (cfg);
	hull_policy_free (p);
	return r;
}

static int
cmd_policy (struct hull_cli_globals *g, int argc, char **argv)
{
	if (argc < 2)
		return hull_cli_usage ("policy", "missing subcommand (check)");
	if (strcmp (argv[1], "check") == 0)
		return policy_check (g, argc - 1, argv + 1);
	return hull_cli_usage ("policy", "unknown subcommand `%s`", argv[1]);
}

const struct hull_cli_command hull_cmd_policy = {
	.name = "policy",
	.fn = cmd_policy,
	.summary = "check a config.json against the admission policy",
	.help = policy_help,
};
