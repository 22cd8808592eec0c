/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The cgroup manager: detection from canned mountinfo, path checks, the serialized form,
 * then real create/enter/pids/freeze/kill/destroy on this host through the v1 code path
 * (the host's own layout) and through the v2 code path against a cgroup2 tree (on a
 * hybrid host the one at /sys/fs/cgroup/unified). The real tests skip without root. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "runtime/linux/cgroup-internal.h"

static const char hybrid_mountinfo[] =
	"22 1 0:21 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw\n"
	"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
	"33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
	"35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
	"37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"
	"40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
	"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
	"43 31 0:40 / /sys/fs/cgroup/net_cls,net_prio rw,relatime - cgroup cgroup "
	"rw,net_cls,net_prio\n"
	"90 1 0:40 / /var/lib/x/rootfs/sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n";

static const char v2_mountinfo[] =
	"25 1 0:22 / /sys rw,nosuid - sysfs sysfs rw\n"
	"26 25 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 "
	"rw,nsdelegate,memory_recursiveprot\n";

static const char v1_mountinfo[] =
	"24 18 0:20 / /sys/fs/cgroup ro,nosuid shared:9 - tmpfs tmpfs ro,mode=755\n"
	"25 24 0:21 / /sys/fs/cgroup/systemd rw shared:10 - cgroup cgroup "
	"rw,xattr,release_agent=/usr/lib/systemd/systemd-cgroups-agent,name=systemd\n"
	"28 24 0:24 / /sys/fs/cgroup/cpu,cpuacct rw shared:13 - cgroup cgroup rw,cpu,cpuacct\n"
	"29 24 0:25 / /sys/fs/cgroup/cpuset rw shared:14 - cgroup cgroup rw,noprefix,cpuset\n"
	"30 24 0:26 /sub /sys/fs/cgroup/pids rw shared:15 - cgroup cgroup rw,pids\n";

static const struct hull_cgroup_hier *
find (const struct hull_cgroup_layout *l, const char *ctrl)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp (l->h[i].controllers, ctrl) == 0)
			return &l->h[i];
	return NULL;
}

static void
test_detect_hybrid (void **state)
{
	struct hull_cgroup_layout l;
	hull_error_t err = { 0 };
	(void) state;
	assert_int_equal (hull_cgroup_parse_mountinfo (hybrid_mountinfo, &l, &err), 0);
	assert_int_equal (l.mode, HULL_CGROUP_V1);
	assert_int_equal (l.n, 7);
	assert_true (find (&l, "memory")->required);
	assert_string_equal (find (&l, "freezer")->mount, "/sys/fs/cgroup/freezer");
	assert_false (find (&l, "name=systemd")->required);
	assert_false (find (&l, "")->required);
	assert_string_equal (find (&l, "")->mount, "/sys/fs/cgroup/unified");
	assert_non_null (find (&l, "net_cls,net_prio"));
	assert_null (find (&l, "pids")); /* mounted outside /sys/fs/cgroup */
	hull_cgroup_layout_clear (&l);
}

static void
test_detect_v2 (void **state)
{
	struct hull_cgroup_layout l;
	hull_error_t err = { 0 };
	_cleanup_free_ char *over = NULL;
	(void) state;
	assert_int_equal (hull_cgroup_parse_mountinfo (v2_mountinfo, &l, &err), 0);
	assert_int_equal (l.mode, HULL_CGROUP_V2);
	assert_int_equal (l.n, 1);
	assert_string_equal (l.h[0].mount, "/sys/fs/cgroup");
	assert_string_equal (l.h[0].controllers, "");
	hull_cgroup_layout_clear (&l);

	/* cgroup2 mounted over a v1 layout hides it. */
	over = hull_xasprintf ("%s%s", v1_mountinfo, v2_mountinfo);
	assert_int_equal (hull_cgroup_parse_mountinfo (over, &l, &err), 0);
	assert_int_equal (l.mode, HULL_CGROUP_V2);
	assert_int_equal (l.n, 1);
	hull_cgroup_layout_clear (&l);
}

