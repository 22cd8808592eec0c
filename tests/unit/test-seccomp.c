/* SPDX-License-Identifier: GPL-2.0-or-later */
/* linux.seccomp: compile profiles (podman's, small ones, bad ones) and load them in
 * forked children that report what the filter did. No root needed: each child sets
 * no_new_privs before loading. */
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "hull/oci.h"
#include "runtime/linux/seccomp.h"

HULL_DEFINE_CLEANUP (struct hull_oci_config, hull_oci_config_free)

static char *
read_file (const char *path, size_t *len)
{
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

/* A config whose linux.seccomp is `profile` (JSON text). */
static struct hull_oci_config *
parse_profile (const char *profile)
{
	_cleanup_free_ char *text =
		hull_xasprintf ("{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"},"
				"\"linux\":{\"seccomp\":%s}}",
				profile);
	hull_error_t err = { 0 };
	struct hull_oci_config *cfg =
		hull_oci_config_parse (text, strlen (text), "test", NULL, &err);

	if (cfg == NULL)
		fail_msg ("%s: %s", profile, err.msg);
	return cfg;
}

static struct hull_seccomp_prog *
compile_ok (const char *profile)
{
	_cleanup_ (hull_oci_config_freep) struct hull_oci_config *cfg = parse_profile (profile);
	struct hull_seccomp_prog *p = NULL;
	hull_error_t err = { 0 };

	if (hull_seccomp_compile (&cfg->linux_.seccomp, &p, &err) < 0)
		fail_msg ("%s: %s", profile, err.msg);
	assert_non_null (p);
	assert_true (p->len > 0);
	return p;
}

/* Compile a (possibly patched) config expecting an error containing `needle`. */
static void
compile_fails (const struct hull_oci_config *cfg, const char *needle)
{
	struct hull_seccomp_prog *p = NULL;
	hull_error_t err = { 0 };

	assert_true (hull_seccomp_compile (&cfg->linux_.seccomp, &p, &err) < 0);
	assert_null (p);
	if (strstr (err.msg, needle) == NULL)
		fail_msg ("expected `%s` in `%s`", needle, err.msg);
}

static void
compile_json_fails (const char *profile, const char *needle)
{
	_cleanup_ (hull_oci_config_freep) struct hull_oci_config *cfg = parse_profile (profile);

	compile_fails (cfg, needle);
}

typedef int (*child_fn) (void);

/* Fork; the child sets no_new_privs, loads `p` and returns fn()'s value as its exit
 * status. Returns the raw wait status. */
static int
run_filtered (const struct hull_seccomp_prog *p, child_fn fn)
{
	int status;
	pid_t pid = fork ();

	assert_true (pid >= 0);
	if (pid == 0) {
		hull_error_t err = { 0 };

		if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit (100);
		if (hull_seccomp_load (p, NULL, &err) < 0)
			_exit (101);
		_exit (fn ());
	}
	assert_int_equal (waitpid (pid, &status, 0), pid);
	return status;
}

static void
assert_exit0 (int status)
{
	if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
		fail_msg ("child: status %#x (exit %d, signal %d)", status,
			  WIFEXITED (status) ? WEXITSTATUS (status) : -1,
			  WIFSIGNALED (status) ? WTERMSIG (status) : -1);
}

#define ALLOW_ALL "\"defaultAction\":\"SCMP_ACT_ALLOW\""

static void
test_absent (void **state)
{
	struct hull_oci_seccomp none = { 0 };
	struct hull_seccomp_prog *p = (void *) 1;
	hull_error_t err = { 0 };

	assert_int_equal (hull_seccomp_compile (&none, &p, &err), 0);
	assert_null (p);
	assert_int_equal (hull_seccomp_load (NULL, NULL, &err), 0);
}

