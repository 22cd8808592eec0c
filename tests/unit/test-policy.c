/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The admission policy: each rule fires on a bad config and stays quiet on `hull spec`
 * and on podman's config; allow-lists; per-rule modes; the bundle's opt-in; malformed
 * policies are errors with a position. */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hull/oci.h"
#include "hull/policy.h"
#include "policy/policy.h"

/* A hardened config with every protection the rules look for. */
static const char base_json[] =
	"{\"ociVersion\": \"1.2.0\","
	" \"process\": {\"user\": {\"uid\": 0, \"gid\": 0}, \"args\": [\"/bin/sh\"], \"cwd\": "
	"\"/\","
	"  \"capabilities\": {\"bounding\": [\"CAP_CHOWN\"], \"effective\": [\"CAP_CHOWN\"],"
	"   \"permitted\": [\"CAP_CHOWN\"]}, \"noNewPrivileges\": true},"
	" \"root\": {\"path\": \"rootfs\", \"readonly\": true},"
	" \"mounts\": [{\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},"
	"  {\"destination\": \"/sys\", \"type\": \"sysfs\", \"source\": \"sysfs\", \"options\": "
	"[\"ro\"]}],"
	" \"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"network\"}, {\"type\": "
	"\"ipc\"},"
	"  {\"type\": \"uts\"}, {\"type\": \"mount\"}, {\"type\": \"user\"}],"
	"  \"uidMappings\": [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}],"
	"  \"gidMappings\": [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}],"
	"  \"readonlyPaths\": [\"/proc/sys\"],"
	"  \"seccomp\": {\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": "
	"[\"read\"], \"action\": \"SCMP_ACT_ALLOW\"}]}}}";

static struct hull_oci_config *
parse_config (const char *text)
{
	hull_error_t err = { 0 };
	struct hull_oci_config *cfg = hull_oci_config_parse (text, strlen (text), "t", NULL, &err);

	if (cfg == NULL)
		fail_msg ("%s", err.msg);
	return cfg;
}

/* base_json with `mutate` applied. */
static struct hull_oci_config *
config_with (void (*mutate) (json_t *root))
{
	json_error_t jerr;
	json_t *root = json_loads (base_json, 0, &jerr);
	struct hull_oci_config *cfg;
	char *text;

	assert_non_null (root);
	if (mutate)
		mutate (root);
	text = json_dumps (root, 0);
	cfg = parse_config (text);
	free (text);
	json_decref (root);
	return cfg;
}

static struct hull_policy *
policy (const char *text)
{
	hull_error_t err = { 0 };
	struct hull_policy *p = hull_policy_parse (text, strlen (text), "policy.json", &err);

	if (p == NULL)
		fail_msg ("%s", err.msg);
	return p;
}

static void
check (const struct hull_policy *p, const struct hull_oci_config *cfg,
       struct hull_policy_report *rep)
{
	hull_error_t err = { 0 };

	if (hull_policy_check (p, cfg, rep, &err) < 0)
		fail_msg ("%s", err.msg);
}

static size_t
count_rule (const struct hull_policy_report *rep, const char *id)
{
	size_t n = 0;

	for (size_t i = 0; i < rep->n; i++)
		n += strcmp (rep->v[i].id, id) == 0;
	return n;
}

static json_t *
get (json_t *root, const char *a, const char *b)
{
	json_t *o = json_object_get (root, a);

	return b ? json_object_get (o, b) : o;
}

/* ---- one mutation per rule ---- */

static void
add_sys_admin (json_t *r)
{
	json_array_append_new (get (get (r, "process", NULL), "capabilities", "bounding"),
			       json_string ("CAP_SYS_ADMIN"));
}

static void
add_ipc_lock (json_t *r)
{
	json_object_set_new (get (r, "process", "capabilities"), "ambient",
			     json_pack ("[s]", "CAP_IPC_LOCK"));
}

static void
drop_pid_ns (json_t *r)
{
	json_array_remove (get (r, "linux", "namespaces"), 0);
}

static void
host_net_path (json_t *r)
{
	json_object_set_new (json_array_get (get (r, "linux", "namespaces"), 1), "path",
			     json_string ("/proc/1/ns/net"));
}

static void
drop_userns (json_t *r)
{
	json_array_remove (get (r, "linux", "namespaces"), 5);
	json_object_del (get (r, "linux", NULL), "uidMappings");
	json_object_del (get (r, "linux", NULL), "gidMappings");
}

