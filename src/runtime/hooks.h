/* SPDX-License-Identifier: GPL-2.0-or-later */
/* OCI hooks (config.md "POSIX-platform Hooks"). */
#ifndef HULL_RUNTIME_HOOKS_H
#define HULL_RUNTIME_HOOKS_H

#include <stddef.h>

#include "hull/error.h"
#include "hull/oci.h"

/* Run hooks[0..n) in order, each as its own process: execve(path, args, env) (args[0]
 * defaults to path, env empty when absent), the state JSON on stdin, stdout and stderr
 * the runtime's stderr. A hook with a timeout is killed (SIGKILL, its process group)
 * when it runs longer. The first hook that cannot start, exits non-zero, is killed by a
 * signal or times out stops the run with an error naming `kind` (e.g. "createRuntime"),
 * the index and path, and what happened. Callers decide whether that is fatal
 * (createRuntime, createContainer, startContainer) or only logged (poststart,
 * poststop). Works in any namespace the caller is in. */
int hull_hooks_run (const struct hull_oci_hook *hooks, size_t n, const char *kind,
		    const char *state_json, hull_error_t *err);

#endif
