/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Running containers. */
#ifndef HULL_RUNTIME_H
#define HULL_RUNTIME_H

#include <stdbool.h>

#include "hull/error.h"
#include "hull/oci.h"

struct hull_run_options {
	const char *id;		/* container id, validated by the caller */
	const char *bundle;	/* absolute bundle directory; root.path is relative to it */
	const char *state_root; /* --root, default /run/hull */
};

/* Run cfg in the foreground: the process gets the caller's stdio; returns 0 and
 * sets *status to the container's exit status (128+N if killed by signal N), or a
 * negative value with err filled (kind HULL_ERR_EXEC_* for 126/127). Nothing of the
 * container is left once it returns: no mounts, no processes, no state. */
int hull_runtime_run (const struct hull_oci_config *cfg, const struct hull_run_options *opts,
		      int *status, hull_error_t *err);

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
};

/* Build the in-memory OCI config that `hull sandbox` runs. */
struct hull_oci_config *hull_sandbox_config (const struct hull_sandbox_options *opts,
					     hull_error_t *err);

#endif
