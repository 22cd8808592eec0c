/* SPDX-License-Identifier: GPL-2.0-or-later */
/* OCI hooks (config.md "POSIX-platform Hooks"): one process per hook, the state JSON on
 * its stdin, an optional timeout that kills the hook's whole process group.
 *
 * Waiting never depends on SIGCHLD: run.c blocks it for the container's lifetime and a
 * caller may be in any namespace. The parent polls a pidfd for the hook's exit (a short
 * waitpid(pid, WNOHANG) poll where pidfd_open is missing) and only ever reaps the one pid
 * it forked, never waitpid(-1), which would steal the container's status.
 *
 * Stdin is fed through a non-blocking pipe inside the same poll loop, so a hook that never
 * reads a large state cannot block the runtime past its timeout, and a hook that exits
 * without reading cannot kill the runtime with SIGPIPE. */
#include "runtime/hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

/* Without a pidfd, how often the parent checks whether the hook has exited. */
#define FALLBACK_POLL_MS 10

/* What the child was doing when it failed, sent to the parent over a close-on-exec pipe
 * so the error names the exact step (and an exec failure is not mistaken for a hook that
 * exited with status 127). */
enum child_step {
	STEP_SETPGID,
	STEP_FDS,
	STEP_STDIO,
	STEP_SIGNALS,
	STEP_CLOSE_RANGE,
	STEP_EXEC,
};

static const char *const step_names[] = {
	[STEP_SETPGID] = "setpgid",	    [STEP_FDS] = "move pipe fds",
	[STEP_STDIO] = "set up stdio",	    [STEP_SIGNALS] = "reset signals",
	[STEP_CLOSE_RANGE] = "close_range", [STEP_EXEC] = "exec",
};

struct child_report {
	int step;
	int errnum;
};

/* Everything the child needs, computed before fork so the child only makes
 * async-signal-safe calls. */
struct child_args {
	const char *path;
	char *const *argv;
	char *const *envp;
	int stdin_fd;  /* read end of the state pipe */
	int report_fd; /* write end of the report pipe */
};

/* The parent's view of one running hook. */
struct hook_wait {
	pid_t pid;
	int pidfd;    /* -EBADF: fall back to waitpid (pid, WNOHANG) */
	int stdin_fd; /* write end, non-blocking; -EBADF once done */
	const char *buf;
	size_t len, off;
	bool has_deadline;
	struct timespec deadline;
	bool exited, timed_out;
	int status;
};

static _Noreturn void
child_fail (int report_fd, enum child_step step)
{
	struct child_report r = { step, errno };

	/* Best effort: if the report is lost the parent still sees status 127. */
	if (write (report_fd, &r, sizeof r) < 0)
		_exit (127);
	_exit (127);
}

/* Make `fd` available as `target` across the hook's execve (without close-on-exec). */
static int
install_fd (int fd, int target)
{
	if (fd == target)
		return fcntl (target, F_SETFD, 0);
	return dup3 (fd, target, 0); /* check-style: allow stdio must survive execve */
}

/* fd 0, 1 and 2 of the runtime may be closed, so pipe2 may have returned one of them:
 * move our pipe ends above 2 first, then build stdin (the state), stdout and stderr (the
 * runtime's stderr, or /dev/null when it has none: never the container's stdout). */
static void
child_stdio (struct child_args *a)
{
	bool have_stderr = fcntl (2, F_GETFD) >= 0 && a->stdin_fd != 2 && a->report_fd != 2;
	int fd;

	if (a->report_fd < 3 && (a->report_fd = fcntl (a->report_fd, F_DUPFD_CLOEXEC, 3)) < 0)
		_exit (127);
	if (a->stdin_fd < 3 && (a->stdin_fd = fcntl (a->stdin_fd, F_DUPFD_CLOEXEC, 3)) < 0)
		child_fail (a->report_fd, STEP_FDS);
	if (!have_stderr) {
		fd = open ("/dev/null", O_WRONLY | O_CLOEXEC);
		if (fd < 0 || install_fd (fd, 2) < 0)
			child_fail (a->report_fd, STEP_STDIO);
	}
	if (install_fd (2, 1) < 0 || install_fd (a->stdin_fd, 0) < 0)
		child_fail (a->report_fd, STEP_STDIO);
}