static void
bind_etc (json_t *r)
{
	json_array_append_new (get (r, "mounts", NULL),
			       json_pack ("{s:s, s:s, s:s, s:[s,s]}", "destination", "/host",
					  "type", "bind", "source", "/var/../etc//", "options",
					  "rbind", "ro"));
}

static void
bind_var (json_t *r)
{
	/* a parent of /var/lib/hull */
	json_array_append_new (get (r, "mounts", NULL),
			       json_pack ("{s:s, s:s, s:[s]}", "destination", "/host", "source",
					  "/var/lib", "options", "bind"));
}

static void
writable_root (json_t *r)
{
	json_object_set_new (get (r, "root", NULL), "readonly", json_false ());
}

static void
no_seccomp (json_t *r)
{
	json_object_del (get (r, "linux", NULL), "seccomp");
}

static void
allow_all_seccomp (json_t *r)
{
	json_object_set_new (get (r, "linux", NULL), "seccomp",
			     json_pack ("{s:s}", "defaultAction", "SCMP_ACT_ALLOW"));
}

static void
nnp_off (json_t *r)
{
	json_object_set_new (get (r, "process", NULL), "noNewPrivileges", json_false ());
}

static void
add_sda (json_t *r)
{
	json_object_set_new (get (r, "linux", NULL), "devices",
			     json_pack ("[{s:s, s:s, s:i, s:i}]", "path", "/dev/sda", "type", "b",
					"major", 8, "minor", 0));
}

static void
cgroup_allow_all (json_t *r)
{
	json_object_set_new (
		get (r, "linux", NULL), "resources",
		json_pack ("{s:[{s:b, s:s}]}", "devices", "allow", 1, "access", "rwm"));
}

static void
proc_sys_writable (json_t *r)
{
	json_object_set_new (get (r, "linux", NULL), "readonlyPaths", json_array ());
}

static void
sysfs_rw (json_t *r)
{
	json_object_set_new (json_array_get (get (r, "mounts", NULL), 1), "options",
			     json_pack ("[s]", "nosuid"));
}

static void
bind_sys_rw (json_t *r)
{
	json_array_append_new (get (r, "mounts", NULL),
			       json_pack ("{s:s, s:s, s:s, s:[s]}", "destination", "/hsys", "type",
					  "bind", "source", "/sys/kernel", "options", "rbind"));
}

static const struct {
	const char *id;
	void (*mutate) (json_t *root);
	const char *field; /* expected in the finding */
} cases[] = {
	{ "HULL-CAP-001", add_sys_admin, "process.capabilities.bounding" },
	{ "HULL-CAP-002", add_ipc_lock, "process.capabilities.ambient" },
	{ "HULL-NS-001", drop_pid_ns, "linux.namespaces" },
	{ "HULL-NS-001", host_net_path, "linux.namespaces[1].path" },
	{ "HULL-NS-002", drop_userns, "linux.namespaces" },
	{ "HULL-MNT-001", bind_etc, "mounts[2].source" },
	{ "HULL-MNT-001", bind_var, "mounts[2].source" },
	{ "HULL-ROOT-001", writable_root, "root.readonly" },
	{ "HULL-SECCOMP-001", no_seccomp, "linux.seccomp" },
	{ "HULL-SECCOMP-001", allow_all_seccomp, "linux.seccomp.defaultAction" },
	{ "HULL-NNP-001", nnp_off, "process.noNewPrivileges" },
	{ "HULL-DEV-001", add_sda, "linux.devices[0]" },
	{ "HULL-DEV-002", cgroup_allow_all, "linux.resources.devices[0]" },
	{ "HULL-PROC-001", proc_sys_writable, "linux.readonlyPaths" },
	{ "HULL-SYS-001", sysfs_rw, "mounts[1].options" },
	{ "HULL-SYS-001", bind_sys_rw, "mounts[2].options" },
};

static void
test_base_is_quiet (void **state)
{
	struct hull_policy *p = policy ("{\"mode\": \"enforce\", \"require_lsm_label\": false}");
	struct hull_oci_config *cfg = config_with (NULL);
	struct hull_policy_report rep;

	check (p, cfg, &rep);
	if (rep.n)
		fail_msg ("%s: %s %s", rep.v[0].id, rep.v[0].field, rep.v[0].message);
	hull_policy_report_free (&rep);
	hull_oci_config_free (cfg);
	hull_policy_free (p);
}

