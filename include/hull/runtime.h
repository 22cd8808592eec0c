/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Running containers. */
#ifndef HULL_RUNTIME_H
#define HULL_RUNTIME_H

#include <stdbool.h>

#include "hull/error.h"
#include "hull/oci.h"

enum hull_run_mode {
	HULL_RUN_FOREGROUND = 0, /* `run`: wait for the process, then delete everything */
	HULL_RUN_DETACH,	 /* `run --detach`: start it and return */
	HULL_RUN_CREATE, /* `create`: everything but the user process, which waits for start */
};

struct hull_run_options {
	const char *id;		/* container id, validated by the caller */
	const char *bundle;	/* absolute bundle directory; root.path is relative to it */
	const char *state_root; /* --root, default /run/hull */
	enum hull_run_mode mode;
	const char *pid_file;	    /* --pid-file: the container's pid, written atomically */
	const char *console_socket; /* --console-socket: where the pty master goes */
	unsigned int preserve_fds;  /* --preserve-fds: fds 3..3+N-1 pass into the container */
	bool in_memory_config;	    /* cfg was built in code (sandbox): no bundle config.json */
};

/* Create (and, unless mode is HULL_RUN_CREATE, start) a container from cfg. In the
 * foreground the process gets the caller's stdio; returns 0 and sets *status to the
 * container's exit status (128+N if killed by signal N), and nothing of the container
 * is left afterwards: no mounts, processes, cgroups or state. Otherwise returns 0 once
 * the container is created (or started) and its state is saved under state_root. On
 * failure returns a negative value with err filled (kind HULL_ERR_EXEC_* for 126/127)
 * and leaves nothing behind. */
int hull_runtime_run (const struct hull_oci_config *cfg, const struct hull_run_options *opts,
		      int *status, hull_error_t *err);

/* The lifecycle operations of runtime.md on a container in state_root. */
int hull_runtime_start (const char *root, const char *id, hull_error_t *err);
int hull_runtime_kill (const char *root, const char *id, int sig, bool all, hull_error_t *err);
int hull_runtime_delete (const char *root, const char *id, bool force, hull_error_t *err);
/* The runtime-spec state JSON of a container (caller frees). */
char *hull_runtime_state (const char *root, const char *id, hull_error_t *err);
int hull_runtime_pause (const char *root, const char *id, bool pause, hull_error_t *err);
/* Change the cgroup limits of a created, running or paused container (runc `update`):
 * the set fields of r are written, the others left as they are; device rules are not
 * changed. */
int hull_runtime_update (const char *root, const char *id, const struct hull_oci_resources *r,
			 hull_error_t *err);
/* runc `events`: call fn with one JSON line at a time ({"type":"stats","id":..,"data":..}
 * every interval_ms, {"type":"oom","id":..} when the OOM killer strikes) until the
 * container is gone or fn returns non-zero; with `once`, one stats line and return. */
typedef int (*hull_event_fn) (const char *line, void *data);
int hull_runtime_events (const char *root, const char *id, unsigned int interval_ms, bool once,
			 hull_event_fn fn, void *data, hull_error_t *err);

struct hull_container_info {
	char *id;
	pid_t pid;
	char *status;
	char *bundle;
	char *created;
	char *owner;
};
/* Every container under root (sorted by id); caller frees with hull_runtime_list_free. */
int hull_runtime_list (const char *root, struct hull_container_info **out, size_t *n,
		       hull_error_t *err);
void hull_runtime_list_free (struct hull_container_info *v, size_t n);
/* The pids of a container's processes (host pid namespace). */
int hull_runtime_ps (const char *root, const char *id, pid_t **pids, size_t *n, hull_error_t *err);
/* The runtime-spec features document (features.md), caller frees. */
char *hull_runtime_features (void);

/* Validate a container id: [A-Za-z0-9][A-Za-z0-9_.-]*, at most 1024 bytes, no
 * "/" and not "." or "..". */
int hull_runtime_validate_id (const char *id, hull_error_t *err);

/* Options for `hull sandbox`. */
struct hull_sandbox_bind {
	const char *source; /* host path */
	const char *dest;   /* absolute path in the sandbox (defaults to source) */
	bool writable;
};

struct hull_sandbox_options {
	const char *rootfs; /* NULL: the host's "/" */
	struct hull_sandbox_bind *binds;
	size_t n_binds;
	bool loopback_net;    /* a private net namespace with `lo` up (never the host's network) */
	const char *cwd;      /* NULL: "/" */
	const char *hostname; /* NULL: "sandbox" */
	char *const *argv;    /* command and arguments (argv[0] looked up in PATH) */
	char *const *env;     /* NULL: a minimal environment (PATH, TERM, HOME=/tmp) */
	bool no_landlock;     /* skip the default Landlock ruleset (docs/landlock.md) */
};

/* Build the in-memory OCI config that `hull sandbox` runs. */
struct hull_oci_config *hull_sandbox_config (const struct hull_sandbox_options *opts,
					     hull_error_t *err);

