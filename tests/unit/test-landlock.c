/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Landlock: the annotation parser (good and bad documents), the ABI mapping of
 * access sets, the checks against an ABI, the sandbox's default document, and a
 * real restriction in a forked child (skipped where the kernel has no Landlock). */
#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/xalloc.h"
#include "runtime/linux/landlock.h"

#define NAME "run.oci.hull.landlock"

static struct hull_landlock_ruleset *
parse (const char *text, hull_error_t *err)
{
	return hull_landlock_parse (text, strlen (text), NAME, err);
}

static void
test_parse_good (void **state)
{
	hull_error_t err = { 0 };
	struct hull_landlock_ruleset *r =
		parse ("{\"version\": 1, \"paths\": ["
		       "{\"path\": \"/usr\", \"access\": [\"read\", \"execute\"]},"
		       "{\"path\": \"/tmp\", \"access\": [\"read\", \"write\"]},"
		       "{\"path\": \"/dev/null\", \"access\": [\"write_file\", \"truncate\"]}],"
		       "\"net\": {\"bind\": [8080], \"connect\": [80, 443]},"
		       "\"scope\": [\"signal\"]}",
		       &err);

	(void) state;
	assert_non_null (r);
	assert_int_equal (r->version, 1);
	assert_int_equal (r->n_paths, 3);
	assert_string_equal (r->paths[0].path, "/usr");
	assert_true (r->paths[0].access ==
		     (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR |
		      LANDLOCK_ACCESS_FS_EXECUTE));
	/* "execute" names one right: it must be enforceable; "read" is a set. */
	assert_true (r->paths[0].strict == LANDLOCK_ACCESS_FS_EXECUTE);
	assert_true (r->paths[1].access & LANDLOCK_ACCESS_FS_MAKE_REG);
	assert_true (r->paths[1].access & LANDLOCK_ACCESS_FS_REFER);
	assert_true (r->paths[1].strict == 0);
	assert_true (r->paths[2].strict == (LANDLOCK_ACCESS_FS_WRITE_FILE | (1ULL << 14)));
	assert_true (r->has_net);
	assert_int_equal (r->net.n_ports, 3);
	assert_int_equal (r->net.ports[0].port, 8080);
	assert_int_equal (r->net.ports[0].access, 1); /* BIND_TCP */
	assert_int_equal (r->net.ports[2].access, 2); /* CONNECT_TCP */
	assert_int_equal (r->scoped, 2);	      /* SCOPE_SIGNAL */
	hull_landlock_ruleset_free (r);
	/* The minimum, and "net": {} (deny every TCP bind and connect). */
	r = parse ("{\"version\":1,\"paths\":[],\"net\":{}}", &err);
	assert_non_null (r);
	assert_true (r->has_net);
	assert_int_equal (r->net.n_ports, 0);
	hull_landlock_ruleset_free (r);
	assert_null (hull_landlock_ruleset_free (NULL));
}

static const struct {
	const char *doc;
	const char *want; /* substring of the message */
} bad_docs[] = {
	{ "{\"version\": 1, \"paths\": [{\"path\": \"/x\", \"access\": [\"reed\"]}]}",
	  "paths[0].access[0]: unknown access right `reed`" },
	{ "{\"version\": 1, \"paths\": [{\"path\": \"x/y\", \"access\": [\"read\"]}]}",
	  "paths[0]: path `x/y` is not a clean absolute path" },
	{ "{\"version\": 1, \"paths\": [{\"path\": \"/a/../b\", \"access\": [\"read\"]}]}",
	  "not a clean absolute path" },
	{ "{\"version\": 1, \"version\": 1, \"paths\": []}", "duplicate object key" },
	{ "{\"version\": 1,\n \"paths\": [}", NAME ":2:" },
	{ "{\"version\": \"1\", \"paths\": []}", "version" },
	{ "{\"version\": 2, \"paths\": []}", "only version 1" },
	{ "{\"paths\": []}", "version: required field missing" },
	{ "{\"version\": 1}", "paths: required field missing" },
	{ "{\"version\": 1, \"paths\": {}}", "paths: expected an array" },
	{ "{\"version\": 1, \"paths\": [{\"path\": \"/x\"}]}", "access: required field missing" },
	{ "{\"version\": 1, \"paths\": [{\"path\": \"/x\", \"access\": []}]}", "grants nothing" },
	{ "{\"version\": 1, \"paths\": [{\"path\": \"/x\", \"access\": \"read\"}]}",
	  "expected an array of strings" },
	{ "{\"version\": 1, \"paths\": [{\"path\": 5, \"access\": [\"read\"]}]}",
	  "path: expected a string" },
	{ "{\"version\": 1, \"paths\": [{\"path\": \"/x\", \"acces\": [\"read\"]}]}",
	  "access: required field missing" },
	{ "{\"version\": 1, \"paths\": [], \"nett\": {}}", "unknown key `nett`" },
	{ "{\"version\": 1, \"paths\": [], \"net\": {\"bind\": [70000]}}",
	  "net.bind[0]: expected a TCP port number" },
	{ "{\"version\": 1, \"paths\": [], \"net\": {\"connect\": [\"80\"]}}",
	  "net.connect[0]: expected a TCP port number" },
	{ "{\"version\": 1, \"paths\": [], \"net\": {\"listen\": [80]}}",
	  "unknown key `net.listen`" },
	{ "{\"version\": 1, \"paths\": [], \"scope\": [\"ptrace\"]}", "unknown scope `ptrace`" },
	{ "[1, 2]", "expected an object" },
};

