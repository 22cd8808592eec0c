/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The container process's own attributes, applied in the child just before exec. */
#ifndef HULL_LINUX_PROCESS_H
#define HULL_LINUX_PROCESS_H

#include "hull/error.h"
#include "hull/oci.h"

/* process.rlimits. Raising a hard limit needs CAP_SYS_RESOURCE in the initial user
 * namespace: that failure is an error naming the limit, never ignored. */
int hull_process_apply_rlimits (const struct hull_oci_process *p, hull_error_t *err);
/* Before pivot_root, while the host's /proc is still reachable: AppArmor/SELinux exec
 * labels (refused where the LSM is absent), ioPriority, scheduler. */
int hull_process_apply_pre_pivot (const struct hull_oci_process *p, hull_error_t *err);
/* Bounding set, user and groups, capabilities, ambient set, umask, personality,
 * noNewPrivileges, cwd (checked to be inside the root, CVE-2024-21626). */
int hull_process_apply_identity (const struct hull_oci_config *cfg, hull_error_t *err);
/* process.execCPUAffinity: pin to the CPUs of a list such as "0-3,7"; NULL does nothing. */
int hull_process_apply_affinity (const char *list, hull_error_t *err);
/* Close every fd above 2 + preserve_fds on exec, find args[0] along the container's PATH and exec it.
 * Returns only on failure, with err->kind HULL_ERR_EXEC_NOT_FOUND or _DENIED. */
int hull_process_exec (const struct hull_oci_process *p, unsigned int preserve_fds,
		       hull_error_t *err);

#endif