static void
test_detect_v1 (void **state)
{
	struct hull_cgroup_layout l;
	hull_error_t err = { 0 };
	(void) state;
	assert_int_equal (hull_cgroup_parse_mountinfo (v1_mountinfo, &l, &err), 0);
	assert_int_equal (l.mode, HULL_CGROUP_V1);
	assert_int_equal (l.n, 4);
	assert_non_null (find (&l, "name=systemd"));
	assert_string_equal (find (&l, "cpu,cpuacct")->mount, "/sys/fs/cgroup/cpu,cpuacct");
	assert_non_null (find (&l, "cpuset"));
	assert_string_equal (find (&l, "pids")->root, "/sub");
	assert_null (find (&l, ""));
	hull_cgroup_layout_clear (&l);

	assert_int_equal (hull_cgroup_parse_mountinfo ("1 0 0:1 / / rw - ext4 /dev/sda rw\n"
						       "bad line\n",
						       &l, &err),
			  -ENOENT);
	assert_non_null (strstr (err.msg, "/sys/fs/cgroup"));
}

static void
expect_create_error (const char *path, const char *id, const char *needle)
{
	struct hull_cgroup_layout l = { .mode = HULL_CGROUP_V2, .n = 1 };
	hull_error_t err = { 0 };
	l.h[0] = (struct hull_cgroup_hier){ "", "/nonexistent/cgroup", "/", true };
	assert_null (hull_cgroup_create_in (&l, "0::/\n", path, id, &err));
	if (strstr (err.msg, needle) == NULL)
		fail_msg ("`%s`: error `%s` lacks `%s`", path ? path : id, err.msg, needle);
}

static void
test_path_errors (void **state)
{
	(void) state;
	expect_create_error ("/a/../b", "x", "`..` are not allowed");
	expect_create_error ("..", "x", "`..` are not allowed");
	expect_create_error ("a/./b", "x", "not allowed");
	expect_create_error ("system.slice:docker:abc", "x",
			     "linux.cgroupsPath `system.slice:docker:abc`: systemd cgroup paths "
			     "need --systemd-cgroup, which hull does not support yet");
	expect_create_error (NULL, "../x", "container id");
	expect_create_error (NULL, "..", "container id");
	expect_create_error ("", "x", "empty");
	/* A clean path reaches the file system (which does not exist here). */
	expect_create_error ("/ok/path", "x", "/nonexistent/cgroup");
}

static void
test_serialize_load (void **state)
{
	struct hull_cgroup_dir d[2] = {
		{ "freezer", "/sys/fs/cgroup/freezer", "/hull/a b", 2, true, 0 },
		{ "", "/sys/fs/cgroup/unified", "/hull/a b", 1, false, 0 },
	};
	struct hull_cgroup cg = { HULL_CGROUP_V1, d, 2 }, *back;
	_cleanup_free_ char *s = hull_cgroup_serialize (&cg), *s2 = NULL;
	hull_error_t err = { 0 };
	(void) state;

	assert_null (strchr (s, '\n'));
	back = hull_cgroup_load (s, &err);
	assert_non_null (back);
	assert_int_equal (back->mode, HULL_CGROUP_V1);
	assert_int_equal (back->n, 2);
	assert_string_equal (back->d[0].path, "/hull/a b");
	assert_int_equal (back->d[0].made, 2);
	assert_true (back->d[0].required);
	assert_false (back->d[1].required);
	s2 = hull_cgroup_serialize (back);
	assert_string_equal (s, s2);
	hull_cgroup_free (back);
}

static void
expect_load_error (const char *text, const char *needle)
{
	hull_error_t err = { 0 };
	assert_null (hull_cgroup_load (text, &err));
	if (strstr (err.msg, needle) == NULL)
		fail_msg ("error `%s` lacks `%s`", err.msg, needle);
}

#define DIR1(c, m, p, made)                                                                        \
	"{\"version\":1,\"mode\":\"v1\",\"dirs\":[{\"controllers\":\"" c "\",\"mount\":\"" m       \
	"\",\"path\":\"" p "\",\"made\":" made ",\"required\":true}]}"

static void
test_load_tampered (void **state)
{
	hull_error_t err = { 0 };
	struct hull_cgroup *ok;
	(void) state;
	ok = hull_cgroup_load (DIR1 ("memory", "/sys/fs/cgroup/memory", "/hull/x", "1"), &err);
	assert_non_null (ok);
	hull_cgroup_free (ok);
	expect_load_error (DIR1 ("memory", "/sys/fs/cgroup/memory", "/hull/../../etc", "1"),
			   "not clean");
	expect_load_error (DIR1 ("memory", "/etc", "/hull/x", "1"), "not under");
	expect_load_error (DIR1 ("memory", "/sys/fs/cgroupx", "/hull/x", "1"), "not under");
	expect_load_error (DIR1 ("memory", "/sys/fs/cgroup/../../etc", "/x", "1"), "not under");
	expect_load_error (DIR1 ("memory", "/sys/fs/cgroup/memory", "/hull/x", "3"), "made");
	expect_load_error (DIR1 ("mem/../", "/sys/fs/cgroup/memory", "/hull/x", "1"),
			   "controllers");
	expect_load_error ("{\"version\":1,\"mode\":\"v3\",\"dirs\":[]}", "mode");
	expect_load_error ("{\"version\":2,\"mode\":\"v1\",\"dirs\":[]}", "version");
	expect_load_error ("not json", "cgroup");
}

