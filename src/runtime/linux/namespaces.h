/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Namespaces: which to create, which to join, id maps, loopback. */
#ifndef HULL_LINUX_NAMESPACES_H
#define HULL_LINUX_NAMESPACES_H

#include <stdbool.h>
#include <sys/types.h>

#include "hull/error.h"
#include "hull/oci.h"

/* CLONE_NEW* flag for a namespace type. */
int hull_ns_clone_flag (enum hull_oci_ns_type t);
/* The CLONE_NEW* flags of the namespaces cfg asks to create (no path), except
 * time, which needs unshare + offsets before a child enters it. */
int hull_ns_new_flags (const struct hull_oci_config *cfg);
/* The namespace entry of type t, or NULL. */
const struct hull_oci_namespace *hull_ns_find (const struct hull_oci_config *cfg,
					       enum hull_oci_ns_type t);
/* True when the container must be started through an intermediate process: a
 * namespace joined by path, or a new time namespace (both take effect for children). */
bool hull_ns_needs_intermediate (const struct hull_oci_config *cfg);
/* In the intermediate: setns() into every namespace given by path, the user namespace
 * first (so the others are joined with its privileges), then unshare a new time
 * namespace and write its offsets. */
int hull_ns_join_paths (const struct hull_oci_config *cfg, hull_error_t *err);
/* Parent side: write uid_map and gid_map of pid from the config. */
int hull_ns_write_maps (pid_t pid, const struct hull_oci_config *cfg, hull_error_t *err);
/* Bring `lo` up in the current (new) network namespace. */
int hull_ns_loopback_up (hull_error_t *err);
/* Refuse sysctls that are not namespaced by a namespace the container owns: writing
 * them would change the host (runc's validation does the same). */
int hull_ns_check_sysctls (const struct hull_oci_config *cfg, hull_error_t *err);
/* Write linux.sysctl through /proc/sys of the current namespaces. */
int hull_ns_apply_sysctls (const struct hull_oci_config *cfg, hull_error_t *err);

#endif
