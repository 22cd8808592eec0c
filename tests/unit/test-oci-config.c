/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config.json -> struct: every field of hull/oci.h read from tests/data/oci/full.json,
 * the realistic samples, and a table of bad documents with the message each gets. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "hull/oci.h"

static char *
read_data (const char *name, size_t *len)
{
	_cleanup_free_ char *path = hull_xasprintf ("%s/oci/%s", HULL_TEST_DATA, name);
	_cleanup_close_ int fd = open (path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf;

	assert_true (fd >= 0);
	assert_int_equal (fstat (fd, &st), 0);
	buf = hull_xmalloc ((size_t) st.st_size + 1);
	assert_int_equal (read (fd, buf, (size_t) st.st_size), st.st_size);
	buf[st.st_size] = '\0';
	*len = (size_t) st.st_size;
	return buf;
}

static struct hull_oci_config *
parse_data (const char *name, struct hull_strv *unknown)
{
	size_t len;
	_cleanup_free_ char *text = read_data (name, &len);
	hull_error_t err = { 0 };
	struct hull_oci_config *cfg = hull_oci_config_parse (text, len, name, unknown, &err);

	if (cfg == NULL)
		fail_msg ("%s: %s", name, err.msg);
	return cfg;
}

#define CAP(n) (UINT64_C (1) << (n))

static void
test_full_process (void **state)
{
	struct hull_oci_config *cfg = parse_data ("full.json", NULL);
	const struct hull_oci_process *p = &cfg->process;

	(void) state;
	assert_string_equal (cfg->oci_version, "1.2.0");
	assert_true (cfg->has_process);
	assert_true (p->terminal);
	assert_true (p->has_console_size);
	assert_int_equal (p->console_height, 25);
	assert_int_equal (p->console_width, 80);
	assert_int_equal (p->user.uid, 1000);
	assert_int_equal (p->user.gid, 1001);
	assert_true (p->user.has_umask);
	assert_int_equal (p->user.umask, 077);
	assert_int_equal (p->user.n_additional_gids, 2);
	assert_int_equal (p->user.additional_gids[0], 5);
	assert_int_equal (p->user.additional_gids[1],
			  UINT32_MAX - 1); /* the largest valid id: UINT32_MAX is (gid_t) -1 */
	assert_string_equal (p->user.username, "someone");
	assert_int_equal (p->args.n, 2);
	assert_string_equal (p->args.v[1], "--flag");
	assert_null (p->args.v[2]);
	assert_int_equal (p->env.n, 2);
	assert_string_equal (p->env.v[0], "A=1");
	assert_string_equal (p->cwd, "/work");
	assert_true (p->caps.present);
	assert_int_equal (p->caps.bounding, CAP (0) | CAP (40));
	assert_int_equal (p->caps.effective, CAP (5));
	assert_int_equal (p->caps.inheritable, CAP (21));
	assert_int_equal (p->caps.permitted, CAP (13) | CAP (5));
	assert_int_equal (p->caps.ambient, CAP (39));
	assert_int_equal (p->n_rlimits, 2);
	assert_string_equal (p->rlimits[0].type, "RLIMIT_CORE");
	assert_int_equal (p->rlimits[0].resource, RLIMIT_CORE);
	assert_int_equal (p->rlimits[1].resource, RLIMIT_NOFILE);
	assert_int_equal (p->rlimits[1].hard, INT64_MAX);
	assert_int_equal (p->rlimits[1].soft, 4096);
	assert_string_equal (p->apparmor_profile, "profile-x");
	assert_string_equal (p->selinux_label, "system_u:system_r:container_t:s0");
	assert_true (p->no_new_privileges);
	assert_true (p->has_oom_score_adj);
	assert_int_equal (p->oom_score_adj, -999);
	assert_true (p->io_priority.present);
	assert_string_equal (p->io_priority.class_name, "IOPRIO_CLASS_BE");
	assert_int_equal (p->io_priority.class_num, 2);
	assert_int_equal (p->io_priority.priority, 4);
	assert_true (p->scheduler.present);
	assert_string_equal (p->scheduler.policy, "SCHED_DEADLINE");
	assert_int_equal (p->scheduler.policy_num, 6);
	assert_int_equal (p->scheduler.nice, -5);
	assert_int_equal (p->scheduler.priority, 3);
	assert_string_equal (p->scheduler.flags.v[0], "SCHED_FLAG_RESET_ON_FORK");
	assert_int_equal (p->scheduler.runtime, 10);
	assert_int_equal (p->scheduler.deadline, 20);
	assert_int_equal (p->scheduler.period, 30);
	assert_string_equal (p->exec_cpu_affinity_initial, "0-1");
	assert_string_equal (p->exec_cpu_affinity_final, "2");
	hull_oci_config_free (cfg);
}

static void
test_full_top_mounts_hooks (void **state)
{
	struct hull_oci_config *cfg = parse_data ("full.json", NULL);
	const struct hull_oci_mount *m;
	const struct hull_oci_hooks *h = &cfg->hooks;

	(void) state;
	assert_string_equal (cfg->root_path, "rootfs");
	assert_true (cfg->root_readonly);
	assert_string_equal (cfg->hostname, "box");
	assert_string_equal (cfg->domainname, "example.org");
	assert_int_equal (cfg->n_mounts, 2);
	m = &cfg->mounts[0];
	assert_string_equal (m->destination, "/data");
	assert_string_equal (m->source, "/srv/data");
	assert_string_equal (m->type, "none");
	assert_int_equal (m->options.n, 4);
	assert_true (m->bind && m->recursive_bind);
	assert_int_equal (m->flags, MS_BIND | MS_REC | MS_RDONLY);
	assert_int_equal (m->propagation, MS_SLAVE | MS_REC);
	assert_int_equal (m->attr_set, MOUNT_ATTR_NOSYMFOLLOW);
	assert_int_equal (m->n_uid_mappings, 1);
	assert_int_equal (m->uid_mappings[0].host_id, 1000);
	assert_int_equal (m->n_gid_mappings, 1);
	assert_int_equal (m->gid_mappings[0].size, 2);
	assert_null (m->data);
	assert_string_equal (cfg->mounts[1].data, "newinstance,ptmxmode=0666,mode=0620,gid=5");
	assert_int_equal (h->n_prestart, 1);
	assert_string_equal (h->prestart[0].path, "/hooks/prestart");
	assert_string_equal (h->prestart[0].args.v[1], "a");
	assert_string_equal (h->prestart[0].env.v[0], "X=1");
	assert_true (h->prestart[0].has_timeout);
	assert_int_equal (h->prestart[0].timeout, 5);
	assert_int_equal (h->n_create_runtime, 2);
	assert_string_equal (h->create_runtime[1].path, "/hooks/cr2");
	assert_false (h->create_runtime[1].has_timeout);
	assert_string_equal (h->create_container[0].path, "/hooks/cc");
	assert_string_equal (h->start_container[0].path, "/hooks/sc");
	assert_string_equal (h->poststart[0].path, "/hooks/ps");
	assert_int_equal (h->poststop[0].timeout, 1);
	assert_int_equal (cfg->annotations.n, 2);
	assert_string_equal (cfg->annotations.v[0].key, "org.example.key");
	assert_string_equal (cfg->annotations.v[0].value, "value");
	assert_string_equal (cfg->annotations.v[1].key, "second");
	hull_oci_config_free (cfg);
}

static void
test_full_linux (void **state)
{
	struct hull_oci_config *cfg = parse_data ("full.json", NULL);
	const struct hull_oci_linux *l = &cfg->linux_;

	(void) state;
	assert_true (cfg->has_linux);
	assert_int_equal (l->n_namespaces, 8);
	assert_int_equal (l->namespaces[0].type, HULL_NS_PID);
	assert_null (l->namespaces[0].path);
	assert_int_equal (l->namespaces[1].type, HULL_NS_NETWORK);
	assert_string_equal (l->namespaces[1].path, "/run/netns/x");
	assert_int_equal (l->namespaces[7].type, HULL_NS_TIME);
	assert_int_equal (l->n_uid_mappings, 1);
	assert_int_equal (l->uid_mappings[0].container_id, 0);
	assert_int_equal (l->uid_mappings[0].host_id, 100000);
	assert_int_equal (l->uid_mappings[0].size, 65536);
	assert_int_equal (l->n_gid_mappings, 2);
	assert_int_equal (l->gid_mappings[1].container_id, 1000);
	assert_true (l->time_monotonic.present);
	assert_int_equal (l->time_monotonic.secs, -86400);
	assert_int_equal (l->time_monotonic.nanosecs, 5);
	assert_true (l->time_boottime.present);
	assert_int_equal (l->time_boottime.secs, 7);
	assert_int_equal (l->n_devices, 3);
	assert_int_equal (l->devices[0].type, 'c');
	assert_string_equal (l->devices[0].path, "/dev/fuse");
	assert_int_equal (l->devices[0].major, 10);
	assert_int_equal (l->devices[0].minor, 229);
	assert_true (l->devices[0].has_file_mode);
	assert_int_equal (l->devices[0].file_mode, 0666);
	assert_true (l->devices[0].has_uid && l->devices[0].has_gid);
	assert_int_equal (l->devices[1].type, 'p');
	assert_false (l->devices[1].has_file_mode);
	assert_int_equal (l->devices[2].type, 'b');
	assert_string_equal (l->cgroups_path, "/hull/box");
	assert_string_equal (l->rootfs_propagation, "rslave");
	assert_int_equal (l->rootfs_propagation_flags, MS_SLAVE | MS_REC);
	assert_int_equal (l->sysctl.n, 2);
	assert_string_equal (l->sysctl.v[0].key, "net.ipv4.ip_forward");
	assert_string_equal (l->sysctl.v[0].value, "1");
	assert_string_equal (l->masked_paths.v[0], "/proc/kcore");
	assert_int_equal (l->readonly_paths.n, 2);
	assert_string_equal (l->mount_label, "system_u:object_r:svirt_sandbox_file_t:s0");
	assert_true (l->has_personality);
	assert_string_equal (l->personality_domain, "LINUX32");
	assert_int_equal (l->personality, PER_LINUX32);
	assert_int_equal (l->personality_flags.n, 0);
	assert_non_null (strstr (l->intel_rdt_json, "\"closID\":\"guaranteed_group\""));
	hull_oci_config_free (cfg);
}

static void
test_full_resources (void **state)
{
	struct hull_oci_config *cfg = parse_data ("full.json", NULL);
	const struct hull_oci_resources *r = &cfg->linux_.resources;

	(void) state;
	assert_true (r->present);
	assert_int_equal (r->n_devices, 2);
	assert_false (r->devices[0].allow);
	assert_int_equal (r->devices[0].type, 0);
	assert_string_equal (r->devices[0].access, "rwm");
	assert_true (r->devices[1].allow);
	assert_int_equal (r->devices[1].type, 'c');
	assert_true (r->devices[1].has_major && r->devices[1].has_minor);
	assert_int_equal (r->devices[1].minor, 229);
	assert_true (r->has_mem_limit);
	assert_int_equal (r->mem_limit, 536870912);
	assert_int_equal (r->mem_reservation, 1024);
	assert_int_equal (r->mem_swap, -1);
	assert_int_equal (r->mem_kernel, 1);
	assert_int_equal (r->mem_kernel_tcp, 2);
	assert_true (r->has_mem_swappiness);
	assert_int_equal (r->mem_swappiness, 60);
	assert_true (r->has_mem_disable_oom_killer && r->mem_disable_oom_killer);
	assert_true (r->has_mem_use_hierarchy);
	assert_false (r->mem_use_hierarchy);
	assert_true (r->has_mem_check_before_update && r->mem_check_before_update);
	assert_int_equal (r->cpu_shares, 1024);
	assert_int_equal (r->cpu_quota, 50000);
	assert_true (r->has_cpu_burst);
	assert_int_equal (r->cpu_burst, 1000);
	assert_int_equal (r->cpu_period, 100000);
	assert_true (r->has_cpu_rt_runtime && r->has_cpu_rt_period);
	assert_int_equal (r->cpu_rt_runtime, 950000);
	assert_int_equal (r->cpu_rt_period, 1000000);
	assert_string_equal (r->cpu_cpus, "0-3");
	assert_string_equal (r->cpu_mems, "0");
	assert_true (r->has_cpu_idle);
	assert_int_equal (r->cpu_idle, 1);
	assert_true (r->has_pids_limit);
	assert_int_equal (r->pids_limit, 100);
	assert_non_null (strstr (r->block_io_json, "\"weight\":500"));
	assert_non_null (strstr (r->block_io_json, "throttleReadBpsDevice"));
	assert_string_equal (r->hugepage_limits_json,
			     "[{\"pageSize\":\"2MB\",\"limit\":209715200}]");
	assert_non_null (strstr (r->network_json, "\"classID\":1048577"));
	assert_non_null (strstr (r->rdma_json, "mlx5_1"));
	assert_int_equal (r->unified.n, 2);
	assert_string_equal (r->unified.v[0].key, "memory.high");
	assert_string_equal (r->unified.v[0].value, "max");
	hull_oci_config_free (cfg);
}

static void
test_full_seccomp (void **state)
{
	struct hull_oci_config *cfg = parse_data ("full.json", NULL);
	const struct hull_oci_seccomp *s = &cfg->linux_.seccomp;

	(void) state;
	assert_true (s->present);
	assert_string_equal (s->default_action, "SCMP_ACT_NOTIFY");
	assert_true (s->has_default_errno_ret);
	assert_int_equal (s->default_errno_ret, 1);
	assert_int_equal (s->architectures.n, 2);
	assert_string_equal (s->architectures.v[1], "SCMP_ARCH_AARCH64");
	assert_string_equal (s->flags.v[0], "SECCOMP_FILTER_FLAG_LOG");
	assert_string_equal (s->listener_path, "/run/seccomp.sock");
	assert_string_equal (s->listener_metadata, "meta");
	assert_int_equal (s->n_syscalls, 1);
	assert_int_equal (s->syscalls[0].names.n, 2);
	assert_string_equal (s->syscalls[0].names.v[1], "chmod");
	assert_string_equal (s->syscalls[0].action, "SCMP_ACT_ERRNO");
	assert_true (s->syscalls[0].has_errno_ret);
	assert_int_equal (s->syscalls[0].errno_ret, 13);
	assert_int_equal (s->syscalls[0].n_args, 1);
	assert_int_equal (s->syscalls[0].args[0].index, 1);
	assert_int_equal (s->syscalls[0].args[0].value, 255);
	assert_int_equal (s->syscalls[0].args[0].value_two, 4);
	assert_string_equal (s->syscalls[0].args[0].op, "SCMP_CMP_MASKED_EQ");
	hull_oci_config_free (cfg);
}

static void
test_samples_validate (void **state)
{
	static const char *const names[] = { "full.json", "runc-spec.json", "podman.json", NULL };
	hull_error_t err = { 0 };

	(void) state;
	for (int i = 0; names[i]; i++) {
		struct hull_oci_config *cfg = parse_data (names[i], NULL);
		if (hull_oci_config_validate (cfg, &err) < 0)
			fail_msg ("%s: %s", names[i], err.msg);
		hull_oci_config_free (cfg);
	}
}

static void
test_podman_shape (void **state)
{
	struct hull_oci_config *cfg = parse_data ("podman.json", NULL);
	const struct hull_oci_linux *l = &cfg->linux_;

	(void) state;
	assert_int_equal (__builtin_popcountll (cfg->process.caps.bounding), 11);
	assert_int_equal (cfg->process.caps.ambient, 0);
	assert_false (cfg->process.caps.inheritable);
	assert_int_equal (cfg->process.n_rlimits, 2);
	assert_int_equal (cfg->process.rlimits[1].resource, RLIMIT_NPROC);
	assert_int_equal (l->namespaces[1].type, HULL_NS_NETWORK);
	assert_non_null (l->namespaces[1].path);
	assert_int_equal (l->seccomp.n_syscalls, 7);
	assert_int_equal (l->seccomp.syscalls[3].args[0].value, 4294967295u);
	assert_int_equal (l->seccomp.syscalls[6].n_args, 2);
	assert_true (cfg->mounts[5].bind);
	assert_false (cfg->mounts[5].recursive_bind);
	assert_int_equal (cfg->mounts[5].propagation, MS_PRIVATE | MS_REC);
	assert_int_equal (cfg->hooks.n_poststop, 1);
	assert_string_equal (cfg->annotations.v[0].value, "libpod");
	hull_oci_config_free (cfg);
}

static void
test_unknown_collected (void **state)
{
	static const char doc[] =
		"{\"ociVersion\":\"1.2.0\",\"extra\":1,\"root\":{\"path\":\"r\",\"x\":true},"
		"\"process\":{\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"sh\"],\"cwd\":\"/\","
		"\"capabilities\":{\"bogus\":[]}},"
		"\"mounts\":[{\"destination\":\"/a\",\"what\":0}],"
		"\"linux\":{\"resources\":{\"blockIO\":{\"weigth\":5}}}}";
	struct hull_strv unknown = { 0 };
	hull_error_t err = { 0 };
	struct hull_oci_config *cfg =
		hull_oci_config_parse (doc, strlen (doc), NULL, &unknown, &err);

	(void) state;
	assert_non_null (cfg);
	assert_int_equal (unknown.n, 5);
	assert_string_equal (unknown.v[0], "process.capabilities.bogus");
	assert_string_equal (unknown.v[1], "root.x");
	assert_string_equal (unknown.v[2], "mounts[0].what");
	assert_string_equal (unknown.v[3], "linux.resources.blockIO.weigth");
	assert_string_equal (unknown.v[4], "extra");
	hull_strv_free (&unknown);
	hull_oci_config_free (cfg);
}

/* Documents built around a minimal valid config: PROC goes inside "process",
 * TOP at the top level. */
static char *
doc (const char *user, const char *proc, const char *top)
{
	return hull_xasprintf (
		"{\"ociVersion\":\"1.2.0\",\"process\":{\"user\":%s,"
		"\"args\":[\"sh\"],\"cwd\":\"/\"%s},\"root\":{\"path\":\"rootfs\"}%s}",
		user, proc, top);
}

struct bad_case {
	const char *user, *proc, *top;
	const char *message;
};

#define U0 "{\"uid\":0,\"gid\":0}"
static const struct bad_case bad_cases[] = {
	{ "{\"uid\":\"0\",\"gid\":0}", "", "",
	  "config.json: process.user.uid: expected an unsigned 32-bit integer, got a string" },
	{ "{\"uid\":-1,\"gid\":0}", "", "",
	  "process.user.uid: expected an unsigned 32-bit integer, got -1" },
	{ "{\"uid\":1.0,\"gid\":0}", "", "",
	  "process.user.uid: expected an unsigned 32-bit integer, got a real" },
	{ "{\"uid\":4294967296,\"gid\":0}", "", "", "got 4294967296" },
	{ "{\"gid\":0}", "", "", "process.user.uid: required field missing" },
	{ "{\"uid\":0,\"gid\":0,\"additionalGids\":[1,-2]}", "", "",
	  "process.user.additionalGids[1]:" },
	{ U0, ",\"terminal\":1", "", "process.terminal: expected a boolean" },
	{ U0, ",\"env\":[\"A=1\",2]", "", "process.env[1]: expected a string" },
	{ U0, ",\"capabilities\":{\"bounding\":[\"CAP_CHOWN\",\"CAP_FOO\"]}", "",
	  "process.capabilities.bounding: unknown capability `CAP_FOO`" },
	{ U0, ",\"capabilities\":{\"ambient\":[\"chown\"]}", "",
	  "process.capabilities.ambient: unknown capability `chown`" },
	{ U0, ",\"rlimits\":[{\"type\":\"RLIMIT_BOGUS\",\"hard\":1,\"soft\":1}]", "",
	  "process.rlimits[0].type: unknown rlimit `RLIMIT_BOGUS`" },
	{ U0, ",\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1,\"soft\":2}]", "",
	  "process.rlimits[0]: RLIMIT_NOFILE: soft limit 2 above hard limit 1" },
	{ U0, ",\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":-1,\"soft\":2}]", "",
	  "process.rlimits[0].hard: expected an unsigned 64-bit integer" },
	{ U0, ",\"oomScoreAdj\":1001", "", "oomScoreAdj 1001 outside -1000..1000" },
	{ U0, ",\"oomScoreAdj\":-1001", "", "oomScoreAdj -1001 outside" },
	{ U0, ",\"ioPriority\":{\"class\":\"IOPRIO_CLASS_X\",\"priority\":1}", "",
	  "process.ioPriority.class: unknown I/O priority class `IOPRIO_CLASS_X`" },
	{ U0, ",\"ioPriority\":{\"class\":\"IOPRIO_CLASS_RT\",\"priority\":8}", "",
	  "process.ioPriority: priority 8 outside 0..7" },
	{ U0, ",\"scheduler\":{\"policy\":\"SCHED_X\"}", "", "unknown scheduler policy `SCHED_X`" },
	{ U0, ",\"scheduler\":{\"policy\":\"SCHED_RR\",\"flags\":[\"X\"]}", "",
	  "unknown scheduler flag `X`" },
	{ U0, ",\"consoleSize\":{\"height\":1}", "",
	  "process.consoleSize.width: required field missing" },
	{ U0, "", ",\"hostname\":5", "config.json: hostname: expected a string, got an integer" },
	{ U0, "", ",\"mounts\":[{\"destination\":\"/a\",\"options\":[\"nosiud\"]}]",
	  "mounts[0]: mount `/a`: unknown option `nosiud`" },
	{ U0, "", ",\"mounts\":[{\"destination\":\"/a\",\"options\":[\"ro,suid\"]}]",
	  "mount `/a`: invalid option `ro,suid`" },
	{ U0, "", ",\"mounts\":[{\"source\":\"/a\"}]",
	  "mounts[0].destination: required field missing" },
	{ U0, "", ",\"mounts\":{}", "mounts: expected an array, got an object" },
	{ U0, "", ",\"hooks\":{\"prestart\":[{\"path\":\"hook\"}]}",
	  "hooks.prestart[0]: hook path `hook` is not absolute" },
	{ U0, "", ",\"hooks\":{\"poststop\":[{\"path\":\"/h\",\"timeout\":0}]}",
	  "hooks.poststop[0]: timeout 0 is not greater than zero" },
	{ U0, "", ",\"annotations\":{\"a\":1}", "annotations.a: expected a string" },
	{ U0, "", ",\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"box\"}]}",
	  "linux.namespaces[1].type: unknown namespace type `box`" },
	{ U0, "", ",\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"pid\"}]}",
	  "linux.namespaces[1]: duplicate namespace type `pid`" },
	{ U0, "", ",\"linux\":{\"uidMappings\":[{\"containerID\":0,\"hostID\":0}]}",
	  "linux.uidMappings[0].size: required field missing" },
	{ U0, "", ",\"linux\":{\"devices\":[{\"type\":\"c\",\"path\":\"/dev/x\"}]}",
	  "linux.devices[0]: device `/dev/x` of type c needs major and minor" },
	{ U0, "", ",\"linux\":{\"devices\":[{\"type\":\"x\",\"path\":\"/dev/x\"}]}",
	  "linux.devices[0].type: unknown device type `x`" },
	{ U0, "", ",\"linux\":{\"resources\":{\"devices\":[{\"allow\":true,\"access\":\"rwx\"}]}}",
	  "linux.resources.devices[0]: access `rwx` is not a subset of `rwm`" },
	{ U0, "", ",\"linux\":{\"resources\":{\"memory\":{\"limit\":\"1G\"}}}",
	  "linux.resources.memory.limit: expected a signed 64-bit integer" },
	{ U0, "", ",\"linux\":{\"resources\":{\"blockIO\":[]}}",
	  "linux.resources.blockIO: expected an object, got an array" },
	{ U0, "", ",\"linux\":{\"resources\":{\"blockIO\":{\"weightDevice\":[{\"major\":1}]}}}",
	  "linux.resources.blockIO.weightDevice[0].minor: required field missing" },
	{ U0, "", ",\"linux\":{\"resources\":{\"hugepageLimits\":{}}}",
	  "linux.resources.hugepageLimits: expected an array" },
	{ U0, "", ",\"linux\":{\"resources\":{\"rdma\":{\"m\":{\"hcaHandles\":-1}}}}",
	  "linux.resources.rdma.m.hcaHandles: expected an unsigned 32-bit integer" },
	{ U0, "", ",\"linux\":{\"resources\":{\"unified\":{\"a\":[]}}}",
	  "linux.resources.unified.a:" },
	{ U0, "", ",\"linux\":{\"rootfsPropagation\":\"rshare\"}",
	  "linux.rootfsPropagation: unknown rootfs propagation `rshare`" },
	{ U0, "", ",\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_DENY\"}}",
	  "linux.seccomp.defaultAction: unknown seccomp action `SCMP_ACT_DENY`" },
	{ U0, "",
	  ",\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":["
	  "\"a\"],\"action\":\"ALLOW\"}]}}",
	  "linux.seccomp.syscalls[0].action: unknown seccomp action `ALLOW`" },
	{ U0, "",
	  ",\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":["
	  "\"a\"],\"action\":\"SCMP_ACT_LOG\",\"args\":[{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_"
	  "XX\"}]}]}}",
	  "linux.seccomp.syscalls[0].args[0].op: unknown seccomp comparison operator "
	  "`SCMP_CMP_XX`" },
	{ U0, "",
	  ",\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":["
	  "\"a\"],\"action\":\"SCMP_ACT_LOG\",\"args\":[{\"index\":6,\"value\":1,\"op\":\"SCMP_CMP_"
	  "EQ\"}]}]}}",
	  "argument index 6 is not below 6" },
	{ U0, "",
	  ",\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":["
	  "],\"action\":\"SCMP_ACT_LOG\"}]}}",
	  "linux.seccomp.syscalls[0]: names is empty" },
	{ U0, "",
	  ",\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_"
	  "ARCH_Z80\"]}}",
	  "linux.seccomp.architectures: unknown seccomp architecture `SCMP_ARCH_Z80`" },
	{ U0, "",
	  ",\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"SECCOMP_"
	  "FILTER_FLAG_X\"]}}",
	  "linux.seccomp.flags: unknown seccomp flag" },
	{ U0, "", ",\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_NOTIFY\"}}",
	  "linux.seccomp: SCMP_ACT_NOTIFY used without listenerPath" },
	{ U0, "", ",\"linux\":{\"personality\":{\"domain\":\"LINUX64\"}}",
	  "linux.personality.domain: unknown personality domain `LINUX64`" },
	{ U0, "", ",\"linux\":{\"intelRdt\":{\"closID\":5}}",
	  "linux.intelRdt.closID: expected a string" },
	{ U0, "", ",\"linux\":{\"timeOffsets\":{\"monotonic\":{\"secs\":1.5}}}",
	  "linux.timeOffsets.monotonic.secs: expected a signed 64-bit integer" },
	{ U0, "", ",\"linux\":{\"sysctl\":[]}", "linux.sysctl: expected an object of strings" },
	{ U0, "", ",\"linux\":5", "linux: expected an object, got an integer" },
	{ U0, "", ",\"ociVersion\":\"1.2.0\"", "duplicate object key" },
	{ NULL },
};

static void
test_bad_documents (void **state)
{
	(void) state;
	for (const struct bad_case *c = bad_cases; c->user; c++) {
		_cleanup_free_ char *text = doc (c->user, c->proc, c->top);
		hull_error_t err = { 0 };
		struct hull_oci_config *cfg =
			hull_oci_config_parse (text, strlen (text), NULL, NULL, &err);
		if (cfg != NULL)
			fail_msg ("accepted: %s", text);
		if (strstr (err.msg, c->message) == NULL)
			fail_msg ("for %s\n  got      %s\n  expected %s", text, err.msg,
				  c->message);
	}
}

static void
test_null_is_absent (void **state)
{
	_cleanup_free_ char *text = doc (U0, ",\"env\":null,\"rlimits\":null", ",\"linux\":null");
	hull_error_t err = { 0 };
	struct hull_oci_config *cfg = hull_oci_config_parse (text, strlen (text), NULL, NULL, &err);

	(void) state;
	assert_non_null (cfg);
	assert_int_equal (cfg->process.env.n, 0);
	assert_false (cfg->has_linux);
	hull_oci_config_free (cfg);
}

static void
test_malformed_and_caps (void **state)
{
	static const char bad[] =
		"{\n  \"ociVersion\": \"1.2.0\",\n  \"process\": {\n    \"args\": [\"a\",]\n";
	hull_error_t err = { 0 };
	char *big;

	(void) state;
	assert_null (hull_oci_config_parse (bad, strlen (bad), "b/config.json", NULL, &err));
	assert_non_null (strstr (err.msg, "b/config.json:4:"));
	assert_null (hull_oci_config_parse ("[]", 2, NULL, NULL, &err));
	assert_non_null (strstr (err.msg, "expected an object, got an array"));
	assert_null (hull_oci_config_parse ("{\"ociVersion\":\"1\\u0000\"}", 23, NULL, NULL, &err));
	/* Oversized input is refused by length, before jansson sees a byte: the
	 * buffer is not even valid JSON. */
	big = hull_xmalloc (HULL_OCI_CONFIG_MAX + 2);
	memset (big, '[', HULL_OCI_CONFIG_MAX + 1);
	assert_null (hull_oci_config_parse (big, HULL_OCI_CONFIG_MAX + 1, NULL, NULL, &err));
	assert_int_equal (err.code, EFBIG);
	assert_non_null (strstr (err.msg, "more than the 4194304 accepted"));
	free (big);
}

static void
test_too_many_mounts (void **state)
{
	size_t cap = 4097 * 24 + 256;
	char *mounts = hull_xmalloc (cap), *text;
	size_t n = 0;
	hull_error_t err = { 0 };

	(void) state;
	n += (size_t) snprintf (mounts + n, cap - n, ",\"mounts\":[");
	for (int i = 0; i < 4097; i++)
		n += (size_t) snprintf (mounts + n, cap - n, "%s{\"destination\":\"/m\"}",
					i ? "," : "");
	snprintf (mounts + n, cap - n, "]");
	text = doc (U0, "", mounts);
	assert_null (hull_oci_config_parse (text, strlen (text), NULL, NULL, &err));
	assert_non_null (strstr (err.msg, "mounts: 4097 entries, more than the 4096 accepted"));
	free (text);
	free (mounts);
}

static void
test_load (void **state)
{
	char dir[] = "/tmp/hull-test-oci-XXXXXX";
	_cleanup_free_ char *text = NULL, *path = NULL;
	struct hull_oci_config *cfg;
	hull_error_t err = { 0 };
	size_t len;
	int fd;

	(void) state;
	assert_non_null (mkdtemp (dir));
	assert_null (hull_oci_config_load (dir, &err));
	assert_int_equal (err.code, ENOENT);
	assert_non_null (strstr (err.msg, "config.json"));
	text = read_data ("runc-spec.json", &len);
	path = hull_xasprintf ("%s/config.json", dir);
	fd = open (path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_true (fd >= 0);
	assert_int_equal (write (fd, text, len), (ssize_t) len);
	cfg = hull_oci_config_load (dir, &err);
	assert_non_null (cfg);
	assert_string_equal (cfg->hostname, "runc");
	hull_oci_config_free (cfg);
	/* Oversized: refused from fstat, before reading (a sparse file). */
	assert_int_equal (ftruncate (fd, HULL_OCI_CONFIG_MAX + 1), 0);
	assert_null (hull_oci_config_load (dir, &err));
	assert_int_equal (err.code, EFBIG);
	assert_non_null (strstr (err.msg, path));
	/* Malformed content: the error names the file. */
	assert_int_equal (ftruncate (fd, 0), 0);
	assert_int_equal (pwrite (fd, "{\"a\":", 5, 0), 5);
	assert_null (hull_oci_config_load (dir, &err));
	assert_non_null (strstr (err.msg, "config.json:1:"));
	close (fd);
	unlink (path);
	assert_int_equal (mkfifo (path, 0600), 0);
	assert_null (hull_oci_config_load (dir, &err));
	assert_non_null (strstr (err.msg, "not a regular file"));
	unlink (path);
	rmdir (dir);
}

static void
test_caps_table (void **state)
{
	(void) state;
	assert_int_equal (hull_oci_cap_from_name ("CAP_CHOWN"), 0);
	assert_int_equal (hull_oci_cap_from_name ("CAP_SYS_ADMIN"), 21);
	assert_int_equal (hull_oci_cap_from_name ("CAP_CHECKPOINT_RESTORE"), 40);
	assert_int_equal (hull_oci_cap_from_name ("CAP_NOPE"), -1);
	assert_int_equal (hull_oci_cap_from_name (NULL), -1);
	assert_int_equal (hull_oci_cap_last (), 40);
	assert_string_equal (hull_oci_cap_name (39), "CAP_BPF");
	assert_null (hull_oci_cap_name (41));
	assert_null (hull_oci_cap_name (-1));
	for (int i = 0; i <= hull_oci_cap_last (); i++)
		assert_int_equal (hull_oci_cap_from_name (hull_oci_cap_name (i)), i);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test (test_full_process),
		cmocka_unit_test (test_full_top_mounts_hooks),
		cmocka_unit_test (test_full_linux),
		cmocka_unit_test (test_full_resources),
		cmocka_unit_test (test_full_seccomp),
		cmocka_unit_test (test_samples_validate),
		cmocka_unit_test (test_podman_shape),
		cmocka_unit_test (test_unknown_collected),
		cmocka_unit_test (test_bad_documents),
		cmocka_unit_test (test_null_is_absent),
		cmocka_unit_test (test_malformed_and_caps),
		cmocka_unit_test (test_too_many_mounts),
		cmocka_unit_test (test_load),
		cmocka_unit_test (test_caps_table),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
