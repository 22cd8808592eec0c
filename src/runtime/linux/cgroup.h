/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One cgroup manager for v2, v1 and hybrid hosts (DESIGN.md): create the container's
 * cgroup, apply linux.resources to it (cgroup-limits.c), put a process in it,
 * freeze/thaw, list and signal its processes, read its statistics (cgroup-stats.c),
 * remove it. */
#ifndef HULL_LINUX_CGROUP_H
#define HULL_LINUX_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "hull/error.h"

struct hull_oci_resources;

enum hull_cgroup_mode {
	HULL_CGROUP_V2 = 2, /* cgroup2 mounted at /sys/fs/cgroup */
	HULL_CGROUP_V1 = 1, /* v1 controllers under /sys/fs/cgroup/<name> (incl. hybrid) */
};

struct hull_cgroup;

/* Detect the host layout. */
int hull_cgroup_detect (enum hull_cgroup_mode *mode, hull_error_t *err);

/* Create the container's cgroup named by linux.cgroupsPath (`path`, absolute or
 * relative to the runtime's own cgroup; "slice:prefix:name" systemd form refused with a
 * clear error) or, when NULL, "hull/<id>" below the runtime's own cgroup; in every v1
 * hierarchy that is mounted (freezer, pids, memory, cpu, ...) and/or the v2 tree. An existing non-empty cgroup is
 * an error. */
struct hull_cgroup *hull_cgroup_create (const char *path, const char *id, hull_error_t *err);
/* On a pure v2 host, an O_PATH|O_DIRECTORY|O_CLOEXEC fd of the container's directory, for
 * clone3's CLONE_INTO_CGROUP; -1 on v1 and hybrid hosts (a v1 hierarchy still needs
 * hull_cgroup_enter) or when it cannot be opened (the caller falls back to enter, which
 * reports the error). The caller closes it. */
int hull_cgroup_v2_fd (struct hull_cgroup *cg);
/* Move pid into every hierarchy of cg. */
int hull_cgroup_enter (struct hull_cgroup *cg, pid_t pid, hull_error_t *err);
/* The cgroup as a string for state.json, and back. */
char *hull_cgroup_serialize (const struct hull_cgroup *cg);
struct hull_cgroup *hull_cgroup_load (const char *serialized, hull_error_t *err);
/* Freeze or thaw every process (v1 freezer.state FROZEN/THAWED, v2 cgroup.freeze),
 * waiting until the kernel reports the state reached. */
int hull_cgroup_freeze (struct hull_cgroup *cg, bool frozen, hull_error_t *err);
/* Whether cg is frozen now. */
int hull_cgroup_is_frozen (struct hull_cgroup *cg, bool *frozen, hull_error_t *err);
/* The pids in cg (host pid namespace). Caller frees *pids. */
int hull_cgroup_pids (struct hull_cgroup *cg, pid_t **pids, size_t *n, hull_error_t *err);
/* Send sig to every process in cg (thawing a frozen cgroup for SIGKILL/SIGTERM). */
int hull_cgroup_kill_all (struct hull_cgroup *cg, int sig, hull_error_t *err);
/* Kill what is left, wait until empty (bounded), rmdir everywhere. Missing directories
 * are fine: destroy is what `delete --force` uses to clean up after a crash. */
int hull_cgroup_destroy (struct hull_cgroup *cg, hull_error_t *err);
struct hull_cgroup *hull_cgroup_free (struct hull_cgroup *cg);

/* Apply linux.resources to cg (docs/resources.md has the v1/v2 table). Called at create
 * before the container process runs anything, and by `update`. A value whose controller
 * is missing is an error naming the controller unless it is the default; every write
 * error names the file, the value and the directory. With `update`, device rules are not
 * touched (runc does the same) and memory.checkBeforeUpdate is honoured. */
int hull_cgroup_apply (struct hull_cgroup *cg, const struct hull_oci_resources *r,
		       hull_error_t *err);
int hull_cgroup_update (struct hull_cgroup *cg, const struct hull_oci_resources *r,
			hull_error_t *err);
/* The runc `events --stats` "data" object ({"cpu":..,"memory":..,"pids":..,"blkio":..,
 * "hugetlb":..}) as compact JSON, read from v1 or v2 files. Caller frees. */
char *hull_cgroup_stats (struct hull_cgroup *cg, hull_error_t *err);
/* How many times the kernel's OOM killer killed a task in cg (v1 memory.oom_control,
 * v2 memory.events "oom_kill"). */
int hull_cgroup_oom_kills (struct hull_cgroup *cg, uint64_t *count, hull_error_t *err);

#endif