/* ---- confined calls (src/runtime/confine.c) ----
 * Parsers of hostile image content run in a short-lived child process confined with
 * the runtime's own machinery (STYLE.md "Parsing untrusted data", DESIGN.md: scan/ and
 * image/ never call runtime/linux/ themselves). The child, forked from the caller:
 *   - keeps only its two pipes, stderr (sanitizer reports; /dev/null instead when it
 *     is a regular file, which RLIMIT_FSIZE would turn into SIGXFSZ), read_fds,
 *     pass_fds and write_fd;
 *   - gets new network, IPC and UTS namespaces; run as root it becomes nobody
 *     (65534:65534, no supplementary groups), otherwise it enters a new user namespace
 *     mapping the caller's ids to themselves; every capability, the bounding set
 *     included, is dropped (but CAP_DAC_READ_SEARCH with read_as_root, and keep_caps);
 *     no_new_privs and non-dumpable are set;
 *   - is confined by Landlock: read (files and directories) beneath read_fds and
 *     read_paths, read and write beneath write_fd, nothing else; no TCP; signals and
 *     abstract unix sockets scoped to itself (ABI 6);
 *   - runs under a seccomp filter denying (EPERM) sockets, new processes and threads
 *     (threads allowed with allow_threads), mknod (allowed when CAP_MKNOD is kept),
 *     execve, ptrace and process_vm_*, namespaces and mounts, bpf, perf, keyrings,
 *     io_uring, userfaultfd, module and kexec loading, handle-based opens, personality,
 *     clock and host settings and TIOCSTI/TIOCLINUX; other architectures are killed;
 *   - has rlimits: CPU seconds, address space, file size (0 without write_fd), no core.
 * A protection that cannot be applied fails the call (fail closed); only the
 * namespaces may be skipped, and only with namespaces_optional. */
struct hull_confine_opts {
	const int *read_fds; /* readable trees (any fd of a directory or file, O_PATH is fine);
				they stay open in the child under the same numbers */
	size_t n_read_fds;
	const char *const *read_paths; /* more readable trees, by host path */
	size_t n_read_paths;
	bool writable; /* write_fd is a directory writable beneath */
	int write_fd;
	const char *const *preload; /* shared libraries the child dlopen()s before it is
				       confined (it cannot read the host's library dirs) */
	size_t n_preload;
	unsigned int cpu_seconds;     /* RLIMIT_CPU; 0: 60 */
	unsigned long long max_as;    /* RLIMIT_AS bytes; 0: 4 GiB (not set under ASan) */
	unsigned long long max_fsize; /* RLIMIT_FSIZE with write_fd; 0: 1 GiB */
	unsigned int timeout_ms;      /* wall clock, then SIGKILL; 0: none */
	bool namespaces_optional;     /* go on without namespaces where they cannot be made
					 (unprivileged caller, user namespaces disabled) */
	bool read_as_root;	      /* run as root: keep CAP_DAC_READ_SEARCH (and nothing
					 else), so that the granted trees read as they do for
					 root (0700 directories, 0600 files); Landlock still
					 limits every read to them */
	unsigned long long keep_caps; /* run as root: capabilities kept (1ULL << CAP_x), and
					 the filesystem ids stay 0 (setfsuid(2)) so that
					 files are created as root's; real, effective and saved
					 ids are still nobody (no signals to or prlimit of
					 root's processes). Only file capabilities are
					 accepted (CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER,
					 CAP_FSETID, CAP_MKNOD, CAP_SETFCAP); with CAP_MKNOD
					 mknod(2) is allowed. Ignored when not root. */
	/* Open files the child uses as they are (a layer blob): kept under the same
	 * numbers, no Landlock rule (Landlock checks opens, not reads of open fds). */
	const int *pass_fds;
	size_t n_pass_fds;
	bool allow_threads; /* clone(2) with CLONE_THREAD is allowed (new processes are not) */
};

/* The function run confined: write the result to out_fd (hull_confine_write), return
 * 0, or a negative value with err filled (the message reaches the caller as it is). */
typedef int (*hull_confine_fn) (void *arg, int out_fd, hull_error_t *err);

/* Run fn (arg) in a confined child and wait for it. On success *out is a new buffer
 * of *out_len bytes plus a terminating NUL, everything fn wrote. Errors: fn's own
 * error; a protection that could not be applied ("confine: ..."); the child killed by
 * a signal (SIGXCPU: the CPU limit) or exiting non-zero; more than max_out bytes of
 * output or the timeout (the child is killed). Nothing is left behind: the child is
 * reaped in every case and every fd the call opened is closed. The caller must not
 * ignore SIGCHLD. */
int hull_confine_call (const struct hull_confine_opts *o, hull_confine_fn fn, void *arg, char **out,
		       size_t *out_len, size_t max_out, hull_error_t *err);

/* write(2) all of buf to fd, retrying on EINTR and short writes. */
int hull_confine_write (int fd, const void *buf, size_t len, hull_error_t *err);

#endif
