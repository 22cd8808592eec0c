/* SPDX-License-Identifier: GPL-2.0-or-later */
/* linux.resources -> cgroup files, against temp directories standing in for cgroup
 * directories (no root needed): the v2 mapping that this hybrid-v1 machine cannot
 * exercise for real, the v1 mapping, conversions, refusals and the device program. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "hull/oci.h"
#include "runtime/linux/cgroup-internal.h"

static const char *const v2_files[] = {
	"memory.max",  "memory.low",	  "memory.swap.max", "memory.current",
	"cpu.weight",  "cpu.max",	  "cpu.max.burst",   "cpu.idle",
	"cpuset.cpus", "cpuset.mems",	  "pids.max",	     "io.weight",
	"io.max",      "hugetlb.2MB.max", "rdma.max",	     "memory.high",
	NULL,
};

struct dir {
	char path[64];
	int fd;
};

static void
make_dir (struct dir *d, const char *const *files)
{
	snprintf (d->path, sizeof d->path, "/tmp/hull-cgl-XXXXXX");
	assert_non_null (mkdtemp (d->path));
	for (size_t i = 0; files[i]; i++) {
		_cleanup_free_ char *p = hull_xasprintf ("%s/%s", d->path, files[i]);
		int fd = open (p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		assert_true (fd >= 0);
		if (strcmp (files[i], "cpu.max") == 0)
			assert_int_equal (write (fd, "max 100000\n", 11), 11);
		close (fd);
	}
	d->fd = open (d->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true (d->fd >= 0);
}

static void
remove_dir (struct dir *d)
{
	DIR *dir = fdopendir (openat (d->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	struct dirent *e;
	while ((e = readdir (dir)) != NULL)
		if (e->d_name[0] != '.')
			unlinkat (d->fd, e->d_name, 0);
	closedir (dir);
	close (d->fd);
	rmdir (d->path);
}

static char *
slurp (struct dir *d, const char *file)
{
	char *out = NULL;
	hull_error_t err;
	assert_int_equal (hull_cgroup_read_at (d->fd, file, d->path, &out, &err), 0);
	return out;
}

static void
expect (struct dir *d, const char *file, const char *want)
{
	_cleanup_free_ char *got = slurp (d, file);
	assert_string_equal (got, want);
}

static struct hull_cgroup_target
v2_target (struct dir *d)
{
	struct hull_cgroup_target t = {
		.mode = HULL_CGROUP_V2, .n = 1, .no_bpf = true, .bpf_prog_fd = -EBADF
	};
	t.ctl[0] = (struct hull_cgroup_ctl){ "", d->fd, d->path, NULL, false };
	return t;
}

static void
test_v2_mapping (void **state)
{
	struct dir d;
	struct hull_oci_resources r = { 0 };
	hull_error_t err = { 0 };
	struct hull_cgroup_target t;
	struct hull_kv kv = { (char *) "memory.high", (char *) "123456" };

	(void) state;
	make_dir (&d, v2_files);
	t = v2_target (&d);
	r.has_mem_limit = r.has_mem_swap = r.has_mem_reservation = true;
	r.mem_limit = 1 << 20;
	r.mem_swap = 3 << 20;
	r.mem_reservation = -1;
	r.has_cpu_shares = r.has_cpu_quota = r.has_cpu_period = r.has_cpu_burst = true;
	r.cpu_shares = 1024;
	r.cpu_quota = 50000;
	r.cpu_period = 200000;
	r.cpu_burst = 1000;
	r.cpu_cpus = (char *) "0-1";
	r.has_pids_limit = true;
	r.pids_limit = -1;
	r.block_io_json = (char *) "{\"weight\":500,\"throttleReadBpsDevice\":[{\"major\":8,"
				   "\"minor\":0,\"rate\":1048576}]}";
	r.hugepage_limits_json = (char *) "[{\"pageSize\":\"2MB\",\"limit\":4194304}]";
	r.rdma_json = (char *) "{\"mlx5_1\":{\"hcaHandles\":3}}";
	r.unified.v = &kv;
	r.unified.n = 1;
	assert_int_equal (hull_cgroup_apply_target (&t, &r, &err), 0);
	expect (&d, "memory.max", "1048576");
	expect (&d, "memory.swap.max", "2097152");
	expect (&d, "memory.low", "max");
	expect (&d, "cpu.weight", "100");
	expect (&d, "cpu.max", "50000 200000");
	expect (&d, "cpu.max.burst", "1000");
	expect (&d, "cpuset.cpus", "0-1");
	expect (&d, "pids.max", "max");
	expect (&d, "io.weight", "default 4950");
	expect (&d, "io.max", "8:0 rbps=1048576");
	expect (&d, "hugetlb.2MB.max", "4194304");
	expect (&d, "rdma.max", "mlx5_1 hca_handle=3 hca_object=max");
	expect (&d, "memory.high", "123456");
	remove_dir (&d);
}

/* Each refusal names the setting. */
static void
refusal_case (size_t i, struct hull_oci_resources *r)
{
	switch (i) {
	case 0:
		r->has_mem_disable_oom_killer = r->mem_disable_oom_killer = true;
		break;
	case 1:
		r->has_mem_swappiness = true;
		r->mem_swappiness = 10;
		break;
	case 2:
		r->has_cpu_rt_runtime = true;
		r->cpu_rt_runtime = 1000;
		break;
	case 3:
		r->network_json = (char *) "{\"classID\":5}";
		break;
	case 4:
		r->hugepage_limits_json = (char *) "[{\"pageSize\":\"../x\",\"limit\":1}]";
		break;
	default:
		r->has_pids_limit = true;
		r->pids_limit = 5;
		r->cpu_mems = (char *) "0";
		break;
	}
}

