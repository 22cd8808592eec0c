/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Image config -> runtime config (src/image/bundle.c): the strict image config parser,
 * user lookup in a rootfs's etc/passwd and etc/group (hostile files included), and the
 * config `hull run IMAGE` builds, checked field by field and by the OCI validator. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "hull/image.h"
#include "hull/oci.h"
#include "image/unpack.h"

#define CFG(inner)                                                                                 \
	"{\"os\":\"linux\",\"architecture\":\"amd64\",\"config\":" inner                           \
	",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}"

static struct hull_image_config *
parse (const char *text, hull_error_t *err)
{
	return hull_image_config_parse (text, strlen (text), err);
}

static void
test_config_parse (void **state)
{
	hull_error_t err = { 0 };
	struct hull_image_config *c = parse (
		CFG ("{\"User\":\"app\",\"Env\":[\"A=1\"],\"Entrypoint\":[\"/e\"],\"Cmd\":null,"
		     "\"WorkingDir\":\"/w\",\"StopSignal\":\"SIGINT\",\"Labels\":{\"k\":\"v\"},"
		     "\"ExposedPorts\":{\"80/tcp\":{}}}"),
		&err);

	assert_non_null (c);
	assert_string_equal (c->user, "app");
	assert_int_equal (c->env.n, 1);
	assert_true (c->has_entrypoint);
	assert_false (c->has_cmd); /* null is absent */
	assert_string_equal (c->working_dir, "/w");
	assert_string_equal (c->stop_signal, "SIGINT");
	assert_int_equal (c->labels.n, 1);
	hull_image_config_free (c);
}

static void
refused (const char *text, const char *needle)
{
	hull_error_t err = { 0 };
	struct hull_image_config *c = parse (text, &err);

	assert_null (c);
	if (strstr (err.msg, needle) == NULL)
		fail_msg ("`%s` not in `%s`", needle, err.msg);
}

static void
test_config_hostile (void **state)
{
	_cleanup_free_ char *big = NULL, *cfg = NULL;
	size_t n = HULL_IMAGE_ARGS_MAX + 1, len = 0;

	refused (CFG ("{\"Cmd\":\"sh\"}"), "Cmd");
	refused (CFG ("{\"Env\":[1]}"), "Env");
	refused (CFG ("{\"Env\":[\"NOEQUALS\"]}"), "Env[0]");
	refused (CFG ("{\"Env\":[\"=x\"]}"), "Env[0]");
	refused (CFG ("{\"User\":0}"), "User");
	refused (CFG ("{\"WorkingDir\":\"rel\"}"), "WorkingDir");
	refused (CFG ("{\"Labels\":{\"a\":1}}"), "Labels");
	refused (CFG ("[]"), "config");
	refused ("{\"architecture\":\"amd64\"}", "os");
	refused ("{\"os\":\"linux\",\"os\":\"linux\",\"architecture\":\"x\"}", "duplicate");
	refused ("not json", "image config");
	big = hull_xzalloc (n * 5 + 16);
	for (size_t i = 0; i < n; i++)
		len += (size_t) snprintf (big + len, 6, "%s\"x\"", i ? "," : "");
	cfg = hull_xasprintf (CFG ("{\"Cmd\":[%s]}"), big);
	refused (cfg, "more than");
}

/* ---- user lookup ---- */

static char dir[64];
static int rootfd = -1;

static void
put (const char *rel, const char *text)
{
	_cleanup_free_ char *p = hull_xasprintf ("%s/%s", dir, rel);
	FILE *f = fopen (p, "we");

	assert_non_null (f);
	fputs (text, f);
	fclose (f);
}

static int
setup (void **state)
{
	_cleanup_free_ char *etc = NULL;

	snprintf (dir, sizeof dir, "/tmp/hull-test-bundle.XXXXXX");
	if (mkdtemp (dir) == NULL)
		return -1;
	etc = hull_xasprintf ("%s/etc", dir);
	mkdir (etc, 0755);
	put ("etc/passwd", "# comment\nroot:x:0:0:root:/root:/bin/sh\n\n"
			   "app:x:1000:1001:App:/home/app:/bin/sh\n");
	put ("etc/group", "root:x:0:\napp:x:1001:\nstaff:x:50:app\nwheel:x:10:root2,app\n");
	rootfd = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return rootfd < 0 ? -1 : 0;
}

