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
#include <dirent.h>
#include <jansson.h>
#include <sys/mman.h>

#include "common/cleanup.h"
#include "common/sha256.h"
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

/* --- the default profile (data/seccomp/default.json) ------------------------------- */

static struct hull_oci_config *
default_config (void)
{
	hull_error_t err = { 0 };
	json_t *sc = hull_seccomp_default_profile (&err);
	_cleanup_free_ char *text = NULL;
	struct hull_oci_config *cfg;

	if (sc == NULL)
		fail_msg ("default profile: %s", err.msg);
	text = json_dumps (sc, JSON_COMPACT);
	json_decref (sc);
	cfg = parse_profile (text);
	return cfg;
}

static void
test_default_profile_compiles (void **state)
{
	_cleanup_ (hull_oci_config_freep) struct hull_oci_config *cfg = default_config ();
	_cleanup_ (hull_seccomp_prog_freep) struct hull_seccomp_prog *p = NULL;
	hull_error_t err = { 0 };

	assert_int_equal (hull_seccomp_compile (&cfg->linux_.seccomp, &p, &err), 0);
	assert_non_null (p);
	assert_true (p->len > 100 && p->len < 4096);
	assert_false (p->notify);
}

/* The group format's own checks. */
static void
test_group_format_errors (void **state)
{
	static const struct {
		const char *doc, *needle;
	} cases[] = {
		{ "{\"format\":2}", "format" },
		{ "{\"format\":1,\"allow\":[\"nope\"]}", "unknown group `nope`" },
		{ "{\"format\":1,\"groups\":{\"a\":[\"read\"]},\"allow\":[\"a\"],"
		  "\"errno\":{\"EPERM\":[\"a\"]}}",
		  "`read` appears twice" },
		{ "{\"format\":1,\"allow\":[],\"errno\":{\"EWHAT\":[]}}", "unknown errno" },
		{ "{\"format\":1,\"allow\":[],\"argRules\":[{\"names\":[\"ioctl\"],\"index\":9}]}",
		  "index 0..5" },
		{ "{\"format\":1,\"allow\":[],\"argRules\":[{\"names\":[\"ioctl\"],\"index\":1,"
		  "\"denyValues32\":[\"NOPE\"]}]}",
		  "not a known constant" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		hull_error_t err = { 0 };
		json_t *j = hull_seccomp_profile_expand (cases[i].doc, strlen (cases[i].doc), &err);

		if (j != NULL || strstr (err.msg, cases[i].needle) == NULL)
			fail_msg ("%s: got `%s`", cases[i].doc, j ? "success" : err.msg);
	}
}

static int
read_fd_all (int fd, char **out)
{
	struct stat st;

	if (fstat (fd, &st) < 0)
		return -1;
	*out = hull_xmalloc ((size_t) st.st_size + 1);
	if (pread (fd, *out, (size_t) st.st_size, 0) != st.st_size)
		return -1;
	(*out)[st.st_size] = '\0';
	return 0;
}

/* Golden PFC: any change to the default profile or to how hull compiles it shows in
 * review as a diff of tests/data/seccomp/default.pfc. HULL_UPDATE_GOLDEN=1 rewrites it. */
static void
test_default_profile_golden_pfc (void **state)
{
	_cleanup_ (hull_oci_config_freep) struct hull_oci_config *cfg = default_config ();
	_cleanup_close_ int fd = memfd_create ("pfc", MFD_CLOEXEC);
	_cleanup_free_ char *pfc = NULL, *golden = NULL;
	const char *path = HULL_TEST_DATA "/seccomp/default.pfc";
	const char *update = getenv ("HULL_UPDATE_GOLDEN");
	hull_error_t err = { 0 };
	size_t len;

	assert_true (fd >= 0);
	assert_int_equal (hull_seccomp_export_pfc (&cfg->linux_.seccomp, fd, &err), 0);
	assert_int_equal (read_fd_all (fd, &pfc), 0);
	if (update && strcmp (update, "1") == 0) {
		_cleanup_close_ int out =
			open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		assert_true (out >= 0);
		assert_int_equal (write (out, pfc, strlen (pfc)), (ssize_t) strlen (pfc));
	}
	golden = read_file (path, &len);
	if (strcmp (golden, pfc) != 0)
		fail_msg ("%s differs from the compiled default profile; review and regenerate "
			  "with HULL_UPDATE_GOLDEN=1",
			  path);
}

static int
errno_of (long r)
{
	return r < 0 ? errno : 0;
}

/* Inside the default profile: what a container must not do, and what it must. */
static int
default_profile_calls (void)
{
	static const struct {
		long nr, a0, a1;
		int want;
	} calls[] = {
		{ SYS_keyctl, 0, 0, EPERM },
		{ SYS_add_key, 0, 0, EPERM },
		{ SYS_unshare, 0x10000000 /* CLONE_NEWUSER */, 0, EPERM },
		{ SYS_setns, -1, 0, EPERM },
		{ SYS_mount, 0, 0, EPERM },
		{ SYS_bpf, 0, 0, EPERM },
		{ SYS_perf_event_open, 0, 0, EPERM },
		{ SYS_ptrace, 0, 0, EPERM },
		{ SYS_kexec_load, 0, 0, EPERM },
		{ SYS_open_by_handle_at, -1, 0, EPERM },
		{ SYS_clock_settime, 0, 0, EPERM },
		{ SYS_io_uring_setup, 0, 0, ENOSYS },	/* not in the profile */
		{ SYS_clone3, 0, 0, ENOSYS },		/* libc falls back to clone */
		{ SYS_personality, 0x1234, 0, ENOSYS }, /* not an allowed persona */
		{ SYS_ioctl, 0, 0x5412 /* TIOCSTI */, EPERM },
		{ SYS_ioctl, 0, 0x541C /* TIOCLINUX */, EPERM },
		/* CVE-2019-7303: the kernel truncates cmd to 32 bits. */
		{ SYS_ioctl, 0, (long) 0x100005412L, EPERM },
		{ SYS_ioctl, -1, 0x541B /* FIONREAD */, EBADF }, /* reaches the kernel */
		{ SYS_ioctl, -1, (long) 0xffffffff00005413L, EBADF },
		{ SYS_clone, 0x10000000 | SIGCHLD, 0, EPERM }, /* CLONE_NEWUSER */
		{ SYS_clone, 0x40000000 | SIGCHLD, 0, EPERM }, /* CLONE_NEWNET */
	};

	for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
		int e = errno_of (syscall (calls[i].nr, calls[i].a0, calls[i].a1, 0, 0, 0));

		if (e != calls[i].want) {
			fprintf (stderr, "call %zu (nr %ld): errno %d, want %d\n", i, calls[i].nr,
				 e, calls[i].want);
			return 10 + (int) i;
		}
	}
	return getppid () > 0 && personality (0xffffffff) >= 0 ? 0 : 2;
}

