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

#endif