static void
test_v2_refusals (void **state)
{
	static const char *const needles[] = { "disableOOMKiller", "memory.swappiness",
					       "realtimeRuntime",  "net_cls",
					       "pageSize",	   "`cpuset.mems` = 0" };
	(void) state;
	for (size_t i = 0; i < sizeof needles / sizeof needles[0]; i++) {
		static const char *const few[] = { "pids.max", NULL };
		struct dir d;
		struct hull_oci_resources r = { 0 };
		hull_error_t err = { 0 };
		struct hull_cgroup_target t;
		make_dir (&d, few);
		t = v2_target (&d);
		refusal_case (i, &r);
		assert_true (hull_cgroup_apply_target (&t, &r, &err) < 0);
		if (strstr (err.msg, needles[i]) == NULL)
			fail_msg ("case %zu: `%s` lacks `%s`", i, err.msg, needles[i]);
		remove_dir (&d);
	}
}

static void
test_unified_keys (void **state)
{
	static const char *const bad[] = { "../memory.max", "a/b", "..", "nosuchfile.x", "" };
	(void) state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct dir d;
		struct hull_oci_resources r = { 0 };
		struct hull_kv kv = { (char *) bad[i], (char *) "1" };
		hull_error_t err = { 0 };
		struct hull_cgroup_target t;
		make_dir (&d, v2_files);
		t = v2_target (&d);
		r.unified.v = &kv;
		r.unified.n = 1;
		assert_true (hull_cgroup_apply_target (&t, &r, &err) < 0);
		assert_non_null (strstr (err.msg, "unified"));
		remove_dir (&d);
	}
}

