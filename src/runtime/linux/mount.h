/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Mounting through file descriptors: the new mount API (fsopen/fsmount, open_tree,
 * mount_setattr, move_mount) with mount(2) on /proc/self/fd/N as the fallback
 * (mount-legacy.c). STYLE.md "File descriptors and paths". */
#ifndef HULL_LINUX_MOUNT_H
#define HULL_LINUX_MOUNT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "hull/error.h"
#include "runtime/linux/syscalls.h"

/* Where a mount goes. `fd` is the already-resolved target (any fd; O_PATH is fine).
 * `rootfd`/`path` name it in messages and let the legacy path re-resolve it after
 * mounting, to get at the new mount's root: through the resolver when rootfd >= 0,
 * as a plain host path when rootfd < 0 (only for the host-side rootfs itself). */
struct hull_mount_target {
	int rootfd;
	const char *path;
	int fd;
};

/* What to apply to a mount. `flags`/`clear` are MS_* (ro, nosuid, nodev, noexec,
 * atime family, and for new filesystems the superblock flags sync, dirsync, ...);
 * they apply to the top mount only. `attr_set`/`attr_clr` are MOUNT_ATTR_* applied
 * recursively (rro, rnosuid, ...); they need mount_setattr (Linux 5.12) and fail
 * closed without it. `propagation` is MS_PRIVATE|MS_SLAVE|MS_SHARED|MS_UNBINDABLE,
 * optionally |MS_REC. */
struct hull_mount_opts {
	unsigned long flags;
	unsigned long clear;
	uint64_t attr_set;
	uint64_t attr_clr;
	unsigned long propagation;
	bool recursive; /* bind: rbind */
};

/* Translate MS_* flags to set and MS_* flags to clear into mount_setattr's
 * attr_set/attr_clr (the atime family becomes a MOUNT_ATTR__ATIME change). */
void hull_mount_attr_from_flags (unsigned long flags, unsigned long clear, struct mount_attr *attr);

/* Mount a new instance of `fstype` (source may be NULL; data is the comma-separated
 * filesystem options) onto t, then apply o. Returns an fd on the new mount's root
 * (caller closes) or a negative value with err filled. */
int hull_mount_fs (const struct hull_mount_target *t, const char *fstype, const char *source,
		   const char *data, const struct hull_mount_opts *o, hull_error_t *err);

/* Bind the tree `srcfd` refers to (recursively when o->recursive) onto t and apply o:
 * the classic "bind, then remount with ro/nosuid/..." in one step. Flags the kernel
 * locked (a user namespace inherits the host's nosuid/nodev/noexec/ro as locked) are
 * kept rather than cleared. Returns an fd on the new mount's root. */
int hull_mount_bind (int srcfd, const char *srcname, const struct hull_mount_target *t,
		     const struct hull_mount_opts *o, hull_error_t *err);

/* Runtime side, in the host's namespaces: clone the tree at srcfd into a detached
 * mount and apply o's flags to it. A container in a user namespace cannot clone a
 * mount of the host's namespace nor walk to a 0700 directory, but it may attach a
 * detached mount into its own namespace (runc 1.2 does the same). Returns the fd. */
int hull_mount_clone_detached (int srcfd, const char *srcname, const char *dest,
			       const struct hull_mount_opts *o, hull_error_t *err);
/* Container side: attach a mount made by hull_mount_clone_detached at t and apply
 * o's propagation. Returns an fd on the new mount's root. */
int hull_mount_attach_detached (int mfd, const struct hull_mount_target *t,
				const struct hull_mount_opts *o, hull_error_t *err);
/* Change the per-mount flags (top mount only) of the mount rooted at mntfd. */
int hull_mount_set_flags (int mntfd, const char *what, unsigned long flags, unsigned long clear,
			  hull_error_t *err);

/* Recursive MOUNT_ATTR_* change on the tree rooted at mntfd. */
int hull_mount_set_attr_recursive (int mntfd, const char *what, uint64_t set, uint64_t clr,
				   hull_error_t *err);

/* Propagation type of the mount rooted at mntfd (MS_REC for the whole tree). */
int hull_mount_set_propagation (int mntfd, const char *what, unsigned long propagation,
				hull_error_t *err);

/* Testing hook: use mount(2) on /proc/self/fd/N even where the new API works. */
void hull_mount_force_legacy (bool on);
/* True when the legacy path is in use (forced, or the kernel lacks the new API). */
bool hull_mount_use_legacy (void);

/* One line of /proc/self/mountinfo (proc(5)). */
struct hull_mountinfo {
	int id;
	int parent;
	char *root;
	char *mountpoint;
	char *fstype;
	char *source;
	char *superopts;
};

/* Read /proc/self/mountinfo into an array (caller frees with hull_mountinfo_free). */
struct hull_mountinfo *hull_mountinfo_read (size_t *n, hull_error_t *err);
void hull_mountinfo_free (struct hull_mountinfo *v, size_t n);

/* mount-legacy.c: the same operations through mount(2) on /proc/self/fd/N. */
int hull_mount_legacy_fs (const struct hull_mount_target *t, const char *fstype, const char *source,
			  const char *data, unsigned long flags, hull_error_t *err);
int hull_mount_legacy_bind (int srcfd, const struct hull_mount_target *t, bool recursive,
			    hull_error_t *err);
int hull_mount_legacy_remount (int mntfd, const char *what, unsigned long flags,
			       unsigned long clear, hull_error_t *err);
int hull_mount_legacy_propagation (int mntfd, const char *what, unsigned long propagation,
				   hull_error_t *err);

#endif