static _Noreturn void
child_exec (struct child_args *a)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t none;

	/* Its own process group, so a timeout kills whatever the hook started as well. */
	if (setpgid (0, 0) < 0)
		child_fail (a->report_fd, STEP_SETPGID);
	child_stdio (a);
	/* Ignored signals and the blocked mask survive execve; the caller (run.c) blocks
	 * SIGCHLD and others. Failures are expected for SIGKILL, SIGSTOP and libc's own. */
	for (int s = 1; s < NSIG; s++)
		(void) sigaction (s, &dfl, NULL);
	sigemptyset (&none);
	if (sigprocmask (SIG_SETMASK, &none, NULL) < 0)
		child_fail (a->report_fd, STEP_SIGNALS);
	/* No fd of the runtime reaches a hook, even one somebody forgot to mark. */
	if (syscall (SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		child_fail (a->report_fd, STEP_CLOSE_RANGE);
	execve (a->path, a->argv, a->envp);
	child_fail (a->report_fd, STEP_EXEC);
}

/* write(2) with SIGPIPE blocked: the hook may exit without reading stdin, and the
 * signal must not kill the runtime. A SIGPIPE raised by this write is consumed before
 * the mask is restored unless one was already pending (that one is the caller's). */
static ssize_t
write_nosigpipe (int fd, const void *buf, size_t len)
{
	sigset_t pipe_set, old, pending;
	bool was_pending;
	ssize_t n;
	int saved;

	sigemptyset (&pipe_set);
	sigaddset (&pipe_set, SIGPIPE);
	sigpending (&pending);
	was_pending = sigismember (&pending, SIGPIPE) == 1;
	pthread_sigmask (SIG_BLOCK, &pipe_set, &old);
	n = write (fd, buf, len);
	saved = errno;
	if (n < 0 && saved == EPIPE && !was_pending)
		(void) sigtimedwait (&pipe_set, NULL, &(struct timespec){ 0, 0 });
	pthread_sigmask (SIG_SETMASK, &old, NULL);
	errno = saved;
	return n;
}

/* Write what the pipe takes now; close it at the end (EOF for the hook) or when the hook
 * stopped reading. Feeding a hook's stdin is best effort: the hook decides whether a
 * short state is an error. */
static void
feed_stdin (struct hook_wait *w)
{
	while (w->off < w->len) {
		ssize_t n = write_nosigpipe (w->stdin_fd, w->buf + w->off, w->len - w->off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0)
			break;
		w->off += (size_t) n;
	}
	w->stdin_fd = hull_safe_close (w->stdin_fd);
}

/* Milliseconds until the deadline for poll(): -1 without one, 0 when it has passed. */
static int
poll_timeout (const struct hook_wait *w)
{
	struct timespec now;
	long long ms;
	int t = -1;

	if (w->has_deadline) {
		clock_gettime (CLOCK_MONOTONIC, &now);
		ms = (long long) (w->deadline.tv_sec - now.tv_sec) * 1000 +
		     (w->deadline.tv_nsec - now.tv_nsec + 999999) / 1000000;
		t = ms <= 0 ? 0 : ms > INT_MAX ? INT_MAX : (int) ms;
	}
	if (w->pidfd < 0 && (t < 0 || t > FALLBACK_POLL_MS))
		t = FALLBACK_POLL_MS;
	return t;
}

static bool
deadline_passed (const struct hook_wait *w)
{
	struct timespec now;

	if (!w->has_deadline)
		return false;
	clock_gettime (CLOCK_MONOTONIC, &now);
	return now.tv_sec > w->deadline.tv_sec ||
	       (now.tv_sec == w->deadline.tv_sec && now.tv_nsec >= w->deadline.tv_nsec);
}

/* Reap the hook; with `block` false only if it has already exited. */
static int
reap (struct hook_wait *w, bool block, hull_error_t *err)
{
	pid_t r;

	do
		r = waitpid (w->pid, &w->status, block ? 0 : WNOHANG);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return hull_error_make (err, errno, "waitpid");
	w->exited = r == w->pid;
	return 0;
}

/* Kill the hook's process group (its children too) and reap the hook. The group exists:
 * both the parent and the child call setpgid before the hook runs. */
static int
kill_and_reap (struct hook_wait *w, hull_error_t *err)
{
	if (kill (-w->pid, SIGKILL) < 0)
		(void) kill (w->pid, SIGKILL);
	w->timed_out = true;
	return reap (w, true, err);
}

/* Feed stdin and wait for the hook's exit or its deadline, whichever comes first. */
static int
wait_hook (struct hook_wait *w, hull_error_t *err)
{
	for (;;) {
		struct pollfd p[2] = { { w->pidfd, POLLIN, 0 }, { w->stdin_fd, POLLOUT, 0 } };
		int n = poll (p, 2, poll_timeout (w));

		if (n < 0 && errno != EINTR)
			return hull_error_make (err, errno, "poll");
		if (n > 0 && p[1].revents != 0)
			feed_stdin (w);
		if (w->pidfd < 0 || (n > 0 && p[0].revents != 0)) {
			if (reap (w, w->pidfd >= 0, err) < 0)
				return -1;
			if (w->exited)
				return 0;
		}
		if (deadline_passed (w))
			return kill_and_reap (w, err);
	}
}

/* Turn what happened into the hook's error, or 0. */
static int
hook_result (const struct hull_oci_hook *h, const char *kind, size_t i, const struct hook_wait *w,
	     int report_fd, hull_error_t *err)
{
	struct child_report r;
	ssize_t n;

	if (w->timed_out)
		return hull_error_make (err, 0, "%s hook %zu `%s`: timed out after %d s", kind, i,
					h->path, h->timeout);
	do
		n = read (report_fd, &r, sizeof r);
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t) sizeof r && r.step >= 0 && r.step <= STEP_EXEC)
		return hull_error_make (err, r.errnum, "%s hook %zu `%s`: %s", kind, i, h->path,
					step_names[r.step]);
	if (WIFEXITED (w->status) && WEXITSTATUS (w->status) != 0)
		return hull_error_make (err, 0, "%s hook %zu `%s`: exited with status %d", kind, i,
					h->path, WEXITSTATUS (w->status));
	if (WIFSIGNALED (w->status))
		return hull_error_make (err, 0, "%s hook %zu `%s`: killed by signal %d", kind, i,
					h->path, WTERMSIG (w->status));
	return 0;
}