static void
test_v1_mapping (void **state)
{
	static const char *const mem[] = { "memory.limit_in_bytes", "memory.memsw.limit_in_bytes",
					   "memory.oom_control", "memory.swappiness", NULL };
	static const char *const cpu[] = { "cpu.shares", "cpu.cfs_quota_us", "cpu.cfs_period_us",
					   NULL };
	static const char *const dev[] = { "devices.allow", "devices.deny", NULL };
	struct dir m, c, dv;
	struct hull_oci_resources r = { 0 };
	struct hull_oci_device_cgroup rule = { .allow = true,
					       .type = 'c',
					       .has_major = true,
					       .major = 10,
					       .has_minor = true,
					       .minor = 229,
					       .access = (char *) "rw" };
	hull_error_t err = { 0 };
	struct hull_cgroup_target t = { .mode = HULL_CGROUP_V1, .n = 3, .bpf_prog_fd = -EBADF };

	(void) state;
	make_dir (&m, mem);
	make_dir (&c, cpu);
	make_dir (&dv, dev);
	t.ctl[0] = (struct hull_cgroup_ctl){ "memory", m.fd, m.path, NULL, false };
	t.ctl[1] = (struct hull_cgroup_ctl){ "cpu,cpuacct", c.fd, c.path, NULL, false };
	t.ctl[2] = (struct hull_cgroup_ctl){ "devices", dv.fd, dv.path, NULL, false };
	r.has_mem_limit = r.has_mem_swappiness = r.has_mem_disable_oom_killer = true;
	r.mem_limit = 1 << 20;
	r.mem_swappiness = 0;
	r.mem_disable_oom_killer = true;
	r.has_cpu_shares = r.has_cpu_quota = true;
	r.cpu_shares = 512;
	r.cpu_quota = -1;
	r.devices = &rule;
	r.n_devices = 1;
	assert_int_equal (hull_cgroup_apply_target (&t, &r, &err), 0);
	expect (&m, "memory.limit_in_bytes", "1048576");
	expect (&m, "memory.oom_control", "1");
	expect (&m, "memory.swappiness", "0");
	expect (&c, "cpu.shares", "512");
	expect (&c, "cpu.cfs_quota_us", "-1");
	/* A regular file keeps the last write: the last default rule. */
	expect (&dv, "devices.allow", "c 10:200 rwm");
	/* pids missing: an error naming the controller, unless default. */
	r = (struct hull_oci_resources){ .has_pids_limit = true, .pids_limit = 5 };
	t.update = true;
	assert_true (hull_cgroup_apply_target (&t, &r, &err) < 0);
	assert_non_null (strstr (err.msg, "`pids` cgroup controller"));
	r.pids_limit = -1;
	assert_int_equal (hull_cgroup_apply_target (&t, &r, &err), 0);
	remove_dir (&m);
	remove_dir (&c);
	remove_dir (&dv);
}

/* A hybrid host whose hugetlb sits on the cgroup2 tree (Debian 12 as installed): the
 * limit goes to hugetlb.<size>.max in the cgroup2 directory, which is marked used (apply
 * then makes entering it required); v1 controllers keep their v1 files. */
