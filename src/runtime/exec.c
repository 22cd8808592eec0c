/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `hull exec`: one more process in a running container.
 *
 * Process shape:
 *   hull --fork--> intermediate: non-dumpable, LSM exec labels, scheduler, rlimits,
 *                  setns (pidfd, every namespace the container does not share with us)
 *                  --clone (CLONE_PARENT)--> the process; the intermediate exits.
 * The second process is needed because a pid (and time) namespace applies to children
 * only. CLONE_PARENT makes the process hull's own child from birth, so hull waits for
 * it and forwards signals without becoming a child subreaper and without a window in
 * which it belongs to nobody; it also keeps hull's pid out of the container's pid
 * namespace: the process's parent reads as pid 0 inside.
 *
 * The process then waits for hull (cgroup, oomScoreAdj), checks that its root is the
 * container's, sets up the terminal, switches identity, and execs. Errors travel to hull
 * over the sync socket (runtime/sync.h); the exec closes the socket, which hull reads as
 * success. hull never re-executes itself: /proc/<pid>/exe of the process is the
 * container's binary from the execve on, and before it the process is non-dumpable
 * (CVE-2019-5736). */
#include "runtime/exec.h"
#include "runtime/internal.h"

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
#include "runtime/linux/cgroup.h"
#include "runtime/linux/process.h"
#include "runtime/linux/seccomp.h"
#include "runtime/linux/landlock.h"
#include "runtime/state.h"
#include "runtime/sync.h"
#include "runtime/terminal.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* Signals hull passes on to the process rather than acting on itself (as run.c). */
static const int forwarded_signals[] = { SIGINT,  SIGTERM,  SIGHUP,  SIGQUIT, SIGUSR1,
					 SIGUSR2, SIGWINCH, SIGCONT, SIGALRM };

/* /proc/<pid>/ns/<name> -> the setns flag that joins it. */
static const struct {
	const char *name;
	int flag;
} ns_table[] = {
	{ "user", CLONE_NEWUSER },     { "mnt", CLONE_NEWNS },	  { "pid", CLONE_NEWPID },
	{ "net", CLONE_NEWNET },       { "ipc", CLONE_NEWIPC },	  { "uts", CLONE_NEWUTS },
	{ "cgroup", CLONE_NEWCGROUP }, { "time", CLONE_NEWTIME },
};

struct exec_ctx {
	const struct hull_exec_options *o;
	struct hull_state_dir *dir;
	struct hull_state *st;
	struct hull_oci_config *cfg; /* the container's config, process replaced by ours */
	int pidfd;		     /* the container's process, pinned */
	int ns_flags;		     /* namespaces to join */
	dev_t root_dev;		     /* the container's root, as its process sees it */
	ino_t root_ino;
	int sync_child, sync_parent;
	int master; /* the pty master (with -t), received from the process */
	pid_t pid;  /* the process, in hull's pid namespace */
	/* The container's seccomp program, compiled (or read from the cache) here in hull
	 * and inherited: the exec'd process is confined exactly like the container's own. */
	struct hull_seccomp_prog *seccomp;
};

/* ---- the process description (runc's getProcess rules) -------------------------------- */

static void
strv_append (struct hull_strv *v, const char *s)
{
	v->v = hull_xreallocarray (v->v, v->n + 2, sizeof *v->v);
	v->v[v->n++] = hull_xstrdup (s);
	v->v[v->n] = NULL;
}

/* --env K=V replaces an existing K (the last one wins, as runc's exec) or appends. */
static int
env_set (struct hull_strv *env, const char *kv, hull_error_t *err)
{
	const char *eq = strchr (kv, '=');
	size_t klen = eq ? (size_t) (eq - kv) : 0;

	if (klen == 0)
		return hull_error_make (err, EINVAL, "--env `%s`: expected KEY=VALUE", kv);
	for (size_t i = 0; i < env->n; i++) {
		if (strncmp (env->v[i], kv, klen + 1) == 0) {
			free (env->v[i]);
			env->v[i] = hull_xstrdup (kv);
			return 0;
		}
	}
	strv_append (env, kv);
	return 0;
}