static void
test_each_rule_fires (void **state)
{
	struct hull_policy *p = policy ("{\"mode\": \"enforce\"}");

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct hull_oci_config *cfg = config_with (cases[i].mutate);
		struct hull_policy_report rep;

		check (p, cfg, &rep);
		if (rep.n != 1 || strcmp (rep.v[0].id, cases[i].id) != 0 ||
		    strcmp (rep.v[0].field, cases[i].field) != 0)
			fail_msg ("case %zu (%s): %zu findings, first %s %s %s", i, cases[i].id,
				  rep.n, rep.n ? rep.v[0].id : "-", rep.n ? rep.v[0].field : "-",
				  rep.n ? rep.v[0].message : "-");
		assert_int_equal (rep.n_refused, 1);
		assert_int_equal (rep.v[0].mode, HULL_POLICY_ENFORCE);
		assert_non_null (strstr (rep.v[0].allow,
					 rep.v[0].allow[1] == 'r' ? cases[i].id : "\"allow\""));
		hull_policy_report_free (&rep);
		hull_oci_config_free (cfg);
	}
	hull_policy_free (p);
}

static void
test_refusal_line (void **state)
{
	struct hull_policy *p = policy ("{\"mode\": \"enforce\"}");
	struct hull_oci_config *cfg = config_with (add_sys_admin);
	struct hull_policy_report rep;
	char *line;

	check (p, cfg, &rep);
	line = hull_policy_finding_format (p, &rep.v[0]);
	assert_string_equal (line,
			     "policy HULL-CAP-001 (enforce): process.capabilities.bounding "
			     "adds CAP_SYS_ADMIN; allow it with \"allow\": {\"capabilities\": "
			     "[\"CAP_SYS_ADMIN\"]} in policy.json");
	free (line);
	hull_policy_report_free (&rep);
	hull_oci_config_free (cfg);
	hull_policy_free (p);
}

static void
test_lsm_required (void **state)
{
	struct hull_policy *p = policy ("{\"mode\": \"enforce\", \"require_lsm_label\": true}");
	struct hull_oci_config *cfg = config_with (NULL);
	struct hull_policy_report rep;

	check (p, cfg, &rep);
	assert_int_equal (count_rule (&rep, "HULL-LSM-001"), 1);
	hull_policy_report_free (&rep);
	free (cfg->process.apparmor_profile);
	cfg->process.apparmor_profile = strdup ("hull-default");
	check (p, cfg, &rep);
	assert_int_equal (rep.n, 0);
	hull_policy_report_free (&rep);
	hull_oci_config_free (cfg);
	hull_policy_free (p);
}

static void
expect_quiet_spec (bool rootless)
{
	hull_error_t err = { 0 };
	char *text = hull_oci_spec_default (rootless, &err);
	struct hull_policy *p = hull_policy_default (&err);
	struct hull_oci_config *cfg;
	struct hull_policy_report rep;

	assert_non_null (text);
	assert_non_null (p);
	cfg = parse_config (text);
	free (text);
	check (p, cfg, &rep);
	for (size_t i = 0; i < rep.n; i++) {
		/* `hull spec` gains its seccomp profile with the seccomp work; until then
		 * that one finding is expected. */
		if (strcmp (rep.v[i].id, "HULL-SECCOMP-001") == 0 && !cfg->linux_.seccomp.present)
			continue;
		fail_msg ("hull spec%s: %s %s %s", rootless ? " --rootless" : "", rep.v[i].id,
			  rep.v[i].field, rep.v[i].message);
	}
	assert_int_equal (rep.n_refused, 0);
	hull_policy_report_free (&rep);
	hull_oci_config_free (cfg);
	hull_policy_free (p);
}

static void
test_spec_default_is_quiet (void **state)
{
	expect_quiet_spec (false);
	expect_quiet_spec (true);
}

