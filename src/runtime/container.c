/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The container process: everything that runs inside the new namespaces, from the
 * clone to the execve of process.args.
 *
 * Process shapes:
 *   common case:  hull --clone(new namespaces)--> container process (pid 1)
 *   joined paths or a new time namespace (they take effect for children only):
 *                 hull --fork--> intermediate (setns...) --clone--> container process
 *                 the intermediate exits; hull, a child subreaper, adopts the container. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "runtime/hooks.h"
#include "runtime/internal.h"
#include "runtime/linux/landlock.h"
#include "runtime/linux/namespaces.h"
#include "runtime/linux/process.h"
#include "runtime/linux/rootfs.h"
#include "runtime/linux/seccomp.h"
#include "runtime/sync.h"
#include "runtime/terminal.h"

/* linux.seccomp, compiled (or read from the cache) by hull before the clone and
 * inherited by the container process: see hull_container_spawn. */
static struct hull_seccomp_prog *prepared_seccomp;

void
hull_crash_point (const char *point)
{
	const char *want = getenv ("HULL_DEBUG_CRASH_AT");

	if (want && strcmp (want, point) == 0)
		kill (getpid (), SIGKILL);
}

char *
hull_container_hook_state (const struct hull_oci_config *cfg, const char *id, const char *bundle,
			   const char *status, pid_t pid)
{
	json_t *j = json_object ();
	json_t *ann = json_object ();
	char *text;

	json_object_set_new (j, "ociVersion", json_string ("1.2.0"));
	json_object_set_new (j, "id", json_string (id));
	json_object_set_new (j, "status", json_string (status));
	if (pid > 0)
		json_object_set_new (j, "pid", json_integer (pid));
	json_object_set_new (j, "bundle", json_string (bundle));
	for (size_t i = 0; i < cfg->annotations.n; i++)
		json_object_set_new (ann, cfg->annotations.v[i].key,
				     json_string (cfg->annotations.v[i].value));
	json_object_set_new (j, "annotations", ann);
	text = json_dumps (j, JSON_COMPACT);
	json_decref (j);
	if (text == NULL)
		abort ();
	return text;
}

static void __attribute__ ((noreturn)) child_fail (int fd, hull_error_t *err)
{
	hull_sync_send_error (fd, err);
	_exit (err->kind ? err->kind : 125);
}

int
hull_container_forward_listener (const struct hull_oci_config *cfg, const char *id,
				 const char *bundle, pid_t pid, int sock, hull_error_t *err)
{
	_cleanup_close_ int fd = hull_terminal_recv_fd (sock, err);
	_cleanup_free_ char *state = NULL;

	if (fd < 0)
		return fd;
	state = hull_container_hook_state (cfg, id, bundle, "created", pid);
	return hull_seccomp_send_listener (&cfg->linux_.seccomp, fd, pid, state, err);
}

static int
run_hooks (struct run_ctx *c, const struct hull_oci_hook *h, size_t n, const char *kind,
	   const char *status, hull_error_t *err)
{
	_cleanup_free_ char *state = NULL;

	if (n == 0)
		return 0;
	state = hull_container_hook_state (c->cfg, c->opts->id, c->opts->bundle, status,
					   c->host_pid);
	return hull_hooks_run (h, n, kind, state, err);
}

/* config.md: createContainer hooks run in the container's namespaces after the mounts
 * and before pivot_root, their paths resolved in the runtime's mount view. */
static int
create_container_hooks (void *data, hull_error_t *err)
{
	struct run_ctx *c = data;
	const struct hull_oci_hooks *h = &c->cfg->hooks;

	return run_hooks (c, h->create_container, h->n_create_container, "createContainer",
			  "creating", err);
}

