/* SPDX-License-Identifier: GPL-2.0-or-later */
/* create / run: the runtime's side. hull claims the id, prepares the cgroup and the
 * mount sources, starts the container process (container.c), maps its ids, runs the
 * runtime-namespace hooks, releases it, and then either returns (create, run
 * --detach) or forwards signals and waits (run). The state directory is written
 * before anything else exists, so a crash at any point leaves something
 * `delete --force` can clean up completely. */
#include "hull/runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "runtime/hooks.h"
#include "runtime/internal.h"
#include "runtime/linux/cgroup.h"
#include "runtime/linux/namespaces.h"
#include "runtime/linux/rootfs.h"
#include "runtime/state.h"
#include "runtime/sync.h"
#include "runtime/terminal.h"

#define HULL_ID_MAX 1024

/* Signals hull passes on to a foreground container rather than acting on itself. */
static const int forwarded_signals[] = { SIGINT,  SIGTERM,  SIGHUP,  SIGQUIT, SIGUSR1,
					 SIGUSR2, SIGWINCH, SIGCONT, SIGALRM };

/* Everything a create owns until it succeeds; released by cleanup_create on failure. */
struct creation {
	struct hull_state_dir *dir;
	struct hull_state st;
	struct hull_cgroup *cg;
	pid_t pid;
	int master; /* pty master, -1 */
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
check_runnable (const struct hull_oci_config *cfg, const struct hull_run_options *opts,
		hull_error_t *err)
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
	/* runc's rule: a detached container's terminal has nowhere to go but the socket. */
	if (cfg->process.terminal && opts->mode != HULL_RUN_FOREGROUND && !opts->console_socket)
		return hull_error_make (err, EINVAL,
					"process.terminal: a container that outlives this command "
					"needs --console-socket to receive its terminal");
	if (!cfg->process.terminal && opts->console_socket)
		return hull_error_make (err, EINVAL,
					"--console-socket given but process.terminal is false");
	return hull_ns_check_sysctls (cfg, err);
}

static void
now_rfc3339 (char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime (CLOCK_REALTIME, &ts);
	gmtime_r (&ts.tv_sec, &tm);
	snprintf (buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900,
		  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec);
}

/* The listening socket `hull start` connects to; the container process inherits it.
 * It lives in the 0700 state directory, so only root can reach it. */
static int
start_socket (struct hull_state_dir *dir, hull_error_t *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int s = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		return hull_error_make (err, errno, "start socket");
	snprintf (sa.sun_path, sizeof sa.sun_path, "/proc/self/fd/%d/start.sock",
		  hull_state_dirfd (dir));
	if (bind (s, (struct sockaddr *) &sa, sizeof sa) < 0 || listen (s, 4) < 0)
		return hull_error_make (err, errno, "start socket");
	return TAKE_FD (s);
}

static int
runtime_hooks (const struct hull_oci_config *cfg, const struct hull_run_options *opts, pid_t pid,
	       hull_error_t *err)
{
	const struct hull_oci_hooks *h = &cfg->hooks;
	_cleanup_free_ char *state = NULL;

	if (h->n_prestart == 0 && h->n_create_runtime == 0)
		return 0;
	state = hull_container_hook_state (cfg, opts->id, opts->bundle, "creating", pid);
	/* prestart is deprecated but still called, before createRuntime (config.md). */
	if (hull_hooks_run (h->prestart, h->n_prestart, "prestart", state, err) < 0)
		return -1;
	return hull_hooks_run (h->create_runtime, h->n_create_runtime, "createRuntime", state, err);
}

/* Hooks whose failure is logged and does not undo anything (poststart, poststop). */
static void
soft_hooks (const struct hull_oci_config *cfg, const struct hull_run_options *opts,
	    const struct hull_oci_hook *hooks, size_t n, const char *kind, const char *status,
	    pid_t pid)
{
	_cleanup_free_ char *state = NULL;
	hull_error_t err = { 0 };

	if (n == 0)
		return;
	state = hull_container_hook_state (cfg, opts->id, opts->bundle, status, pid);
	if (hull_hooks_run (hooks, n, kind, state, &err) < 0)
		hull_log (HULL_LOG_WARNING, "%s", err.msg);
}

