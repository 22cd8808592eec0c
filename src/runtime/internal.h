/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared between the runtime's parent side (run.c) and the container process
 * (container.c). */
#ifndef HULL_RUNTIME_INTERNAL_H
#define HULL_RUNTIME_INTERNAL_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "hull/oci.h"
#include "hull/runtime.h"

struct run_ctx {
	const struct hull_oci_config *cfg;
	const struct hull_run_options *opts;
	const char *rootfs; /* as the container process reaches it: "/proc/self/cwd" */
	int rootfs_fd;
	int *source_fds; /* one per cfg->mounts entry, -1 where not a bind */
	int sync_child;	 /* the container process's end of the sync socket */
	int sync_parent; /* hull's end: closed in the child at once, or it never sees EOF */
	/* hull's own fds the child must drop at once: the locked state directory (a flock
	 * lives as long as any copy of the open file) and the saved cwd. */
	int close_in_child[3];
	bool deathsig;	  /* foreground: die with hull */
	int start_listen; /* create: the listening start socket, else -1 */
	bool new_user;
	pid_t host_pid; /* the container's pid as the host sees it (sent with GO) */
	/* Pure v2 hosts: the container's cgroup directory (O_PATH), -1 otherwise. The
	 * container process is created in it with clone3(CLONE_INTO_CGROUP), so it never
	 * runs an instruction outside its limits; in_cgroup then tells parent_setup that
	 * hull_cgroup_enter is not needed. */
	int cgroup_fd;
	bool in_cgroup;
};

/* Start the container process (through an intermediate when namespaces are joined by
 * path or a time namespace is new); returns its pid in hull's pid namespace. */
pid_t hull_container_spawn (struct run_ctx *c, int sync_parent, hull_error_t *err);

/* The runtime-spec state JSON a hook receives (caller frees). */
char *hull_container_hook_state (const struct hull_oci_config *cfg, const char *id,
				 const char *bundle, const char *status, pid_t pid);

/* Runtime side of SCMP_ACT_NOTIFY: receive the listener fd that follows a
 * HULL_SYNC_SECCOMP message on `sock` and send it to linux.seccomp.listenerPath. */
int hull_container_forward_listener (const struct hull_oci_config *cfg, const char *id,
				     const char *bundle, pid_t pid, int sock, hull_error_t *err);

/* util.c: the runtime side shared by run, create and exec. */
int hull_runtime_write_pid_file (const char *path, pid_t pid, hull_error_t *err);
int hull_runtime_write_oom_score_adj (pid_t pid, int v, hull_error_t *err);
/* The exit status a shell reports: the code, or 128+N for signal N. */
int hull_runtime_exit_code (int status);
/* Forward the signals in `set` (blocked by the caller, SIGCHLD among them) to pid until
 * it exits; reap everything else adopted meanwhile. Returns its exit status. */
int hull_runtime_wait_forward (pid_t pid, const sigset_t *set);
/* Reap the intermediate `mid` and read the pid it reports (HULL_SYNC_PID). */
pid_t hull_runtime_await_intermediate (pid_t mid, int sync_parent, const char *what,
				       hull_error_t *err);

/* Testing hook for crash safety: when $HULL_DEBUG_CRASH_AT names `point`, hull kills
 * itself with SIGKILL there, as an OOM kill or a power cut would. */
void hull_crash_point (const char *point);

#endif
