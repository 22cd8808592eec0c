/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared inside src/oci only: name tables, mount option parsing and the JSON
 * dispatch tables split across config.c and config-linux.c. */
#ifndef HULL_OCI_INTERNAL_H
#define HULL_OCI_INTERNAL_H

#include <stdbool.h>

#include "common/json.h"
#include "hull/oci.h"

/* A name <-> number table entry, terminated by a NULL name. */
struct hull_oci_name {
	const char *name;
	long value;
};

extern const struct hull_oci_name hull_oci_rlimit_names[];
extern const struct hull_oci_name hull_oci_propagation_names[];
extern const struct hull_oci_name hull_oci_sched_policy_names[];
extern const struct hull_oci_name hull_oci_sched_flag_names[];
extern const struct hull_oci_name hull_oci_ioprio_class_names[];
extern const struct hull_oci_name hull_oci_seccomp_action_names[];
extern const struct hull_oci_name hull_oci_seccomp_op_names[];
extern const struct hull_oci_name hull_oci_seccomp_arch_names[];
extern const struct hull_oci_name hull_oci_seccomp_flag_names[];
extern const struct hull_oci_name hull_oci_personality_names[];

/* Look `name` up in `table`: 0 and *value set, or -1. */
int hull_oci_name_lookup (const struct hull_oci_name *table, const char *name, long *value);

/* Parse m->options (and m->type "bind") into the parsed fields of m, resetting
 * them first. Unknown options are refused with the option and the destination
 * named. */
int hull_oci_mount_parse_options (struct hull_oci_mount *m, hull_error_t *err);

/* The linux object's table (config-linux.c) and its post-check. */
extern const struct hull_json_field hull_oci_linux_fields[];
int hull_oci_linux_check (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *value,
			  void *base, hull_error_t *err);
extern const struct hull_json_field hull_oci_idmap_fields[];
#define HULL_OCI_IDMAP_MAX 340 /* the kernel's limit of lines in uid_map since 4.15 */

/* Destructors for the parts (config.c frees the whole). */
void hull_oci_linux_free (struct hull_oci_linux *l);
void hull_oci_kvv_free (struct hull_kvv *kv);

#endif