static char *
read_data (const char *name)
{
	char path[4096];
	FILE *f;
	char *buf = calloc (1, 1 << 20);
	size_t n;

	snprintf (path, sizeof path, "%s/oci/%s", HULL_TEST_DATA, name);
	f = fopen (path, "re");
	assert_non_null (f);
	n = fread (buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	fclose (f);
	return buf;
}

/* podman's config: the default policy warns (below the reporting threshold) and never
 * refuses; the high-severity rules (capabilities, namespaces, mounts) stay quiet. */
static void
test_podman (void **state)
{
	hull_error_t err = { 0 };
	char *text = read_data ("podman.json");
	struct hull_oci_config *cfg = parse_config (text);
	struct hull_policy *p = hull_policy_default (&err);
	struct hull_policy_report rep;

	check (p, cfg, &rep);
	assert_int_equal (rep.n_refused, 0);
	for (size_t i = 0; i < rep.n; i++) {
		assert_int_equal (rep.v[i].mode, HULL_POLICY_WARN);
		assert_false (rep.v[i].reported);
		assert_true (rep.v[i].severity < HULL_SEV_HIGH);
	}
	assert_int_equal (count_rule (&rep, "HULL-CAP-001") + count_rule (&rep, "HULL-CAP-002") +
				  count_rule (&rep, "HULL-NS-001") +
				  count_rule (&rep, "HULL-MNT-001"),
			  0);
	hull_policy_report_free (&rep);

	/* The same config opting in is refused (no user namespace, writable root, ...). */
	free (cfg->annotations.v[0].key);
	free (cfg->annotations.v[0].value);
	cfg->annotations.v[0].key = strdup (HULL_POLICY_ANNOTATION);
	cfg->annotations.v[0].value = strdup ("enforce");
	check (p, cfg, &rep);
	assert_true (rep.n_refused > 0);
	assert_int_equal (rep.mode, HULL_POLICY_ENFORCE);
	hull_policy_report_free (&rep);
	hull_oci_config_free (cfg);
	hull_policy_free (p);
	free (text);
}

static void
test_allow_lists (void **state)
{
	struct hull_policy *p = policy ("{\"mode\": \"enforce\", \"allow\": {"
					"\"capabilities\": [\"CAP_SYS_ADMIN\", \"CAP_IPC_LOCK\"],"
					"\"host_namespaces\": [\"pid\", \"network\", \"user\"],"
					"\"mounts\": [\"/etc\", \"/var/lib\"],"
					"\"devices\": [\"/dev/sda\"]}}");

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct hull_oci_config *cfg = config_with (cases[i].mutate);
		struct hull_policy_report rep;
		bool allowlisted = strncmp (cases[i].id, "HULL-CAP", 8) == 0 ||
				   strncmp (cases[i].id, "HULL-NS", 7) == 0 ||
				   strcmp (cases[i].id, "HULL-MNT-001") == 0 ||
				   strcmp (cases[i].id, "HULL-DEV-001") == 0;

		check (p, cfg, &rep);
		if (allowlisted && rep.n != 0)
			fail_msg ("case %zu (%s) not allowed: %s", i, cases[i].id,
				  rep.v[0].message);
		hull_policy_report_free (&rep);
		hull_oci_config_free (cfg);
	}
	hull_policy_free (p);
}

static void
test_modes (void **state)
{
	struct hull_oci_config *cfg = config_with (add_sys_admin);
	struct hull_policy_report rep;
	struct hull_policy *p;

	/* per-rule warn under global enforce */
	p = policy ("{\"mode\": \"enforce\", \"rules\": {\"HULL-CAP-001\": {\"mode\": \"warn\"}}}");
	check (p, cfg, &rep);
	assert_int_equal (rep.n, 1);
	assert_int_equal (rep.v[0].mode, HULL_POLICY_WARN);
	assert_true (rep.v[0].reported); /* high >= the default warn_severity */
	assert_int_equal (rep.n_refused, 0);
	hull_policy_report_free (&rep);
	hull_policy_free (p);

	/* off */
	p = policy ("{\"mode\": \"enforce\", \"rules\": {\"HULL-CAP-001\": {\"mode\": \"off\"}}}");
	check (p, cfg, &rep);
	assert_int_equal (rep.n, 0);
	assert_int_equal (rep.rule_mode[hull_policy_rule_index ("HULL-CAP-001")], HULL_POLICY_OFF);
	hull_policy_report_free (&rep);
	hull_policy_free (p);

	/* per-rule enforce under global warn; warn_severity hides lower ones */
	p = policy ("{\"mode\": \"warn\", \"warn_severity\": \"critical\", "
		    "\"rules\": {\"HULL-NNP-001\": {\"mode\": \"enforce\"}}}");
	check (p, cfg, &rep);
	assert_int_equal (rep.n, 1);
	assert_int_equal (rep.v[0].mode, HULL_POLICY_WARN);
	assert_false (rep.v[0].reported);
	hull_policy_report_free (&rep);
	hull_policy_free (p);
	hull_oci_config_free (cfg);
}

static void
test_annotation (void **state)
{
	struct hull_policy *p = policy ("{\"mode\": \"enforce\"}");
	struct hull_oci_config *cfg = config_with (add_sys_admin);
	struct hull_policy_report rep;
	hull_error_t err = { 0 };

	/* "warn" cannot lower the policy's enforce */
	cfg->annotations.v = calloc (1, sizeof *cfg->annotations.v);
	cfg->annotations.n = 1;
	cfg->annotations.v[0].key = strdup (HULL_POLICY_ANNOTATION);
	cfg->annotations.v[0].value = strdup ("warn");
	check (p, cfg, &rep);
	assert_int_equal (rep.n_refused, 1);
	hull_policy_report_free (&rep);
	free (cfg->annotations.v[0].value);
	cfg->annotations.v[0].value = strdup ("off");
	assert_true (hull_policy_check (p, cfg, &rep, &err) < 0);
	assert_non_null (strstr (err.msg, "run.oci.hull.policy"));
	hull_oci_config_free (cfg);
	hull_policy_free (p);
}