/* Parent side of setup: maps, cgroup, oom score, hooks, go. */
static int
parent_setup (struct run_ctx *c, struct creation *cr, int sync_parent, hull_error_t *err)
{
	const struct hull_oci_config *cfg = c->cfg;
	int r;

	if (c->new_user && (r = hull_ns_write_maps (cr->pid, cfg, err)) < 0)
		return r;
	/* Created inside its cgroup by clone3 on v2 hosts; moved in by pid otherwise. */
	if (cr->cg && !c->in_cgroup && (r = hull_cgroup_enter (cr->cg, cr->pid, err)) < 0)
		return r;
	if (cfg->process.has_oom_score_adj &&
	    (r = hull_runtime_write_oom_score_adj (cr->pid, cfg->process.oom_score_adj, err)) < 0)
		return r;
	hull_crash_point ("mapped");
	if ((r = runtime_hooks (cfg, c->opts, cr->pid, err)) < 0)
		return r;
	return hull_sync_send (sync_parent, HULL_SYNC_GO, cr->pid, err);
}

/* Read the container process's reports until it is ready (create) or has exec'd
 * (end-of-file: the exec closed its close-on-exec end). */
static int
await_child (struct run_ctx *c, struct creation *cr, int sync_parent, hull_error_t *err)
{
	for (;;) {
		struct hull_sync_msg m;
		int r = hull_sync_recv (sync_parent, &m, err);

		if (r < 0)
			return r;
		if (r == 0)
			return c->opts->mode == HULL_RUN_CREATE
				       ? hull_error_make (err, EPROTO, "container process exited")
				       : 0;
		if (m.type == HULL_SYNC_ERROR) {
			*err = m.error;
			return hull_error_ret (err);
		}
		if (m.type == HULL_SYNC_READY && c->opts->mode == HULL_RUN_CREATE)
			return 0;
		if (m.type == HULL_SYNC_SECCOMP) {
			r = hull_container_forward_listener (c->cfg, c->opts->id, c->opts->bundle,
							     cr->pid, sync_parent, err);
			if (r < 0)
				return r;
			continue;
		}
		if (m.type != HULL_SYNC_TERMINAL || cr->master >= 0)
			return hull_error_make (err, EPROTO, "sync: unexpected message `%c`",
						m.type);
		cr->master = hull_terminal_recv_fd (sync_parent, err);
		if (cr->master < 0)
			return cr->master;
		if (c->opts->console_socket) {
			r = hull_terminal_send_console (c->opts->console_socket, cr->master, err);
			cr->master = hull_safe_close (cr->master);
			if (r < 0)
				return r;
		}
	}
}