static void
test_default_profile_denies (void **state)
{
	_cleanup_ (hull_oci_config_freep) struct hull_oci_config *cfg = default_config ();
	_cleanup_ (hull_seccomp_prog_freep) struct hull_seccomp_prog *p = NULL;
	hull_error_t err = { 0 };

	assert_int_equal (hull_seccomp_compile (&cfg->linux_.seccomp, &p, &err), 0);
	assert_exit0 (run_filtered (p, default_profile_calls));
}

/* --- the cache ------------------------------------------------------------------- */

static char *
cache_dir (void)
{
	char tmpl[] = "/tmp/hull-sc-cache.XXXXXX";

	assert_non_null (mkdtemp (tmpl));
	return hull_xstrdup (tmpl);
}

static void
rm_cache (char *dir)
{
	DIR *d = opendir (dir);
	struct dirent *de;

	while (d && (de = readdir (d)))
		if (de->d_name[0] != '.' || strlen (de->d_name) > 2)
			unlinkat (dirfd (d), de->d_name, 0);
	if (d)
		closedir (d);
	rmdir (dir);
	free (dir);
}

static char *
entry_path (const char *dir, const struct hull_oci_seccomp *s)
{
	uint8_t key[32];
	char hex[65];

	hull_seccomp_cache_key (s, key);
	hull_sha256_hex (key, hex);
	return hull_xasprintf ("%s/%s", dir, hex);
}

static struct hull_seccomp_prog *
prepare (const char *dir, const struct hull_oci_seccomp *s)
{
	struct hull_seccomp_prog *p = NULL;
	hull_error_t err = { 0 };

	if (hull_seccomp_prepare (s, dir, &p, &err) < 0)
		fail_msg ("prepare: %s", err.msg);
	assert_non_null (p);
	return p;
}

static void
assert_same_prog (const struct hull_seccomp_prog *a, const struct hull_seccomp_prog *b)
{
	assert_int_equal (a->len, b->len);
	assert_int_equal (a->flags, b->flags);
	assert_memory_equal (a->filter, b->filter, a->len * 8u);
}

static void
test_cache_hit_miss (void **state)
{
	_cleanup_ (hull_oci_config_freep) struct hull_oci_config *cfg = default_config ();
	_cleanup_ (hull_seccomp_prog_freep) struct hull_seccomp_prog *a = NULL, *b = NULL;
	_cleanup_free_ char *entry = NULL;
	char *dir = cache_dir ();
	unsigned long n0 = hull_seccomp_compile_count ();
	struct stat st;

	a = prepare (dir, &cfg->linux_.seccomp);
	assert_int_equal (hull_seccomp_compile_count (), n0 + 1); /* miss: compiled */
	entry = entry_path (dir, &cfg->linux_.seccomp);
	assert_int_equal (stat (entry, &st), 0);
	assert_int_equal (st.st_mode & 0777, 0600);
	b = prepare (dir, &cfg->linux_.seccomp);
	assert_int_equal (hull_seccomp_compile_count (), n0 + 1); /* hit: no libseccomp */
	assert_same_prog (a, b);
	rm_cache (dir);
}