static int
namespace_setup (struct run_ctx *c, hull_error_t *err)
{
	const struct hull_oci_config *cfg = c->cfg;
	const struct hull_oci_namespace *net = hull_ns_find (cfg, HULL_NS_NETWORK);
	const struct hull_oci_namespace *cgns = hull_ns_find (cfg, HULL_NS_CGROUP);
	int r;

	if ((r = hull_process_apply_affinity (cfg->process.exec_cpu_affinity_initial, err)) < 0)
		return r;
	/* In a new user namespace become its root, the uid the maps were written for. */
	if (c->new_user && (setresgid (0, 0, 0) < 0 || setresuid (0, 0, 0) < 0))
		return hull_error_make (err, errno, "become root in the user namespace");
	/* The runtime put this process in its cgroup before GO: a cgroup namespace made now
	 * has that cgroup as its root, so the container sees "/" and nothing above it. */
	if (cgns && cgns->path == NULL && unshare (CLONE_NEWCGROUP) < 0)
		return hull_error_make (err, errno, "linux.namespaces: create cgroup namespace");
	if (net && net->path == NULL && (r = hull_ns_loopback_up (err)) < 0)
		return r;
	if (cfg->hostname && sethostname (cfg->hostname, strlen (cfg->hostname)) < 0)
		return hull_error_make (err, errno, "hostname: set `%s`", cfg->hostname);
	if (cfg->domainname && setdomainname (cfg->domainname, strlen (cfg->domainname)) < 0)
		return hull_error_make (err, errno, "domainname: set `%s`", cfg->domainname);
	if ((r = hull_ns_apply_sysctls (cfg, err)) < 0)
		return r;
	return hull_process_apply_pre_pivot (&cfg->process, err);
}

static int
send_terminal (struct run_ctx *c, hull_error_t *err)
{
	_cleanup_close_ int master = hull_terminal_setup_child (&c->cfg->process, err);

	if (master < 0)
		return master;
	if (hull_sync_send (c->sync_child, HULL_SYNC_TERMINAL, 0, err) < 0)
		return -1;
	return hull_terminal_send_fd (c->sync_child, master, "/dev/ptmx", err);
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
	c->host_pid = m.value;
	if ((r = namespace_setup (c, err)) < 0)
		return r;
	if ((r = hull_rootfs_setup (cfg, c->rootfs, c->source_fds, create_container_hooks, c,
				    err)) < 0)
		return r;
	if (cfg->process.terminal && (r = send_terminal (c, err)) < 0)
		return r;
	return hull_process_apply_rlimits (&cfg->process, err);
}

/* create: report readiness, drop the runtime's socket and wait for `hull start`. The
 * start connection becomes the channel for errors raised from here on. */
static int
wait_for_start (struct run_ctx *c, hull_error_t *err)
{
	if (hull_sync_send (c->sync_child, HULL_SYNC_READY, 0, err) < 0)
		return -1;
	c->sync_child = hull_safe_close (c->sync_child);
	for (;;) {
		struct hull_sync_msg m;
		int conn = accept4 (c->start_listen, NULL, NULL, SOCK_CLOEXEC);

		if (conn < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return hull_error_make (err, errno, "wait for start");
		}
		c->sync_child = conn;
		/* Only root reaches the 0700 state directory that holds the socket. */
		if (hull_sync_recv (conn, &m, err) == 1 && m.type == HULL_SYNC_START)
			break;
		c->sync_child = hull_safe_close (conn); /* a stray or dead client */
	}
	c->start_listen = hull_safe_close (c->start_listen);
	return 0;
}

/* hull died before PDEATHSIG was armed: its end of the sync socket is closed. */
static bool
parent_gone (struct run_ctx *c)
{
	struct pollfd p = { .fd = c->sync_child, .events = POLLIN };

	return poll (&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR));
}

/* Load the filter; a profile with SCMP_ACT_NOTIFY yields a listener fd, which goes to
 * the runtime (the `run` parent, or `hull start`), and from there to listenerPath
 * (config-linux.md "Seccomp"). The send itself runs under the new filter: a profile
 * that notifies on sendmsg would deadlock, as it would with runc and crun. */
static int
load_seccomp (struct run_ctx *c, const struct hull_seccomp_prog *p, hull_error_t *err)
{
	_cleanup_close_ int lfd = -EBADF;

	if (p == NULL)
		return 0;
	if (hull_seccomp_load (p, p->notify ? &lfd : NULL, err) < 0)
		return -1;
	if (lfd < 0)
		return 0;
	if (hull_sync_send (c->sync_child, HULL_SYNC_SECCOMP, 0, err) < 0)
		return -1;
	return hull_terminal_send_fd (c->sync_child, lfd, "seccomp", err);
}

