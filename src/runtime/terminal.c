/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Terminals (see terminal.h): the container's pty, SCM_RIGHTS fd passing, the
 * --console-socket protocol and the foreground proxy of `run -t`. */
#include "runtime/terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO ('T', 0x41)
#endif

/* The largest fd-message payload (the pty's name) we send or accept. */
#define NAME_MAX_BYTES 4096
/* Room for a few fds, so that a peer sending more than one is detected (and its
 * extra fds closed) rather than silently truncated. */
#define MAX_FDS_SEEN 8
#define PROXY_BUF 16384
/* After the container process exited: how much pending output we still copy. A
 * process outside the container's pid namespace can keep the pty open and write
 * forever; the bound keeps `run` from hanging on it. */
#define DRAIN_MAX (4u << 20)

/* ---- the pty inside the container ------------------------------------------------ */

/* Keep fd away from 0..2, which are about to be replaced by the slave. */
static int
move_above_stdio (int fd, const char *what, hull_error_t *err)
{
	int nfd;

	if (fd > 2)
		return fd;
	nfd = fcntl (fd, F_DUPFD_CLOEXEC, 3);
	hull_safe_close (fd);
	if (nfd < 0)
		return hull_error_make (err, errno, "terminal: move the %s above stdio", what);
	return nfd;
}

/* The slave becomes the controlling terminal of a new session and fds 0, 1, 2. */
static int
attach_slave (int slave, hull_error_t *err)
{
	if (setsid () < 0)
		return hull_error_make (err, errno, "terminal: setsid");
	if (ioctl (slave, TIOCSCTTY, 0) < 0)
		return hull_error_make (err, errno,
					"terminal: make the pty the controlling terminal");
	for (int i = 0; i <= 2; i++)
		/* Without O_CLOEXEC on purpose: stdio must survive the execve. */
		if (dup3 (slave, i, 0) < 0) /* check-style: allow stdio of the container */
			return hull_error_make (err, errno, "terminal: dup the pty onto fd %d", i);
	return 0;
}

/* process.consoleSize; without it, the size of the terminal that hull was started on
 * (still stdin or stdout here, inherited and not yet replaced), so that the first
 * command already sees the size the foreground proxy keeps in sync later. The
 * explicit consoleSize wins: `create --console-socket` run from a shell must not
 * take the shell's size. */
static int
apply_size (int slave, const struct hull_oci_process *p, hull_error_t *err)
{
	struct winsize ws = { 0 };

	if (p->has_console_size) {
		ws.ws_row = (unsigned short) p->console_height;
		ws.ws_col = (unsigned short) p->console_width;
		if (ioctl (slave, TIOCSWINSZ, &ws) < 0)
			return hull_error_make (err, errno, "process.consoleSize: set %ux%u",
						p->console_height, p->console_width);
		return 0;
	}
	if ((ioctl (STDIN_FILENO, TIOCGWINSZ, &ws) == 0 ||
	     ioctl (STDOUT_FILENO, TIOCGWINSZ, &ws) == 0) &&
	    (ws.ws_row || ws.ws_col))
		ioctl (slave, TIOCSWINSZ, &ws); /* best effort: only a default */
	return 0;
}

/* Give the slave to process.user, so that the process can still use (and reopen)
 * its terminal after the identity switch. Only the owner changes: the group stays
 * the devpts `gid=` (tty), as runc does, so that members of the user's own group do
 * not get write access to the terminal. */
static int
chown_slave (int slave, const struct hull_oci_process *p, hull_error_t *err)
{
	struct stat st;

	if (fstat (slave, &st) < 0)
		return hull_error_make (err, errno, "terminal: stat the pty");
	if (st.st_uid == p->user.uid)
		return 0;
	if (fchown (slave, p->user.uid, (gid_t) -1) == 0)
		return 0;
	/* EINVAL: uid is not mapped in the container's user namespace. Then the
	 * identity switch fails a moment later with a message naming process.user,
	 * which is the better report; every other failure is fatal (fail closed). */
	if (errno == EINVAL)
		return 0;
	return hull_error_make (err, errno, "terminal: give the pty to uid %u", p->user.uid);
}