static int
add_caps (struct hull_oci_caps *caps, char *const *names, hull_error_t *err)
{
	for (size_t i = 0; names && names[i]; i++) {
		int cap = hull_oci_cap_from_name (names[i]);
		uint64_t bit;

		if (cap < 0)
			return hull_error_make (err, EINVAL, "--cap `%s`: unknown capability",
						names[i]);
		/* Bounding, effective and permitted, as runc since 1.1.2: inheritable (and so
		 * ambient) stay as configured, or a program with inheritable file capabilities
		 * would gain them in the exec'd process (CVE-2022-29162). */
		bit = UINT64_C (1) << cap;
		caps->present = true;
		caps->bounding |= bit;
		caps->effective |= bit;
		caps->permitted |= bit;
	}
	return 0;
}

static void
add_gids (struct hull_oci_user *u, const uint32_t *gids, size_t n)
{
	if (n == 0)
		return;
	u->additional_gids = hull_xreallocarray (u->additional_gids, u->n_additional_gids + n,
						 sizeof *u->additional_gids);
	memcpy (u->additional_gids + u->n_additional_gids, gids, n * sizeof *gids);
	u->n_additional_gids += n;
}

static void
replace_string (char **dst, const char *value)
{
	if (value == NULL)
		return;
	free (*dst);
	*dst = hull_xstrdup (value);
}

static int
apply_overrides (struct hull_oci_process *p, const struct hull_exec_options *o, hull_error_t *err)
{
	int r;

	if (o->args && o->args[0]) {
		hull_strv_free (&p->args);
		for (size_t i = 0; o->args[i]; i++)
			strv_append (&p->args, o->args[i]);
	}
	for (size_t i = 0; o->env && o->env[i]; i++)
		if ((r = env_set (&p->env, o->env[i], err)) < 0)
			return r;
	replace_string (&p->cwd, o->cwd);
	if (o->has_uid)
		p->user.uid = o->uid;
	if (o->has_gid)
		p->user.gid = o->gid;
	add_gids (&p->user, o->additional_gids, o->n_additional_gids);
	if ((r = add_caps (&p->caps, o->caps, err)) < 0)
		return r;
	p->no_new_privileges = p->no_new_privileges || o->no_new_privs;
	replace_string (&p->apparmor_profile, o->apparmor);
	replace_string (&p->selinux_label, o->process_label);
	return 0;
}

static int
check_process (const struct hull_oci_process *p, const struct hull_exec_options *o,
	       hull_error_t *err)
{
	if (p->args.n == 0 || p->args.v[0][0] == '\0')
		return hull_error_make (err, EINVAL, "missing command (ARGS or process.args)");
	if (p->cwd && p->cwd[0] != '/')
		return hull_error_make (err, EINVAL, "cwd `%s` is not absolute", p->cwd);
	/* runc's rules: a console socket needs a terminal, and a detached terminal needs a
	 * console socket (nobody would hold the master). */
	if (o->console_socket && !p->terminal)
		return hull_error_make (err, EINVAL, "--console-socket needs a terminal (-t)");
	if (p->terminal && o->detach && o->console_socket == NULL)
		return hull_error_make (err, EINVAL, "a detached terminal needs --console-socket");
	return 0;
}

/* The container's config with its process replaced by the exec process: the identity
 * code needs the container's linux section (personality) next to the process. */
static int
build_process (struct exec_ctx *c, hull_error_t *err)
{
	const struct hull_exec_options *o = c->o;
	struct hull_oci_process *p = &c->cfg->process;
	struct hull_oci_process file = { 0 };
	int r;

	if (o->process_path) {
		if (hull_oci_process_load (o->process_path, &file, err) < 0)
			return hull_error_wrap (err, "--process");
		hull_oci_process_clear (p);
		*p = file;
		c->cfg->has_process = true;
		p->terminal = p->terminal || o->tty;
	} else {
		/* runc: the config's process, its terminal replaced by -t. */
		if (!c->cfg->has_process)
			return hull_error_make (err, EINVAL,
						"the container has no process to copy");
		p->terminal = o->tty;
	}
	if ((r = apply_overrides (p, o, err)) < 0)
		return r;
	return check_process (p, o, err);
}

