/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Building the container's filesystem view inside a fresh mount namespace. */
#ifndef HULL_LINUX_ROOTFS_H
#define HULL_LINUX_ROOTFS_H

#include "hull/error.h"
#include "hull/oci.h"

/* Runs in the container's child after unshare(CLONE_NEWNS) and after the user
 * namespace (if any) has its maps, as the container's (mapped) root, before the
 * process is set up. `rootfs` is the absolute host path of the root filesystem.
 * In order: rootfsPropagation (default rprivate) on "/", bind rootfs onto itself,
 * every cfg->mounts entry in config order (targets through the resolver), the default
 * devices plus linux.devices and the /dev symlinks, pivot_root, root.readonly,
 * maskedPaths, readonlyPaths. On return the cwd is the new "/". */
int hull_rootfs_setup (const struct hull_oci_config *cfg, const char *rootfs, hull_error_t *err);

#endif
