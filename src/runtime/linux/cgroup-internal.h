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
	/* The container's directory, kept open after create (an fd plus one; 0 = none): the
	 * operations that follow at once (limits, enter) then skip re-walking the path from
	 * the hierarchy's root, which was most of a start's openat calls. */
	int fd_plus1;
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

/* Limits (cgroup-limits.c). Where each controller's files are: on v2 one directory
 * (controllers = ""), on v1 one per hierarchy. Unit tests point these at temp dirs. */
struct hull_cgroup_ctl {
	const char *controllers; /* "memory", "cpu,cpuacct"; "" for the v2 tree */
	int fd;			 /* directory fd (O_PATH is enough: files are opened under it) */
	const char *where;	 /* the directory, for messages (owned by target_open) */
	/* Hybrid hosts: the cgroup2 directory (controllers "") serves the controllers named
	 * here (space-separated: those of the unified tree that no v1 hierarchy has, such as
	 * hugetlb on a fresh Debian 12), with their v2 files. NULL or "": none. */
	char *avail;
	bool used; /* a limit was written here (so the unified tree is required) */
};

struct hull_cgroup_target {
	enum hull_cgroup_mode mode;
	struct hull_cgroup_ctl ctl[HULL_CGROUP_MAX_HIER];
	size_t n;
	bool update;	 /* `hull update`: no device rules; checkBeforeUpdate */
	bool no_bpf;	 /* v2 device rules: build the program but do not attach (unit tests) */
	int bpf_prog_fd; /* v2: the attached device program's fd, -EBADF if none */
};

/* Open every controller directory of cg (the hybrid cgroup2 tree only when it serves a
 * controller that no v1 hierarchy has). */
int hull_cgroup_target_open (struct hull_cgroup *cg, struct hull_cgroup_target *t,
			     hull_error_t *err);
void hull_cgroup_target_close (struct hull_cgroup_target *t);
int hull_cgroup_apply_target (struct hull_cgroup_target *t, const struct hull_oci_resources *r,
			      hull_error_t *err);
/* cpu.shares (2..262144) -> cpu.weight (1..10000), crun's formula (1024 -> 100). */
uint64_t hull_cgroup_shares_to_weight (uint64_t shares);
/* blkio.weight (10..1000) -> io.weight (1..10000), as crun and runc convert it. */
uint64_t hull_cgroup_blkio_to_io_weight (uint64_t weight);
/* The directory of the hierarchy that holds controller `name` (v1, then the hybrid
 * cgroup2 tree's), or the v2 dir. */
const struct hull_cgroup_ctl *hull_cgroup_target_find (const struct hull_cgroup_target *t,
						       const char *name);
/* Whether controller `name` is driven through v2 files (a v2 host, or a hybrid host whose
 * cgroup2 tree holds it). */
bool hull_cgroup_target_v2 (const struct hull_cgroup_target *t, const char *name);
/* Of the controllers listed in `unified` (a cgroup.controllers text), those that none of
 * the v1 directories of cg holds, space-separated (caller frees; "" when none). */
char *hull_cgroup_unified_only (const struct hull_cgroup *cg, const char *unified);

/* The BPF_PROG_TYPE_CGROUP_DEVICE program for a device rule list (cgroup-bpf.c): v1
 * semantics (default deny, the last matching rule wins). Returns the number of
 * instructions written to *insns (caller frees) or a negative error. */
struct hull_oci_device_cgroup;
int hull_cgroup_bpf_build (const struct hull_oci_device_cgroup *rules, size_t n, void **insns,
			   hull_error_t *err);
/* Load the program and attach it to the v2 directory dirfd; returns the program fd. */
int hull_cgroup_bpf_attach (const void *insns, int n_insns, int dirfd, const char *where,
			    hull_error_t *err);

/* The default device rules appended after the config's (runc's AllowedDevices): mknod of
 * any node (the runtime creates linux.devices in the container's /dev), and rwm on the
 * devices every container gets. */
extern const struct hull_oci_device_cgroup *const hull_cgroup_default_devices;
extern const size_t hull_cgroup_n_default_devices;

#endif