/* ---- the container ----------------------------------------------------------------------- */

/* The namespaces of pid that differ from ours: exactly those the process must join. */
static int
namespaces_to_join (pid_t pid, int *flags, hull_error_t *err)
{
	*flags = 0;
	for (size_t i = 0; i < sizeof ns_table / sizeof ns_table[0]; i++) {
		_cleanup_free_ char *theirs =
			hull_xasprintf ("/proc/%d/ns/%s", pid, ns_table[i].name);
		_cleanup_free_ char *ours = hull_xasprintf ("/proc/self/ns/%s", ns_table[i].name);
		struct stat a, b;

		if (stat (ours, &b) < 0 && errno == ENOENT)
			continue; /* a kernel without this namespace type */
		if (stat (theirs, &a) < 0)
			return hull_error_make (err, errno, "namespace `%s` of pid %d",
						ns_table[i].name, pid);
		if (a.st_dev != b.st_dev || a.st_ino != b.st_ino)
			*flags |= ns_table[i].flag;
	}
	return 0;
}

/* A frozen cgroup is a paused container (hull_state_status leaves that to the caller). */
static bool
is_paused (const struct hull_state *st)
{
	hull_error_t ignored = { 0 };
	struct hull_cgroup *cg;
	bool frozen = false;

	if (st->cgroup == NULL)
		return false;
	cg = hull_cgroup_load (st->cgroup, &ignored);
	if (cg == NULL || hull_cgroup_is_frozen (cg, &frozen, &ignored) < 0)
		frozen = false;
	hull_cgroup_free (cg);
	return frozen;
}

/* runc allows exec into a created container too: its setup is complete and it only
 * waits for `start`. Anything else is refused; a paused one explicitly, since the
 * process would freeze in its cgroup before its execve and exec would never return. */
static int
check_status (struct exec_ctx *c, hull_error_t *err)
{
	const char *status = hull_state_status (c->st);

	if (strcmp (status, "running") != 0 && strcmp (status, "created") != 0)
		return hull_error_make (err, 0, "container `%s` is not running (status: %s)",
					c->o->id, status);
	if (is_paused (c->st))
		return hull_error_make (err, 0, "container `%s` is paused; resume it first",
					c->o->id);
	return 0;
}

/* Pin the container's process and make sure it is the one the state names: the pidfd
 * is taken first and the start time checked after, so a recycled pid cannot slip in
 * between; a later death makes setns (pidfd) fail instead of joining a stranger. */
static int
pin_container (struct exec_ctx *c, hull_error_t *err)
{
	_cleanup_free_ char *root = NULL;
	struct stat st;
	int r;

	c->pidfd = (int) syscall (SYS_pidfd_open, c->st->pid, 0);
	if (c->pidfd < 0)
		return hull_error_make (err, 0, "container `%s` is not running (pid %d is gone)",
					c->o->id, c->st->pid);
	if (!hull_state_alive (c->st))
		return hull_error_make (err, 0, "container `%s` is not running (status: stopped)",
					c->o->id);
	if ((r = namespaces_to_join (c->st->pid, &c->ns_flags, err)) < 0)
		return r;
	root = hull_xasprintf ("/proc/%d/root", c->st->pid);
	if (stat (root, &st) < 0)
		return hull_error_make (err, errno, "root of container `%s`", c->o->id);
	c->root_dev = st.st_dev;
	c->root_ino = st.st_ino;
	/* The checks above read /proc/<pid>: was it still our process when they ran? */
	if (!hull_state_alive (c->st))
		return hull_error_make (err, 0, "container `%s` is not running (status: stopped)",
					c->o->id);
	return 0;
}

static int
open_container (struct exec_ctx *c, hull_error_t *err)
{
	int r;

	c->dir = hull_state_open (c->o->state_root, c->o->id, false, err);
	if (c->dir == NULL)
		return hull_error_ret (err);
	if ((r = hull_state_read (c->dir, &c->st, err)) < 0)
		return r;
	if ((r = check_status (c, err)) < 0)
		return r;
	c->cfg = hull_state_load_config (c->dir, err);
	if (c->cfg == NULL)
		return hull_error_ret (err);
	if ((r = build_process (c, err)) < 0)
		return r;
	return pin_container (c, err);
}