static void
start_deadline (struct hook_wait *w, const struct hull_oci_hook *h)
{
	w->has_deadline = h->has_timeout && h->timeout > 0;
	if (!w->has_deadline)
		return;
	clock_gettime (CLOCK_MONOTONIC, &w->deadline);
	w->deadline.tv_sec += h->timeout;
}

static int
run_one (const struct hull_oci_hook *h, const char *kind, size_t i, const char *state,
	 hull_error_t *err)
{
	_cleanup_close_ int in_r = -EBADF, in_w = -EBADF, rep_r = -EBADF, rep_w = -EBADF;
	_cleanup_close_ int pidfd = -EBADF;
	char *const *argv = h->args.n > 0 ? h->args.v : (char *const[]){ h->path, NULL };
	struct child_args a = { .path = h->path,
				.argv = argv,
				.envp = h->env.v ? h->env.v : (char *[]){ NULL } };
	struct hook_wait w = { .buf = state ? state : "", .len = state ? strlen (state) : 0 };
	int p[2];

	if (pipe2 (p, O_CLOEXEC) < 0)
		return hull_error_make (err, errno, "%s hook %zu `%s`: pipe", kind, i, h->path);
	in_r = p[0], in_w = p[1];
	/* Non-blocking for the read side too: after the child is gone, read never waits. */
	if (pipe2 (p, O_CLOEXEC | O_NONBLOCK) < 0)
		return hull_error_make (err, errno, "%s hook %zu `%s`: pipe", kind, i, h->path);
	rep_r = p[0], rep_w = p[1];
	if (fcntl (in_w, F_SETFL, O_NONBLOCK) < 0)
		return hull_error_make (err, errno, "%s hook %zu `%s`: fcntl", kind, i, h->path);
	a.stdin_fd = in_r, a.report_fd = rep_w;

	w.pid = fork ();
	if (w.pid < 0)
		return hull_error_make (err, errno, "%s hook %zu `%s`: fork", kind, i, h->path);
	if (w.pid == 0)
		child_exec (&a);
	in_r = hull_safe_close (in_r);
	rep_w = hull_safe_close (rep_w);
	/* Also here, so the group exists before we could ever kill it (the child's own call
	 * may not have run yet); EACCES means the child has already exec'd, after its own. */
	(void) setpgid (w.pid, w.pid);
	start_deadline (&w, h);
	pidfd = (int) syscall (SYS_pidfd_open, w.pid, 0);
	w.pidfd = pidfd;
	w.stdin_fd = TAKE_FD (in_w);
	if (wait_hook (&w, err) < 0) {
		w.stdin_fd = hull_safe_close (w.stdin_fd);
		if (!w.exited)
			(void) kill_and_reap (&w, NULL);
		return hull_error_wrap (err, "%s hook %zu `%s`", kind, i, h->path);
	}
	w.stdin_fd = hull_safe_close (w.stdin_fd);
	return hook_result (h, kind, i, &w, rep_r, err);
}

int
hull_hooks_run (const struct hull_oci_hook *hooks, size_t n, const char *kind,
		const char *state_json, hull_error_t *err)
{
	for (size_t i = 0; i < n; i++) {
		if (run_one (&hooks[i], kind, i, state_json, err) < 0)
			return -1;
	}
	return 0;
}
