/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hull_sandbox_config: the config `hull sandbox` runs. Pure construction, no root
 * needed: the only system access is looking up paths on the host. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/xalloc.h"
#include "hull/oci.h"
#include "hull/runtime.h"

static char *const default_argv[] = { "sh", "-c", "exit 3", NULL };

static struct hull_oci_config *
build (struct hull_sandbox_options *o, hull_error_t *err)
{
	if (o->argv == NULL)
		o->argv = default_argv;
	return hull_sandbox_config (o, err);
}

static struct hull_oci_config *
build_ok (struct hull_sandbox_options *o)
{
	hull_error_t err = { 0 };
	struct hull_oci_config *cfg = build (o, &err);

	if (cfg == NULL)
		fail_msg ("hull_sandbox_config: %s", err.msg);
	if (hull_oci_config_validate (cfg, &err) < 0)
		fail_msg ("hull_oci_config_validate: %s", err.msg);
	return cfg;
}

/* The error message of a config that must be refused. */
static void
build_fails (struct hull_sandbox_options *o, const char *needle)
{
	hull_error_t err = { 0 };
	struct hull_oci_config *cfg = build (o, &err);

	if (cfg != NULL) {
		hull_oci_config_free (cfg);
		fail_msg ("config built, expected an error containing `%s`", needle);
	}
	if (strstr (err.msg, needle) == NULL)
		fail_msg ("error `%s` does not contain `%s`", err.msg, needle);
}

static const struct hull_oci_mount *
find_mount (const struct hull_oci_config *cfg, const char *dest)
{
	const struct hull_oci_mount *found = NULL;

	for (size_t i = 0; i < cfg->n_mounts; i++)
		if (strcmp (cfg->mounts[i].destination, dest) == 0)
			found = &cfg->mounts[i]; /* the last one wins, as when mounting */
	return found;
}

static bool
has_option (const struct hull_oci_mount *m, const char *opt)
{
	for (size_t i = 0; i < m->options.n; i++)
		if (strcmp (m->options.v[i], opt) == 0)
			return true;
	return false;
}

static bool
strv_has (const struct hull_strv *s, const char *str)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp (s->v[i], str) == 0)
			return true;
	return false;
}

static void
test_namespaces_and_ids (void **state)
{
	struct hull_sandbox_options o = { 0 };
	struct hull_oci_config *cfg = build_ok (&o);
	unsigned seen = 0;
	uint32_t uid = getuid () == 0 ? 65534 : getuid ();
	uint32_t gid = getgid () == 0 ? 65534 : getgid ();

	assert_true (cfg->has_linux);
	for (size_t i = 0; i < cfg->linux_.n_namespaces; i++) {
		assert_null (cfg->linux_.namespaces[i].path); /* new, never the host's */
		seen |= 1u << cfg->linux_.namespaces[i].type;
	}
	for (int t = 0; t < HULL_NS__COUNT; t++)
		if (t != HULL_NS_TIME)
			assert_true (seen & (1u << t));
	/* One id, never host root. */
	assert_int_equal (cfg->linux_.n_uid_mappings, 1);
	assert_int_equal (cfg->linux_.uid_mappings[0].container_id, 0);
	assert_int_equal (cfg->linux_.uid_mappings[0].host_id, uid);
	assert_int_equal (cfg->linux_.uid_mappings[0].size, 1);
	assert_int_equal (cfg->linux_.n_gid_mappings, 1);
	assert_int_equal (cfg->linux_.gid_mappings[0].host_id, gid);
	assert_int_equal (cfg->linux_.gid_mappings[0].size, 1);
	assert_int_not_equal (cfg->linux_.uid_mappings[0].host_id, 0);
	hull_oci_config_free (cfg);
}

