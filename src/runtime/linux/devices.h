/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Device nodes and the standard /dev symlinks inside the container root. */
#ifndef HULL_LINUX_DEVICES_H
#define HULL_LINUX_DEVICES_H

#include <stdbool.h>

#include "hull/error.h"
#include "hull/oci.h"

/* Create, under rootfd (the container root, before pivot_root), the default devices
 * of runtime-spec config-linux.md "Default Devices" (null, zero, full, random,
 * urandom, tty), then cfg->linux_.devices (an entry with the same path replaces the
 * default), then the symlinks /dev/fd, /dev/stdin, /dev/stdout, /dev/stderr and
 * /dev/ptmx -> pts/ptmx. Outside a user namespace the nodes are mknod'ed with the
 * given mode and owner; inside one (`userns`) the kernel refuses mknod, so the
 * host's node of the same path is bind-mounted onto an empty file, as crun and runc
 * do, after checking it is the device the config names. */
int hull_devices_setup (int rootfd, const struct hull_oci_config *cfg, bool userns,
			hull_error_t *err);

/* True when this process is in a user namespace other than the initial one
 * (/proc/self/uid_map is not the identity map "0 0 4294967295"). */
bool hull_devices_in_userns (void);

#endif