static int
teardown (void **state)
{
	hull_error_t err = { 0 };
	_cleanup_close_ int t = open ("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	close (rootfd);
	return hull_image_remove_tree (t, dir + 5, &err);
}

static void
test_user_lookup (void **state)
{
	hull_error_t err = { 0 };
	struct hull_image_user u;

	assert_int_equal (hull_image_user_lookup (rootfd, "app", &u, &err), 0);
	assert_int_equal (u.uid, 1000);
	assert_int_equal (u.gid, 1001);
	assert_string_equal (u.home, "/home/app");
	assert_int_equal (u.n_groups, 2); /* staff and wheel list app */
	assert_int_equal (u.groups[0], 50);
	assert_int_equal (u.groups[1], 10);
	hull_image_user_clear (&u);
	assert_int_equal (hull_image_user_lookup (rootfd, "app:staff", &u, &err), 0);
	assert_int_equal (u.gid, 50);
	hull_image_user_clear (&u);
	assert_int_equal (hull_image_user_lookup (rootfd, "1000", &u, &err), 0);
	assert_int_equal (u.gid, 1001); /* a number in passwd gets its group, and its groups */
	assert_int_equal (u.n_groups, 2);
	hull_image_user_clear (&u);
	assert_int_equal (hull_image_user_lookup (rootfd, "root", &u, &err), 0);
	assert_int_equal (u.n_groups, 0);
	hull_image_user_clear (&u);
	assert_int_equal (hull_image_user_lookup (rootfd, "4242:7", &u, &err), 0);
	assert_int_equal (u.uid, 4242);
	assert_int_equal (u.gid, 7);
	assert_null (u.home);
	hull_image_user_clear (&u);
	assert_int_equal (hull_image_user_lookup (rootfd, "4243", &u, &err), 0);
	assert_int_equal (u.gid, 0);
	assert_true (hull_image_user_lookup (rootfd, "nobody", &u, &err) < 0);
	assert_string_equal (err.msg, "user `nobody`: not found in the image's /etc/passwd");
	assert_true (hull_image_user_lookup (rootfd, "app:ghosts", &u, &err) < 0);
	assert_non_null (strstr (err.msg, "group `ghosts`"));
	assert_null (u.home); /* nothing left to free after an error */
	assert_true (hull_image_user_lookup (rootfd, "", &u, &err) < 0);
	assert_true (hull_image_user_lookup (rootfd, "app:", &u, &err) < 0);
	assert_true (hull_image_user_lookup (rootfd, "99999999999", &u, &err) < 0);
}

static void
test_user_hostile (void **state)
{
	_cleanup_free_ char *p = hull_xasprintf ("%s/etc/passwd", dir), *big = NULL;
	hull_error_t err = { 0 };
	struct hull_image_user u;

	put ("etc/passwd", "app:x:1000\n");
	assert_true (hull_image_user_lookup (rootfd, "app", &u, &err) < 0);
	assert_non_null (strstr (err.msg, "/etc/passwd:1: not 7 fields"));
	put ("etc/passwd", "app:x:1000:1000:a:/:/bin/sh:extra\n");
	assert_true (hull_image_user_lookup (rootfd, "app", &u, &err) < 0);
	put ("etc/passwd", "app:x:-1:1000:a:/:/bin/sh\n");
	assert_true (hull_image_user_lookup (rootfd, "app", &u, &err) < 0);
	/* Larger than the cap: refused before reading. */
	big = hull_xzalloc (HULL_IMAGE_PASSWD_MAX + 2);
	memset (big, '#', HULL_IMAGE_PASSWD_MAX + 1);
	put ("etc/passwd", big);
	assert_true (hull_image_user_lookup (rootfd, "app", &u, &err) < 0);
	assert_non_null (strstr (err.msg, "larger than"));
	/* A symlink to the host's file is never followed out of the rootfs. */
	unlink (p);
	assert_int_equal (symlink ("../../../../../etc/passwd", p), 0);
	assert_true (hull_image_user_lookup (rootfd, "root", &u, &err) < 0);
	unlink (p);
	assert_int_equal (mkfifo (p, 0644), 0); /* would block a plain read */
	assert_true (hull_image_user_lookup (rootfd, "root", &u, &err) < 0);
	unlink (p);
	assert_true (hull_image_user_lookup (rootfd, "root", &u, &err) < 0);
	assert_non_null (strstr (err.msg, "no /etc/passwd"));
	assert_int_equal (hull_image_user_lookup (rootfd, "0", &u, &err), 0);
	hull_image_user_clear (&u);
	/* A malformed /etc/group line is an error even when looking for members. */
	put ("etc/passwd", "app:x:1000:1000:a:/:/bin/sh\n");
	put ("etc/group", "staff:x:50\n");
	assert_true (hull_image_user_lookup (rootfd, "app", &u, &err) < 0);
	assert_non_null (strstr (err.msg, "/etc/group:1: not 4 fields"));
	put ("etc/group", "staff:x:fifty:app\n");
	assert_true (hull_image_user_lookup (rootfd, "app", &u, &err) < 0);
	/* 4294967295 is (uid_t) -1, setresuid's "unchanged": the process would stay root.
	 * Refused as a number, from passwd, from group, as a supplementary group. */
	put ("etc/passwd", "minus:x:4294967295:0:a:/:/bin/sh\nhigh:x:0:2147483648:a:/:/bin/sh\n"
			   "app:x:1000:1000:a:/:/bin/sh\n");
	put ("etc/group", "neg:x:4294967295:app\n");
	static const char *const bad[] = { "4294967295", "0:4294967295", "4294967295:0", "minus",
					   "high",	 "0:neg",	 "app" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_true (hull_image_user_lookup (rootfd, bad[i], &u, &err) < 0);
		assert_non_null (strstr (err.msg, "out of range"));
		assert_null (u.groups);
	}
	assert_int_equal (hull_image_user_lookup (rootfd, "2147483647:2147483647", &u, &err), 0);
	assert_int_equal (u.uid, 2147483647u);
	hull_image_user_clear (&u);
}

/* ---- the runtime config ---- */

static json_t *
build (const char *image_cfg, struct hull_image_run_opts *o, hull_error_t *err)
{
	_cleanup_free_ char *text = NULL;
	struct hull_image_config *ic = parse (image_cfg, err);
	struct hull_oci_config *cfg;
	json_t *j;

	assert_non_null (ic);
	o->rootfd = rootfd;
	o->rootfs = o->rootfs ? o->rootfs : "/some/rootfs";
	text = hull_image_bundle_config (ic, o, err);
	hull_image_config_free (ic);
	if (text == NULL)
		return NULL;
	/* What hull builds, hull's own parser and validator accept. */
	cfg = hull_oci_config_parse (text, strlen (text), "built", NULL, err);
	assert_non_null (cfg);
	if (hull_oci_config_validate (cfg, err) < 0)
		fail_msg ("%s", err->msg);
	hull_oci_config_free (cfg);
	j = json_loads (text, 0, NULL);
	assert_non_null (j);
	return j;
}

static const char *
jstr (json_t *j, const char *path)
{
	json_t *v = json_object_get (j, path);
	return json_string_value (v);
}

static bool
has_string (json_t *a, const char *s)
{
	size_t i;
	json_t *x;

	json_array_foreach (a, i, x)
		if (strcmp (json_string_value (x), s) == 0)
			return true;
	return false;
}

static void
test_bundle_image (void **state)
{
	hull_error_t err = { 0 };
	struct hull_image_run_opts o = { .read_only = true, .image_name = "localhost/x:1" };
	json_t *j = build (CFG ("{\"User\":\"app\",\"Env\":[\"A=1\",\"PATH=/x\"],\"Entrypoint\":"
				"[\"/e\"],\"Cmd\":[\"c\"],\"WorkingDir\":\"/w\",\"StopSignal\":"
				"\"SIGINT\",\"Labels\":{\"k\":\"v\",\"run.oci.hull.policy\":"
				"\"warn\",\"run.oci.hull.landlock\":\"x\"}}"),
			   &o, &err);
	json_t *p = json_object_get (j, "process"), *args = json_object_get (p, "args");
	json_t *env = json_object_get (p, "env"), *ann = json_object_get (j, "annotations");
	json_t *mounts = json_object_get (j, "mounts");
	bool run = false;
	size_t i;
	json_t *m;

	assert_non_null (j);
	assert_int_equal (json_array_size (args), 2);
	assert_string_equal (json_string_value (json_array_get (args, 0)), "/e");
	assert_string_equal (json_string_value (json_array_get (args, 1)), "c");
	assert_true (has_string (env, "A=1"));
	assert_true (has_string (env, "PATH=/x")); /* the image's PATH replaces the default */
	assert_false (has_string (env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
				       "/sbin:/bin"));
	assert_true (has_string (env, "HOME=/home/app"));
	assert_string_equal (jstr (p, "cwd"), "/w");
	assert_int_equal (json_integer_value (json_object_get (json_object_get (p, "user"), "uid")),
			  1000);
	{
		json_t *g = json_object_get (json_object_get (p, "user"), "additionalGids");
		assert_int_equal (json_array_size (g), 2);
		assert_int_equal (json_integer_value (json_array_get (g, 0)), 50);
	}
	assert_string_equal (jstr (ann, "k"), "v");
	assert_string_equal (jstr (ann, "org.opencontainers.image.stopSignal"), "SIGINT");
	assert_string_equal (jstr (ann, "run.oci.hull.policy"), "enforce"); /* not the label */
	assert_null (json_object_get (ann, "run.oci.hull.landlock"));
	assert_string_equal (jstr (ann, "run.oci.hull.image"), "localhost/x:1");
	assert_true (json_is_true (json_object_get (json_object_get (j, "root"), "readonly")));
	assert_string_equal (jstr (json_object_get (j, "root"), "path"), "/some/rootfs");
	json_array_foreach (mounts, i, m)
		run |= strcmp (jstr (m, "destination"), "/run") == 0;
	assert_true (run);
	assert_int_equal (
		json_array_size (json_object_get (json_object_get (p, "capabilities"), "bounding")),
		0);
	json_decref (j);
}

/* Labels become annotations next to hull's own: as many as the image may have still
 * make a runtime config hull accepts; one more is refused naming Labels. */
static void
test_bundle_many_labels (void **state)
{
	hull_error_t err = { 0 };
	struct hull_image_run_opts o = { .read_only = true, .image_name = "localhost/x:1" };
	size_t n = HULL_IMAGE_LABELS_MAX, len = 0;
	_cleanup_free_ char *labels = hull_xzalloc ((n + 1) * 16 + 1), *cfg = NULL;
	json_t *j;

	for (size_t i = 0; i < n; i++)
		len += (size_t) snprintf (labels + len, 16, "%s\"l%zu\":\"v\"", i ? "," : "", i);
	cfg = hull_xasprintf (CFG ("{\"Cmd\":[\"c\"],\"StopSignal\":\"SIGINT\",\"Labels\":{%s}}"),
			      labels);
	j = build (cfg, &o, &err);
	assert_non_null (j);
	assert_int_equal (json_object_size (json_object_get (j, "annotations")), n + 3);
	json_decref (j);
	free (cfg);
	snprintf (labels + len, 16, ",\"l%zu\":\"v\"", n);
	cfg = hull_xasprintf (CFG ("{\"Cmd\":[\"c\"],\"Labels\":{%s}}"), labels);
	refused (cfg, "Labels");
}

static void
test_bundle_options (void **state)
{
	const char *args[] = { "echo", "hi" }, *env[] = { "A=2", "B=3" };
	const char *add[] = { "net_bind_service", "CAP_CHOWN" }, *drop[] = { "chown" };
	struct hull_image_volume vols[] = { { "/src", "/dst", true } };
	struct hull_image_run_opts o = {
		.args = args,
		.n_args = 2,
		.env = env,
		.n_env = 2,
		.volumes = vols,
		.n_volumes = 1,
		.workdir = "/tmp",
		.user = "4242:7",
		.hostname = "h",
		.cap_add = add,
		.n_cap_add = 2,
		.cap_drop = drop,
		.n_cap_drop = 1,
		.read_only = false,
		.host_network = true,
		.terminal = true,
	};
	hull_error_t err = { 0 };
	json_t *j = build (CFG ("{\"Env\":[\"A=1\"],\"Entrypoint\":[\"/e\"],\"Cmd\":[\"c\"]}"), &o,
			   &err);
	json_t *p = json_object_get (j, "process"), *a = json_object_get (p, "args");
	json_t *caps = json_object_get (p, "capabilities"), *ns, *m;
	bool bind = false, run = false, net = false;
	size_t i;

	assert_non_null (j);
	assert_int_equal (json_array_size (a), 3); /* Entrypoint stays, Cmd replaced */
	assert_string_equal (json_string_value (json_array_get (a, 1)), "echo");
	assert_true (has_string (json_object_get (p, "env"), "A=2"));
	assert_false (has_string (json_object_get (p, "env"), "A=1"));
	assert_true (has_string (json_object_get (p, "env"), "HOME=/"));
	assert_string_equal (jstr (p, "cwd"), "/tmp");
	assert_true (json_is_true (json_object_get (p, "terminal")));
	assert_int_equal (json_integer_value (json_object_get (json_object_get (p, "user"), "gid")),
			  7);
	assert_true (has_string (json_object_get (caps, "bounding"), "CAP_NET_BIND_SERVICE"));
	assert_true (has_string (json_object_get (caps, "effective"), "CAP_CHOWN"));
	assert_string_equal (jstr (j, "hostname"), "h");
	assert_true (json_is_false (json_object_get (json_object_get (j, "root"), "readonly")));
	json_array_foreach (json_object_get (j, "mounts"), i, m) {
		if (strcmp (jstr (m, "destination"), "/dst") == 0)
			bind = strcmp (jstr (m, "source"), "/src") == 0 &&
			       has_string (json_object_get (m, "options"), "ro");
		run |= strcmp (jstr (m, "destination"), "/run") == 0;
	}
	assert_true (bind);
	assert_false (run); /* /run is the image's own when the root is writable */
	ns = json_object_get (json_object_get (j, "linux"), "namespaces");
	json_array_foreach (ns, i, m)
		net |= strcmp (jstr (m, "type"), "network") == 0;
	assert_false (net);
	json_decref (j);
}

static void
test_bundle_refused (void **state)
{
	hull_error_t err = { 0 };
	const char *bad_env[] = { "NOVALUE" }, *bad_cap[] = { "CAP_FLY" }, *all[] = { "ALL" };
	struct hull_image_volume rel[] = { { "/src", "dst", false } };
	struct hull_image_run_opts o = { .read_only = true };

	assert_null (build (CFG ("{}"), &o, &err));
	assert_non_null (strstr (err.msg, "no Entrypoint or Cmd"));
	o = (struct hull_image_run_opts){ .env = bad_env, .n_env = 1 };
	assert_null (build (CFG ("{\"Cmd\":[\"c\"]}"), &o, &err));
	o = (struct hull_image_run_opts){ .cap_add = bad_cap, .n_cap_add = 1 };
	assert_null (build (CFG ("{\"Cmd\":[\"c\"]}"), &o, &err));
	assert_non_null (strstr (err.msg, "CAP_FLY"));
	o = (struct hull_image_run_opts){ .cap_add = all, .n_cap_add = 1 };
	assert_null (build (CFG ("{\"Cmd\":[\"c\"]}"), &o, &err));
	o = (struct hull_image_run_opts){ .volumes = rel, .n_volumes = 1 };
	assert_null (build (CFG ("{\"Cmd\":[\"c\"]}"), &o, &err));
	o = (struct hull_image_run_opts){ .workdir = "/a/../b" };
	assert_null (build (CFG ("{\"Cmd\":[\"c\"]}"), &o, &err));
	o = (struct hull_image_run_opts){ 0 };
	assert_null (build (CFG ("{\"Cmd\":[\"c\"],\"User\":\"ghost\"}"), &o, &err));
	assert_non_null (strstr (err.msg, "ghost"));
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test (test_config_parse),
		cmocka_unit_test (test_config_hostile),
		cmocka_unit_test_setup_teardown (test_user_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown (test_user_hostile, setup, teardown),
		cmocka_unit_test_setup_teardown (test_bundle_image, setup, teardown),
		cmocka_unit_test_setup_teardown (test_bundle_options, setup, teardown),
		cmocka_unit_test_setup_teardown (test_bundle_many_labels, setup, teardown),
		cmocka_unit_test_setup_teardown (test_bundle_refused, setup, teardown),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