/* ---- the child processes ----------------------------------------------------------------- */

static void __attribute__ ((noreturn)) child_fail (int fd, hull_error_t *err)
{
	hull_sync_send_error (fd, err);
	_exit (err->kind ? err->kind : 125);
}

/* After setns the kernel sets our root to the mount namespace's root: it must be the
 * directory the container's process has as its root, never a host directory. */
static int
check_root (const struct exec_ctx *c, hull_error_t *err)
{
	struct stat st;

	if (stat ("/", &st) < 0)
		return hull_error_make (err, errno, "stat the container's root");
	if (st.st_dev != c->root_dev || st.st_ino != c->root_ino)
		return hull_error_make (err, EPERM,
					"the mount namespace's root is not the container's root");
	return 0;
}

static int
setup_terminal (struct exec_ctx *c, hull_error_t *err)
{
	_cleanup_close_ int master = -EBADF;

	if (!c->cfg->process.terminal)
		return 0;
	master = hull_terminal_setup_child (&c->cfg->process, err);
	if (master < 0)
		return master;
	/* The container process's protocol (container.c): a TERMINAL message, then the fd. */
	if (hull_sync_send (c->sync_child, HULL_SYNC_TERMINAL, 0, err) < 0)
		return -1;
	return hull_terminal_send_fd (c->sync_child, master, "/dev/ptmx", err);
}

static int
process_setup (struct exec_ctx *c, hull_error_t *err)
{
	bool nnp = c->cfg->process.no_new_privileges;
	_cleanup_close_ int landlock = -EBADF;
	struct hull_sync_msg m;
	int r;

	r = hull_sync_recv (c->sync_child, &m, err);
	if (r <= 0 || m.type != HULL_SYNC_GO)
		return r < 0 ? r : hull_error_make (err, EPROTO, "sync: expected go from runtime");
	if ((r = check_root (c, err)) < 0)
		return r;
	/* Joined a user namespace as host root, an id it does not map: become its root
	 * (as the container's process did), so what we create in the container (the pty)
	 * belongs to a mapped owner and the identity switch starts from there. */
	if ((c->ns_flags & CLONE_NEWUSER) && (setresgid (0, 0, 0) < 0 || setresuid (0, 0, 0) < 0))
		return hull_error_make (err, errno, "become root in the user namespace");
	if ((r = setup_terminal (c, err)) < 0)
		return r;
	/* Confined exactly like the container's own process (container.c): Landlock from
	 * the container's annotation (paths opened inside its root), then seccomp, loaded
	 * before the identity switch without noNewPrivileges (seccomp(2) then needs
	 * CAP_SYS_ADMIN) and right after it with. */
	if ((r = hull_landlock_prepare (c->cfg, &landlock, err)) < 0 ||
	    (r = hull_landlock_restrict (landlock, err)) < 0)
		return r;
	if (!nnp && (r = hull_seccomp_load (c->seccomp, NULL, err)) < 0)
		return r;
	/* User, groups, capabilities, umask, personality, no_new_privs, and the cwd
	 * checked to be inside the root (CVE-2024-21626). */
	if ((r = hull_process_apply_identity (c->cfg, err)) < 0)
		return r;
	if ((r = hull_process_apply_affinity (c->cfg->process.exec_cpu_affinity_final, err)) < 0)
		return r;
	if (nnp && (r = hull_seccomp_load (c->seccomp, NULL, err)) < 0)
		return r;
	return 0;
}

static void __attribute__ ((noreturn)) process_main (struct exec_ctx *c)
{
	hull_error_t err = { 0 };
	sigset_t none;

	if (process_setup (c, &err) < 0)
		child_fail (c->sync_child, &err);
	sigemptyset (&none);
	sigprocmask (SIG_SETMASK, &none, NULL);
	/* close_range (CLOEXEC) over every fd above 2, then execve: no fd of hull (the
	 * state dir, the pidfd, the sockets) reaches the container. */
	hull_process_exec (&c->cfg->process, c->o->preserve_fds, &err);
	child_fail (c->sync_child, &err);
}