/* Whitespace and key order are not part of the key; content is. */
static void
test_cache_key_canonical (void **state)
{
	_cleanup_ (hull_oci_config_freep) struct hull_oci_config *a = parse_profile (
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\"],"
		"\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1}]}");
	_cleanup_ (hull_oci_config_freep) struct hull_oci_config *b = parse_profile (
		"{ \"syscalls\" : [ { \"errnoRet\": 1, \"action\": \"SCMP_ACT_ERRNO\",\n"
		"  \"names\": [ \"mkdir\" ] } ],\n  \"defaultAction\" : \"SCMP_ACT_ALLOW\" }");
	_cleanup_ (hull_oci_config_freep) struct hull_oci_config *c = parse_profile (
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\"],"
		"\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":2}]}");
	uint8_t ka[32], kb[32], kc[32];

	hull_seccomp_cache_key (&a->linux_.seccomp, ka);
	hull_seccomp_cache_key (&b->linux_.seccomp, kb);
	hull_seccomp_cache_key (&c->linux_.seccomp, kc);
	assert_memory_equal (ka, kb, 32);
	assert_memory_not_equal (ka, kc, 32);
}

static void
flip_byte (const char *path, off_t off)
{
	_cleanup_close_ int fd = open (path, O_RDWR | O_CLOEXEC);
	unsigned char c;

	assert_true (fd >= 0);
	assert_int_equal (pread (fd, &c, 1, off), 1);
	c ^= 0x01;
	assert_int_equal (pwrite (fd, &c, 1, off), 1);
}

/* A damaged entry is detected, removed and rebuilt, never loaded: flip one byte in
 * the header, in the key, in the program; truncate; loosen the mode. */
static void
test_cache_corruption (void **state)
{
	_cleanup_ (hull_oci_config_freep) struct hull_oci_config *cfg = default_config ();
	_cleanup_ (hull_seccomp_prog_freep) struct hull_seccomp_prog *good = NULL;
	_cleanup_free_ char *entry = NULL;
	char *dir = cache_dir ();
	static const off_t offsets[] = { 0, 10, 40, 88, 200, -1 /* truncate */, -2 /* mode */ };

	good = prepare (dir, &cfg->linux_.seccomp);
	entry = entry_path (dir, &cfg->linux_.seccomp);
	for (size_t i = 0; i < sizeof offsets / sizeof offsets[0]; i++) {
		_cleanup_ (hull_seccomp_prog_freep) struct hull_seccomp_prog *p = NULL;
		unsigned long n0 = hull_seccomp_compile_count ();

		if (offsets[i] == -1)
			assert_int_equal (truncate (entry, 100), 0);
		else if (offsets[i] == -2)
			assert_int_equal (chmod (entry, 0666), 0);
		else
			flip_byte (entry, offsets[i]);
		p = prepare (dir, &cfg->linux_.seccomp);
		if (hull_seccomp_compile_count () != n0 + 1)
			fail_msg ("damage %zu was not detected", i);
		assert_same_prog (good, p);
		/* Rebuilt: the next start hits again. */
		hull_seccomp_prog_free (prepare (dir, &cfg->linux_.seccomp));
		assert_int_equal (hull_seccomp_compile_count (), n0 + 1);
	}
	rm_cache (dir);
}

/* A cache directory others can write to is not used; "" disables the cache. */
static void
test_cache_dir_checks (void **state)
{
	_cleanup_ (hull_oci_config_freep) struct hull_oci_config *cfg = default_config ();
	_cleanup_free_ char *entry = NULL;
	char *dir = cache_dir ();
	unsigned long n0 = hull_seccomp_compile_count ();
	struct stat st;

	assert_int_equal (chmod (dir, 0777), 0);
	hull_seccomp_prog_free (prepare (dir, &cfg->linux_.seccomp));
	entry = entry_path (dir, &cfg->linux_.seccomp);
	assert_int_equal (stat (entry, &st), -1);
	hull_seccomp_prog_free (prepare ("", &cfg->linux_.seccomp));
	assert_int_equal (hull_seccomp_compile_count (), n0 + 2);
	rm_cache (dir);
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
		cmocka_unit_test (test_default_profile_compiles),
		cmocka_unit_test (test_group_format_errors),
		cmocka_unit_test (test_default_profile_golden_pfc),
		cmocka_unit_test (test_default_profile_denies),
		cmocka_unit_test (test_cache_hit_miss),
		cmocka_unit_test (test_cache_key_canonical),
		cmocka_unit_test (test_cache_corruption),
		cmocka_unit_test (test_cache_dir_checks),
	};

	return cmocka_run_group_tests (tests, NULL, NULL);
}
