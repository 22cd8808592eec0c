/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The rootfs path resolver (STYLE.md "File descriptors and paths"): the only way
 * hull turns a path inside a container rootfs into an fd. */
#ifndef HULL_PATH_H
#define HULL_PATH_H

#include <stdbool.h>
#include <sys/types.h>

#include "hull/error.h"

/* Open `path` inside the tree rooted at `rootfd` as if `rootfd` were `/`: `..`
 * never climbs above it and absolute symlinks restart at it
 * (openat2 RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS). `flags` are open(2) flags;
 * O_CLOEXEC is always added. With O_NOFOLLOW the last component is not followed.
 * Falls back to a component-by-component walk when openat2 is unavailable.
 * Returns the fd, or a negative value with err filled. */
int hull_path_openat_in_root (int rootfd, const char *path, int flags, mode_t mode,
			      hull_error_t *err);

/* mkdir -p of `path` inside rootfd, each component through the resolver (a
 * symlink component is followed inside the root, never outside). Returns an
 * O_PATH|O_DIRECTORY fd of the last directory. */
int hull_path_mkdirs_in_root (int rootfd, const char *path, mode_t mode, hull_error_t *err);

/* Refuse (EXDEV) a path whose resolution inside rootfd goes through a `..` that
 * would climb above the root, typically a planted relative symlink such as
 * `../../../etc`: RESOLVE_IN_ROOT would confine it, but such a path in a bundle is an
 * attack or a mistake, and hull reports it instead of mounting somewhere unexpected.
 * Absolute symlinks are container-relative by convention and stay allowed. A path
 * that does not exist (yet) is fine. */
int hull_path_check_no_escape (int rootfd, const char *path, hull_error_t *err);

/* Testing hook: force the fallback walk even where openat2 works. */
void hull_path_force_fallback (bool on);

/* True if `path` is absolute and normalised: no `.`/`..` components, no `//`,
 * no trailing `/` (except "/" itself). */
bool hull_path_is_clean_absolute (const char *path);

#endif
