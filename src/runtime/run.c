/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `hull run`: the foreground lifecycle. The parent (hull) creates the container
 * process with its namespaces, maps its ids, lets it build its root and exec, then
 * forwards signals and waits. The child reports errors over the sync socket.
 *
 * Process shapes:
 *   common case:  hull --clone(new namespaces)--> container process (pid 1)
 *   joined paths or a new time namespace (they take effect for children only):
 *                 hull --fork--> intermediate (setns...) --clone--> container process
 *                 the intermediate exits; hull, a child subreaper, adopts the container. */
#include "hull/runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "runtime/linux/namespaces.h"
#include "runtime/linux/process.h"
#include "runtime/linux/rootfs.h"
#include "runtime/state.h"
#include "runtime/sync.h"

#define HULL_ID_MAX 1024

/* Signals hull passes on to the container rather than acting on itself. */
static const int forwarded_signals[] = { SIGINT,  SIGTERM,  SIGHUP,  SIGQUIT, SIGUSR1,
					 SIGUSR2, SIGWINCH, SIGCONT, SIGALRM };

struct run_ctx {
	const struct hull_oci_config *cfg;
	const char *rootfs; /* "/proc/self/fd/N" of rootfs_fd */
	int rootfs_fd;
	int *source_fds; /* one per cfg->mounts entry, -1 where not a bind */
	int sync_child;	 /* the child's end */
	bool new_user;
	pid_t hull_pid;
};