static void
test_hybrid_unified_controller (void **state)
{
	static const char *const mem[] = { "memory.limit_in_bytes", "memory.swappiness", NULL };
	static const char *const uni[] = { "hugetlb.2MB.max", "hugetlb.1GB.max", "cgroup.procs",
					   NULL };
	struct dir m, u;
	struct hull_oci_resources r = { 0 };
	hull_error_t err = { 0 };
	struct hull_cgroup_target t = { .mode = HULL_CGROUP_V1, .n = 2, .bpf_prog_fd = -EBADF };
	struct hull_cgroup_dir dirs[3] = {
		{ .controllers = (char *) "memory" },
		{ .controllers = (char *) "name=systemd" },
		{ .controllers = (char *) "" },
	};
	struct hull_cgroup cg = { .mode = HULL_CGROUP_V1, .d = dirs, .n = 3 };
	_cleanup_free_ char *only = hull_cgroup_unified_only (&cg, "memory hugetlb misc\n");

	(void) state;
	/* What the cgroup2 tree serves: its controllers minus the v1 ones. */
	assert_string_equal (only, "hugetlb misc");
	make_dir (&m, mem);
	make_dir (&u, uni);
	t.ctl[0] = (struct hull_cgroup_ctl){ "memory", m.fd, m.path, NULL, false };
	t.ctl[1] = (struct hull_cgroup_ctl){ "", u.fd, u.path, only, false };
	assert_ptr_equal (hull_cgroup_target_find (&t, "hugetlb"), &t.ctl[1]);
	assert_ptr_equal (hull_cgroup_target_find (&t, "memory"), &t.ctl[0]);
	assert_null (hull_cgroup_target_find (&t, "pids"));
	assert_true (hull_cgroup_target_v2 (&t, "hugetlb"));
	assert_false (hull_cgroup_target_v2 (&t, "memory"));
	r.has_mem_limit = true;
	r.mem_limit = 1 << 20;
	r.hugepage_limits_json = (char *) "[{\"pageSize\":\"2MB\",\"limit\":4194304},"
					  "{\"pageSize\":\"1GB\",\"limit\":0}]";
	assert_int_equal (hull_cgroup_apply_target (&t, &r, &err), 0);
	expect (&m, "memory.limit_in_bytes", "1048576");
	expect (&u, "hugetlb.2MB.max", "4194304");
	expect (&u, "hugetlb.1GB.max", "0");
	assert_true (t.ctl[1].used);
	assert_false (t.ctl[0].used);
	/* Without the cgroup2 tree's hugetlb: an error naming the controller, as before. */
	t.ctl[1].avail = NULL;
	assert_true (hull_cgroup_apply_target (&t, &r, &err) < 0);
	assert_non_null (strstr (err.msg, "`hugetlb` cgroup controller"));
	/* A v1 hugetlb hierarchy wins, with its v1 file. */
	t.ctl[1].avail = only;
	t.ctl[0].controllers = "memory,hugetlb";
	assert_true (hull_cgroup_apply_target (&t, &r, &err) < 0);
	assert_non_null (strstr (err.msg, "hugetlb.2MB.limit_in_bytes"));
	remove_dir (&m);
	remove_dir (&u);
}

static void
test_conversions (void **state)
{
	(void) state;
	assert_int_equal (hull_cgroup_shares_to_weight (2), 1);
	assert_int_equal (hull_cgroup_shares_to_weight (1024), 100);
	assert_int_equal (hull_cgroup_shares_to_weight (262144), 10000);
	assert_true (hull_cgroup_shares_to_weight (512) < 100);
	assert_true (hull_cgroup_shares_to_weight (2048) > 100);
	assert_int_equal (hull_cgroup_blkio_to_io_weight (10), 1);
	assert_int_equal (hull_cgroup_blkio_to_io_weight (1000), 10000);
}

/* The device program: built for every rule shape; loaded by the kernel (verifier) when
 * the test may use bpf(2). */
static void
test_bpf_program (void **state)
{
	struct hull_oci_device_cgroup rules[3] = {
		{ .allow = false, .type = 'a' },
		{ .allow = true,
		  .type = 'c',
		  .has_major = true,
		  .major = 1,
		  .has_minor = true,
		  .minor = 3,
		  .access = (char *) "rw" },
		{ .allow = false,
		  .type = 'b',
		  .has_major = true,
		  .major = 8,
		  .access = (char *) "w" },
	};
	_cleanup_free_ void *insns = NULL;
	hull_error_t err = { 0 };
	int n;
	(void) state;
	n = hull_cgroup_bpf_build (rules, 3, &insns, &err);
	assert_true (n > 8);
	if (geteuid () == 0) {
		/* attach to a non-cgroup fd fails after the load succeeded: the verifier
		 * accepted the program. */
		int fd = hull_cgroup_bpf_attach (insns, n, 0, "stdin", &err);
		assert_true (fd < 0);
		if (strstr (err.msg, "attach") == NULL)
			fail_msg ("%s", err.msg);
	}
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test (test_v2_mapping),
		cmocka_unit_test (test_v2_refusals),
		cmocka_unit_test (test_unified_keys),
		cmocka_unit_test (test_v1_mapping),
		cmocka_unit_test (test_conversions),
		cmocka_unit_test (test_bpf_program),
		cmocka_unit_test (test_hybrid_unified_controller),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