static void
test_podman_profile (void **state)
{
	_cleanup_free_ char *path = hull_xasprintf ("%s/oci/podman.json", HULL_TEST_DATA);
	_cleanup_ (hull_seccomp_prog_freep) struct hull_seccomp_prog *p = NULL;
	_cleanup_ (hull_oci_config_freep) struct hull_oci_config *cfg = NULL;
	hull_error_t err = { 0 };
	size_t len;
	_cleanup_free_ char *text = read_file (path, &len);

	cfg = hull_oci_config_parse (text, len, "podman.json", NULL, &err);
	assert_non_null (cfg);
	assert_true (cfg->linux_.seccomp.present);
	if (hull_seccomp_compile (&cfg->linux_.seccomp, &p, &err) < 0)
		fail_msg ("%s", err.msg);
	assert_non_null (p);
	assert_true (p->len > 100);
	assert_false (p->notify);
	assert_int_equal (p->flags, 0);
}

/* What podman's profile allows, refuses with an errno, or leaves to the default. */
static int
podman_profile_calls (void)
{
	int fd;

	if (mkdirat (AT_FDCWD, "/nonexistent/hull-x", 0700) == 0 || errno != ENOENT)
		return 1;
	fd = socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 9 /* NETLINK_AUDIT */);
	if (fd >= 0 || errno != EINVAL)
		return 2;
	/* Listed with errnoRet 1. */
	if (syscall (SYS_kexec_load, 0, 0, NULL, 0) != -1 || errno != EPERM)
		return 4;
	/* Not in the profile: the default action, ERRNO(ENOSYS). */
	if (syscall (SYS_add_key, NULL, NULL, NULL, 0, 0) != -1 || errno != ENOSYS)
		return 5;
	return 0;
}

static void
test_podman_default_profile (void **state)
{
	_cleanup_free_ char *path =
		hull_xasprintf ("%s/seccomp/podman-default.json", HULL_TEST_DATA);
	_cleanup_ (hull_seccomp_prog_freep) struct hull_seccomp_prog *p = NULL;
	size_t len;
	_cleanup_free_ char *text = read_file (path, &len);

	p = compile_ok (text);
	assert_exit0 (run_filtered (p, podman_profile_calls));
}

static int
uname_eperm (void)
{
	struct utsname u;

	return uname (&u) < 0 && errno == EPERM ? 0 : 1;
}

static int
mkdirat_enosys_getpid_ok (void)
{
	if (mkdirat (AT_FDCWD, "/nonexistent/hull-x", 0700) == 0 || errno != ENOSYS)
		return 1;
	return getpid () > 0 ? 0 : 2;
}

static void
test_errno_actions (void **state)
{
	_cleanup_ (hull_seccomp_prog_freep) struct hull_seccomp_prog *a = NULL, *b = NULL;

	/* Names unknown to libseccomp are skipped, the others still apply. */
	a = compile_ok ("{" ALLOW_ALL ",\"syscalls\":[{\"names\":[\"hull_no_such_syscall\","
			"\"uname\"],\"action\":\"SCMP_ACT_ERRNO\"}]}");
	assert_exit0 (run_filtered (a, uname_eperm));
	b = compile_ok ("{" ALLOW_ALL ",\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\","
			"\"SCMP_ARCH_X32\",\"SCMP_ARCH_AARCH64\"],\"syscalls\":[{\"names\":"
			"[\"mkdirat\",\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38}]}");
	assert_exit0 (run_filtered (b, mkdirat_enosys_getpid_ok));
}

/* personality(0xffffffff) only queries. */
static int
personality_rules (void)
{
	if (personality (0xffffffff) < 0)
		return 1;
	if (personality (PER_LINUX) != -1 || errno != EPERM)
		return 2;
	return 0;
}

static int
personality_or (void)
{
	if (syscall (SYS_personality, 0x1000UL) != -1 || errno != EACCES)
		return 1;
	if (syscall (SYS_personality, 0x2000UL) != -1 || errno != EACCES)
		return 2;
	return syscall (SYS_personality, 0xffffffffUL) >= 0 ? 0 : 3;
}

