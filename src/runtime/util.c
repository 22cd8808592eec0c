/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Pieces `run`, `create` and `exec` share on the runtime's side. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "runtime/internal.h"
#include "runtime/sync.h"

int
hull_runtime_write_pid_file (const char *path, pid_t pid, hull_error_t *err)
{
	_cleanup_free_ char *tmp = hull_xasprintf ("%s.%d.tmp", path, (int) getpid ());
	_cleanup_close_ int fd = -EBADF;
	char buf[32];
	int n = snprintf (buf, sizeof buf, "%d", (int) pid);

	/* conmon reads the pid file as soon as it appears: temp file + rename, so no
	 * reader ever sees half of one. */
	fd = open (tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return hull_error_make (err, errno, "--pid-file: create `%s`", tmp);
	if (write (fd, buf, (size_t) n) != n || rename (tmp, path) < 0) {
		hull_error_make (err, errno, "--pid-file: write `%s`", path);
		unlink (tmp);
		return -1;
	}
	return 0;
}

int
hull_runtime_write_oom_score_adj (pid_t pid, int v, hull_error_t *err)
{
	_cleanup_free_ char *path = hull_xasprintf ("/proc/%d/oom_score_adj", pid);
	_cleanup_close_ int fd = open (path, O_WRONLY | O_CLOEXEC);
	char buf[16];
	int n = snprintf (buf, sizeof buf, "%d", v);

	if (fd < 0 || write (fd, buf, (size_t) n) != n)
		return hull_error_make (err, errno, "process.oomScoreAdj: set %d%s", v,
					errno == EACCES ? " (lowering it needs CAP_SYS_RESOURCE)"
							: "");
	return 0;
}

int
hull_runtime_exit_code (int status)
{
	if (WIFSIGNALED (status))
		return 128 + WTERMSIG (status);
	return WEXITSTATUS (status);
}

int
hull_runtime_wait_forward (pid_t pid, const sigset_t *set)
{
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo (set, &si);
		int status;
		pid_t w;

		if (sig < 0)
			continue;
		if (sig != SIGCHLD) {
			kill (pid, sig);
			continue;
		}
		/* Reap everything: hull may be a subreaper for adopted processes too. */
		while ((w = waitpid (-1, &status, WNOHANG)) > 0)
			if (w == pid)
				return hull_runtime_exit_code (status);
	}
}

pid_t
hull_runtime_await_intermediate (pid_t mid, int sync_parent, const char *what, hull_error_t *err)
{
	struct hull_sync_msg m;
	int status, r;

	r = hull_sync_recv (sync_parent, &m, err);
	while (waitpid (mid, &status, 0) < 0 && errno == EINTR)
		;
	if (r < 0)
		return r;
	if (r == 0)
		return hull_error_make (err, EPROTO, "%s ended early", what);
	if (m.type == HULL_SYNC_ERROR) {
		*err = m.error;
		return hull_error_ret (err);
	}
	if (m.type != HULL_SYNC_PID || m.value <= 0)
		return hull_error_make (err, EPROTO, "sync: unexpected message `%c`", m.type);
	return m.value;
}
