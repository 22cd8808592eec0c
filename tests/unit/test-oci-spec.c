/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `hull spec`: the default config parses and validates with hull's own parser
 * and carries the hardened settings it promises. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmocka.h>

#include "hull/oci.h"

static struct hull_oci_config *
default_config (bool rootless, struct hull_strv *unknown)
{
	hull_error_t err = { 0 };
	char *text = hull_oci_spec_default (rootless, &err);
	struct hull_oci_config *cfg;

	assert_non_null (text);
	assert_true (strlen (text) > 0 && text[strlen (text) - 1] == '\n');
	assert_non_null (strstr (text, "\n  \"ociVersion\": \"1.2.0\"")); /* indent 2 */
	cfg = hull_oci_config_parse (text, strlen (text), "spec", unknown, &err);
	free (text);
	if (cfg == NULL)
		fail_msg ("%s", err.msg);
	if (hull_oci_config_validate (cfg, &err) < 0)
		fail_msg ("%s", err.msg);
	return cfg;
}

static const struct hull_oci_mount *
find_mount (const struct hull_oci_config *cfg, const char *dest)
{
	for (size_t i = 0; i < cfg->n_mounts; i++)
		if (strcmp (cfg->mounts[i].destination, dest) == 0)
			return &cfg->mounts[i];
	fail_msg ("no mount on %s", dest);
	return NULL;
}

static bool
has_string (const struct hull_strv *v, const char *s)
{
	for (size_t i = 0; i < v->n; i++)
		if (strcmp (v->v[i], s) == 0)
			return true;
	return false;
}

static void
test_default (void **state)
{
	static const char *const masked[] = {
		"/proc/acpi",
		"/proc/asound",
		"/proc/kcore",
		"/proc/keys",
		"/proc/latency_stats",
		"/proc/timer_list",
		"/proc/timer_stats",
		"/proc/sched_debug",
		"/sys/firmware",
		"/proc/scsi",
		"/sys/devices/virtual/powercap",
		"/proc/interrupts",
		NULL,
	};
	static const char *const ro[] = { "/proc/bus",		 "/proc/fs",
					  "/proc/irq",		 "/proc/sys",
					  "/proc/sysrq-trigger", NULL };
	struct hull_strv unknown = { 0 };
	struct hull_oci_config *cfg = default_config (false, &unknown);
	const struct hull_oci_process *p = &cfg->process;
	const struct hull_oci_linux *l = &cfg->linux_;
	bool ns[HULL_NS__COUNT] = { false };

	(void) state;
	assert_int_equal (unknown.n, 0);
	assert_false (p->terminal);
	assert_int_equal (p->user.uid, 0);
	assert_int_equal (p->user.gid, 0);
	assert_int_equal (p->args.n, 1);
	assert_string_equal (p->args.v[0], "sh");
	assert_string_equal (p->env.v[0],
			     "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	assert_string_equal (p->env.v[1], "TERM=xterm");
	assert_string_equal (p->cwd, "/");
	assert_true (p->caps.present);
	assert_int_equal (p->caps.bounding | p->caps.effective | p->caps.inheritable |
				  p->caps.permitted | p->caps.ambient,
			  0);
	assert_int_equal (p->n_rlimits, 1);
	assert_int_equal (p->rlimits[0].resource, RLIMIT_NOFILE);
	assert_int_equal (p->rlimits[0].hard, 1024);
	assert_int_equal (p->rlimits[0].soft, 1024);
	assert_true (p->no_new_privileges);
	assert_string_equal (cfg->root_path, "rootfs");
	assert_true (cfg->root_readonly);
	assert_string_equal (cfg->hostname, "hull");
	assert_int_equal (cfg->n_mounts, 8);
	assert_string_equal (find_mount (cfg, "/proc")->type, "proc");
	assert_string_equal (find_mount (cfg, "/dev")->data, "mode=755,size=65536k");
	assert_int_equal (find_mount (cfg, "/dev")->flags, MS_NOSUID | MS_STRICTATIME);
	assert_string_equal (find_mount (cfg, "/dev/pts")->data,
			     "newinstance,ptmxmode=0666,mode=0620,gid=5");
	assert_int_equal (find_mount (cfg, "/dev/shm")->flags, MS_NOSUID | MS_NOEXEC | MS_NODEV);
	assert_string_equal (find_mount (cfg, "/dev/mqueue")->type, "mqueue");
	assert_int_equal (find_mount (cfg, "/sys")->flags,
			  MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY);
	assert_string_equal (find_mount (cfg, "/sys/fs/cgroup")->type, "cgroup2");
	assert_true (find_mount (cfg, "/sys/fs/cgroup")->flags & MS_RDONLY);
	assert_string_equal (find_mount (cfg, "/tmp")->data, "mode=1777");
	for (size_t i = 0; i < l->n_namespaces; i++) {
		assert_null (l->namespaces[i].path);
		ns[l->namespaces[i].type] = true;
	}
	assert_int_equal (l->n_namespaces, 7);
	assert_true (ns[HULL_NS_PID] && ns[HULL_NS_NETWORK] && ns[HULL_NS_IPC] && ns[HULL_NS_UTS] &&
		     ns[HULL_NS_MOUNT] && ns[HULL_NS_CGROUP] && ns[HULL_NS_USER]);
	assert_false (ns[HULL_NS_TIME]);
	assert_int_equal (l->n_uid_mappings, 1);
	assert_int_equal (l->uid_mappings[0].container_id, 0);
	assert_int_equal (l->uid_mappings[0].host_id, 100000);
	assert_int_equal (l->uid_mappings[0].size, 65536);
	assert_int_equal (l->gid_mappings[0].host_id, 100000);
	assert_int_equal (l->gid_mappings[0].size, 65536);
	for (int i = 0; masked[i]; i++)
		assert_true (has_string (&l->masked_paths, masked[i]));
	for (int i = 0; ro[i]; i++)
		assert_true (has_string (&l->readonly_paths, ro[i]));
	assert_true (l->seccomp.present);
	assert_false (l->resources.present);
	hull_oci_config_free (cfg);
}

static void
test_rootless (void **state)
{
	struct hull_oci_config *cfg = default_config (true, NULL);
	const struct hull_oci_linux *l = &cfg->linux_;

	(void) state;
	assert_int_equal (l->uid_mappings[0].host_id, getuid ());
	assert_int_equal (l->gid_mappings[0].host_id, getgid ());
	assert_int_equal (l->uid_mappings[0].size, 1);
	assert_int_equal (l->gid_mappings[0].size, 1);
	/* gid 5 is not mapped with a single-id map: devpts would refuse it. */
	assert_string_equal (find_mount (cfg, "/dev/pts")->data,
			     "newinstance,ptmxmode=0666,mode=0620");
	hull_oci_config_free (cfg);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test (test_default),
		cmocka_unit_test (test_rootless),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