static void __attribute__ ((noreturn)) child_main (struct run_ctx *c)
{
	const struct hull_oci_hooks *h = &c->cfg->hooks;
	const struct hull_seccomp_prog *seccomp = prepared_seccomp; /* hull compiled it */
	int landlock = -EBADF; /* Landlock ruleset fd (docs/landlock.md) */
	bool nnp = c->cfg->process.no_new_privileges;
	hull_error_t err = { 0 };
	sigset_t none;

	if (child_setup (c, &err) < 0)
		child_fail (c->sync_child, &err);
	/* Landlock: build the ruleset after pivot_root (its paths name the container's
	 * files) and before `create` reports ready, so a bad annotation fails create. */
	if (hull_landlock_prepare (c->cfg, &landlock, &err) < 0)
		child_fail (c->sync_child, &err);
	if (c->opts->mode == HULL_RUN_CREATE && wait_for_start (c, &err) < 0)
		child_fail (c->sync_child >= 0 ? c->sync_child : -1, &err);
	/* config.md: startContainer hooks run in the container, paths resolved there, when
	 * start is called and before the user process. */
	if (run_hooks (c, h->start_container, h->n_start_container, "startContainer", "created",
		       &err) < 0)
		child_fail (c->sync_child, &err);
	/* Landlock before any seccomp filter (a profile may deny the landlock_* calls) and
	 * before the identity change, while CAP_SYS_ADMIN is held: restrict_self needs it
	 * or no_new_privs, the same constraint as seccomp(2). */
	if (hull_landlock_restrict (landlock, &err) < 0)
		child_fail (c->sync_child, &err);
	/* seccomp(2) needs no_new_privs or CAP_SYS_ADMIN: without noNewPrivileges, load
	 * while the capabilities are still held (as runc does); otherwise as late as
	 * possible, so the filter sees as little of the runtime as possible. */
	if (!nnp && load_seccomp (c, seccomp, &err) < 0)
		child_fail (c->sync_child, &err);
	if (hull_process_apply_identity (c->cfg, &err) < 0)
		child_fail (c->sync_child, &err);
	/* "final" applies once the process is in its cgroup, right before it execs. */
	if (hull_process_apply_affinity (c->cfg->process.exec_cpu_affinity_final, &err) < 0)
		child_fail (c->sync_child, &err);
	if (nnp && load_seccomp (c, seccomp, &err) < 0)
		child_fail (c->sync_child, &err);
	/* A foreground container must not outlive a hull that was killed. Set last: a
	 * credential change clears it (prctl(2)). Not through the intermediate, whose exit
	 * would fire it at once, nor for create/detach, which outlive hull by design. */
	if (c->deathsig && (prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || parent_gone (c)))
		_exit (137);
	sigemptyset (&none);
	sigprocmask (SIG_SETMASK, &none, NULL);
	hull_process_exec (&c->cfg->process, c->opts->preserve_fds, &err);
	child_fail (c->sync_child, &err);
}

#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

/* struct clone_args up to CLONE_ARGS_SIZE_VER2 (Linux 5.7, the first with
 * CLONE_INTO_CGROUP), declared here: <linux/sched.h> clashes with <sched.h> on older
 * glibcs, and which version the headers know does not matter, the kernel's does. */
struct hull_clone_args {
	uint64_t flags;
	uint64_t pidfd;
	uint64_t child_tid;
	uint64_t parent_tid;
	uint64_t exit_signal;
	uint64_t stack;
	uint64_t stack_size;
	uint64_t tls;
	uint64_t set_tid;
	uint64_t set_tid_size;
	uint64_t cgroup;
};

/* clone3 into the cgroup behind c->cgroup_fd. Returns the pid (0 in the child), or -1
 * with errno; c->in_cgroup says whether it was tried and worked. */
static pid_t
clone_into_cgroup (struct run_ctx *c, int flags)
{
	struct hull_clone_args args = {
		.flags = (uint64_t) (unsigned int) flags | CLONE_INTO_CGROUP,
		.exit_signal = SIGCHLD,
		.cgroup = (uint64_t) c->cgroup_fd,
	};
	pid_t pid = (pid_t) syscall (SYS_clone3, &args, sizeof args);

	if (pid >= 0) {
		c->in_cgroup = true;
		return pid;
	}
	/* ENOSYS: no clone3 (before 5.3, or a seccomp profile that hides it, as Docker's
	 * does); E2BIG/EINVAL: a kernel before 5.7 that knows neither this size nor the
	 * flag; EPERM: an older container profile that denies unknown calls that way.
	 * Anything else is the cgroup's or the namespaces' answer, which the fallback
	 * would meet too, with a less precise message. */
	if (errno != ENOSYS && errno != E2BIG && errno != EINVAL && errno != EPERM)
		return -1;
	hull_debug ("clone3 with CLONE_INTO_CGROUP unavailable (%s): clone, then enter the "
		    "cgroup",
		    strerror (errno));
	return (pid_t) syscall (SYS_clone, (unsigned long) flags | SIGCHLD, NULL, NULL, NULL, NULL);
}

