/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Terminals: SCM_RIGHTS fd passing (including hostile messages), the console-socket
 * protocol, and, as root, the container-side pty setup in a private devpts instance
 * and the foreground proxy driving a real process through it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "runtime/terminal.h"

static int
count_fds (void)
{
	DIR *d = opendir ("/proc/self/fd");
	int n = 0;

	assert_non_null (d);
	while (readdir (d))
		n++;
	closedir (d);
	return n;
}

static bool
is_cloexec (int fd)
{
	int fl = fcntl (fd, F_GETFD);
	return fl >= 0 && (fl & FD_CLOEXEC);
}

static bool
same_file (int a, int b)
{
	struct stat sa, sb;
	return fstat (a, &sa) == 0 && fstat (b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

/* Send raw SCM_RIGHTS with n fds and payload `data`. */
static void
send_raw (int sock, const int *fds, size_t n, const char *data, size_t len)
{
	char buf[CMSG_SPACE (8 * sizeof (int))] = { 0 };
	struct iovec iov = { .iov_base = (void *) data, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (n > 0) {
		struct cmsghdr *c;
		msg.msg_control = buf;
		msg.msg_controllen = CMSG_SPACE (n * sizeof (int));
		c = CMSG_FIRSTHDR (&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN (n * sizeof (int));
		memcpy (CMSG_DATA (c), fds, n * sizeof (int));
	}
	assert_int_equal (sendmsg (sock, &msg, 0), (ssize_t) len);
}

/* Receive one fd and the payload with plain recvmsg (what conmon does). */
static int
recv_raw (int sock, char *payload, size_t size)
{
	char buf[CMSG_SPACE (sizeof (int))];
	struct iovec iov = { .iov_base = payload, .iov_len = size - 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = buf, .msg_controllen = sizeof buf
	};
	struct cmsghdr *c;
	ssize_t n = recvmsg (sock, &msg, MSG_CMSG_CLOEXEC);
	int fd;

	assert_true (n > 0);
	payload[n] = '\0';
	c = CMSG_FIRSTHDR (&msg);
	assert_non_null (c);
	assert_int_equal (c->cmsg_type, SCM_RIGHTS);
	memcpy (&fd, CMSG_DATA (c), sizeof fd);
	return fd;
}

static void
roundtrip (int type)
{
	hull_error_t err = { 0 };
	int sv[2], p[2], fd;
	char name[64];

	assert_int_equal (socketpair (AF_UNIX, type | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal (pipe2 (p, O_CLOEXEC), 0);
	/* hull to hull */
	assert_int_equal (hull_terminal_send_fd (sv[0], p[0], "/dev/pts/3", &err), 0);
	fd = hull_terminal_recv_fd (sv[1], &err);
	if (fd < 0)
		fail_msg ("recv_fd: %s", err.msg);
	assert_true (fd != p[0]);
	assert_true (is_cloexec (fd));
	assert_true (same_file (fd, p[0]));
	close (fd);
	/* hull to a plain receiver: the name travels nul-terminated as the payload */
	assert_int_equal (hull_terminal_send_fd (sv[0], p[1], "/dev/pts/3", &err), 0);
	fd = recv_raw (sv[1], name, sizeof name);
	assert_string_equal (name, "/dev/pts/3");
	assert_true (same_file (fd, p[1]));
	close (fd);
	/* no name: one nul byte */
	assert_int_equal (hull_terminal_send_fd (sv[0], p[1], NULL, &err), 0);
	fd = recv_raw (sv[1], name, sizeof name);
	assert_string_equal (name, "");
	close (fd);
	close (p[0]);
	close (p[1]);
	close (sv[0]);
	close (sv[1]);
}

static void
test_roundtrip_stream (void **state)
{
	(void) state;
	roundtrip (SOCK_STREAM);
}

static void
test_roundtrip_seqpacket (void **state)
{
	(void) state;
	roundtrip (SOCK_SEQPACKET);
}

static void
expect_recv_fails (int sock, const char *needle)
{
	hull_error_t err = { 0 };
	int fd = hull_terminal_recv_fd (sock, &err);

	if (fd >= 0)
		fail_msg ("recv_fd accepted the message (fd %d)", fd);
	if (strstr (err.msg, needle) == NULL)
		fail_msg ("error `%s` does not contain `%s`", err.msg, needle);
}

static void
test_recv_rejects_hostile (void **state)
{
	int sv[2], p[2], before;
	int three[3];

	(void) state;
	assert_int_equal (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal (pipe2 (p, O_CLOEXEC), 0);
	before = count_fds ();
	/* data without an fd */
	send_raw (sv[0], NULL, 0, "x", 1);
	expect_recv_fails (sv[1], "got none");
	/* three fds: all of them must be closed again */
	three[0] = p[0], three[1] = p[1], three[2] = p[0];
	send_raw (sv[0], three, 3, "x", 1);
	expect_recv_fails (sv[1], "malformed or oversized");
	assert_int_equal (count_fds (), before);
	/* a payload longer than any name: rejected, and its fd closed */
	{
		static char big[8192];
		memset (big, 'a', sizeof big);
		send_raw (sv[0], three, 1, big, sizeof big);
		expect_recv_fails (sv[1], "malformed or oversized");
		assert_int_equal (count_fds (), before);
	}
	/* the peer went away */
	close (sv[0]);
	expect_recv_fails (sv[1], "peer closed");
	close (sv[1]);
	close (p[0]);
	close (p[1]);
}

static void
test_send_name_too_long (void **state)
{
	static char name[5000];
	hull_error_t err = { 0 };
	int sv[2];

	(void) state;
	memset (name, 'n', sizeof name - 1);
	assert_int_equal (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_true (hull_terminal_send_fd (sv[0], sv[0], name, &err) < 0);
	assert_int_equal (err.code, ENAMETOOLONG);
	close (sv[0]);
	close (sv[1]);
}

static void
test_send_console (void **state)
{
	char dir[] = "/tmp/hull-test-console-XXXXXX";
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	hull_error_t err = { 0 };
	char name[64], want[64];
	unsigned int n1, n2;
	int l, c, master, got;

	(void) state;
	assert_non_null (mkdtemp (dir));
	snprintf (sa.sun_path, sizeof sa.sun_path, "%s/console.sock", dir);
	l = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true (l >= 0);
	assert_int_equal (bind (l, (struct sockaddr *) &sa, sizeof sa), 0);
	assert_int_equal (listen (l, 1), 0);
	master = open ("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true (master >= 0);
	/* connect() completes against the backlog, so one thread can do both sides */
	if (hull_terminal_send_console (sa.sun_path, master, &err) < 0)
		fail_msg ("send_console: %s", err.msg);
	c = accept4 (l, NULL, NULL, SOCK_CLOEXEC);
	assert_true (c >= 0);
	got = recv_raw (c, name, sizeof name);
	assert_int_equal (ioctl (master, TIOCGPTN, &n1), 0);
	assert_int_equal (ioctl (got, TIOCGPTN, &n2), 0);
	assert_int_equal (n1, n2);
	snprintf (want, sizeof want, "/dev/pts/%u", n1);
	assert_string_equal (name, want);
	assert_true (same_file (got, master));
	close (got);
	close (c);
	close (master);
	/* errors name the socket */
	assert_true (hull_terminal_send_console (sa.sun_path, -1, &err) < 0);
	assert_non_null (strstr (err.msg, "console.sock"));
	unlink (sa.sun_path);
	assert_true (hull_terminal_send_console (sa.sun_path, -1, &err) < 0);
	assert_non_null (strstr (err.msg, sa.sun_path));
	assert_non_null (strstr (err.msg, "connect"));
	close (l);
	rmdir (dir);
	{
		char longp[200];
		memset (longp, 'x', sizeof longp - 1);
		longp[0] = '/';
		longp[sizeof longp - 1] = '\0';
		assert_true (hull_terminal_send_console (longp, -1, &err) < 0);
		assert_int_equal (err.code, ENAMETOOLONG);
	}
}

/* ---- as root: the container side in a private mount namespace -------------------- */

static bool
have_root (void)
{
	return geteuid () == 0;
}

/* What the runtime's rootfs setup leaves: a devpts instance of the container's own
 * on /dev/pts and /dev/ptmx -> pts/ptmx. */
static int
private_devpts (void)
{
	if (unshare (CLONE_NEWNS) < 0 || mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount ("tmpfs", "/dev", "tmpfs", MS_NOSUID, "mode=755") < 0 ||
	    mkdir ("/dev/pts", 0755) < 0 ||
	    mount ("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
		   "newinstance,ptmxmode=0666,mode=0620,gid=5") < 0 ||
	    symlink ("pts/ptmx", "/dev/ptmx") < 0)
		return -1;
	return 0;
}

/* In a forked child: private devpts, hull_terminal_setup_child, then report what the
 * process sees as a string on `report`. */
static void
setup_child_report (int report)
{
	struct hull_oci_process p = { .terminal = true,
				      .has_console_size = true,
				      .console_height = 31,
				      .console_width = 97,
				      .user = { .uid = 1234, .gid = 4321 } };
	hull_error_t err = { 0 };
	struct winsize ws = { 0 };
	struct stat st;
	char buf[1200];
	const char *tty;
	int master;

	if (private_devpts () < 0)
		_exit (77);
	master = hull_terminal_setup_child (&p, &err);
	if (master < 0) {
		snprintf (buf, sizeof buf, "error: %s", err.msg);
	} else {
		fstat (0, &st);
		ioctl (1, TIOCGWINSZ, &ws);
		tty = ttyname (0);
		snprintf (buf, sizeof buf,
			  "tty=%s atty=%d%d%d uid=%u gid=%u size=%ux%u sid=%d ctty=%d "
			  "master>2=%d cloexec=%d",
			  tty ? tty : "?", isatty (0), isatty (1), isatty (2), st.st_uid, st.st_gid,
			  ws.ws_row, ws.ws_col, getsid (0) == getpid (), tcgetpgrp (0) == getpid (),
			  master > 2, is_cloexec (master));
	}
	if (write (report, buf, strlen (buf)) < 0)
		_exit (2);
	_exit (0);
}

static void
test_setup_child (void **state)
{
	char buf[1200] = "";
	int p[2], status;
	ssize_t n;
	pid_t pid;

	(void) state;
	if (!have_root ())
		skip ();
	assert_int_equal (pipe2 (p, O_CLOEXEC), 0);
	pid = fork ();
	assert_true (pid >= 0);
	if (pid == 0)
		setup_child_report (p[1]);
	close (p[1]);
	n = read (p[0], buf, sizeof buf - 1);
	close (p[0]);
	assert_int_equal (waitpid (pid, &status, 0), pid);
	if (WIFEXITED (status) && WEXITSTATUS (status) == 77)
		skip (); /* no private mount namespace here */
	assert_true (n > 0);
	buf[n] = '\0';
	assert_string_equal (buf, "tty=/dev/pts/0 atty=111 uid=1234 gid=5 size=31x97 sid=1 ctty=1 "
				  "master>2=1 cloexec=1");
}

/* ---- the proxy --------------------------------------------------------------------- */

static sigset_t forwarded;

/* Fork a "container": private devpts, pty as its stdio, master sent over `sock`,
 * then sh -c script. */
static pid_t
spawn (const char *script, int sock)
{
	struct hull_oci_process p = { .terminal = true };
	hull_error_t err = { 0 };
	sigset_t none;
	pid_t pid = fork ();
	int master;

	if (pid != 0)
		return pid;
	if (private_devpts () < 0)
		_exit (77);
	master = hull_terminal_setup_child (&p, &err);
	if (master < 0 || hull_terminal_send_fd (sock, master, "pty", &err) < 0)
		_exit (98);
	close (master);
	close (sock);
	sigemptyset (&none);
	sigprocmask (SIG_SETMASK, &none, NULL);
	execl ("/bin/sh", "sh", "-c", script, (char *) NULL);
	_exit (99);
}

struct stdio_saved {
	int in, out;
};

static void
redirect (int in, int out, struct stdio_saved *s)
{
	fflush (stdout);
	s->in = fcntl (0, F_DUPFD_CLOEXEC, 3);
	s->out = fcntl (1, F_DUPFD_CLOEXEC, 3);
	assert_int_equal (dup3 (in, 0, 0), 0);	/* check-style: allow test stdio */
	assert_int_equal (dup3 (out, 1, 0), 1); /* check-style: allow test stdio */
}

static void
restore (struct stdio_saved *s)
{
	dup3 (s->in, 0, 0);  /* check-style: allow test stdio */
	dup3 (s->out, 1, 0); /* check-style: allow test stdio */
	close (s->in);
	close (s->out);
}

/* Run script in a "container" through hull_terminal_proxy_wait with `in` as stdin and
 * `out` as stdout; returns the status. */
static int
proxy_run (const char *script, int in, int out, bool self_term)
{
	hull_error_t err = { 0 };
	struct stdio_saved s;
	sigset_t old;
	int sv[2], master, status = -1, r;
	pid_t pid;

	sigprocmask (SIG_BLOCK, &forwarded, &old);
	assert_int_equal (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	/* As hull is: the caller's stdio already in place when the container starts. */
	redirect (in, out, &s);
	pid = spawn (script, sv[1]);
	close (sv[1]);
	master = pid > 0 ? hull_terminal_recv_fd (sv[0], &err) : -1;
	close (sv[0]);
	if (master < 0) {
		restore (&s);
		waitpid (pid, &status, 0);
		sigprocmask (SIG_SETMASK, &old, NULL);
		if (WIFEXITED (status) && WEXITSTATUS (status) == 77)
			skip ();
		fail_msg ("no master: %s (child status %#x)", err.msg, status);
	}
	if (self_term)
		kill (getpid (), SIGTERM); /* pending: the proxy must forward it */
	r = hull_terminal_proxy_wait (master, pid, &forwarded, &status, &err);
	restore (&s);
	close (master);
	sigprocmask (SIG_SETMASK, &old, NULL);
	if (r < 0)
		fail_msg ("proxy_wait: %s", err.msg);
	return status;
}

static char *
read_all (int fd, char *buf, size_t size)
{
	size_t off = 0;
	ssize_t n;

	while (off < size - 1) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll (&p, 1, 200) <= 0)
			break;
		n = read (fd, buf + off, size - 1 - off);
		if (n <= 0)
			break;
		off += (size_t) n;
	}
	buf[off] = '\0';
	return buf;
}

static void
test_proxy_io_and_status (void **state)
{
	char buf[4096];
	int in[2], out[2];

	(void) state;
	if (!have_root ())
		skip ();
	assert_int_equal (pipe2 (in, O_CLOEXEC), 0);
	assert_int_equal (pipe2 (out, O_CLOEXEC), 0);
	assert_int_equal (write (in[1], "abc\n", 4), 4);
	close (in[1]); /* stdin ends after one line: the container keeps running */
	assert_int_equal (
		proxy_run ("read l; echo \"got:$l:$(tty)\"; exit 7", in[0], out[1], false), 7);
	close (in[0]);
	close (out[1]);
	read_all (out[0], buf, sizeof buf);
	close (out[0]);
	/* the pty echoes the input, and turns \n into \r\n */
	if (strstr (buf, "got:abc:/dev/pts/0\r\n") == NULL)
		fail_msg ("output: `%s`", buf);
}

static void
test_proxy_drains_output (void **state)
{
	char buf[65536];
	int out[2], null = open ("/dev/null", O_RDONLY | O_CLOEXEC);

	(void) state;
	if (!have_root ())
		skip ();
	assert_int_equal (pipe2 (out, O_CLOEXEC), 0);
	/* The last output is written right before exit: it must still arrive. */
	assert_int_equal (proxy_run ("i=0; while [ $i -lt 300 ]; do echo line$i; i=$((i+1)); done; "
				     "printf last",
				     null, out[1], false),
			  0);
	close (out[1]);
	close (null);
	read_all (out[0], buf, sizeof buf);
	close (out[0]);
	assert_non_null (strstr (buf, "line299\r\n"));
	assert_non_null (strstr (buf, "last"));
}

static void
test_proxy_forwards_signals (void **state)
{
	int out[2], null = open ("/dev/null", O_RDONLY | O_CLOEXEC);

	(void) state;
	if (!have_root ())
		skip ();
	assert_int_equal (pipe2 (out, O_CLOEXEC), 0);
	assert_int_equal (proxy_run ("exec sleep 30", null, out[1], true), 128 + SIGTERM);
	close (out[0]);
	close (out[1]);
	close (null);
}

/* stdout is a terminal of size 40x120: the container's pty gets that size. */
static void
test_proxy_window_size (void **state)
{
	struct winsize ws = { .ws_row = 40, .ws_col = 120 };
	char buf[4096];
	int outer, slave, null = open ("/dev/null", O_RDONLY | O_CLOEXEC);
	int status;

	(void) state;
	if (!have_root ())
		skip ();
	outer = open ("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true (outer >= 0);
	assert_int_equal (unlockpt (outer), 0);
	slave = ioctl (outer, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true (slave >= 0);
	assert_int_equal (ioctl (slave, TIOCSWINSZ, &ws), 0);
	status = proxy_run ("stty size", null, slave, false);
	assert_int_equal (status, 0);
	read_all (outer, buf, sizeof buf);
	if (strstr (buf, "40 120") == NULL)
		fail_msg ("output: `%s`", buf);
	close (slave);
	close (outer);
	close (null);
}

/* A resize while the container runs: SIGWINCH to hull, the new size on the pty. */
static void
test_proxy_sigwinch (void **state)
{
	struct winsize ws = { .ws_row = 40, .ws_col = 120 };
	char buf[4096];
	int outer, slave, null = open ("/dev/null", O_RDONLY | O_CLOEXEC);
	pid_t helper, self = getpid ();

	(void) state;
	if (!have_root ())
		skip ();
	outer = open ("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true (outer >= 0);
	assert_int_equal (unlockpt (outer), 0);
	slave = ioctl (outer, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true (slave >= 0);
	assert_int_equal (ioctl (slave, TIOCSWINSZ, &ws), 0);
	helper = fork ();
	assert_true (helper >= 0);
	if (helper == 0) {
		struct winsize big = { .ws_row = 50, .ws_col = 160 };
		usleep (300 * 1000);
		ioctl (slave, TIOCSWINSZ, &big);
		kill (self, SIGWINCH);
		_exit (0);
	}
	assert_int_equal (proxy_run ("stty size; sleep 1; stty size", null, slave, false), 0);
	waitpid (helper, NULL, 0); /* usually reaped by the proxy already */
	read_all (outer, buf, sizeof buf);
	/* the output passed two ONLCR line disciplines: "\r\r\n" between the lines */
	if (strstr (buf, "40 120") == NULL || strstr (buf, "50 160") < strstr (buf, "40 120"))
		fail_msg ("output: `%s`", buf);
	close (slave);
	close (outer);
	close (null);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test (test_roundtrip_stream),
		cmocka_unit_test (test_roundtrip_seqpacket),
		cmocka_unit_test (test_recv_rejects_hostile),
		cmocka_unit_test (test_send_name_too_long),
		cmocka_unit_test (test_send_console),
		cmocka_unit_test (test_setup_child),
		cmocka_unit_test (test_proxy_io_and_status),
		cmocka_unit_test (test_proxy_drains_output),
		cmocka_unit_test (test_proxy_forwards_signals),
		cmocka_unit_test (test_proxy_window_size),
		cmocka_unit_test (test_proxy_sigwinch),
	};

	sigemptyset (&forwarded);
	sigaddset (&forwarded, SIGCHLD);
	sigaddset (&forwarded, SIGTERM);
	sigaddset (&forwarded, SIGINT);
	sigaddset (&forwarded, SIGWINCH);
	return cmocka_run_group_tests (tests, NULL, NULL);
}
