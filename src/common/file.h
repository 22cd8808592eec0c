/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading small files from outside (configs, policies, state) with the checks every
 * such read needs. */
#ifndef HULL_FILE_H
#define HULL_FILE_H

#include <stddef.h>

#include "hull/error.h"

/* Read `path` (relative to dirfd, or AT_FDCWD) into a NUL-terminated buffer: a regular
 * file only (a FIFO would block, a device never end), at most `max` bytes checked with
 * fstat before allocating, and a file that grows while being read refused. `oflags` adds
 * open flags (O_NOFOLLOW for files hull itself wrote). Errors name the path. */
char *hull_file_read_capped (int dirfd, const char *path, int oflags, size_t max, size_t *len,
			     hull_error_t *err);

#endif
