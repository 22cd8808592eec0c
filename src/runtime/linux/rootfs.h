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
 * maskedPaths, readonlyPaths. On return the cwd is the new "/".
 * `source_fds` is NULL or holds one fd per cfg->mounts entry: an O_PATH fd of a bind
 * source opened by the runtime in the host's namespaces, or -1. */
/* `before_pivot`, when not NULL, runs after every mount is in place and before
 * pivot_root: the createContainer hooks' moment (config.md). */
typedef int (*hull_rootfs_hook_fn) (void *data, hull_error_t *err);
int hull_rootfs_setup (const struct hull_oci_config *cfg, const char *rootfs, const int *source_fds,
		       hull_rootfs_hook_fn before_pivot, void *data, hull_error_t *err);

/* Runtime side, before the container's namespaces exist: for every bind mount open
 * its source (relative to bundle_fd, config.md "Mounts") and clone it into a detached
 * mount carrying the mount's flags. Returns the array for hull_rootfs_setup (one fd
 * per cfg->mounts entry, -1 where not a bind), or NULL with err naming the mount. */
int *hull_rootfs_prepare_sources (const struct hull_oci_config *cfg, int bundle_fd,
				  hull_error_t *err);
void hull_rootfs_close_sources (const struct hull_oci_config *cfg, int *fds);

#endif
