/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Per-container state under --root (runtime.md "State"). */
#ifndef HULL_RUNTIME_STATE_H
#define HULL_RUNTIME_STATE_H

#include <sys/types.h>

#include "hull/error.h"
#include "hull/oci.h"
#include "hull/runtime.h"

struct hull_state_dir;

/* Create <root>/<id>/ (root made 0711 if missing); an existing id is an error. */
struct hull_state_dir *hull_state_create (const char *root, const char *id, hull_error_t *err);
/* Write state.json (status "running", pid, bundle, annotations) atomically. */
int hull_state_set_running (struct hull_state_dir *s, const struct hull_oci_config *cfg,
			    const struct hull_run_options *opts, pid_t pid);
/* Remove the directory and free s (NULL is fine). */
void hull_state_remove (struct hull_state_dir *s);

#endif