/* Everything that must happen while we still see the host: the LSM exec labels go
 * through the host's /proc and need its securityfs; scheduler, I/O priority and CPU
 * affinity are inherited by the child; rlimits are set with the host's
 * CAP_SYS_RESOURCE, as runc does with prlimit from outside. */
static int
intermediate_setup (struct exec_ctx *c, hull_error_t *err)
{
	const struct hull_oci_process *p = &c->cfg->process;
	int r;

	/* CVE-2019-5736: until its execve the process runs hull's binary with hull's fds.
	 * Non-dumpable (inherited by the child), its /proc/<pid>/exe and fd links are out
	 * of reach of every process of the container, even root with CAP_SYS_PTRACE: the
	 * check wants that capability in the initial user namespace (the mm's). execve
	 * resets it. tests/integration/test_exec.py stops the process there and tries. */
	if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return hull_error_make (err, errno, "prctl PR_SET_DUMPABLE");
	if ((r = hull_process_apply_pre_pivot (p, err)) < 0)
		return r;
	if ((r = hull_process_apply_affinity (p->exec_cpu_affinity_initial, err)) < 0)
		return r;
	if ((r = hull_process_apply_rlimits (p, err)) < 0)
		return r;
	/* One call, all namespaces: the kernel joins the user namespace first, so the
	 * others are entered with its privileges, and either all are joined or none. */
	if (c->ns_flags && setns (c->pidfd, c->ns_flags) < 0)
		return hull_error_make (err, errno, "join the namespaces of container `%s`",
					c->o->id);
	return 0;
}

static void __attribute__ ((noreturn)) intermediate_main (struct exec_ctx *c)
{
	hull_error_t err = { 0 };
	pid_t pid;

	c->sync_parent = hull_safe_close (c->sync_parent);
	if (intermediate_setup (c, &err) < 0)
		child_fail (c->sync_child, &err);
	pid = (pid_t) syscall (SYS_clone, (unsigned long) CLONE_PARENT, NULL, NULL, NULL, NULL);
	if (pid == 0)
		process_main (c);
	if (pid < 0) {
		hull_error_make (&err, errno, "clone the exec process");
		child_fail (c->sync_child, &err);
	}
	if (hull_sync_send (c->sync_child, HULL_SYNC_PID, pid, &err) < 0)
		_exit (125);
	_exit (0);
}

/* ---- hull's side ------------------------------------------------------------------------- */

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

static int
open_channels (struct exec_ctx *c, hull_error_t *err)
{
	int fds[2], r;

	if ((r = hull_sync_pair (fds, err)) < 0)
		return r;
	c->sync_parent = fds[0];
	c->sync_child = fds[1];
	return 0;
}

/* Fork the intermediate and learn the process's pid from it. */
static int
spawn (struct exec_ctx *c, hull_error_t *err)
{
	pid_t mid;

	/* A bad profile fails here, before anything joins the container. */
	if (hull_seccomp_prepare (&c->cfg->linux_.seccomp, NULL, &c->seccomp, err) < 0)
		return -1;
	fflush (NULL);
	mid = fork ();
	if (mid < 0)
		return hull_error_make (err, errno, "fork");
	if (mid == 0)
		intermediate_main (c);
	c->seccomp = hull_seccomp_prog_free (c->seccomp);
	c->sync_child = hull_safe_close (c->sync_child);
	c->pid = hull_runtime_await_intermediate (mid, c->sync_parent, "exec setup", err);
	return c->pid < 0 ? c->pid : 0;
}

/* Into the container's cgroup before it runs anything, so its limits and `kill --all`,
 * `pause` and `delete --force` cover it. Done from here, in the host's cgroupfs: the
 * process itself no longer sees it. */
static int
join_cgroup (struct exec_ctx *c, hull_error_t *err)
{
	struct hull_cgroup *cg;
	int r;

	if (c->st->cgroup == NULL)
		return 0;
	cg = hull_cgroup_load (c->st->cgroup, err);
	if (cg == NULL)
		return hull_error_wrap (err, "cgroup of container `%s`", c->o->id);
	r = hull_cgroup_enter (cg, c->pid, err);
	hull_cgroup_free (cg);
	return r;
}