static int
personality_masked (void)
{
	if (syscall (SYS_personality, 0x0130UL) != -1 || errno != EXDEV)
		return 1;
	return syscall (SYS_personality, 0xffffffffUL) >= 0 ? 0 : 2;
}

static void
test_args (void **state)
{
	_cleanup_ (hull_seccomp_prog_freep) struct hull_seccomp_prog *ne = NULL, * or = NULL,
								     *masked = NULL;

	ne = compile_ok ("{" ALLOW_ALL ",\"syscalls\":[{\"names\":[\"personality\"],"
			 "\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,"
			 "\"value\":4294967295,\"op\":\"SCMP_CMP_NE\"}]}]}");
	assert_exit0 (run_filtered (ne, personality_rules));
	/* Two conditions on one index: OR (one rule each), as runc and crun. */
	or = compile_ok ("{" ALLOW_ALL ",\"syscalls\":[{\"names\":[\"personality\"],"
			 "\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":13,\"args\":["
			 "{\"index\":0,\"value\":4096,\"op\":\"SCMP_CMP_EQ\"},"
			 "{\"index\":0,\"value\":8192,\"op\":\"SCMP_CMP_EQ\"}]}]}");
	assert_exit0 (run_filtered (or, personality_or));
	/* MASKED_EQ: (arg & value) == valueTwo. */
	masked = compile_ok ("{" ALLOW_ALL ",\"syscalls\":[{\"names\":[\"personality\"],"
			     "\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":18,\"args\":["
			     "{\"index\":0,\"value\":240,\"valueTwo\":48,"
			     "\"op\":\"SCMP_CMP_MASKED_EQ\"}]}]}");
	assert_exit0 (run_filtered (masked, personality_masked));
}

/* podman's socket rule: AF_NETLINK with NETLINK_AUDIT is refused, other netlink not:
 * conditions on different indexes are ANDed. */
static int
socket_and (void)
{
	int fd = socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 9 /* NETLINK_AUDIT */);

	if (fd >= 0 || errno != EINVAL)
		return 1;
	fd = socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 0 /* NETLINK_ROUTE */);
	if (fd < 0)
		return 2;
	close (fd);
	return 0;
}

static void
test_args_and (void **state)
{
	_cleanup_ (hull_seccomp_prog_freep) struct hull_seccomp_prog *p = NULL;

	p = compile_ok ("{" ALLOW_ALL ",\"syscalls\":[{\"names\":[\"socket\"],"
			"\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":22,\"args\":["
			"{\"index\":0,\"value\":16,\"op\":\"SCMP_CMP_EQ\"},"
			"{\"index\":2,\"value\":9,\"op\":\"SCMP_CMP_EQ\"}]}]}");
	assert_exit0 (run_filtered (p, socket_and));
}

static int
call_getppid (void)
{
	syscall (SYS_getppid);
	return 0;
}

static void
test_kill (void **state)
{
	_cleanup_ (hull_seccomp_prog_freep) struct hull_seccomp_prog *def = NULL, *rule = NULL;
	int status;

	def = compile_ok ("{\"defaultAction\":\"SCMP_ACT_KILL_PROCESS\",\"syscalls\":[{\"names\":"
			  "[\"exit_group\",\"exit\"],\"action\":\"SCMP_ACT_ALLOW\"}]}");
	status = run_filtered (def, call_getppid);
	assert_true (WIFSIGNALED (status));
	assert_int_equal (WTERMSIG (status), SIGSYS);
	rule = compile_ok ("{" ALLOW_ALL ",\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\","
			   "\"SECCOMP_FILTER_FLAG_SPEC_ALLOW\"],\"syscalls\":[{\"names\":"
			   "[\"getppid\"],\"action\":\"SCMP_ACT_KILL\"}]}");
	assert_int_equal (rule->flags, SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW);
	status = run_filtered (rule, call_getppid);
	assert_true (WIFSIGNALED (status));
	assert_int_equal (WTERMSIG (status), SIGSYS);
}

