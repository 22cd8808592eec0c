/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hull_hooks_run: real hook processes (small shell scripts written at test time) in a
 * scratch directory. No root needed. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <seccomp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/parse.h"
#include "common/xalloc.h"
#include "runtime/hooks.h"

#define STATE "{\"ociVersion\":\"1.2.0\",\"id\":\"c1\",\"status\":\"creating\",\"pid\":42}"

static char dir[PATH_MAX];

static int
setup (void **st)
{
	snprintf (dir, sizeof dir, "/tmp/hull-test-hooks-XXXXXX");
	return mkdtemp (dir) ? 0 : -1;
}

static int
teardown (void **st)
{
	DIR *d = opendir (dir);
	struct dirent *e;

	if (d == NULL)
		return -1;
	while ((e = readdir (d)) != NULL)
		if (strcmp (e->d_name, ".") != 0 && strcmp (e->d_name, "..") != 0)
			unlinkat (dirfd (d), e->d_name, 0);
	closedir (d);
	return rmdir (dir);
}

/* `dir`/name, allocated. */
static char *
in_dir (const char *name)
{
	return hull_xasprintf ("%s/%s", dir, name);
}

/* Write an executable `#!/bin/sh` script; returns its path. */
static char *
script (const char *name, const char *body)
{
	char *p = in_dir (name);
	FILE *f = fopen (p, "we");

	assert_non_null (f);
	fprintf (f, "#!/bin/sh\n%s\n", body);
	assert_int_equal (fclose (f), 0);
	assert_int_equal (chmod (p, 0755), 0);
	return p;
}