/* Place the process, release it, and wait for its verdict: an error, or end-of-file
 * when its execve closed the socket. */
static int
release (struct exec_ctx *c, hull_error_t *err)
{
	const struct hull_oci_process *p = &c->cfg->process;
	struct hull_sync_msg m;
	int r;

	if ((r = join_cgroup (c, err)) < 0)
		return r;
	if (p->has_oom_score_adj &&
	    (r = hull_runtime_write_oom_score_adj (c->pid, p->oom_score_adj, err)) < 0)
		return r;
	if ((r = hull_sync_send (c->sync_parent, HULL_SYNC_GO, 0, err)) < 0)
		return r;
	while ((r = hull_sync_recv (c->sync_parent, &m, err)) == 1) {
		if (m.type == HULL_SYNC_ERROR) {
			*err = m.error;
			return hull_error_ret (err);
		}
		/* One pty master, and only when a terminal was asked for. */
		if (m.type != HULL_SYNC_TERMINAL || !p->terminal || c->master >= 0)
			return hull_error_make (err, EPROTO, "sync: unexpected message `%c`",
						m.type);
		c->master = hull_terminal_recv_fd (c->sync_parent, err);
		if (c->master < 0)
			return c->master;
	}
	if (r < 0)
		return r;
	if (p->terminal && c->master < 0)
		return hull_error_make (err, EPROTO, "terminal: no pty master from the process");
	return 0;
}

/* After the exec: hand out the pty, write the pid file, wait unless detached. */
static int
follow (struct exec_ctx *c, const sigset_t *set, int *status, hull_error_t *err)
{
	const struct hull_exec_options *o = c->o;
	int r;

	if (c->master >= 0 && o->console_socket) {
		r = hull_terminal_send_console (o->console_socket, c->master, err);
		c->master = hull_safe_close (c->master);
		if (r < 0)
			return r;
	}
	if (o->pid_file && (r = hull_runtime_write_pid_file (o->pid_file, c->pid, err)) < 0)
		return r;
	*status = 0;
	if (o->detach)
		return 0;
	if (c->master >= 0)
		return hull_terminal_proxy_wait (c->master, c->pid, set, status, err);
	*status = hull_runtime_wait_forward (c->pid, set);
	return 0;
}

static void
ctx_free (struct exec_ctx *c)
{
	hull_safe_close (c->pidfd);
	hull_safe_close (c->sync_parent);
	hull_safe_close (c->sync_child);
	hull_safe_close (c->master);
	hull_oci_config_free (c->cfg);
	hull_state_free (c->st);
	hull_state_close (c->dir);
}

static int
run_exec (struct exec_ctx *c, const sigset_t *set, int *status, hull_error_t *err)
{
	int r;

	if ((r = open_container (c, err)) < 0 || (r = open_channels (c, err)) < 0 ||
	    (r = spawn (c, err)) < 0)
		return r;
	if ((r = release (c, err)) < 0) {
		kill_and_reap (c->pid);
		return r;
	}
	hull_debug ("container %s: exec pid %d", c->o->id, c->pid);
	/* The process runs: stop holding the state lock (delete, kill may proceed). */
	hull_state_close (TAKE_PTR (c->dir));
	return follow (c, set, status, err);
}

int
hull_runtime_exec (const struct hull_exec_options *o, int *status, hull_error_t *err)
{
	struct exec_ctx c = {
		.o = o,
		.pidfd = -EBADF,
		.sync_child = -EBADF,
		.sync_parent = -EBADF,
		.master = -EBADF,
	};
	sigset_t set, old;
	int r;

	/* Block the forwarded signals (and SIGCHLD) before the fork, so none is lost
	 * between the process's birth and the wait loop; the process unblocks before exec. */
	sigemptyset (&set);
	sigaddset (&set, SIGCHLD);
	for (size_t i = 0; i < sizeof forwarded_signals / sizeof forwarded_signals[0]; i++)
		sigaddset (&set, forwarded_signals[i]);
	sigprocmask (SIG_BLOCK, &set, &old);
	r = run_exec (&c, &set, status, err);
	sigprocmask (SIG_SETMASK, &old, NULL);
	ctx_free (&c);
	return r;
}