/* ---- real cgroups ---- */

struct fixture {
	struct hull_cgroup *cg;
	pid_t child;
	volatile uint64_t *counter; /* shared page the child keeps incrementing */
	char name[64];
};

static bool
have_root_and (const char *dir)
{
	struct statfs sfs;
	if (geteuid () != 0 || statfs (dir, &sfs) < 0)
		return false;
	return sfs.f_type == CGROUP_SUPER_MAGIC || sfs.f_type == CGROUP2_SUPER_MAGIC;
}

static int
setup (void **state)
{
	struct fixture *f = hull_xzalloc (sizeof *f);
	f->counter = mmap (NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true (f->counter != MAP_FAILED);
	snprintf (f->name, sizeof f->name, "/hull-test-%d-%ld", (int) getpid (),
		  (long) time (NULL) % 100000);
	*state = f;
	return 0;
}

/* Runs whatever happened in the test: no process or directory outlives it. */
static int
teardown (void **state)
{
	struct fixture *f = *state;
	hull_error_t err = { 0 };
	if (f->child > 0) {
		kill (f->child, SIGKILL);
		waitpid (f->child, NULL, 0);
	}
	if (f->cg) {
		if (f->cg->mode == HULL_CGROUP_V2)
			hull_cgroup_freeze (f->cg, false, &err);
		hull_cgroup_destroy (f->cg, &err);
		hull_cgroup_free (f->cg);
	}
	munmap ((void *) f->counter, 4096);
	free (f);
	return 0;
}

static void
spawn (struct fixture *f)
{
	f->child = fork ();
	assert_true (f->child >= 0);
	if (f->child == 0) {
		for (;;) {
			struct timespec ts = { 0, 1000000 };
			(*f->counter)++;
			nanosleep (&ts, NULL);
		}
	}
}

static uint64_t
progress (struct fixture *f)
{
	uint64_t before = *f->counter;
	struct timespec ts = { 0, 100000000 };
	nanosleep (&ts, NULL);
	return *f->counter - before;
}

static bool
dir_exists (const struct hull_cgroup_dir *d)
{
	_cleanup_free_ char *p = hull_cgroup_where (d);
	struct stat st;
	return stat (p, &st) == 0;
}

static void
check_lifecycle (struct fixture *f)
{
	hull_error_t err = { 0 };
	pid_t *pids = NULL;
	size_t n = 0;
	bool frozen = true;
	int status;
	struct hull_cgroup_dir saved[HULL_CGROUP_MAX_HIER];

	spawn (f);
	assert_int_equal (hull_cgroup_enter (f->cg, f->child, &err), 0);
	assert_int_equal (hull_cgroup_pids (f->cg, &pids, &n, &err), 0);
	assert_int_equal (n, 1);
	assert_int_equal (pids[0], f->child);
	free (pids);

	assert_int_equal (hull_cgroup_is_frozen (f->cg, &frozen, &err), 0);
	assert_false (frozen);
	assert_int_equal (hull_cgroup_freeze (f->cg, true, &err), 0);
	assert_int_equal (hull_cgroup_is_frozen (f->cg, &frozen, &err), 0);
	assert_true (frozen);
	assert_int_equal (progress (f), 0);
	assert_int_equal (hull_cgroup_freeze (f->cg, false, &err), 0);
	assert_int_equal (hull_cgroup_is_frozen (f->cg, &frozen, &err), 0);
	assert_false (frozen);
	assert_true (progress (f) > 0);

	/* kill_all on a frozen cgroup still kills. */
	assert_int_equal (hull_cgroup_freeze (f->cg, true, &err), 0);
	assert_int_equal (hull_cgroup_kill_all (f->cg, SIGKILL, &err), 0);
	assert_int_equal (waitpid (f->child, &status, 0), f->child);
	f->child = 0;
	assert_true (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL);

	assert_true (f->cg->n <= HULL_CGROUP_MAX_HIER);
	memcpy (saved, f->cg->d, f->cg->n * sizeof *saved);
	assert_int_equal (hull_cgroup_destroy (f->cg, &err), 0);
	for (size_t i = 0; i < f->cg->n; i++)
		if (dir_exists (&saved[i]))
			fail_msg ("`%s%s` still exists", saved[i].mount, saved[i].path);
	/* Destroy again (delete --force after a crash): missing directories are fine. */
	assert_int_equal (hull_cgroup_destroy (f->cg, &err), 0);
}

static void
test_v1_lifecycle (void **state)
{
	struct fixture *f = *state;
	hull_error_t err = { 0 };
	enum hull_cgroup_mode mode;

	if (!have_root_and ("/sys/fs/cgroup/freezer") || hull_cgroup_detect (&mode, &err) < 0 ||
	    mode != HULL_CGROUP_V1)
		skip ();
	f->cg = hull_cgroup_create (f->name, "unused", &err);
	if (f->cg == NULL)
		fail_msg ("%s", err.msg);
	assert_int_equal (f->cg->mode, HULL_CGROUP_V1);
	if (have_root_and ("/sys/fs/cgroup/unified")) {
		bool unified = false; /* hybrid: the cgroup2 tree mirrors the container */
		for (size_t i = 0; i < f->cg->n; i++)
			unified = unified || f->cg->d[i].controllers[0] == '\0';
		assert_true (unified);
	}
	for (size_t i = 0; i < f->cg->n; i++) {
		assert_string_equal (f->cg->d[i].path, f->name);
		assert_int_equal (f->cg->d[i].made, 1);
		assert_true (dir_exists (&f->cg->d[i]));
	}
	check_lifecycle (f);
}

/* destroy kills what is running; the killed child is not reaped until afterwards (the
 * lifecycle code reaps the container's init only after delete). */
static void
test_v1_destroy_running (void **state)
{
	struct fixture *f = *state;
	hull_error_t err = { 0 };
	enum hull_cgroup_mode mode;
	_cleanup_free_ char *ser = NULL;
	struct hull_cgroup *back;

	if (!have_root_and ("/sys/fs/cgroup/freezer") || hull_cgroup_detect (&mode, &err) < 0 ||
	    mode != HULL_CGROUP_V1)
		skip ();
	f->cg = hull_cgroup_create (f->name, "unused", &err);
	assert_non_null (f->cg);
	spawn (f);
	assert_int_equal (hull_cgroup_enter (f->cg, f->child, &err), 0);
	/* As `delete --force` does: from the serialized form. */
	ser = hull_cgroup_serialize (f->cg);
	back = hull_cgroup_load (ser, &err);
	assert_non_null (back);
	if (hull_cgroup_destroy (back, &err) < 0)
		fail_msg ("%s", err.msg);
	for (size_t i = 0; i < back->n; i++)
		assert_false (dir_exists (&back->d[i]));
	hull_cgroup_free (back);
	assert_int_equal (waitpid (f->child, NULL, 0), f->child);
	f->child = 0;
}

static struct hull_cgroup_layout
unified_layout (void)
{
	struct hull_cgroup_layout l = { .mode = HULL_CGROUP_V2, .n = 1 };
	l.h[0] = (struct hull_cgroup_hier){ "", "/sys/fs/cgroup/unified", "/", true };
	if (have_root_and ("/sys/fs/cgroup/cgroup.procs") &&
	    access ("/sys/fs/cgroup/cgroup.subtree_control", F_OK) == 0)
		l.h[0].mount = "/sys/fs/cgroup"; /* a pure v2 host */
	return l;
}

static void
test_v2_lifecycle (void **state)
{
	struct fixture *f = *state;
	struct hull_cgroup_layout l = unified_layout ();
	hull_error_t err = { 0 };

	if (!have_root_and (l.h[0].mount))
		skip ();
	f->cg = hull_cgroup_create_in (&l, "0::/\n", f->name, "unused", &err);
	if (f->cg == NULL)
		fail_msg ("%s", err.msg);
	assert_int_equal (f->cg->mode, HULL_CGROUP_V2);
	assert_int_equal (f->cg->n, 1);
	check_lifecycle (f);
}

/* Relative path under a parent that create makes; nested child cgroups with processes;
 * destroy without reaping first; parents made are removed, shared ones stay. */
static void
test_v2_nested_and_relative (void **state)
{
	struct fixture *f = *state;
	struct hull_cgroup_layout l = unified_layout ();
	hull_error_t err = { 0 };
	_cleanup_free_ char *self = NULL, *sub = NULL, *parent = NULL, *num = NULL;
	_cleanup_close_ int fd = -EBADF;
	pid_t *pids = NULL;
	size_t n = 0;
	struct stat st;

	if (!have_root_and (l.h[0].mount))
		skip ();
	self = hull_xasprintf ("0::%s\n", f->name);
	f->cg = hull_cgroup_create_in (&l, self, "ctr", "unused", &err);
	if (f->cg == NULL)
		fail_msg ("%s", err.msg);
	assert_int_equal (f->cg->d[0].made, 2);
	spawn (f);
	sub = hull_xasprintf ("%s%s/ctr/inner", l.h[0].mount, f->name);
	assert_int_equal (mkdir (sub, 0755), 0);
	fd = open (sub, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true (fd >= 0);
	num = hull_xasprintf ("%d", (int) f->child);
	assert_int_equal (hull_cgroup_write_at (fd, "cgroup.procs", sub, num, &err), 0);
	assert_int_equal (hull_cgroup_pids (f->cg, &pids, &n, &err), 0);
	assert_int_equal (n, 1);
	free (pids);

	/* The cgroup is in use now: a second create of the same path is refused. */
	assert_null (hull_cgroup_create_in (&l, self, "ctr", "unused", &err));
	assert_non_null (strstr (err.msg, "is in use"));

	assert_int_equal (hull_cgroup_destroy (f->cg, &err), 0);
	assert_int_equal (waitpid (f->child, NULL, 0), f->child);
	f->child = 0;
	parent = hull_xasprintf ("%s%s", l.h[0].mount, f->name);
	assert_int_equal (stat (parent, &st), -1);
	assert_int_equal (errno, ENOENT);
}

/* An existing empty cgroup is reused and removed by destroy; its parent is not. */
static void
test_v2_reuse_existing (void **state)
{
	struct fixture *f = *state;
	struct hull_cgroup_layout l = unified_layout ();
	hull_error_t err = { 0 };
	_cleanup_free_ char *parent = NULL, *leaf = NULL, *path = NULL;
	struct stat st;

	if (!have_root_and (l.h[0].mount))
		skip ();
	parent = hull_xasprintf ("%s%s", l.h[0].mount, f->name);
	leaf = hull_xasprintf ("%s/leaf", parent);
	path = hull_xasprintf ("%s/leaf", f->name);
	assert_int_equal (mkdir (parent, 0755), 0);
	assert_int_equal (mkdir (leaf, 0755), 0);
	f->cg = hull_cgroup_create_in (&l, "0::/\n", path, "unused", &err);
	if (f->cg == NULL) {
		rmdir (leaf);
		rmdir (parent);
		fail_msg ("%s", err.msg);
	}
	assert_int_equal (f->cg->d[0].made, 0);
	assert_int_equal (hull_cgroup_destroy (f->cg, &err), 0);
	assert_int_equal (stat (leaf, &st), -1);
	assert_int_equal (stat (parent, &st), 0);
	assert_int_equal (rmdir (parent), 0);
}

/* SIGTERM to a frozen cgroup thaws it so the signal is delivered. */
static void
test_v2_sigterm_frozen (void **state)
{
	struct fixture *f = *state;
	struct hull_cgroup_layout l = unified_layout ();
	hull_error_t err = { 0 };
	int status;

	if (!have_root_and (l.h[0].mount))
		skip ();
	f->cg = hull_cgroup_create_in (&l, "0::/\n", f->name, "unused", &err);
	assert_non_null (f->cg);
	spawn (f);
	assert_int_equal (hull_cgroup_enter (f->cg, f->child, &err), 0);
	assert_int_equal (hull_cgroup_freeze (f->cg, true, &err), 0);
	assert_int_equal (hull_cgroup_kill_all (f->cg, SIGTERM, &err), 0);
	assert_int_equal (waitpid (f->child, &status, 0), f->child);
	f->child = 0;
	assert_true (WIFSIGNALED (status) && WTERMSIG (status) == SIGTERM);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test (test_detect_hybrid),
		cmocka_unit_test (test_detect_v2),
		cmocka_unit_test (test_detect_v1),
		cmocka_unit_test (test_path_errors),
		cmocka_unit_test (test_serialize_load),
		cmocka_unit_test (test_load_tampered),
		cmocka_unit_test_setup_teardown (test_v1_lifecycle, setup, teardown),
		cmocka_unit_test_setup_teardown (test_v1_destroy_running, setup, teardown),
		cmocka_unit_test_setup_teardown (test_v2_lifecycle, setup, teardown),
		cmocka_unit_test_setup_teardown (test_v2_nested_and_relative, setup, teardown),
		cmocka_unit_test_setup_teardown (test_v2_reuse_existing, setup, teardown),
		cmocka_unit_test_setup_teardown (test_v2_sigterm_frozen, setup, teardown),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