static void
test_malformed (void **state)
{
	static const struct {
		const char *text;
		const char *needle;
	} bad[] = {
		{ "{\"mode\": \"enforce\",\n  \"rules\": {,}}", "policy.json:2:" },
		{ "{\"mode\": \"warn\", \"mode\": \"enforce\"}", "policy.json:1:" },
		{ "[]", "expected a JSON object" },
		{ "{\"mdoe\": \"enforce\"}", "mdoe: unknown key" },
		{ "{\"mode\": \"strict\"}", "mode: `strict`" },
		{ "{\"warn_severity\": \"urgent\"}", "warn_severity" },
		{ "{\"rules\": {\"HULL-NOPE-001\": {\"mode\": \"off\"}}}", "HULL-NOPE-001" },
		{ "{\"rules\": {\"HULL-CAP-001\": \"off\"}}", "HULL-CAP-001" },
		{ "{\"rules\": {\"HULL-CAP-001\": {\"mode\": \"loud\"}}}", "loud" },
		{ "{\"rules\": {\"HULL-CAP-001\": {\"mode\": \"off\", \"x\": 1}}}", "unknown key" },
		{ "{\"allow\": {\"capabilities\": [\"CAP_SYSADMIN\"]}}", "allow.capabilities[0]" },
		{ "{\"allow\": {\"host_namespaces\": [\"host\"]}}", "allow.host_namespaces[0]" },
		{ "{\"allow\": {\"mounts\": [\"etc\"]}}", "allow.mounts[0]" },
		{ "{\"allow\": {\"mounts\": [\"/etc/\"]}}", "allow.mounts[0]" },
		{ "{\"allow\": {\"devices\": [\"sda\"]}}", "allow.devices[0]" },
		{ "{\"allow\": {\"sockets\": []}}", "allow.sockets" },
		{ "{\"require_lsm_label\": \"yes\"}", "require_lsm_label" },
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		hull_error_t err = { 0 };
		struct hull_policy *p =
			hull_policy_parse (bad[i].text, strlen (bad[i].text), "policy.json", &err);

		if (p != NULL)
			fail_msg ("case %zu accepted: %s", i, bad[i].text);
		if (strstr (err.msg, bad[i].needle) == NULL)
			fail_msg ("case %zu: `%s` lacks `%s`", i, err.msg, bad[i].needle);
	}
}

static void
test_default_policy (void **state)
{
	hull_error_t err = { 0 };
	struct hull_policy *p = hull_policy_default (&err);

	assert_non_null (p);
	assert_string_equal (hull_policy_edit_path (p), HULL_POLICY_PATH);
	hull_policy_free (p);
	p = hull_policy_load ("/nonexistent/policy.json", &err);
	assert_null (p);
	assert_non_null (strstr (err.msg, "/nonexistent/policy.json"));
}

static void
test_normalize (void **state)
{
	static const char *const io[][2] = {
		{ "/", "/" },
		{ "//", "/" },
		{ "/etc/", "/etc" },
		{ "/a/./b", "/a/b" },
		{ "/a/../etc", "/etc" },
		{ "/../..", "/" },
		{ "/a//b/../c", "/a/c" },
		{ "/var/run/../lib", "/var/lib" },
	};

	for (size_t i = 0; i < sizeof io / sizeof io[0]; i++) {
		char *n = hull_policy_normalize_path (io[i][0]);
		assert_string_equal (n, io[i][1]);
		free (n);
	}
	assert_null (hull_policy_normalize_path ("etc"));
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test (test_base_is_quiet),
		cmocka_unit_test (test_each_rule_fires),
		cmocka_unit_test (test_refusal_line),
		cmocka_unit_test (test_lsm_required),
		cmocka_unit_test (test_spec_default_is_quiet),
		cmocka_unit_test (test_podman),
		cmocka_unit_test (test_allow_lists),
		cmocka_unit_test (test_modes),
		cmocka_unit_test (test_annotation),
		cmocka_unit_test (test_malformed),
		cmocka_unit_test (test_default_policy),
		cmocka_unit_test (test_normalize),
	};

	return cmocka_run_group_tests (tests, NULL, NULL);
}