static void
test_root_and_process (void **state)
{
	struct hull_sandbox_options o = { 0 };
	struct hull_oci_config *cfg = build_ok (&o);
	const struct hull_oci_process *p = &cfg->process;

	assert_string_equal (cfg->root_path, "/");
	assert_true (cfg->root_readonly);
	assert_string_equal (cfg->hostname, "sandbox");
	assert_true (cfg->has_process);
	assert_int_equal (p->args.n, 3);
	assert_string_equal (p->args.v[0], "sh");
	assert_string_equal (p->args.v[2], "exit 3");
	assert_null (p->args.v[3]);
	assert_string_equal (p->cwd, "/");
	assert_true (p->caps.present);
	assert_true (p->caps.bounding == 0 && p->caps.effective == 0 && p->caps.permitted == 0 &&
		     p->caps.inheritable == 0 && p->caps.ambient == 0);
	assert_true (p->no_new_privileges);
	assert_int_equal (p->n_rlimits, 0); /* the caller's limits stay */
	assert_int_equal (p->user.uid, 0);
	assert_true (strv_has (
		&p->env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
	assert_true (strv_has (&p->env, "HOME=/tmp"));
	hull_oci_config_free (cfg);
}

static void
test_default_mounts (void **state)
{
	struct hull_sandbox_options o = { 0 };
	struct hull_oci_config *cfg = build_ok (&o);
	const struct hull_oci_mount *m;

	m = find_mount (cfg, "/proc");
	assert_non_null (m);
	assert_string_equal (m->type, "proc");
	m = find_mount (cfg, "/dev");
	assert_string_equal (m->type, "tmpfs");
	assert_true (m->flags & MS_NOSUID);
	assert_non_null (strstr (m->data, "mode=755"));
	m = find_mount (cfg, "/dev/pts");
	assert_string_equal (m->type, "devpts");
	assert_true (has_option (m, "newinstance") && has_option (m, "ptmxmode=0666") &&
		     has_option (m, "mode=0620"));
	assert_null (strstr (m->data, "gid=")); /* only one id is mapped */
	assert_string_equal (find_mount (cfg, "/dev/shm")->type, "tmpfs");
	m = find_mount (cfg, "/tmp");
	assert_string_equal (m->type, "tmpfs");
	assert_true ((m->flags & (MS_NOSUID | MS_NODEV)) == (MS_NOSUID | MS_NODEV));
	assert_true (has_option (m, "mode=1777"));
	/* The host's daemon sockets and sysfs are hidden. */
	assert_string_equal (find_mount (cfg, "/run")->type, "tmpfs");
	m = find_mount (cfg, "/sys");
	assert_string_equal (m->type, "tmpfs");
	assert_true (m->flags & MS_RDONLY);
	assert_true (strv_has (&cfg->linux_.masked_paths, "/proc/kcore"));
	assert_true (strv_has (&cfg->linux_.masked_paths, "/proc/keys"));
	assert_true (strv_has (&cfg->linux_.readonly_paths, "/proc/sys"));
	hull_oci_config_free (cfg);
}

static void
test_binds (void **state)
{
	char dir[] = "/tmp/hull-test-sandbox-XXXXXX";
	struct hull_sandbox_bind binds[] = {
		{ .source = dir, .dest = "/mnt", .writable = false },
		{ .source = dir, .dest = "/tmp/rw/x", .writable = true },
		{ .source = NULL, .dest = "/opt" },
		{ .source = dir }, /* the same path inside: under /tmp's tmpfs */
		{ .source = "/sys", .dest = "/sys" },
	};
	struct hull_sandbox_options o = { .binds = binds, .n_binds = 5 };
	struct hull_oci_config *cfg;
	const struct hull_oci_mount *m;

	assert_non_null (mkdtemp (dir));
	cfg = build_ok (&o);
	m = find_mount (cfg, "/mnt");
	assert_string_equal (m->type, "bind");
	assert_string_equal (m->source, dir);
	assert_true (m->bind && m->recursive_bind);
	assert_true (m->flags & MS_RDONLY);
	assert_true (m->attr_set & MOUNT_ATTR_RDONLY); /* submounts too */
	assert_true ((m->attr_set & (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV)) ==
		     (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV));
	m = find_mount (cfg, "/tmp/rw/x");
	assert_true (m->bind);
	assert_false (m->flags & MS_RDONLY);
	assert_false (m->attr_set & MOUNT_ATTR_RDONLY);
	assert_true (has_option (m, "rw"));
	m = find_mount (cfg, "/opt");
	assert_string_equal (m->type, "tmpfs");
	assert_false (m->bind);
	assert_non_null (find_mount (cfg, dir));
	m = find_mount (cfg, "/sys");
	assert_string_equal (m->type, "sysfs"); /* never the host's sysfs */
	assert_true (m->flags & MS_RDONLY);
	hull_oci_config_free (cfg);
	assert_int_equal (rmdir (dir), 0);
}

static void
test_bind_inside_bind (void **state)
{
	char dir[] = "/tmp/hull-test-sandbox-XXXXXX";
	char sub[64];
	struct hull_sandbox_bind binds[] = {
		{ .source = dir, .dest = "/mnt", .writable = true },
		{ .source = "/etc", .dest = "/mnt/sub" },
	};
	struct hull_sandbox_options o = { .binds = binds, .n_binds = 2 };

	assert_non_null (mkdtemp (dir));
	/* /mnt/sub is looked up in the bind's source, not on the host's /mnt. */
	build_fails (&o, "mount point `/mnt/sub`");
	snprintf (sub, sizeof sub, "%s/sub", dir);
	assert_int_equal (mkdir (sub, 0755), 0);
	hull_oci_config_free (build_ok (&o));
	assert_int_equal (rmdir (sub), 0);
	assert_int_equal (rmdir (dir), 0);
}

static void
test_env_and_options (void **state)
{
	char *env[] = { "PATH=/bin", "FOO=bar=baz", NULL };
	struct hull_sandbox_options o = { .env = env, .cwd = "/etc", .hostname = "box" };
	struct hull_oci_config *cfg = build_ok (&o);

	assert_true (strv_has (&cfg->process.env, "PATH=/bin"));
	assert_true (strv_has (&cfg->process.env, "FOO=bar=baz"));
	assert_true (strv_has (&cfg->process.env, "HOME=/tmp"));
	for (size_t i = 0; i < cfg->process.env.n; i++)
		assert_false (strcmp (cfg->process.env.v[i], "PATH=/bin") != 0 &&
			      strncmp (cfg->process.env.v[i], "PATH=", 5) == 0);
	assert_null (cfg->process.env.v[cfg->process.env.n]);
	assert_string_equal (cfg->process.cwd, "/etc");
	assert_string_equal (cfg->hostname, "box");
	hull_oci_config_free (cfg);
}

static void
test_bad_options (void **state)
{
	char *const empty_argv[] = { NULL };
	char *const blank_argv[] = { "", NULL };
	char *bad_env[] = { "NOEQUALS", NULL };
	struct hull_sandbox_bind rel_dest = { .source = "/etc", .dest = "etc" };
	struct hull_sandbox_bind dotdot = { .source = "/etc", .dest = "/tmp/../etc" };
	struct hull_sandbox_bind missing = { .source = "/nonexistent/hull-src", .dest = "/mnt" };
	struct hull_sandbox_bind no_point = { .source = "/etc", .dest = "/hull-no-such-dir" };
	struct hull_sandbox_bind rel_tmpfs = { .source = NULL, .dest = "tmp" };
	struct hull_sandbox_bind in_proc = { .source = "/etc", .dest = "/proc/hull" };
	struct hull_sandbox_bind over_root = { .source = "/tmp", .dest = "/", .writable = true };

	build_fails (&(struct hull_sandbox_options){ .argv = empty_argv }, "no command");
	build_fails (&(struct hull_sandbox_options){ .argv = blank_argv }, "no command");
	build_fails (&(struct hull_sandbox_options){ .binds = &rel_dest, .n_binds = 1 },
		     "bind destination `etc`");
	build_fails (&(struct hull_sandbox_options){ .binds = &dotdot, .n_binds = 1 },
		     "`/tmp/../etc` is not a clean absolute path");
	build_fails (&(struct hull_sandbox_options){ .binds = &missing, .n_binds = 1 },
		     "bind source `/nonexistent/hull-src`: No such file or directory");
	build_fails (&(struct hull_sandbox_options){ .binds = &no_point, .n_binds = 1 },
		     "mount point `/hull-no-such-dir`");
	build_fails (&(struct hull_sandbox_options){ .binds = &rel_tmpfs, .n_binds = 1 },
		     "tmpfs destination `tmp`");
	build_fails (&(struct hull_sandbox_options){ .binds = &in_proc, .n_binds = 1 },
		     "inside the proc at `/proc`");
	build_fails (&(struct hull_sandbox_options){ .binds = &over_root, .n_binds = 1 },
		     "bind destination `/`: use --rootfs");
	build_fails (&(struct hull_sandbox_options){ .cwd = "tmp" }, "working directory `tmp`");
	build_fails (&(struct hull_sandbox_options){ .hostname = "" }, "hostname");
	build_fails (&(struct hull_sandbox_options){ .hostname = "a/b" }, "hostname");
	build_fails (&(struct hull_sandbox_options){ .env = bad_env }, "`NOEQUALS` is not K=V");
	build_fails (&(struct hull_sandbox_options){ .rootfs = "/nonexistent/hull-root" },
		     "sandbox root `/nonexistent/hull-root`");
}

static void
test_too_many_binds (void **state)
{
	size_t n = 1025;
	struct hull_sandbox_bind *b = hull_xcalloc (n, sizeof *b);

	for (size_t i = 0; i < n; i++)
		b[i].dest = "/tmp/x";
	build_fails (&(struct hull_sandbox_options){ .binds = b, .n_binds = n }, "at most");
	free (b);
}

/* A --rootfs without /run and /sys: nothing to hide there, so no mounts; one without
 * /proc is refused rather than written to. */
static void
test_rootfs (void **state)
{
	char dir[] = "/tmp/hull-test-rootfs-XXXXXX";
	char path[128];
	static const char *const dirs[] = { "proc", "dev", "tmp" };
	struct hull_sandbox_options o = { .rootfs = dir };
	struct hull_oci_config *cfg;

	assert_non_null (mkdtemp (dir));
	for (size_t i = 0; i < 3; i++) {
		snprintf (path, sizeof path, "%s/%s", dir, dirs[i]);
		assert_int_equal (mkdir (path, 0755), 0);
	}
	cfg = build_ok (&o);
	assert_string_equal (cfg->root_path, dir);
	assert_null (find_mount (cfg, "/run"));
	assert_null (find_mount (cfg, "/sys"));
	assert_non_null (find_mount (cfg, "/proc"));
	hull_oci_config_free (cfg);
	snprintf (path, sizeof path, "%s/proc", dir);
	assert_int_equal (rmdir (path), 0);
	build_fails (&o, "mount point `/proc`");
	for (size_t i = 1; i < 3; i++) {
		snprintf (path, sizeof path, "%s/%s", dir, dirs[i]);
		assert_int_equal (rmdir (path), 0);
	}
	assert_int_equal (rmdir (dir), 0);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test (test_namespaces_and_ids),
		cmocka_unit_test (test_root_and_process),
		cmocka_unit_test (test_default_mounts),
		cmocka_unit_test (test_binds),
		cmocka_unit_test (test_bind_inside_bind),
		cmocka_unit_test (test_env_and_options),
		cmocka_unit_test (test_bad_options),
		cmocka_unit_test (test_too_many_binds),
		cmocka_unit_test (test_rootfs),
	};

	return cmocka_run_group_tests (tests, NULL, NULL);
}