/* clone(2)/clone3(2) without CLONE_VM and without a new stack behave like fork(2), and
 * can create the pid namespace's first process directly, saving a process. With
 * `into_cgroup` and a v2 directory fd, the process starts inside its cgroup (clone3
 * CLONE_INTO_CGROUP, Linux 5.7): no window in which it runs unlimited, and no
 * cgroup.procs write. Not from the intermediate, whose memory the flag would land in. */
static pid_t
clone_container (struct run_ctx *c, int flags, bool deathsig, bool into_cgroup)
{
	pid_t pid;

	c->in_cgroup = false;
	if (into_cgroup && c->cgroup_fd >= 0)
		pid = clone_into_cgroup (c, flags);
	else
		pid = (pid_t) syscall (SYS_clone, (unsigned long) flags | SIGCHLD, NULL, NULL, NULL,
				       NULL);
	if (pid != 0) {
		if (pid > 0 && c->in_cgroup)
			hull_debug ("container process %d: clone3 with CLONE_INTO_CGROUP",
				    (int) pid);
		return pid;
	}
	/* Until its execve this process is the hull binary: keep it non-dumpable so nothing
	 * that shares its pid namespace can open /proc/<pid>/exe or its fds (runc
	 * CVE-2019-5736 class). execve of the container's binary makes it dumpable again. */
	prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
	/* Holding hull's end would hide hull's death (EOF) from the container process. */
	c->sync_parent = hull_safe_close (c->sync_parent);
	for (size_t i = 0; i < sizeof c->close_in_child / sizeof c->close_in_child[0]; i++)
		c->close_in_child[i] = hull_safe_close (c->close_in_child[i]);
	c->cgroup_fd = hull_safe_close (c->cgroup_fd);
	c->deathsig = deathsig;
	child_main (c);
}

static void __attribute__ ((noreturn)) intermediate_main (struct run_ctx *c, int flags)
{
	hull_error_t err = { 0 };
	pid_t pid;

	c->sync_parent = hull_safe_close (c->sync_parent);
	if (hull_ns_join_paths (c->cfg, &err) < 0)
		child_fail (c->sync_child, &err);
	pid = clone_container (c, flags, false, false);
	if (pid < 0) {
		hull_error_make (&err, errno, "clone container process");
		child_fail (c->sync_child, &err);
	}
	if (hull_sync_send (c->sync_child, HULL_SYNC_PID, pid, &err) < 0)
		_exit (125);
	_exit (0);
}

static pid_t
spawn (struct run_ctx *c, int sync_parent, hull_error_t *err)
{
	bool fg = c->opts->mode == HULL_RUN_FOREGROUND;
	int flags = hull_ns_new_flags (c->cfg);
	pid_t pid, mid;

	if (!hull_ns_needs_intermediate (c->cfg)) {
		pid = clone_container (c, flags, fg, true);
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
	return hull_runtime_await_intermediate (mid, sync_parent, "container setup", err);
}

pid_t
hull_container_spawn (struct run_ctx *c, int sync_parent, hull_error_t *err)
{
	pid_t pid;

	/* Compile linux.seccomp here, in hull, before any namespace exists: a bad profile
	 * fails before the clone, the child inherits a ready program, and the cache is
	 * the host's /var/cache/hull/seccomp, never a path the container's rootfs could
	 * supply (seccomp-cache.c). */
	if (hull_seccomp_prepare (&c->cfg->linux_.seccomp, NULL, &prepared_seccomp, err) < 0)
		return hull_error_wrap (err, "prepare seccomp filter");
	pid = spawn (c, sync_parent, err);
	prepared_seccomp = hull_seccomp_prog_free (prepared_seccomp);
	return pid;
}