/* Whole file, NUL-terminated (NUL bytes inside are kept); *len gets its size. */
static char *
slurp (const char *path, size_t *len)
{
	FILE *f = fopen (path, "re");
	char *buf = NULL;
	size_t n = 0, cap = 0;

	assert_non_null (f);
	for (;;) {
		if (cap - n < 4096)
			buf = hull_xrealloc (buf, cap = cap * 2 + 4096);
		size_t r = fread (buf + n, 1, cap - n - 1, f);
		if (r == 0)
			break;
		n += r;
	}
	fclose (f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

static bool
exists (const char *path)
{
	return access (path, F_OK) == 0;
}

/* A hook `path` with args {argv0, a1, NULL} (argv0 NULL: no args). */
static struct hull_oci_hook
hook (char *path, char *argv0, char *a1)
{
	static char *argv[8][3];
	static int slot;
	struct hull_oci_hook h = { .path = path };

	if (argv0) {
		char **v = argv[slot++ % 8];
		v[0] = argv0, v[1] = a1, v[2] = NULL;
		h.args.v = v;
		h.args.n = a1 ? 2 : 1;
	}
	return h;
}

static void
expect_error (int r, const hull_error_t *err, const char *needle)
{
	assert_int_equal (r < 0, 1);
	if (strstr (err->msg, needle) == NULL)
		fail_msg ("error `%s` does not contain `%s`", err->msg, needle);
}

static double
now (void)
{
	struct timespec t;
	clock_gettime (CLOCK_MONOTONIC, &t);
	return (double) t.tv_sec + (double) t.tv_nsec / 1e9;
}

static void
test_state_on_stdin (void **st)
{
	_cleanup_free_ char *path = script ("h", "cat > \"$1\"");
	_cleanup_free_ char *out = in_dir ("out");
	_cleanup_free_ char *got = NULL;
	struct hull_oci_hook h = hook (path, "h", out);
	hull_error_t err = { 0 };

	assert_int_equal (hull_hooks_run (&h, 1, "createRuntime", STATE, &err), 0);
	got = slurp (out, NULL);
	assert_string_equal (got, STATE);
}

/* args are passed verbatim, args[0] included: /proc/<sh>/cmdline shows the argv the
 * kernel got (a script's own $0 would be the interpreter's view). */
static void
test_args_verbatim (void **st)
{
	_cleanup_free_ char *out = in_dir ("out");
	_cleanup_free_ char *got = NULL;
	char *argv[] = { "custom-argv0", "-c", "tr '\\000' '\\n' < /proc/$$/cmdline > \"$1\"",
			 "zero",	 out,  NULL };
	struct hull_oci_hook h = { .path = "/bin/sh", .args = { argv, 5 } };
	hull_error_t err = { 0 };
	_cleanup_free_ char *want = NULL;

	assert_int_equal (hull_hooks_run (&h, 1, "prestart", STATE, &err), 0);
	got = slurp (out, NULL);
	want = hull_xasprintf ("custom-argv0\n-c\n%s\nzero\n%s\n", argv[2], out);
	assert_string_equal (got, want);
}

/* No args: argv is {path}. */
static void
test_default_argv (void **st)
{
	_cleanup_free_ char *out = in_dir ("out");
	_cleanup_free_ char *body = hull_xasprintf ("echo \"$0|$#\" > %s", out);
	_cleanup_free_ char *path = script ("h", body);
	_cleanup_free_ char *got = NULL, *want = NULL;
	struct hull_oci_hook h = hook (path, NULL, NULL);
	hull_error_t err = { 0 };

	assert_int_equal (hull_hooks_run (&h, 1, "prestart", STATE, &err), 0);
	got = slurp (out, NULL);
	want = hull_xasprintf ("%s|0\n", path);
	assert_string_equal (got, want);
}

/* The environment is exactly the hook's env (empty when absent), nothing inherited. */
static void
test_env_exact (void **st)
{
	_cleanup_free_ char *out = in_dir ("out");
	_cleanup_free_ char *got = NULL;
	char *argv[] = { "sh", "-c", "cat /proc/$$/environ > \"$1\"", "sh", out, NULL };
	char *env[] = { "A=1", "B=two words", NULL };
	struct hull_oci_hook h = { .path = "/bin/sh", .args = { argv, 5 }, .env = { env, 2 } };
	hull_error_t err = { 0 };
	size_t len;

	setenv ("HULL_TEST_LEAK", "1", 1);
	assert_int_equal (hull_hooks_run (&h, 1, "prestart", STATE, &err), 0);
	got = slurp (out, &len);
	assert_int_equal (len, sizeof "A=1\0B=two words");
	assert_memory_equal (got, "A=1\0B=two words", len);

	free (got);
	h.env = (struct hull_strv){ NULL, 0 };
	assert_int_equal (hull_hooks_run (&h, 1, "prestart", STATE, &err), 0);
	got = slurp (out, &len);
	assert_int_equal (len, 0);
	unsetenv ("HULL_TEST_LEAK");
}

static void
test_exit_status (void **st)
{
	_cleanup_free_ char *path = script ("h", "exit 3");
	_cleanup_free_ char *want =
		hull_xasprintf ("createRuntime hook 0 `%s`: exited with status 3", path);
	struct hull_oci_hook h = hook (path, NULL, NULL);
	hull_error_t err = { 0 };

	expect_error (hull_hooks_run (&h, 1, "createRuntime", STATE, &err), &err, want);
	assert_string_equal (err.msg, want);
}

static void
test_killed_by_signal (void **st)
{
	_cleanup_free_ char *path = script ("h", "kill -KILL $$");
	struct hull_oci_hook hs[2] = { hook ("/bin/true", NULL, NULL), hook (path, NULL, NULL) };
	_cleanup_free_ char *want =
		hull_xasprintf ("poststart hook 1 `%s`: killed by signal 9", path);
	hull_error_t err = { 0 };

	expect_error (hull_hooks_run (hs, 2, "poststart", STATE, &err), &err, want);
	assert_string_equal (err.msg, want);
}

/* True while `pid` exists and is not a zombie. */
static bool
alive (pid_t pid)
{
	char p[64], buf[512];
	_cleanup_fclose_ FILE *f = NULL;
	char *rp;

	snprintf (p, sizeof p, "/proc/%d/stat", (int) pid);
	f = fopen (p, "re");
	if (f == NULL || fgets (buf, sizeof buf, f) == NULL)
		return false;
	rp = strrchr (buf, ')');
	return rp && rp[1] == ' ' && rp[2] != 'Z' && rp[2] != 'X';
}

/* The hook and the child it started are killed when the timeout passes. */
static void
test_timeout_kills_group (void **st)
{
	_cleanup_free_ char *out = in_dir ("pid");
	_cleanup_free_ char *path = script ("h", "sleep 10 &\necho $! > \"$1\"\nwait");
	_cleanup_free_ char *got = NULL;
	struct hull_oci_hook h = hook (path, "h", out);
	hull_error_t err = { 0 };
	double t0 = now (), dt;
	int child;

	h.has_timeout = true;
	h.timeout = 1;
	expect_error (hull_hooks_run (&h, 1, "createContainer", STATE, &err), &err,
		      "`: timed out after 1 s");
	dt = now () - t0;
	assert_true (dt >= 0.9 && dt < 3.0);
	got = slurp (out, NULL);
	got[strcspn (got, "\n")] = '\0';
	assert_int_equal (hull_parse_int (got, &child, "pid", &err), 0);
	assert_true (child > 0);
	for (int i = 0; i < 200 && alive (child); i++)
		usleep (10000);
	assert_false (alive (child));
}

/* A hook that finishes in time is not affected by its timeout. */
static void
test_timeout_not_reached (void **st)
{
	struct hull_oci_hook h = hook ("/bin/true", NULL, NULL);
	hull_error_t err = { 0 };

	h.has_timeout = true;
	h.timeout = 5;
	assert_int_equal (hull_hooks_run (&h, 1, "prestart", STATE, &err), 0);
}

static void
test_missing_path (void **st)
{
	struct hull_oci_hook h = hook ("/nonexistent/hook", NULL, NULL);
	hull_error_t err = { 0 };

	expect_error (hull_hooks_run (&h, 1, "startContainer", STATE, &err), &err, "");
	assert_string_equal (err.msg, "startContainer hook 0 `/nonexistent/hook`: exec: No such "
				      "file or directory");
}

static void
test_not_executable (void **st)
{
	_cleanup_free_ char *path = script ("h", "exit 0");
	struct hull_oci_hook h = hook (path, NULL, NULL);
	hull_error_t err = { 0 };

	assert_int_equal (chmod (path, 0644), 0);
	expect_error (hull_hooks_run (&h, 1, "prestart", STATE, &err), &err,
		      "`: exec: Permission denied");
}

static char *
big_state (size_t n)
{
	char *s = hull_xmalloc (n + 1);

	memset (s, 'x', n);
	s[0] = '"', s[n - 1] = '"', s[n] = '\0';
	return s;
}

/* 1 MiB of state to hooks that never read it: no deadlock, no SIGPIPE, and the caller's
 * signal mask is left as it was. */
static void
test_large_state_unread (void **st)
{
	_cleanup_free_ char *state = big_state (1 << 20);
	_cleanup_free_ char *slow = script ("slow", "sleep 0.3\nexit 0");
	_cleanup_free_ char *never = script ("never", "exec sleep 10");
	struct hull_oci_hook hs[3] = { hook ("/bin/true", NULL, NULL), hook (slow, NULL, NULL),
				       hook (never, NULL, NULL) };
	hull_error_t err = { 0 };
	sigset_t before, after, pending;
	double t0;

	sigprocmask (SIG_SETMASK, NULL, &before);
	assert_int_equal (hull_hooks_run (hs, 2, "poststop", state, &err), 0);
	/* A hook that never reads and never exits: only the timeout ends it. */
	hs[2].has_timeout = true;
	hs[2].timeout = 1;
	t0 = now ();
	expect_error (hull_hooks_run (&hs[2], 1, "poststop", state, &err), &err, "timed out");
	assert_true (now () - t0 < 3.0);
	sigprocmask (SIG_SETMASK, NULL, &after);
	assert_int_equal (sigismember (&after, SIGPIPE), sigismember (&before, SIGPIPE));
	sigpending (&pending);
	assert_int_equal (sigismember (&pending, SIGPIPE), 0);
}

static void
test_large_state_read (void **st)
{
	_cleanup_free_ char *state = big_state (1 << 20);
	_cleanup_free_ char *path = script ("h", "cat > \"$1\"");
	_cleanup_free_ char *out = in_dir ("out");
	_cleanup_free_ char *got = NULL;
	struct hull_oci_hook h = hook (path, "h", out);
	hull_error_t err = { 0 };
	size_t len;

	assert_int_equal (hull_hooks_run (&h, 1, "prestart", state, &err), 0);
	got = slurp (out, &len);
	assert_int_equal (len, 1 << 20);
	assert_memory_equal (got, state, len);
}

/* Hooks run in order and the first failure stops the rest. */
static void
test_stop_at_first_failure (void **st)
{
	_cleanup_free_ char *a = in_dir ("a"), *c = in_dir ("c");
	_cleanup_free_ char *touch = script ("touch", "echo x > \"$1\"");
	_cleanup_free_ char *fail = script ("fail", "exit 1");
	struct hull_oci_hook hs[3] = { hook (touch, "t", a), hook (fail, NULL, NULL),
				       hook (touch, "t", c) };
	hull_error_t err = { 0 };

	expect_error (hull_hooks_run (hs, 3, "createRuntime", STATE, &err), &err,
		      "createRuntime hook 1 `");
	assert_true (exists (a));
	assert_false (exists (c));
}

static void
test_no_hooks (void **st)
{
	hull_error_t err = { 0 };

	assert_int_equal (hull_hooks_run (NULL, 0, "prestart", STATE, &err), 0);
}

/* Ignored signals in the runtime are not ignored in the hook. */
static void
test_signal_dispositions_reset (void **st)
{
	_cleanup_free_ char *path = script ("h", "kill -TERM $$\nexit 0");
	struct hull_oci_hook h = hook (path, NULL, NULL);
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	hull_error_t err = { 0 };
	int r;

	sigaction (SIGTERM, &ign, &old);
	r = hull_hooks_run (&h, 1, "prestart", STATE, &err);
	sigaction (SIGTERM, &old, NULL);
	expect_error (r, &err, "killed by signal 15");
}

/* Swap `fd` for a fresh file; returns the saved original. */
static int
redirect (int fd, const char *path)
{
	int saved = fcntl (fd, F_DUPFD_CLOEXEC, 10);
	int f = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	assert_true (saved >= 0 && f >= 0);
	assert_int_equal (dup3 (f, fd, 0), fd); /* check-style: allow test redirection */
	close (f);
	return saved;
}

static void
restore (int saved, int fd)
{
	assert_int_equal (dup3 (saved, fd, 0), fd); /* check-style: allow test restore */
	close (saved);
}

/* The hook's stdout goes to the runtime's stderr, never to its stdout (the container's
 * stdout, which conmon parses). */
static void
test_stdout_to_stderr (void **st)
{
	_cleanup_free_ char *o = in_dir ("stdout"), *e = in_dir ("stderr");
	_cleanup_free_ char *path = script ("h", "echo to-stdout\necho to-stderr >&2");
	_cleanup_free_ char *got_o = NULL, *got_e = NULL;
	struct hull_oci_hook h = hook (path, NULL, NULL);
	hull_error_t err = { 0 };
	int so, se, r;

	fflush (stdout);
	fflush (stderr);
	so = redirect (1, o);
	se = redirect (2, e);
	r = hull_hooks_run (&h, 1, "poststart", STATE, &err);
	restore (so, 1);
	restore (se, 2);
	assert_int_equal (r, 0);
	got_o = slurp (o, NULL);
	got_e = slurp (e, NULL);
	assert_string_equal (got_o, "");
	assert_string_equal (got_e, "to-stdout\nto-stderr\n");
}

/* run.c blocks SIGCHLD for the container's lifetime: hooks must still be waited for, and
 * must themselves start with an empty mask. grep reads its own mask (a shell would show
 * the mask it blocks around its own forks and waits); the shell then waits for a child of
 * its own, with SIGCHLD unblocked. */
static void
test_sigchld_blocked (void **st)
{
	_cleanup_free_ char *e = in_dir ("stderr");
	_cleanup_free_ char *path = script ("h", "sleep 0.1 & wait\nexit 4");
	_cleanup_free_ char *got = NULL;
	char *grep_argv[] = { "grep", "SigBlk", "/proc/self/status", NULL };
	struct hull_oci_hook hs[3] = { hook ("/bin/true", NULL, NULL),
				       { .path = "/bin/grep", .args = { grep_argv, 3 } },
				       hook (path, NULL, NULL) };
	hull_error_t err = { 0 };
	sigset_t chld, old;
	int se, r;

	sigemptyset (&chld);
	sigaddset (&chld, SIGCHLD);
	sigaddset (&chld, SIGTERM);
	sigprocmask (SIG_BLOCK, &chld, &old);
	hs[2].has_timeout = true;
	hs[2].timeout = 5;
	fflush (stderr);
	se = redirect (2, e);
	r = hull_hooks_run (hs, 3, "poststart", STATE, &err);
	restore (se, 2);
	sigprocmask (SIG_SETMASK, &old, NULL);
	expect_error (r, &err, "poststart hook 2 `");
	expect_error (r, &err, "exited with status 4");
	got = slurp (e, NULL);
	assert_string_equal (got, "SigBlk:\t0000000000000000\n");
}

/* With fd 0 closed in the runtime, pipe2 hands out fd 0 itself: stdin must still be the
 * state. */
static void
test_runtime_stdin_closed (void **st)
{
	_cleanup_free_ char *path = script ("h", "cat > \"$1\"");
	_cleanup_free_ char *out = in_dir ("out");
	_cleanup_free_ char *got = NULL;
	struct hull_oci_hook h = hook (path, "h", out);
	hull_error_t err = { 0 };
	int saved = fcntl (0, F_DUPFD_CLOEXEC, 10);
	int r;

	assert_true (saved >= 0);
	close (0);
	r = hull_hooks_run (&h, 1, "prestart", STATE, &err);
	restore (saved, 0);
	assert_int_equal (r, 0);
	got = slurp (out, NULL);
	assert_string_equal (got, STATE);
}

/* An fd the runtime forgot to mark close-on-exec does not reach the hook. */
static void
test_fds_not_leaked (void **st)
{
	_cleanup_free_ char *out = in_dir ("out");
	_cleanup_free_ char *got = NULL;
	char *argv[] = { "sh", "-c", "ls /proc/$$/fd > \"$1\"", "sh", out, NULL };
	struct hull_oci_hook h = { .path = "/bin/sh", .args = { argv, 5 } };
	hull_error_t err = { 0 };
	int leak = fcntl (2, F_DUPFD, 57); /* check-style: allow the leak under test */

	assert_int_equal (leak, 57);
	assert_int_equal (hull_hooks_run (&h, 1, "prestart", STATE, &err), 0);
	close (leak);
	got = slurp (out, NULL);
	/* ls sorts as text: "0", "1", "10" (the shell's own), "2", ... */
	assert_null (strstr (got, "\n57\n"));
	assert_int_equal (strncmp (got, "0\n1\n", 4), 0);
}

/* In a child with pidfd_open failing as on kernels before 5.3: the waitpid (WNOHANG)
 * fallback must give the same results. Returns 0, or the number of the failed check. */
static int
fallback_checks (void)
{
	_cleanup_free_ char *cat = script ("cat", "cat > \"$1\"");
	_cleanup_free_ char *fail = script ("fail", "exit 5");
	_cleanup_free_ char *slow = script ("slow", "exec sleep 10");
	_cleanup_free_ char *out = in_dir ("out");
	_cleanup_free_ char *got = NULL;
	struct hull_oci_hook hs[3] = { hook (cat, "cat", out), hook (fail, NULL, NULL),
				       hook (slow, NULL, NULL) };
	scmp_filter_ctx ctx = seccomp_init (SCMP_ACT_ALLOW);
	hull_error_t err = { 0 };
	double t0;

	if (ctx == NULL ||
	    seccomp_rule_add (ctx, SCMP_ACT_ERRNO (ENOSYS),
			      seccomp_syscall_resolve_name ("pidfd_open"), 0) < 0 ||
	    seccomp_load (ctx) < 0)
		return 1;
	seccomp_release (ctx);
	if (hull_hooks_run (hs, 1, "prestart", STATE, &err) < 0)
		return 2;
	got = slurp (out, NULL);
	if (strcmp (got, STATE) != 0)
		return 3;
	if (hull_hooks_run (hs, 2, "prestart", STATE, &err) >= 0 ||
	    strstr (err.msg, "hook 1 `") == NULL ||
	    strstr (err.msg, "exited with status 5") == NULL)
		return 4;
	hs[2].has_timeout = true;
	hs[2].timeout = 1;
	t0 = now ();
	if (hull_hooks_run (&hs[2], 1, "prestart", STATE, &err) >= 0 ||
	    strstr (err.msg, "timed out after 1 s") == NULL || now () - t0 > 3.0)
		return 5;
	return 0;
}

static void
test_without_pidfd (void **st)
{
	pid_t pid = fork ();
	int status;

	assert_true (pid >= 0);
	if (pid == 0)
		_exit (fallback_checks ());
	assert_int_equal (waitpid (pid, &status, 0), pid);
	assert_true (WIFEXITED (status));
	assert_int_equal (WEXITSTATUS (status), 0);
}

#define T(fn) cmocka_unit_test_setup_teardown (fn, setup, teardown)

int
main (void)
{
	const struct CMUnitTest tests[] = {
		T (test_state_on_stdin),	T (test_args_verbatim),
		T (test_default_argv),		T (test_env_exact),
		T (test_exit_status),		T (test_killed_by_signal),
		T (test_timeout_kills_group),	T (test_timeout_not_reached),
		T (test_missing_path),		T (test_not_executable),
		T (test_large_state_unread),	T (test_large_state_read),
		T (test_stop_at_first_failure), T (test_no_hooks),
		T (test_sigchld_blocked),	T (test_signal_dispositions_reset),
		T (test_stdout_to_stderr),	T (test_runtime_stdin_closed),
		T (test_fds_not_leaked),	T (test_without_pidfd),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