int
hull_terminal_setup_child (const struct hull_oci_process *p, hull_error_t *err)
{
	_cleanup_close_ int master = -EBADF;
	_cleanup_close_ int slave = -EBADF;
	int r;

	/* After pivot_root, /dev/ptmx is the symlink to pts/ptmx: the container's own
	 * devpts instance, never the host's. */
	master = open ("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return hull_error_make (err, errno, "terminal: open `/dev/ptmx`");
	if ((master = move_above_stdio (TAKE_FD (master), "pty master", err)) < 0)
		return master;
	if (unlockpt (master) < 0)
		return hull_error_make (err, errno, "terminal: unlock the pty");
	/* The slave through the master, not ptsname()+open(): no path lookup in a
	 * directory the container controls (the CVE-2016-9962 class of races). */
	slave = ioctl (master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return hull_error_make (err, errno,
					"terminal: open the pty slave (TIOCGPTPEER, Linux 4.13)");
	if ((slave = move_above_stdio (TAKE_FD (slave), "pty slave", err)) < 0)
		return slave;
	if ((r = apply_size (slave, p, err)) < 0)
		return r;
	if ((r = chown_slave (slave, p, err)) < 0 || (r = attach_slave (slave, err)) < 0)
		return r;
	return TAKE_FD (master);
}

/* ---- passing fds --------------------------------------------------------------------- */

int
hull_terminal_send_fd (int sock, int fd, const char *name, hull_error_t *err)
{
	size_t len = strnlen (name ? name : "", NAME_MAX_BYTES + 1);
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE (sizeof (int))];
	} ctl;
	/* At least one byte of payload: a stream socket carries no data-less message. */
	struct iovec iov = { .iov_base = (void *) (name ? name : ""), .iov_len = len + 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;
	ssize_t n;

	if (len > NAME_MAX_BYTES)
		return hull_error_make (err, ENAMETOOLONG, "send fd: name longer than %d bytes",
					NAME_MAX_BYTES);
	memset (&ctl, 0, sizeof ctl);
	msg.msg_control = ctl.buf;
	msg.msg_controllen = sizeof ctl.buf;
	c = CMSG_FIRSTHDR (&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN (sizeof (int));
	memcpy (CMSG_DATA (c), &fd, sizeof fd);
	do
		n = sendmsg (sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return hull_error_make (err, errno, "send fd `%s`", name ? name : "");
	if ((size_t) n != len + 1)
		return hull_error_make (err, EPROTO, "send fd `%s`: short write", name ? name : "");
	return 0;
}

/* Collect the fds of every SCM_RIGHTS header into fds[]; returns how many, or -1 on
 * a header that is not SCM_RIGHTS or is malformed (the fds seen so far are kept for
 * the caller to close). */
static int
collect_fds (struct msghdr *msg, int *fds, size_t max, size_t *n)
{
	int bad = 0;

	for (struct cmsghdr *c = CMSG_FIRSTHDR (msg); c; c = CMSG_NXTHDR (msg, c)) {
		size_t k;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
		    c->cmsg_len < CMSG_LEN (0)) {
			bad = 1;
			continue;
		}
		k = (c->cmsg_len - CMSG_LEN (0)) / sizeof (int);
		if ((c->cmsg_len - CMSG_LEN (0)) % sizeof (int) != 0)
			bad = 1;
		for (size_t i = 0; i < k && *n < max; i++)
			memcpy (&fds[(*n)++], CMSG_DATA (c) + i * sizeof (int), sizeof (int));
	}
	return bad ? -1 : (int) *n;
}

int
hull_terminal_recv_fd (int sock, hull_error_t *err)
{
	char payload[NAME_MAX_BYTES + 1];
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE (MAX_FDS_SEEN * sizeof (int))];
	} ctl;
	struct iovec iov = { .iov_base = payload, .iov_len = sizeof payload };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	int fds[MAX_FDS_SEEN];
	size_t nfds = 0;
	ssize_t n;
	int r;

	memset (&ctl, 0, sizeof ctl);
	msg.msg_control = ctl.buf;
	msg.msg_controllen = sizeof ctl.buf;
	do
		n = recvmsg (sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return hull_error_make (err, errno, "receive fd");
	/* The peer may be hostile (a compromised container process): accept exactly one
	 * fd in one well-formed SCM_RIGHTS header and close everything else it sent. */
	r = collect_fds (&msg, fds, MAX_FDS_SEEN, &nfds);
	if (r == 1 && n > 0 && !(msg.msg_flags & (MSG_CTRUNC | MSG_TRUNC)))
		return fds[0];
	for (size_t i = 0; i < nfds; i++)
		hull_safe_close (fds[i]);
	if (n == 0)
		return hull_error_make (err, EPROTO, "receive fd: peer closed the connection");
	return hull_error_make (err, EPROTO, "receive fd: expected one fd, got %s",
				nfds == 0 ? "none" : "a malformed or oversized message");
}

static int
connect_unix (const char *path, hull_error_t *err)
{
	_cleanup_close_ int fd = -EBADF;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = strlen (path);

	if (len == 0 || len >= sizeof sa.sun_path)
		return hull_error_make (err, ENAMETOOLONG,
					"console socket `%s`: path must be 1 to %zu bytes", path,
					sizeof sa.sun_path - 1);
	memcpy (sa.sun_path, path, len + 1);
	fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return hull_error_make (err, errno, "console socket `%s`: socket", path);
	if (connect (fd, (struct sockaddr *) &sa, sizeof sa) < 0)
		return hull_error_make (err, errno, "console socket `%s`: connect", path);
	return TAKE_FD (fd);
}

int
hull_terminal_send_console (const char *socket_path, int master, hull_error_t *err)
{
	_cleanup_close_ int sock = connect_unix (socket_path, err);
	char name[32] = "";
	unsigned int n;

	if (sock < 0)
		return sock;
	/* runc sends the pty's name (`/dev/pts/N` as seen in the container); conmon and
	 * podman ignore it. TIOCGPTN on the master gives N without any path lookup. */
	if (ioctl (master, TIOCGPTN, &n) == 0)
		snprintf (name, sizeof name, "/dev/pts/%u", n);
	if (hull_terminal_send_fd (sock, master, name, err) < 0)
		return hull_error_wrap (err, "console socket `%s`", socket_path);
	return 0;
}

/* ---- the foreground proxy ------------------------------------------------------------ */

/* One direction of the copy: bytes read but not yet written. */
struct pipe_buf {
	char data[PROXY_BUF];
	size_t off, len;
};

struct proxy {
	int master, sfd;
	bool in_open;	  /* still reading stdin */
	bool master_open; /* still reading the master (EIO: every slave fd closed) */
	bool out_open;	  /* stdout still takes data */
	bool raw;
	bool got_epipe;
	struct termios saved;
	sigset_t saved_mask;
	struct pipe_buf to_master, to_out;
	pid_t pid;
	bool exited;
	int status;
};

/* The caller's window size, from whichever of stdin and stdout is a terminal. A 0x0
 * size means "unknown" (a fresh pty): keep process.consoleSize then. */
static void
copy_winsize (int master)
{
	struct winsize ws;

	if (ioctl (STDIN_FILENO, TIOCGWINSZ, &ws) < 0 && ioctl (STDOUT_FILENO, TIOCGWINSZ, &ws) < 0)
		return;
	if (ws.ws_row == 0 && ws.ws_col == 0)
		return;
	ioctl (master, TIOCSWINSZ, &ws);
}

static int
proxy_start (struct proxy *x, const sigset_t *forwarded, hull_error_t *err)
{
	sigset_t pipe_set;
	int fl;

	/* A reader of our stdout that went away must not kill hull (and with it the
	 * container): take EPIPE as an error value instead of SIGPIPE. First, so that
	 * proxy_stop always has a mask to restore. */
	sigemptyset (&pipe_set);
	sigaddset (&pipe_set, SIGPIPE);
	sigprocmask (SIG_BLOCK, &pipe_set, &x->saved_mask);
	/* The master is ours alone: non-blocking. The caller's stdin and stdout are
	 * left blocking: O_NONBLOCK lives on the open file description shared with the
	 * caller's shell, and a hull killed by SIGKILL could not restore it. They are
	 * only read after poll() reports data, and writes to them are bounded. */
	fl = fcntl (x->master, F_GETFL);
	if (fl < 0 || fcntl (x->master, F_SETFL, fl | O_NONBLOCK) < 0)
		return hull_error_make (err, errno, "terminal: make the pty master non-blocking");
	x->sfd = signalfd (-1, forwarded, SFD_CLOEXEC | SFD_NONBLOCK);
	if (x->sfd < 0)
		return hull_error_make (err, errno, "terminal: signalfd");
	if (isatty (STDIN_FILENO) && tcgetattr (STDIN_FILENO, &x->saved) == 0) {
		struct termios raw = x->saved;
		/* Raw: keys (^C, ^Z) reach the container's pty, whose line discipline
		 * turns them into signals for the container's foreground process group. */
		cfmakeraw (&raw);
		if (tcsetattr (STDIN_FILENO, TCSANOW, &raw) < 0)
			return hull_error_make (err, errno, "terminal: put stdin in raw mode");
		x->raw = true;
	}
	copy_winsize (x->master);
	return 0;
}

static void
proxy_stop (struct proxy *x)
{
	if (x->raw)
		tcsetattr (STDIN_FILENO, TCSADRAIN, &x->saved);
	x->raw = false;
	if (x->got_epipe) {
		sigset_t pipe_set;
		struct timespec zero = { 0, 0 };

		/* Consume our own SIGPIPE before unblocking it. */
		sigemptyset (&pipe_set);
		sigaddset (&pipe_set, SIGPIPE);
		while (sigtimedwait (&pipe_set, NULL, &zero) == SIGPIPE)
			;
	}
	sigprocmask (SIG_SETMASK, &x->saved_mask, NULL);
	x->sfd = hull_safe_close (x->sfd);
}

static void
reap (struct proxy *x)
{
	pid_t w;
	int st;

	while ((w = waitpid (-1, &st, WNOHANG)) > 0)
		if (w == x->pid) {
			x->exited = true;
			x->status = WIFSIGNALED (st) ? 128 + WTERMSIG (st) : WEXITSTATUS (st);
		}
}

static int
handle_signals (struct proxy *x, hull_error_t *err)
{
	struct signalfd_siginfo si;
	ssize_t n;

	while ((n = read (x->sfd, &si, sizeof si)) == (ssize_t) sizeof si) {
		int sig = (int) si.ssi_signo;

		if (sig == SIGCHLD)
			reap (x);
		else if (sig == SIGWINCH)
			/* Resizing the pty makes the kernel signal the container's
			 * foreground process group itself. */
			copy_winsize (x->master);
		else if (!x->exited)
			kill (x->pid, sig);
	}
	if (n < 0 && errno != EAGAIN && errno != EINTR)
		return hull_error_make (err, errno, "terminal: read signalfd");
	return 0;
}

/* Read from fd into an empty b. Returns bytes read, 0 at end of data (EOF, or EIO
 * from a master whose slave is closed), -EAGAIN when nothing is there yet. */
static ssize_t
fill (int fd, struct pipe_buf *b)
{
	ssize_t n = read (fd, b->data, sizeof b->data);

	if (n > 0) {
		b->off = 0;
		b->len = (size_t) n;
		return n;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return -EAGAIN;
	return 0;
}

/* Write what b holds to fd; partial writes leave the rest for later. Returns -1 when
 * fd no longer takes data (the rest is dropped). */
static int
flush (int fd, struct pipe_buf *b, struct proxy *x)
{
	while (b->len > 0) {
		ssize_t n = write (fd, b->data + b->off, b->len);

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n <= 0) {
			if (errno == EPIPE)
				x->got_epipe = true;
			b->len = 0;
			return -1;
		}
		b->off += (size_t) n;
		b->len -= (size_t) n;
	}
	return 0;
}

/* One round of copying after poll(): reads only into empty buffers, so each side
 * has at most one buffer in flight and a slow writer throttles its reader. */
static void
proxy_copy (struct proxy *x, const struct pollfd *pf)
{
	if (pf[1].revents && x->master_open && x->to_out.len == 0 &&
	    fill (x->master, &x->to_out) == 0)
		x->master_open = false;
	if (pf[2].revents && x->in_open && x->to_master.len == 0 &&
	    fill (STDIN_FILENO, &x->to_master) == 0)
		/* End of stdin: stop reading it; the master stays open (as runc does),
		 * so the container keeps its terminal and its output still flows. */
		x->in_open = false;
	if (x->to_master.len > 0 && flush (x->master, &x->to_master, x) < 0)
		x->in_open = false;
	if (x->to_out.len > 0 && x->out_open && flush (STDOUT_FILENO, &x->to_out, x) < 0)
		x->out_open = false;
	if (!x->out_open)
		x->to_out.len = 0;
	if (!x->master_open) {
		/* Nobody reads the terminal any more: input has nowhere to go. */
		x->in_open = false;
		x->to_master.len = 0;
	}
}

/* The container process is gone: copy what it left in the pty, bounded. */
static void
proxy_drain (struct proxy *x)
{
	size_t total = 0;

	while (total < DRAIN_MAX && x->master_open) {
		ssize_t n;

		if (x->to_out.len == 0 && (n = fill (x->master, &x->to_out)) <= 0)
			break; /* EIO (slave closed) or EAGAIN (nothing left) */
		total += x->to_out.len;
		if (!x->out_open || flush (STDOUT_FILENO, &x->to_out, x) < 0)
			break;
		if (x->to_out.len > 0) {
			struct pollfd p = { .fd = STDOUT_FILENO, .events = POLLOUT };
			if (poll (&p, 1, 1000) <= 0)
				break;
		}
	}
}

static int
proxy_loop (struct proxy *x, hull_error_t *err)
{
	while (!x->exited) {
		struct pollfd pf[4] = {
			{ .fd = x->sfd, .events = POLLIN },
			{ .fd = x->master_open ? x->master : -1 },
			{ .fd = x->in_open ? STDIN_FILENO : -1 },
			{ .fd = x->to_out.len > 0 && x->out_open ? STDOUT_FILENO : -1,
			  .events = POLLOUT },
		};
		if (x->to_out.len == 0)
			pf[1].events |= POLLIN;
		if (x->to_master.len > 0)
			pf[1].events |= POLLOUT;
		else
			pf[2].events = POLLIN;
		if (pf[1].events == 0)
			pf[1].fd = -1;
		if (pf[2].events == 0)
			pf[2].fd = -1;
		if (poll (pf, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			return hull_error_make (err, errno, "terminal: poll");
		}
		if (pf[0].revents && handle_signals (x, err) < 0)
			return -1;
		if (!x->exited)
			proxy_copy (x, pf);
	}
	return 0;
}

int
hull_terminal_proxy_wait (int master, pid_t pid, const sigset_t *forwarded, int *status,
			  hull_error_t *err)
{
	struct proxy *x = hull_xzalloc (sizeof *x);
	int r;

	x->master = master;
	x->sfd = -EBADF;
	x->pid = pid;
	x->in_open = x->master_open = x->out_open = true;
	r = proxy_start (x, forwarded, err);
	if (r == 0) {
		/* The container may have exited before the signalfd existed; its
		 * SIGCHLD is still pending then, but reap once anyway. */
		reap (x);
		r = proxy_loop (x, err);
	}
	if (r == 0) {
		proxy_drain (x);
		*status = x->status;
	}
	proxy_stop (x);
	free (x);
	return r < 0 ? hull_error_ret (err) : 0;
}