int
hull_runtime_validate_id (const char *id, hull_error_t *err)
{
	size_t n = strlen (id);

	if (n == 0 || n > HULL_ID_MAX)
		return hull_error_make (err, EINVAL, "container id must be 1 to %d bytes",
					HULL_ID_MAX);
	/* The id names a directory under --root: no separators, no dot-dot, no hidden
	 * names, so it can never point outside the state root. */
	for (size_t i = 0; i < n; i++) {
		char c = id[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || (i > 0 && (c == '_' || c == '-' || c == '.'));
		if (!ok)
			return hull_error_make (err, EINVAL,
						"container id `%s`: only letters, digits and `_.-` "
						"(not first) are allowed",
						id);
	}
	return 0;
}

static char *
resolve_rootfs (const struct hull_oci_config *cfg, const char *bundle, hull_error_t *err)
{
	_cleanup_free_ char *joined = NULL;
	char real[PATH_MAX];
	struct stat st;

	if (cfg->root_path == NULL || cfg->root_path[0] == '\0') {
		hull_error_make (err, EINVAL, "root.path: missing");
		return NULL;
	}
	joined = cfg->root_path[0] == '/' ? hull_xstrdup (cfg->root_path)
					  : hull_xasprintf ("%s/%s", bundle, cfg->root_path);
	if (realpath (joined, real) == NULL || stat (real, &st) < 0) {
		hull_error_make (err, errno, "root.path `%s`", joined);
		return NULL;
	}
	if (!S_ISDIR (st.st_mode)) {
		hull_error_make (err, ENOTDIR, "root.path `%s`", joined);
		return NULL;
	}
	return hull_xstrdup (real);
}

/* What the runtime itself needs beyond the schema checks of hull_oci_config_validate. */
static int
check_runnable (const struct hull_oci_config *cfg, hull_error_t *err)
{
	const struct hull_oci_namespace *mnt;

	if (!cfg->has_process || cfg->process.args.n == 0)
		return hull_error_make (err, EINVAL, "process.args: missing command");
	if (!cfg->has_linux)
		return hull_error_make (err, EINVAL, "linux: missing (hull runs Linux containers)");
	mnt = hull_ns_find (cfg, HULL_NS_MOUNT);
	/* Without its own mount namespace the container's pivot_root and mounts would
	 * act on the host's mount table: refuse instead. */
	if (mnt == NULL || mnt->path != NULL)
		return hull_error_make (err, EINVAL,
					"linux.namespaces: hull needs a new mount namespace "
					"(joining one by path is not supported)");
	if (cfg->process.terminal)
		return hull_error_make (err, ENOTSUP,
					"process.terminal: terminals arrive with the lifecycle "
					"commands; set it to false");
	return hull_ns_check_sysctls (cfg, err);
}

static void __attribute__ ((noreturn)) child_fail (int fd, hull_error_t *err)
{
	hull_sync_send_error (fd, err);
	_exit (err->kind ? err->kind : 125);
}

static int
child_setup (struct run_ctx *c, hull_error_t *err)
{
	const struct hull_oci_config *cfg = c->cfg;
	struct hull_sync_msg m;
	int r;

	r = hull_sync_recv (c->sync_child, &m, err);
	if (r <= 0 || m.type != HULL_SYNC_GO)
		return r < 0 ? r : hull_error_make (err, EPROTO, "sync: expected go from runtime");
	if ((r = hull_process_apply_affinity (cfg->process.exec_cpu_affinity_initial, err)) < 0)
		return r;
	/* In a new user namespace become its root, the uid the maps were written for. */
	if (c->new_user && (setresgid (0, 0, 0) < 0 || setresuid (0, 0, 0) < 0))
		return hull_error_make (err, errno, "become root in the user namespace");
	if (hull_ns_find (cfg, HULL_NS_NETWORK) && !hull_ns_find (cfg, HULL_NS_NETWORK)->path &&
	    (r = hull_ns_loopback_up (err)) < 0)
		return r;
	if (cfg->hostname && sethostname (cfg->hostname, strlen (cfg->hostname)) < 0)
		return hull_error_make (err, errno, "hostname: set `%s`", cfg->hostname);
	if (cfg->domainname && setdomainname (cfg->domainname, strlen (cfg->domainname)) < 0)
		return hull_error_make (err, errno, "domainname: set `%s`", cfg->domainname);
	if ((r = hull_ns_apply_sysctls (cfg, err)) < 0)
		return r;
	if ((r = hull_process_apply_pre_pivot (&cfg->process, err)) < 0)
		return r;
	if ((r = hull_rootfs_setup (cfg, c->rootfs, c->source_fds, err)) < 0)
		return r;
	if ((r = hull_process_apply_rlimits (&cfg->process, err)) < 0)
		return r;
	return hull_process_apply_identity (cfg, err);
}

static void __attribute__ ((noreturn)) child_main (struct run_ctx *c)
{
	hull_error_t err = { 0 };
	sigset_t none;

	if (child_setup (c, &err) < 0)
		child_fail (c->sync_child, &err);
	/* "final" applies once the process is in its cgroup, right before it execs. */
	if (hull_process_apply_affinity (c->cfg->process.exec_cpu_affinity_final, &err) < 0)
		child_fail (c->sync_child, &err);
	sigemptyset (&none);
	sigprocmask (SIG_SETMASK, &none, NULL);
	hull_process_exec (&c->cfg->process, &err);
	child_fail (c->sync_child, &err);
}

/* clone(2) without CLONE_VM and without a new stack behaves like fork(2), and can
 * create the pid namespace's first process directly, saving a process. */
static pid_t
clone_container (struct run_ctx *c, int flags, bool deathsig)
{
	pid_t pid = (pid_t) syscall (SYS_clone, (unsigned long) flags | SIGCHLD, NULL, NULL, NULL,
				     NULL);

	if (pid != 0)
		return pid;
	/* The container must not outlive a foreground hull that was killed. (Not through
	 * the intermediate: its exit would fire the signal at once.) */
	if (deathsig)
		prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	child_main (c);
}

static void __attribute__ ((noreturn)) intermediate_main (struct run_ctx *c, int flags)
{
	hull_error_t err = { 0 };
	pid_t pid;

	if (hull_ns_join_paths (c->cfg, &err) < 0)
		child_fail (c->sync_child, &err);
	pid = clone_container (c, flags, false);
	if (pid < 0) {
		hull_error_make (&err, errno, "clone container process");
		child_fail (c->sync_child, &err);
	}
	if (hull_sync_send (c->sync_child, HULL_SYNC_PID, pid, &err) < 0)
		_exit (125);
	_exit (0);
}

/* Start the container process; returns its pid (in hull's pid namespace). */
static pid_t
spawn (struct run_ctx *c, int sync_parent, hull_error_t *err)
{
	int flags = hull_ns_new_flags (c->cfg);
	struct hull_sync_msg m;
	int status, r;
	pid_t pid, mid;

	if (!hull_ns_needs_intermediate (c->cfg)) {
		pid = clone_container (c, flags, true);
		if (pid < 0)
			return hull_error_make (err, errno, "clone container process");
		return pid;
	}
	if (prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		return hull_error_make (err, errno, "prctl PR_SET_CHILD_SUBREAPER");
	mid = fork ();
	if (mid < 0)
		return hull_error_make (err, errno, "fork");
	if (mid == 0)
		intermediate_main (c, flags);
	r = hull_sync_recv (sync_parent, &m, err);
	while (waitpid (mid, &status, 0) < 0 && errno == EINTR)
		;
	if (r < 0)
		return r;
	if (r == 0)
		return hull_error_make (err, EPROTO, "container setup ended early");
	if (m.type == HULL_SYNC_ERROR) {
		*err = m.error;
		return hull_error_ret (err);
	}
	if (m.type != HULL_SYNC_PID || m.value <= 0)
		return hull_error_make (err, EPROTO, "sync: unexpected message `%c`", m.type);
	return m.value;
}

/* Open the rootfs and prepare every bind source here, as the runtime in the host's
 * namespaces: the container's root (a mapped uid in a user namespace) may not be
 * allowed to walk to them, and a path opened once cannot be swapped later. */
static int
open_sources (struct run_ctx *c, const char *rootfs, const char *bundle, hull_error_t *err)
{
	_cleanup_close_ int bundle_fd = open (bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (bundle_fd < 0)
		return hull_error_make (err, errno, "bundle `%s`", bundle);
	c->rootfs_fd = open (rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (c->rootfs_fd < 0)
		return hull_error_make (err, errno, "root.path `%s`", rootfs);
	c->source_fds = hull_rootfs_prepare_sources (c->cfg, bundle_fd, err);
	if (c->source_fds == NULL)
		return hull_error_ret (err);
	return 0;
}

static void
close_sources (struct run_ctx *c)
{
	hull_rootfs_close_sources (c->cfg, c->source_fds);
	c->source_fds = NULL;
	c->rootfs_fd = hull_safe_close (c->rootfs_fd);
}

static int
write_oom_score_adj (pid_t pid, int v, hull_error_t *err)
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

/* Parent side of setup: maps, oom score, go; then the child's verdict. */
static int
parent_setup (struct run_ctx *c, pid_t pid, int sync_parent, hull_error_t *err)
{
	struct hull_sync_msg m;
	int r;

	if (c->new_user && (r = hull_ns_write_maps (pid, c->cfg, err)) < 0)
		return r;
	if (c->cfg->process.has_oom_score_adj &&
	    (r = write_oom_score_adj (pid, c->cfg->process.oom_score_adj, err)) < 0)
		return r;
	if ((r = hull_sync_send (sync_parent, HULL_SYNC_GO, 0, err)) < 0)
		return r;
	r = hull_sync_recv (sync_parent, &m, err);
	if (r < 0)
		return r;
	if (r == 1 && m.type == HULL_SYNC_ERROR) {
		*err = m.error;
		return hull_error_ret (err);
	}
	return 0; /* end-of-file: the exec happened and closed the child's end */
}

static int
exit_code (int status)
{
	if (WIFSIGNALED (status))
		return 128 + WTERMSIG (status);
	return WEXITSTATUS (status);
}

/* Forward signals until the container process exits; reap whatever else we adopted. */
static int
wait_container (pid_t pid, const sigset_t *set)
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
		while ((w = waitpid (-1, &status, WNOHANG)) > 0)
			if (w == pid)
				return exit_code (status);
	}
}

static void
kill_and_reap (pid_t pid)
{
	int status;

	if (pid <= 0)
		return;
	kill (pid, SIGKILL);
	while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
		;
}

int
hull_runtime_run (const struct hull_oci_config *cfg, const struct hull_run_options *opts,
		  int *status, hull_error_t *err)
{
	_cleanup_free_ char *rootfs = NULL;
	_cleanup_close_ int saved_cwd = -EBADF;
	_cleanup_close_ int sync_parent = -EBADF;
	struct hull_state_dir *state = NULL;
	sigset_t set, old;
	int fds[2], r;
	pid_t pid;

	if ((r = check_runnable (cfg, err)) < 0)
		return r;
	rootfs = resolve_rootfs (cfg, opts->bundle, err);
	if (rootfs == NULL)
		return hull_error_ret (err);
	state = hull_state_create (opts->state_root, opts->id, err);
	if (state == NULL)
		return hull_error_ret (err);
	struct run_ctx c = {
		.cfg = cfg,
		.rootfs_fd = -EBADF,
		.new_user =
			hull_ns_find (cfg, HULL_NS_USER) && !hull_ns_find (cfg, HULL_NS_USER)->path,
		.hull_pid = getpid (),
	};
	if ((r = open_sources (&c, rootfs, opts->bundle, err)) < 0 ||
	    (r = hull_sync_pair (fds, err)) < 0) {
		close_sources (&c);
		hull_state_remove (state);
		return r;
	}
	/* The child reaches its rootfs through its working directory: clone(CLONE_NEWNS)
	 * moves the cwd into the new mount namespace, where an fd opened here would still
	 * point into the host's, and no path walk (0700 parents) is needed. */
	c.rootfs = "/proc/self/cwd";
	sync_parent = fds[0];
	c.sync_child = fds[1];
	/* Block the forwarded signals (and SIGCHLD) before the clone, so none is lost
	 * between the child's birth and the wait loop; the child unblocks before exec. */
	sigemptyset (&set);
	sigaddset (&set, SIGCHLD);
	for (size_t i = 0; i < sizeof forwarded_signals / sizeof forwarded_signals[0]; i++)
		sigaddset (&set, forwarded_signals[i]);
	sigprocmask (SIG_BLOCK, &set, &old);
	fflush (NULL);
	saved_cwd = open (".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fchdir (c.rootfs_fd) < 0)
		pid = hull_error_make (err, errno, "chdir to root.path `%s`", rootfs);
	else
		pid = spawn (&c, sync_parent, err);
	if (saved_cwd >= 0 && fchdir (saved_cwd) < 0)
		hull_debug ("cannot return to the previous working directory");
	hull_safe_close (fds[1]);
	close_sources (&c);
	if (pid < 0) {
		r = (int) pid;
		goto out;
	}
	if ((r = parent_setup (&c, pid, sync_parent, err)) < 0) {
		kill_and_reap (pid);
		goto out;
	}
	hull_state_set_running (state, cfg, opts, pid);
	hull_debug ("container %s: pid %d running", opts->id, pid);
	*status = wait_container (pid, &set);
	r = 0;
out:
	sigprocmask (SIG_SETMASK, &old, NULL);
	hull_state_remove (state);
	return r;
}
