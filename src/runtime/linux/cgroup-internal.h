/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internals of the cgroup manager shared by cgroup.c, cgroup-v1.c and cgroup-v2.c, and
 * the testing hooks tests/unit/test-cgroup.c uses: detection from a given mountinfo text
 * and creation against a given layout, so that the v2 code runs against the hybrid
 * host's cgroup2 tree at /sys/fs/cgroup/unified. Not a public interface. */
#ifndef HULL_LINUX_CGROUP_INTERNAL_H
#define HULL_LINUX_CGROUP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/linux/cgroup.h"

#define HULL_CGROUP_FS "/sys/fs/cgroup"
#define HULL_CGROUP_MAX_HIER 32

/* One mounted hierarchy, from /proc/self/mountinfo. */
struct hull_cgroup_hier {
	char *controllers; /* "memory", "cpu,cpuacct", "name=systemd"; "" for cgroup2 */
	char *mount;	   /* mount point, "/sys/fs/cgroup/memory" */
	char *root;	   /* the cgroup shown at the mount point (mountinfo field 4) */
	bool required;	   /* create fails when this hierarchy cannot be used */
};

struct hull_cgroup_layout {
	enum hull_cgroup_mode mode;
	size_t n;
	struct hull_cgroup_hier h[HULL_CGROUP_MAX_HIER];
};

/* The container's directory in one hierarchy. */
struct hull_cgroup_dir {
	char *controllers; /* as in hull_cgroup_hier; "" for cgroup2 */
	char *mount;
	char *path;    /* cgroup path inside the hierarchy, "/hull/<id>" */
	uint32_t made; /* trailing components of path that create made (removed by destroy) */
	bool required;
};

struct hull_cgroup {
	enum hull_cgroup_mode mode;
	struct hull_cgroup_dir *d;
	size_t n;
};

/* Parse mountinfo text into *out (cleared first). */
int hull_cgroup_parse_mountinfo (const char *text, struct hull_cgroup_layout *out,
				 hull_error_t *err);
void hull_cgroup_layout_clear (struct hull_cgroup_layout *l);
/* hull_cgroup_create with the layout and /proc/self/cgroup text given. */
struct hull_cgroup *hull_cgroup_create_in (const struct hull_cgroup_layout *l,
					   const char *self_cgroup, const char *path,
					   const char *id, hull_error_t *err);

/* "<mount><path>", for messages. Caller frees. */
char *hull_cgroup_where (const struct hull_cgroup_dir *d);
/* O_PATH directory fd of d, walked from the hierarchy root without following symlinks. */
int hull_cgroup_dir_open (const struct hull_cgroup_dir *d, hull_error_t *err);
/* Read (size-capped) / write a cgroup file under dfd; `where` names dfd in messages. */
int hull_cgroup_read_at (int dfd, const char *file, const char *where, char **out,
			 hull_error_t *err);
int hull_cgroup_write_at (int dfd, const char *file, const char *where, const char *text,
			  hull_error_t *err);

/* v1 (cgroup-v1.c) */
int hull_cgroup_v1_cpuset_inherit (int parentfd, int fd, const char *where, hull_error_t *err);
int hull_cgroup_v1_freeze (const struct hull_cgroup_dir *d, bool frozen, hull_error_t *err);
int hull_cgroup_v1_is_frozen (const struct hull_cgroup_dir *d, bool *frozen, hull_error_t *err);

/* v2 (cgroup-v2.c) */
int hull_cgroup_v2_freeze (const struct hull_cgroup_dir *d, bool frozen, hull_error_t *err);
int hull_cgroup_v2_is_frozen (const struct hull_cgroup_dir *d, bool *frozen, hull_error_t *err);
/* Write cgroup.kill; -ENOENT when the kernel has none (before 5.14). */
int hull_cgroup_v2_kill (const struct hull_cgroup_dir *d, hull_error_t *err);

#endif