static void
test_parse_bad (void **state)
{
	(void) state;
	for (size_t i = 0; i < sizeof bad_docs / sizeof bad_docs[0]; i++) {
		hull_error_t err = { 0 };
		struct hull_landlock_ruleset *r = parse (bad_docs[i].doc, &err);

		if (r != NULL || strstr (err.msg, bad_docs[i].want) == NULL)
			fail_msg ("doc %zu `%s`: got `%s`, want `%s`", i, bad_docs[i].doc, err.msg,
				  bad_docs[i].want);
	}
}

static void
test_parse_oversized (void **state)
{
	size_t n = HULL_LANDLOCK_DOC_MAX + 1;
	char *big = hull_xmalloc (n + 1);
	hull_error_t err = { 0 };

	(void) state;
	memset (big, ' ', n);
	big[n] = '\0';
	assert_null (hull_landlock_parse (big, n, NAME, &err));
	assert_non_null (strstr (err.msg, "more than the 65536 accepted"));
	free (big);
}

static void
test_abi_mapping (void **state)
{
	(void) state;
	assert_true (hull_landlock_fs_rights (0) == 0);
	assert_true (hull_landlock_fs_rights (1) == (1ULL << 13) - 1);
	assert_true (hull_landlock_fs_rights (2) == (1ULL << 14) - 1);
	assert_true (hull_landlock_fs_rights (3) == (1ULL << 15) - 1);
	assert_true (hull_landlock_fs_rights (4) == (1ULL << 15) - 1);
	assert_true (hull_landlock_fs_rights (5) == (1ULL << 16) - 1);
	assert_true (hull_landlock_fs_rights (7) == (1ULL << 16) - 1);
}

static void
check_case (const char *doc, int abi, const char *want)
{
	hull_error_t err = { 0 };
	struct hull_landlock_ruleset *r = parse (doc, &err);
	int rc;

	assert_non_null (r);
	rc = hull_landlock_check (r, abi, &err);
	if (want == NULL && rc != 0)
		fail_msg ("abi %d `%s`: unexpected `%s`", abi, doc, err.msg);
	if (want && (rc >= 0 || strstr (err.msg, want) == NULL))
		fail_msg ("abi %d `%s`: got `%s`, want `%s`", abi, doc, err.msg, want);
	hull_landlock_ruleset_free (r);
}

static void
test_check_abi (void **state)
{
	const char *write = "{\"version\":1,\"paths\":[{\"path\":\"/t\",\"access\":[\"write\"]}]}";
	const char *trunc =
		"{\"version\":1,\"paths\":[{\"path\":\"/t\",\"access\":[\"truncate\"]}]}";
	const char *net = "{\"version\":1,\"paths\":[],\"net\":{\"bind\":[1]}}";
	const char *scope = "{\"version\":1,\"paths\":[],\"scope\":[\"signal\"]}";

	(void) state;
	check_case (write, 0, "Landlock is not available");
	/* A compound set is mapped best effort onto an old ABI... */
	check_case (write, 1, NULL);
	/* ...a right named one by one must be enforceable. */
	check_case (trunc, 2,
		    "paths[0] (`/t`): right `truncate` needs Landlock ABI 3, the "
		    "kernel has 2");
	check_case (trunc, 3, NULL);
	check_case (net, 3, "net: TCP rules need Landlock ABI 4");
	check_case (net, 4, NULL);
	check_case (scope, 5, "scope: needs Landlock ABI 6");
	check_case (scope, 6, NULL);
}