static void
test_refused (void **state)
{
	_cleanup_ (hull_oci_config_freep) struct hull_oci_config *arch = NULL, *op = NULL;

	arch = parse_profile ("{" ALLOW_ALL ",\"architectures\":[\"SCMP_ARCH_X86\"]}");
	free (arch->linux_.seccomp.architectures.v[0]);
	arch->linux_.seccomp.architectures.v[0] = hull_xstrdup ("SCMP_ARCH_PDP11");
	compile_fails (arch, "linux.seccomp.architectures[0]: architecture `SCMP_ARCH_PDP11`");
	op = parse_profile ("{" ALLOW_ALL ",\"syscalls\":[{\"names\":[\"uname\"],\"action\":"
			    "\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":1,\"value\":1,\"op\":"
			    "\"SCMP_CMP_EQ\"}]}]}");
	free (op->linux_.seccomp.syscalls[0].args[0].op);
	op->linux_.seccomp.syscalls[0].args[0].op = hull_xstrdup ("SCMP_CMP_ALMOST");
	compile_fails (op, "linux.seccomp.syscalls[0].args[0]: unknown operator `SCMP_CMP_ALMOST`");
	compile_json_fails ("{" ALLOW_ALL ",\"syscalls\":[{\"names\":[\"uname\"],\"action\":"
			    "\"SCMP_ACT_ERRNO\"},{\"names\":[\"uname\"],\"action\":"
			    "\"SCMP_ACT_KILL\",\"errnoRet\":1}]}",
			    "linux.seccomp.syscalls[1]: errnoRet is not valid with SCMP_ACT_KILL");
	compile_json_fails ("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":65536}",
			    "linux.seccomp.defaultAction: errnoRet 65536 is out of range");
	compile_json_fails ("{\"defaultAction\":\"SCMP_ACT_NOTIFY\",\"listenerPath\":\"/x\"}",
			    "SCMP_ACT_NOTIFY cannot be the default action");
}

static void
test_skipped_rules (void **state)
{
	_cleanup_ (hull_seccomp_prog_freep) struct hull_seccomp_prog *p = NULL;

	/* A rule with the default action is dropped (libseccomp refuses it); an ERRNO rule
	 * with another errno is not the default action. WAIT_KILLABLE_RECV without a
	 * NOTIFY rule changes nothing and is dropped. */
	p = compile_ok ("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,"
			"\"flags\":[\"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV\"],\"syscalls\":["
			"{\"names\":[\"uname\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38},"
			"{\"names\":[\"getpid\"],\"action\":\"SCMP_ACT_ERRNO\"},"
			"{\"names\":[\"exit_group\"],\"action\":\"SCMP_ACT_ALLOW\"}]}");
	assert_int_equal (p->flags, 0);
}

#define NOTIFY_PROFILE(path)                                                                       \
	"{" ALLOW_ALL ",\"listenerPath\":\"" path "\",\"listenerMetadata\":\"hull-test\","         \
	"\"syscalls\":[{\"names\":[\"uname\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}"

/* Child: load with a listener, send it to `path` as the runtime would, then uname,
 * which the test's agent answers with EPERM. */
static void __attribute__ ((noreturn))
notify_child (const struct hull_oci_config *cfg, const struct hull_seccomp_prog *p)
{
	hull_error_t err = { 0 };
	struct utsname u;
	int fd = -1;

	if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || hull_seccomp_load (p, &fd, &err) < 0)
		_exit (100);
	if (fd < 0 ||
	    hull_seccomp_send_listener (&cfg->linux_.seccomp, fd, getpid (),
					"{\"ociVersion\":\"1.2.0\",\"id\":\"c1\"}", &err) < 0)
		_exit (101);
	close (fd);
	_exit (uname (&u) < 0 && errno == EPERM ? 0 : 102);
}

