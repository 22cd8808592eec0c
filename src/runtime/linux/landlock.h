/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Landlock (Documentation/userspace-api/landlock.rst): an unprivileged, stackable
 * access-control layer. hull builds a ruleset from the `run.oci.hull.landlock`
 * annotation (format: docs/landlock.md) inside the container, after pivot_root, and
 * restricts the container process with it just before exec. `hull sandbox` sets the
 * annotation to a default ruleset, so both go through the same code. */
#ifndef HULL_LINUX_LANDLOCK_H
#define HULL_LINUX_LANDLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hull/error.h"
#include "hull/oci.h"

#define HULL_LANDLOCK_ANNOTATION "run.oci.hull.landlock"
#define HULL_LANDLOCK_DOC_MAX (64 * 1024) /* bytes of annotation JSON accepted */
#define HULL_LANDLOCK_PATHS_MAX 1024	  /* entries of "paths" */
#define HULL_LANDLOCK_PORTS_MAX 1024	  /* entries of "net.bind" plus "net.connect" */
/* The highest ABI whose rights and scopes hull knows how to handle (ABI 7 added only
 * audit-log flags, which hull does not use). */
#define HULL_LANDLOCK_ABI_KNOWN 6

/* One "paths" entry: `access` is every LANDLOCK_ACCESS_FS_* bit the names ask for;
 * `strict` the bits named one by one, which must be enforceable (fail closed),
 * whereas compound names ("read", "write", "all") are mapped best effort onto the
 * rights the running kernel's ABI has. */
struct hull_landlock_path {
	char *path;
	uint64_t access;
	uint64_t strict;
};

struct hull_landlock_port {
	uint64_t port;
	uint64_t access; /* LANDLOCK_ACCESS_NET_BIND_TCP or _CONNECT_TCP */
};

struct hull_landlock_net {
	struct hull_landlock_port *ports;
	size_t n_ports;
};

/* The parsed annotation. */
struct hull_landlock_ruleset {
	uint32_t version;
	struct hull_landlock_path *paths;
	size_t n_paths;
	bool has_net; /* "net" present: every TCP bind/connect not granted is denied */
	struct hull_landlock_net net;
	uint64_t scoped; /* LANDLOCK_SCOPE_* bits ("scope") */
};

/* The Landlock ABI version the kernel offers (landlock_create_ruleset(NULL, 0,
 * LANDLOCK_CREATE_RULESET_VERSION)), or 0 when Landlock is not built in or not
 * enabled (ENOSYS, EOPNOTSUPP). */
int hull_landlock_abi (void);

/* The ABI hull uses on this kernel: min (kernel, HULL_LANDLOCK_ABI_KNOWN); 0: none. */
int hull_landlock_abi_in_use (void);

/* Every filesystem right ABI `abi` knows: the ruleset's handled_access_fs. */
uint64_t hull_landlock_fs_rights (int abi);

/* Parse an annotation document (at most HULL_LANDLOCK_DOC_MAX bytes; duplicate keys,
 * unknown keys, unknown access names and relative paths refused; syntax errors carry
 * line:col). `name` prefixes messages. Returns NULL on error. */
struct hull_landlock_ruleset *hull_landlock_parse (const char *text, size_t len, const char *name,
						   hull_error_t *err);

/* Accepts NULL and half-built rulesets; returns NULL. */
struct hull_landlock_ruleset *hull_landlock_ruleset_free (struct hull_landlock_ruleset *r);

/* Refuse what ABI `abi` cannot enforce: Landlock missing (abi 0), a right named one by
 * one that the ABI lacks, "net" before ABI 4, "scope" before ABI 6. */
int hull_landlock_check (const struct hull_landlock_ruleset *r, int abi, hull_error_t *err);

/* Create the kernel ruleset: handle every right of `abi` (and net/scope when asked),
 * open each path O_PATH in the current root and add its rule. A missing path is an
 * error naming it. Returns the ruleset fd (O_CLOEXEC) or a negative value. */
int hull_landlock_build (const struct hull_landlock_ruleset *r, int abi, hull_error_t *err);

/* Container side. prepare: parse cfg's annotation, check it against the kernel and
 * build the ruleset in the container's root; *fd is -EBADF when there is no
 * annotation. restrict: landlock_restrict_self (fd) and close it; nothing for fd < 0.
 * restrict needs no_new_privs or CAP_SYS_ADMIN in the process's user namespace. */
int hull_landlock_prepare (const struct hull_oci_config *cfg, int *fd, hull_error_t *err);
int hull_landlock_restrict (int fd, hull_error_t *err);

/* `hull sandbox`: set cfg's annotation to the default ruleset: read+execute on /,
 * read+write on /tmp, /dev/null, /dev/zero, /dev/full, /dev/tty, /dev/pts and on the
 * destinations of the writable mounts cfg->mounts[first..] (--bind, --tmpfs).
 * Refuses when the kernel has no Landlock (fail closed; --no-landlock opts out). */
int hull_landlock_sandbox_annotate (struct hull_oci_config *cfg, size_t first, hull_error_t *err);

#endif