static void
cleanup_create (struct creation *cr)
{
	hull_error_t ignored;

	if (cr->pid > 0) {
		int status;
		kill (cr->pid, SIGKILL);
		while (waitpid (cr->pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	if (cr->cg) {
		hull_cgroup_destroy (cr->cg, &ignored);
		cr->cg = hull_cgroup_free (cr->cg);
	}
	cr->master = hull_safe_close (cr->master);
	hull_state_remove (cr->dir);
	cr->dir = NULL;
}

static int
open_sources (struct run_ctx *c, const char *rootfs, hull_error_t *err)
{
	_cleanup_close_ int bundle_fd = open (c->opts->bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (bundle_fd < 0)
		return hull_error_make (err, errno, "bundle `%s`", c->opts->bundle);
	c->rootfs_fd = open (rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (c->rootfs_fd < 0)
		return hull_error_make (err, errno, "root.path `%s`", rootfs);
	c->source_fds = hull_rootfs_prepare_sources (c->cfg, bundle_fd, err);
	return c->source_fds ? 0 : hull_error_ret (err);
}

static void
close_sources (struct run_ctx *c)
{
	hull_rootfs_close_sources (c->cfg, c->source_fds);
	c->source_fds = NULL;
	c->rootfs_fd = hull_safe_close (c->rootfs_fd);
	c->start_listen = hull_safe_close (c->start_listen);
}

/* Claim the id and write the first state, then the cgroup. */
static int
prepare_state (struct run_ctx *c, struct creation *cr, const char *rootfs, hull_error_t *err)
{
	char created[64];
	int r;

	cr->dir = hull_state_create (c->opts->state_root, c->opts->id, err);
	if (cr->dir == NULL)
		return hull_error_ret (err);
	now_rfc3339 (created, sizeof created);
	cr->st = (struct hull_state){
		.id = (char *) c->opts->id,
		.phase = HULL_PHASE_CREATING,
		.bundle = (char *) c->opts->bundle,
		.rootfs = (char *) rootfs,
		.created = created,
		.terminal = c->cfg->process.terminal,
		.annotations = c->cfg->annotations,
	};
	if ((r = hull_state_save (cr->dir, &cr->st, err)) < 0)
		return r;
	/* exec and the poststop hooks of delete need the config the container was made
	 * with, even if the bundle changes or goes away. */
	if (!c->opts->in_memory_config &&
	    (r = hull_state_save_config (cr->dir, c->opts->bundle, err)) < 0)
		return r;
	cr->st.created = NULL; /* points at the stack */
	hull_crash_point ("state");
	cr->cg = hull_cgroup_create (c->cfg->linux_.cgroups_path, c->opts->id, err);
	if (cr->cg == NULL)
		return hull_error_ret (err);
	if (hull_cgroup_apply (cr->cg, &c->cfg->linux_.resources, err) < 0)
		return hull_error_ret (err);
	cr->st.cgroup = hull_cgroup_serialize (cr->cg);
	/* -1 on v1/hybrid hosts: the container process is then moved in by parent_setup. */
	c->cgroup_fd = hull_cgroup_v2_fd (cr->cg);
	cr->st.created = hull_xstrdup (created);
	r = hull_state_save (cr->dir, &cr->st, err);
	hull_crash_point ("cgroup");
	return r;
}

static pid_t
spawn_in_rootfs (struct run_ctx *c, int sync_parent, hull_error_t *err)
{
	_cleanup_close_ int saved_cwd = open (".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	pid_t pid;

	/* The child reaches its rootfs through its working directory: clone(CLONE_NEWNS)
	 * moves the cwd into the new mount namespace, where an fd opened here would still
	 * point into the host's, and no path walk (0700 parents) is needed. */
	fflush (NULL);
	c->close_in_child[2] = saved_cwd;
	if (fchdir (c->rootfs_fd) < 0)
		return hull_error_make (err, errno, "chdir to root.path");
	pid = hull_container_spawn (c, sync_parent, err);
	if (saved_cwd >= 0 && fchdir (saved_cwd) < 0)
		hull_debug ("cannot return to the previous working directory");
	return pid;
}

static int
create_container (struct run_ctx *c, struct creation *cr, const char *rootfs, hull_error_t *err)
{
	_cleanup_close_ int sync_parent = -EBADF;
	int fds[2], r;

	if ((r = prepare_state (c, cr, rootfs, err)) < 0 || (r = open_sources (c, rootfs, err)) < 0)
		return r;
	if (c->opts->mode == HULL_RUN_CREATE && (c->start_listen = start_socket (cr->dir, err)) < 0)
		return c->start_listen;
	if ((r = hull_sync_pair (fds, err)) < 0)
		return r;
	sync_parent = fds[0];
	c->sync_child = fds[1];
	c->sync_parent = sync_parent;
	c->close_in_child[0] = hull_state_dirfd (cr->dir);
	c->close_in_child[1] = hull_state_rootfd (cr->dir);
	cr->pid = spawn_in_rootfs (c, sync_parent, err);
	c->sync_child = hull_safe_close (c->sync_child);
	c->cgroup_fd = hull_safe_close (c->cgroup_fd);
	close_sources (c);
	if (cr->pid < 0) {
		r = cr->pid;
		cr->pid = 0;
		return r;
	}
	cr->st.pid = cr->pid;
	cr->st.start_time = hull_state_pid_start_time (cr->pid);
	if ((r = hull_state_save (cr->dir, &cr->st, err)) < 0)
		return r;
	hull_crash_point ("spawned");
	if ((r = parent_setup (c, cr, sync_parent, err)) < 0)
		return r;
	return await_child (c, cr, sync_parent, err);
}

/* After the container process is ready (create) or has exec'd (run). */
static int
finish_create (struct run_ctx *c, struct creation *cr, hull_error_t *err)
{
	const struct hull_run_options *opts = c->opts;
	int r;

	cr->st.phase = opts->mode == HULL_RUN_CREATE ? HULL_PHASE_CREATED : HULL_PHASE_RUNNING;
	if ((r = hull_state_save (cr->dir, &cr->st, err)) < 0)
		return r;
	hull_crash_point ("saved");
	if (opts->pid_file && (r = hull_runtime_write_pid_file (opts->pid_file, cr->pid, err)) < 0)
		return r;
	if (opts->mode != HULL_RUN_CREATE) {
		hull_state_unlink_start_socket (cr->dir);
		soft_hooks (c->cfg, opts, c->cfg->hooks.poststart, c->cfg->hooks.n_poststart,
			    "poststart", "running", cr->pid);
	}
	return 0;
}

/* Stop owning the state: a delete --force removed it while the container ran (and ran
 * poststop), or it cannot be locked again; `delete --force` cleans up the latter. */
static void
disown_state (struct creation *cr)
{
	hull_state_close (cr->dir);
	cr->dir = NULL;
	cr->cg = hull_cgroup_free (cr->cg);
}

/* run: wait, then poststop and the removal of everything. The lock is released while
 * the container runs, as runc and crun do: state, kill, exec, pause, ps and
 * delete --force work meanwhile. It is taken again for poststop and the cleanup. */
static int
foreground (struct run_ctx *c, struct creation *cr, const sigset_t *set, int *status,
	    hull_error_t *err)
{
	const struct hull_oci_hooks *h = &c->cfg->hooks;
	hull_error_t lock_err = { 0 };
	int r = 0, mine;

	hull_state_unlock (cr->dir);
	if (cr->master >= 0)
		r = hull_terminal_proxy_wait (cr->master, cr->pid, set, status, err);
	else
		*status = hull_runtime_wait_forward (cr->pid, set);
	if (r >= 0)
		cr->pid = 0; /* reaped; otherwise cleanup_create kills and reaps it */
	mine = hull_state_relock (cr->dir, &lock_err);
	if (mine <= 0) {
		if (mine < 0)
			hull_log (HULL_LOG_WARNING, "%s: left for delete --force", lock_err.msg);
		disown_state (cr);
		return r;
	}
	soft_hooks (c->cfg, c->opts, h->poststop, h->n_poststop, "poststop", "stopped", 0);
	return r;
}

int
hull_runtime_run (const struct hull_oci_config *cfg, const struct hull_run_options *opts,
		  int *status, hull_error_t *err)
{
	struct creation cr = { .master = -EBADF };
	_cleanup_free_ char *rootfs = NULL;
	sigset_t set, old;
	int r;

	if ((r = check_runnable (cfg, opts, err)) < 0)
		return r;
	rootfs = resolve_rootfs (cfg, opts->bundle, err);
	if (rootfs == NULL)
		return hull_error_ret (err);
	struct run_ctx c = {
		.cfg = cfg,
		.opts = opts,
		.rootfs = "/proc/self/cwd",
		.rootfs_fd = -EBADF,
		.sync_child = -EBADF,
		.sync_parent = -EBADF,
		.start_listen = -EBADF,
		.close_in_child = { -EBADF, -EBADF, -EBADF },
		.cgroup_fd = -EBADF,
		.new_user =
			hull_ns_find (cfg, HULL_NS_USER) && !hull_ns_find (cfg, HULL_NS_USER)->path,
	};
	/* Block the forwarded signals (and SIGCHLD) before the clone, so none is lost
	 * between the child's birth and the wait loop; the child unblocks before exec. */
	sigemptyset (&set);
	sigaddset (&set, SIGCHLD);
	for (size_t i = 0; i < sizeof forwarded_signals / sizeof forwarded_signals[0]; i++)
		sigaddset (&set, forwarded_signals[i]);
	sigprocmask (SIG_BLOCK, &set, &old);
	r = create_container (&c, &cr, rootfs, err);
	if (r >= 0)
		r = finish_create (&c, &cr, err);
	if (r >= 0 && opts->mode == HULL_RUN_FOREGROUND)
		r = foreground (&c, &cr, &set, status, err);
	close_sources (&c);
	c.cgroup_fd = hull_safe_close (c.cgroup_fd);
	if (r < 0 || opts->mode == HULL_RUN_FOREGROUND)
		cleanup_create (&cr);
	else {
		cr.master = hull_safe_close (cr.master);
		hull_state_close (cr.dir);
		hull_cgroup_free (cr.cg);
	}
	free (cr.st.cgroup);
	free (cr.st.created);
	sigprocmask (SIG_SETMASK, &old, NULL);
	return r;
}