/* The agent: one connection, the state with one fd, one notification answered. */
static void
notify_agent (int listen_fd)
{
	char buf[4096] = { 0 };
	char cbuf[CMSG_SPACE (sizeof (int))];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf - 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf
	};
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;
	_cleanup_close_ int conn = accept4 (listen_fd, NULL, NULL, SOCK_CLOEXEC);
	_cleanup_close_ int nfd = -EBADF;
	struct cmsghdr *cm;

	assert_true (conn >= 0);
	assert_true (recvmsg (conn, &msg, MSG_CMSG_CLOEXEC) > 0);
	assert_non_null (strstr (buf, "\"fds\":[\"seccompFd\"]"));
	assert_non_null (strstr (buf, "\"metadata\":\"hull-test\""));
	assert_non_null (strstr (buf, "\"state\":{"));
	cm = CMSG_FIRSTHDR (&msg);
	assert_non_null (cm);
	assert_int_equal (cm->cmsg_type, SCM_RIGHTS);
	memcpy (&nfd, CMSG_DATA (cm), sizeof (int));
	memset (&req, 0, sizeof req);
	assert_int_equal (ioctl (nfd, SECCOMP_IOCTL_NOTIF_RECV, &req), 0);
	assert_int_equal (req.data.nr, SYS_uname);
	memset (&resp, 0, sizeof resp);
	resp.id = req.id;
	resp.error = -EPERM;
	assert_int_equal (ioctl (nfd, SECCOMP_IOCTL_NOTIF_SEND, &resp), 0);
}

static void
test_notify (void **state)
{
	char dir[] = "/tmp/hull-test-seccomp-XXXXXX";
	_cleanup_ (hull_seccomp_prog_freep) struct hull_seccomp_prog *p = NULL;
	_cleanup_ (hull_oci_config_freep) struct hull_oci_config *cfg = NULL;
	_cleanup_close_ int lfd = -EBADF;
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	hull_error_t err = { 0 };
	int status;
	pid_t pid;

	assert_non_null (mkdtemp (dir));
	snprintf (addr.sun_path, sizeof addr.sun_path, "%s/l.sock", dir);
	cfg = parse_profile (NOTIFY_PROFILE ("/unused"));
	free (cfg->linux_.seccomp.listener_path);
	cfg->linux_.seccomp.listener_path = hull_xstrdup (addr.sun_path);
	assert_int_equal (hull_seccomp_compile (&cfg->linux_.seccomp, &p, &err), 0);
	assert_true (p->notify);
	/* Without a way to hand the listener over, NOTIFY is refused, never ignored. */
	assert_true (hull_seccomp_load (p, NULL, &err) < 0);
	assert_non_null (strstr (err.msg, "SCMP_ACT_NOTIFY is not supported yet"));
	lfd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true (lfd >= 0);
	assert_int_equal (bind (lfd, (struct sockaddr *) &addr, sizeof addr), 0);
	assert_int_equal (listen (lfd, 1), 0);
	pid = fork ();
	assert_true (pid >= 0);
	if (pid == 0)
		notify_child (cfg, p);
	notify_agent (lfd);
	assert_int_equal (waitpid (pid, &status, 0), pid);
	unlink (addr.sun_path);
	rmdir (dir);
	assert_exit0 (status);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test (test_absent),
		cmocka_unit_test (test_podman_profile),
		cmocka_unit_test (test_errno_actions),
		cmocka_unit_test (test_args),
		cmocka_unit_test (test_args_and),
		cmocka_unit_test (test_kill),
		cmocka_unit_test (test_refused),
		cmocka_unit_test (test_skipped_rules),
		cmocka_unit_test (test_notify),
		cmocka_unit_test (test_podman_default_profile),
	};

	return cmocka_run_group_tests (tests, NULL, NULL);
}