static void
test_sandbox_document (void **state)
{
	struct hull_oci_config cfg = { 0 };
	struct hull_oci_mount mounts[3] = {
		{ .destination = "/proc", .type = "proc" },
		{ .destination = "/out", .type = "tmpfs" },
		{ .destination = "/src", .type = "bind", .bind = true, .flags = 1 /* MS_RDONLY */ },
	};
	hull_error_t err = { 0 };
	struct hull_landlock_ruleset *r;

	(void) state;
	if (hull_landlock_abi () < 1)
		skip ();
	cfg.mounts = mounts;
	cfg.n_mounts = 3;
	assert_int_equal (hull_landlock_sandbox_annotate (&cfg, 1, &err), 0);
	assert_int_equal (cfg.annotations.n, 1);
	assert_string_equal (cfg.annotations.v[0].key, NAME);
	r = parse (cfg.annotations.v[0].value, &err);
	assert_non_null (r);
	assert_string_equal (r->paths[0].path, "/");
	assert_string_equal (r->paths[1].path, "/tmp");
	/* /out (a writable tmpfs) is granted, /src (read-only) and /proc are not. */
	assert_string_equal (r->paths[r->n_paths - 1].path, "/out");
	for (size_t i = 0; i < r->n_paths; i++)
		assert_string_not_equal (r->paths[i].path, "/src");
	hull_landlock_ruleset_free (r);
	free (cfg.annotations.v[0].key);
	free (cfg.annotations.v[0].value);
	free (cfg.annotations.v);
}

/* In a child: read-only on `dir`, then a read must work and a write fail EACCES. */
static int
restricted_child (const char *dir)
{
	char doc[512], file[256];
	hull_error_t err = { 0 };
	struct hull_landlock_ruleset *r;
	int fd;

	snprintf (doc, sizeof doc,
		  "{\"version\":1,\"paths\":[{\"path\":\"%s\",\"access\":[\"read\"]}]}", dir);
	snprintf (file, sizeof file, "%s/f", dir);
	r = parse (doc, &err);
	if (r == NULL || hull_landlock_check (r, hull_landlock_abi_in_use (), &err) < 0)
		return 10;
	fd = hull_landlock_build (r, hull_landlock_abi_in_use (), &err);
	hull_landlock_ruleset_free (r);
	if (fd < 0 || prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    hull_landlock_restrict (fd, &err) < 0)
		return 11;
	fd = open (file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 12;
	close (fd);
	if (open (file, O_WRONLY | O_CLOEXEC) >= 0 || errno != EACCES)
		return 13;
	if (open (file, O_RDONLY | O_CLOEXEC | O_TRUNC) >= 0)
		return 14;
	if (mkdir ("/tmp/hull-landlock-outside", 0700) == 0 || errno != EACCES)
		return 15; /* outside the only rule: nothing at all */
	return 0;
}

static void
test_restrict_child (void **state)
{
	char dir[] = "/tmp/hull-test-landlock-XXXXXX";
	char file[64];
	int status = 0, fd;
	pid_t pid;

	(void) state;
	if (hull_landlock_abi () < 1)
		skip ();
	assert_non_null (mkdtemp (dir));
	snprintf (file, sizeof file, "%s/f", dir);
	fd = open (file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true (fd >= 0);
	close (fd);
	pid = fork ();
	assert_true (pid >= 0);
	if (pid == 0)
		_exit (restricted_child (dir));
	assert_int_equal (waitpid (pid, &status, 0), pid);
	unlink (file);
	rmdir (dir);
	assert_true (WIFEXITED (status));
	assert_int_equal (WEXITSTATUS (status), 0);
}

static void
test_build_missing_path (void **state)
{
	hull_error_t err = { 0 };
	struct hull_landlock_ruleset *r =
		parse ("{\"version\":1,\"paths\":[{\"path\":\"/nonexistent-hull\","
		       "\"access\":[\"read\"]}]}",
		       &err);

	(void) state;
	if (hull_landlock_abi () < 1)
		skip ();
	assert_non_null (r);
	assert_true (hull_landlock_build (r, hull_landlock_abi_in_use (), &err) < 0);
	assert_non_null (strstr (err.msg, "paths[0]: open `/nonexistent-hull`"));
	hull_landlock_ruleset_free (r);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test (test_parse_good),	 cmocka_unit_test (test_parse_bad),
		cmocka_unit_test (test_parse_oversized), cmocka_unit_test (test_abi_mapping),
		cmocka_unit_test (test_check_abi),	 cmocka_unit_test (test_sandbox_document),
		cmocka_unit_test (test_restrict_child),	 cmocka_unit_test (test_build_missing_path),
	};

	return cmocka_run_group_tests (tests, NULL, NULL);
}
