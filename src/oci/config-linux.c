/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config.json "linux" object (runtime-spec 1.2 config-linux.md). Parts the
 * cgroup code maps later (blockIO, hugepageLimits, network, rdma, intelRdt) are
 * checked for shape here with the same tables in check-only mode, then kept as
 * compact JSON text. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/xalloc.h"
#include "oci/internal.h"

/* Dispatch tables are written positionally ({ key, type, offset, flags }, STYLE.md)
 * and leave the optional trailing members zero. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define NAMESPACES_MAX 32
#define DEVICES_MAX 4096
#define SYSCTL_MAX 1024
#define PATHS_MAX 4096
#define SECCOMP_SYSCALLS_MAX 4096
#define SECCOMP_NAMES_MAX 4096
#define SECCOMP_ARGS_MAX 6 /* a syscall has six arguments */
#define SECCOMP_ARCHES_MAX 64
#define SECCOMP_FLAGS_MAX 16
#define UNIFIED_MAX 1024
#define RAW_ARRAY_MAX 4096

const struct hull_json_field hull_oci_idmap_fields[] = {
	{ "containerID", HULL_JSON_UINT32, offsetof (struct hull_oci_idmap, container_id),
	  HULL_JSON_MANDATORY },
	{ "hostID", HULL_JSON_UINT32, offsetof (struct hull_oci_idmap, host_id),
	  HULL_JSON_MANDATORY },
	{ "size", HULL_JSON_UINT32, offsetof (struct hull_oci_idmap, size), HULL_JSON_MANDATORY },
	{ NULL },
};

/* A string whose value must be in `table`; the string goes to f->offset. */
static int
named_string (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *value, void *base,
	      const struct hull_oci_name *table, const char *what, long *num, hull_error_t *err)
{
	const char *s;

	if (hull_json_expect_string (ctx, value, &s, err) < 0)
		return -EINVAL;
	if (hull_oci_name_lookup (table, s, num) < 0)
		return hull_json_error (ctx, err, "unknown %s `%s`", what, s);
	if (base)
		*(char **) ((char *) base + f->offset) = hull_xstrdup (s);
	return 0;
}

static int
parse_ns_type (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *value,
	       void *base, hull_error_t *err)
{
	struct hull_oci_namespace *ns = base;
	const char *s;
	int t;

	if (hull_json_expect_string (ctx, value, &s, err) < 0)
		return -EINVAL;
	t = hull_oci_ns_from_name (s);
	if (t < 0)
		return hull_json_error (ctx, err, "unknown namespace type `%s`", s);
	if (ns)
		ns->type = (enum hull_oci_ns_type) t;
	return 0;
}

static const struct hull_json_field namespace_fields[] = {
	{ "type", HULL_JSON_CUSTOM, 0, HULL_JSON_MANDATORY, .fn = parse_ns_type },
	{ "path", HULL_JSON_STRING, offsetof (struct hull_oci_namespace, path), 0 },
	{ NULL },
};

static const struct hull_json_field time_offset_fields[] = {
	{ "secs", HULL_JSON_INT64, offsetof (struct hull_oci_time_offset, secs), 0 },
	{ "nanosecs", HULL_JSON_UINT32, offsetof (struct hull_oci_time_offset, nanosecs), 0 },
	{ NULL },
};

#define L(member) offsetof (struct hull_oci_linux, member)
static const struct hull_json_field time_offsets_fields[] = {
	{ "monotonic", HULL_JSON_OBJECT, L (time_monotonic), HULL_JSON_HAS,
	  .has = L (time_monotonic.present), .sub = time_offset_fields },
	{ "boottime", HULL_JSON_OBJECT, L (time_boottime), HULL_JSON_HAS,
	  .has = L (time_boottime.present), .sub = time_offset_fields },
	{ NULL },
};

/* A one-letter type from `accepted` stored as a char at f->offset. */
static int
device_letter (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *value,
	       void *base, const char *accepted, hull_error_t *err)
{
	const char *s;

	if (hull_json_expect_string (ctx, value, &s, err) < 0)
		return -EINVAL;
	if (strlen (s) != 1 || strchr (accepted, s[0]) == NULL)
		return hull_json_error (ctx, err, "unknown device type `%s`", s);
	if (base)
		*((char *) base + f->offset) = s[0];
	return 0;
}

/* config-linux.md "Devices": c (character), b (block), u (unbuffered), p (FIFO). */
static int
parse_device_type (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *value,
		   void *base, hull_error_t *err)
{
	return device_letter (ctx, f, value, base, "cbup", err);
}

/* config-linux.md "Device allowlist": a (all), c, b. */
static int
parse_cgroup_device_type (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *value,
			  void *base, hull_error_t *err)
{
	return device_letter (ctx, f, value, base, "acb", err);
}

static int
check_device (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *value, void *base,
	      hull_error_t *err)
{
	struct hull_oci_device *d = base;
	bool has_major = json_is_integer (json_object_get (value, "major"));
	bool has_minor = json_is_integer (json_object_get (value, "minor"));

	if (d == NULL)
		return 0;
	/* config-linux.md "Devices": major and minor are REQUIRED unless type is p. */
	if (d->type != 'p' && (!has_major || !has_minor))
		return hull_json_error (ctx, err, "device `%s` of type %c needs major and minor",
					d->path, d->type);
	if ((has_major && d->major < 0) || (has_minor && d->minor < 0))
		return hull_json_error (ctx, err, "device `%s`: negative major or minor", d->path);
	return 0;
}

#define D(member) offsetof (struct hull_oci_device, member)
static const struct hull_json_field device_fields[] = {
	{ "type", HULL_JSON_CUSTOM, D (type), HULL_JSON_MANDATORY, .fn = parse_device_type },
	{ "path", HULL_JSON_STRING, D (path), HULL_JSON_MANDATORY },
	{ "major", HULL_JSON_INT64, D (major), 0 },
	{ "minor", HULL_JSON_INT64, D (minor), 0 },
	{ "fileMode", HULL_JSON_UINT32, D (file_mode), HULL_JSON_HAS, .has = D (has_file_mode) },
	{ "uid", HULL_JSON_UINT32, D (uid), HULL_JSON_HAS, .has = D (has_uid) },
	{ "gid", HULL_JSON_UINT32, D (gid), HULL_JSON_HAS, .has = D (has_gid) },
	{ NULL },
};
#undef D

static int
check_device_cgroup (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *value,
		     void *base, hull_error_t *err)
{
	struct hull_oci_device_cgroup *d = base;

	if (d == NULL || d->access == NULL)
		return 0;
	if (d->access[strspn (d->access, "rwm")] != '\0')
		return hull_json_error (ctx, err, "access `%s` is not a subset of `rwm`",
					d->access);
	return 0;
}

#define DC(member) offsetof (struct hull_oci_device_cgroup, member)
static const struct hull_json_field device_cgroup_fields[] = {
	{ "allow", HULL_JSON_BOOL, DC (allow), HULL_JSON_MANDATORY },
	{ "type", HULL_JSON_CUSTOM, DC (type), 0, .fn = parse_cgroup_device_type },
	{ "major", HULL_JSON_INT64, DC (major), HULL_JSON_HAS, .has = DC (has_major) },
	{ "minor", HULL_JSON_INT64, DC (minor), HULL_JSON_HAS, .has = DC (has_minor) },
	{ "access", HULL_JSON_STRING, DC (access), 0 },
	{ NULL },
};
#undef DC

#define R(member) offsetof (struct hull_oci_resources, member)
#define OPT(key, type, member)                                                                     \
	{                                                                                          \
		key, type, R (member), HULL_JSON_HAS, .has = R (has_##member)                      \
	}
static const struct hull_json_field memory_fields[] = {
	OPT ("limit", HULL_JSON_INT64, mem_limit),
	OPT ("reservation", HULL_JSON_INT64, mem_reservation),
	OPT ("swap", HULL_JSON_INT64, mem_swap),
	OPT ("kernel", HULL_JSON_INT64, mem_kernel),
	OPT ("kernelTCP", HULL_JSON_INT64, mem_kernel_tcp),
	OPT ("swappiness", HULL_JSON_UINT64, mem_swappiness),
	OPT ("disableOOMKiller", HULL_JSON_BOOL, mem_disable_oom_killer),
	OPT ("useHierarchy", HULL_JSON_BOOL, mem_use_hierarchy),
	OPT ("checkBeforeUpdate", HULL_JSON_BOOL, mem_check_before_update),
	{ NULL },
};

static const struct hull_json_field cpu_fields[] = {
	OPT ("shares", HULL_JSON_UINT64, cpu_shares),
	OPT ("quota", HULL_JSON_INT64, cpu_quota),
	OPT ("burst", HULL_JSON_UINT64, cpu_burst),
	OPT ("period", HULL_JSON_UINT64, cpu_period),
	{ "realtimeRuntime", HULL_JSON_INT64, R (cpu_rt_runtime), HULL_JSON_HAS,
	  .has = R (has_cpu_rt_runtime) },
	{ "realtimePeriod", HULL_JSON_UINT64, R (cpu_rt_period), HULL_JSON_HAS,
	  .has = R (has_cpu_rt_period) },
	{ "cpus", HULL_JSON_STRING, R (cpu_cpus), 0 },
	{ "mems", HULL_JSON_STRING, R (cpu_mems), 0 },
	OPT ("idle", HULL_JSON_INT64, cpu_idle),
	{ NULL },
};

static const struct hull_json_field pids_fields[] = {
	OPT ("limit", HULL_JSON_INT64, pids_limit),
	{ NULL },
};
#undef OPT

/* Shape-only tables (mapped with base == NULL): offsets are unused. */
static const struct hull_json_field blkio_weight_device_shape[] = {
	{ "major", HULL_JSON_INT64, 0, HULL_JSON_MANDATORY },
	{ "minor", HULL_JSON_INT64, 0, HULL_JSON_MANDATORY },
	{ "weight", HULL_JSON_UINT32, 0, 0 },
	{ "leafWeight", HULL_JSON_UINT32, 0, 0 },
	{ NULL },
};

static const struct hull_json_field blkio_throttle_shape[] = {
	{ "major", HULL_JSON_INT64, 0, HULL_JSON_MANDATORY },
	{ "minor", HULL_JSON_INT64, 0, HULL_JSON_MANDATORY },
	{ "rate", HULL_JSON_UINT64, 0, HULL_JSON_MANDATORY },
	{ NULL },
};

#define THROTTLE(key)                                                                              \
	{                                                                                          \
		key, HULL_JSON_ARRAY, 0, 0, .sub = blkio_throttle_shape, .max = RAW_ARRAY_MAX      \
	}
static const struct hull_json_field blkio_shape[] = {
	{ "weight", HULL_JSON_UINT32, 0, 0 },
	{ "leafWeight", HULL_JSON_UINT32, 0, 0 },
	{ "weightDevice", HULL_JSON_ARRAY, 0, 0, .sub = blkio_weight_device_shape,
	  .max = RAW_ARRAY_MAX },
	THROTTLE ("throttleReadBpsDevice"),
	THROTTLE ("throttleWriteBpsDevice"),
	THROTTLE ("throttleReadIOPSDevice"),
	THROTTLE ("throttleWriteIOPSDevice"),
	{ NULL },
};
#undef THROTTLE

static const struct hull_json_field hugepage_shape[] = {
	{ "pageSize", HULL_JSON_STRING, 0, HULL_JSON_MANDATORY },
	{ "limit", HULL_JSON_UINT64, 0, HULL_JSON_MANDATORY },
	{ NULL },
};

static const struct hull_json_field net_priority_shape[] = {
	{ "name", HULL_JSON_STRING, 0, HULL_JSON_MANDATORY },
	{ "priority", HULL_JSON_UINT32, 0, HULL_JSON_MANDATORY },
	{ NULL },
};

static const struct hull_json_field network_shape[] = {
	{ "classID", HULL_JSON_UINT32, 0, 0 },
	{ "priorities", HULL_JSON_ARRAY, 0, 0, .sub = net_priority_shape, .max = RAW_ARRAY_MAX },
	{ NULL },
};

static const struct hull_json_field rdma_entry_shape[] = {
	{ "hcaHandles", HULL_JSON_UINT32, 0, 0 },
	{ "hcaObjects", HULL_JSON_UINT32, 0, 0 },
	{ NULL },
};

static const struct hull_json_field intel_rdt_shape[] = {
	{ "closID", HULL_JSON_STRING, 0, 0 },
	{ "l3CacheSchema", HULL_JSON_STRING, 0, 0 },
	{ "memBwSchema", HULL_JSON_STRING, 0, 0 },
	{ "schemata", HULL_JSON_STRV, 0, 0, .max = RAW_ARRAY_MAX },
	{ "enableMonitoring", HULL_JSON_BOOL, 0, 0 },
	{ "enableCMT", HULL_JSON_BOOL, 0, 0 },
	{ "enableMBM", HULL_JSON_BOOL, 0, 0 },
	{ NULL },
};

static void
store_raw (void *base, const struct hull_json_field *f, json_t *value)
{
	if (base)
		*(char **) ((char *) base + f->offset) = hull_json_dump_compact (value);
}

/* An object checked with f->sub, kept as text. */
static int
raw_object (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *value, void *base,
	    hull_error_t *err)
{
	if (hull_json_map (ctx, value, f->sub, NULL, err) < 0)
		return -EINVAL;
	store_raw (base, f, value);
	return 0;
}

/* An array of objects each checked with f->sub, kept as text. */
static int
raw_array (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *value, void *base,
	   hull_error_t *err)
{
	const struct hull_json_field shape = { f->key, HULL_JSON_ARRAY, 0,
					       0,      .sub = f->sub,	.max = RAW_ARRAY_MAX };

	if (hull_json_map_value (ctx, &shape, value, NULL, err) < 0)
		return -EINVAL;
	store_raw (base, f, value);
	return 0;
}

/* rdma: { "mlx5_1": { "hcaHandles": 3, "hcaObjects": 10000 }, ... } */
static int
raw_rdma (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *value, void *base,
	  hull_error_t *err)
{
	const char *key;
	json_t *v;

	if (!json_is_object (value))
		return hull_json_error (ctx, err, "expected an object");
	if (json_object_size (value) > RAW_ARRAY_MAX)
		return hull_json_error (ctx, err, "more than %d devices", RAW_ARRAY_MAX);
	json_object_foreach (value, key, v) {
		size_t old = hull_json_path_push_key (ctx, key);
		if (hull_json_map (ctx, v, rdma_entry_shape, NULL, err) < 0)
			return -EINVAL;
		hull_json_path_pop (ctx, old);
	}
	store_raw (base, f, value);
	return 0;
}

static const struct hull_json_field resources_fields[] = {
	{ "devices", HULL_JSON_ARRAY, R (devices), 0, .sub = device_cgroup_fields,
	  .fn = check_device_cgroup, .max = DEVICES_MAX,
	  .elem_size = sizeof (struct hull_oci_device_cgroup), .count = R (n_devices) },
	{ "memory", HULL_JSON_OBJECT, 0, 0, .sub = memory_fields },
	{ "cpu", HULL_JSON_OBJECT, 0, 0, .sub = cpu_fields },
	{ "pids", HULL_JSON_OBJECT, 0, 0, .sub = pids_fields },
	{ "blockIO", HULL_JSON_CUSTOM, R (block_io_json), 0, .sub = blkio_shape, .fn = raw_object },
	{ "hugepageLimits", HULL_JSON_CUSTOM, R (hugepage_limits_json), 0, .sub = hugepage_shape,
	  .fn = raw_array },
	{ "network", HULL_JSON_CUSTOM, R (network_json), 0, .sub = network_shape,
	  .fn = raw_object },
	{ "rdma", HULL_JSON_CUSTOM, R (rdma_json), 0, .fn = raw_rdma },
	{ "unified", HULL_JSON_KVV, R (unified), 0, .max = UNIFIED_MAX },
	{ NULL },
};
#undef R

static int
parse_seccomp_action (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *value,
		      void *base, hull_error_t *err)
{
	long num;
	return named_string (ctx, f, value, base, hull_oci_seccomp_action_names, "seccomp action",
			     &num, err);
}

static int
parse_seccomp_op (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *value,
		  void *base, hull_error_t *err)
{
	long num;
	return named_string (ctx, f, value, base, hull_oci_seccomp_op_names,
			     "seccomp comparison operator", &num, err);
}

static int
check_seccomp_arg (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *value,
		   void *base, hull_error_t *err)
{
	struct hull_oci_seccomp_arg *a = base;

	if (a && a->index >= SECCOMP_ARGS_MAX)
		return hull_json_error (ctx, err, "argument index %u is not below %d", a->index,
					SECCOMP_ARGS_MAX);
	return 0;
}

#define SA(member) offsetof (struct hull_oci_seccomp_arg, member)
static const struct hull_json_field seccomp_arg_fields[] = {
	{ "index", HULL_JSON_UINT32, SA (index), HULL_JSON_MANDATORY },
	{ "value", HULL_JSON_UINT64, SA (value), HULL_JSON_MANDATORY },
	{ "valueTwo", HULL_JSON_UINT64, SA (value_two), 0 },
	{ "op", HULL_JSON_CUSTOM, SA (op), HULL_JSON_MANDATORY, .fn = parse_seccomp_op },
	{ NULL },
};
#undef SA

static int
check_seccomp_syscall (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *value,
		       void *base, hull_error_t *err)
{
	struct hull_oci_seccomp_syscall *s = base;

	if (s == NULL)
		return 0;
	if (s->names.n == 0)
		return hull_json_error (ctx, err, "names is empty");
	for (size_t i = 0; i < s->names.n; i++)
		if (s->names.v[i][0] == '\0')
			return hull_json_error (ctx, err, "empty syscall name");
	return 0;
}

#define SS(member) offsetof (struct hull_oci_seccomp_syscall, member)
static const struct hull_json_field seccomp_syscall_fields[] = {
	{ "names", HULL_JSON_STRV, SS (names), HULL_JSON_MANDATORY, .max = SECCOMP_NAMES_MAX },
	{ "action", HULL_JSON_CUSTOM, SS (action), HULL_JSON_MANDATORY,
	  .fn = parse_seccomp_action },
	{ "errnoRet", HULL_JSON_UINT32, SS (errno_ret), HULL_JSON_HAS, .has = SS (has_errno_ret) },
	{ "args", HULL_JSON_ARRAY, SS (args), 0, .sub = seccomp_arg_fields, .fn = check_seccomp_arg,
	  .max = SECCOMP_ARGS_MAX, .elem_size = sizeof (struct hull_oci_seccomp_arg),
	  .count = SS (n_args) },
	{ NULL },
};
#undef SS

static int
check_names (struct hull_json_ctx *ctx, const char *key, const struct hull_strv *v,
	     const struct hull_oci_name *table, const char *what, hull_error_t *err)
{
	long num;

	for (size_t i = 0; i < v->n; i++)
		if (hull_oci_name_lookup (table, v->v[i], &num) < 0) {
			hull_json_path_push_key (ctx, key);
			return hull_json_error (ctx, err, "unknown %s `%s`", what, v->v[i]);
		}
	return 0;
}

static int
check_seccomp (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *value,
	       void *base, hull_error_t *err)
{
	struct hull_oci_seccomp *s = base;
	bool notify;

	if (s == NULL)
		return 0;
	if (check_names (ctx, "architectures", &s->architectures, hull_oci_seccomp_arch_names,
			 "seccomp architecture", err) < 0 ||
	    check_names (ctx, "flags", &s->flags, hull_oci_seccomp_flag_names, "seccomp flag",
			 err) < 0)
		return -EINVAL;
	/* config-linux.md "Seccomp": listenerPath MUST be set when SCMP_ACT_NOTIFY is used. */
	notify = strcmp (s->default_action, "SCMP_ACT_NOTIFY") == 0;
	for (size_t i = 0; i < s->n_syscalls; i++)
		notify = notify || strcmp (s->syscalls[i].action, "SCMP_ACT_NOTIFY") == 0;
	if (notify && (s->listener_path == NULL || s->listener_path[0] == '\0'))
		return hull_json_error (ctx, err, "SCMP_ACT_NOTIFY used without listenerPath");
	return 0;
}

#define SC(member) offsetof (struct hull_oci_seccomp, member)
static const struct hull_json_field seccomp_fields[] = {
	{ "defaultAction", HULL_JSON_CUSTOM, SC (default_action), HULL_JSON_MANDATORY,
	  .fn = parse_seccomp_action },
	{ "defaultErrnoRet", HULL_JSON_UINT32, SC (default_errno_ret), HULL_JSON_HAS,
	  .has = SC (has_default_errno_ret) },
	{ "architectures", HULL_JSON_STRV, SC (architectures), 0, .max = SECCOMP_ARCHES_MAX },
	{ "flags", HULL_JSON_STRV, SC (flags), 0, .max = SECCOMP_FLAGS_MAX },
	{ "listenerPath", HULL_JSON_STRING, SC (listener_path), 0 },
	{ "listenerMetadata", HULL_JSON_STRING, SC (listener_metadata), 0 },
	{ "syscalls", HULL_JSON_ARRAY, SC (syscalls), 0, .sub = seccomp_syscall_fields,
	  .fn = check_seccomp_syscall, .max = SECCOMP_SYSCALLS_MAX,
	  .elem_size = sizeof (struct hull_oci_seccomp_syscall), .count = SC (n_syscalls) },
	{ NULL },
};
#undef SC

static int
parse_rootfs_propagation (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *value,
			  void *base, hull_error_t *err)
{
	struct hull_oci_linux *l = base;
	long num = 0;

	if (named_string (ctx, f, value, base, hull_oci_propagation_names, "rootfs propagation",
			  &num, err) < 0)
		return -EINVAL;
	if (l)
		l->rootfs_propagation_flags = (unsigned long) num;
	return 0;
}

static int
parse_personality_domain (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *value,
			  void *base, hull_error_t *err)
{
	struct hull_oci_linux *l = base;
	long num = 0;

	if (named_string (ctx, f, value, base, hull_oci_personality_names, "personality domain",
			  &num, err) < 0)
		return -EINVAL;
	if (l)
		l->personality = (unsigned long) num;
	return 0;
}

static const struct hull_json_field personality_fields[] = {
	{ "domain", HULL_JSON_CUSTOM, L (personality_domain), HULL_JSON_MANDATORY,
	  .fn = parse_personality_domain },
	{ "flags", HULL_JSON_STRV, L (personality_flags), 0, .max = 64 },
	{ NULL },
};

#define IDMAPS(key, member)                                                                        \
	{                                                                                          \
		key, HULL_JSON_ARRAY, L (member), 0,                                               \
			.sub = hull_oci_idmap_fields, .max = HULL_OCI_IDMAP_MAX,                   \
			.elem_size = sizeof (struct hull_oci_idmap), .count = L (n_##member)       \
	}
const struct hull_json_field hull_oci_linux_fields[] = {
	{ "namespaces", HULL_JSON_ARRAY, L (namespaces), 0, .sub = namespace_fields,
	  .max = NAMESPACES_MAX, .elem_size = sizeof (struct hull_oci_namespace),
	  .count = L (n_namespaces) },
	IDMAPS ("uidMappings", uid_mappings),
	IDMAPS ("gidMappings", gid_mappings),
	{ "timeOffsets", HULL_JSON_OBJECT, 0, 0, .sub = time_offsets_fields },
	{ "devices", HULL_JSON_ARRAY, L (devices), 0, .sub = device_fields, .fn = check_device,
	  .max = DEVICES_MAX, .elem_size = sizeof (struct hull_oci_device),
	  .count = L (n_devices) },
	{ "cgroupsPath", HULL_JSON_STRING, L (cgroups_path), 0 },
	{ "resources", HULL_JSON_OBJECT, L (resources), HULL_JSON_HAS, .has = L (resources.present),
	  .sub = resources_fields },
	{ "rootfsPropagation", HULL_JSON_CUSTOM, L (rootfs_propagation), 0,
	  .fn = parse_rootfs_propagation },
	{ "seccomp", HULL_JSON_OBJECT, L (seccomp), HULL_JSON_HAS, .has = L (seccomp.present),
	  .sub = seccomp_fields, .fn = check_seccomp },
	{ "sysctl", HULL_JSON_KVV, L (sysctl), 0, .max = SYSCTL_MAX },
	{ "maskedPaths", HULL_JSON_STRV, L (masked_paths), 0, .max = PATHS_MAX },
	{ "readonlyPaths", HULL_JSON_STRV, L (readonly_paths), 0, .max = PATHS_MAX },
	{ "mountLabel", HULL_JSON_STRING, L (mount_label), 0 },
	{ "personality", HULL_JSON_OBJECT, 0, HULL_JSON_HAS, .has = L (has_personality),
	  .sub = personality_fields },
	{ "intelRdt", HULL_JSON_CUSTOM, L (intel_rdt_json), 0, .sub = intel_rdt_shape,
	  .fn = raw_object },
	{ NULL },
};
#undef IDMAPS
#undef L

int
hull_oci_linux_check (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *value,
		      void *base, hull_error_t *err)
{
	struct hull_oci_linux *l = base;
	bool seen[HULL_NS__COUNT] = { false };

	if (l == NULL)
		return 0;
	/* config-linux.md "Namespaces": a type MUST NOT appear twice. */
	for (size_t i = 0; i < l->n_namespaces; i++) {
		enum hull_oci_ns_type t = l->namespaces[i].type;
		if (seen[t]) {
			hull_json_path_push_key (ctx, "namespaces");
			hull_json_path_push_index (ctx, i);
			return hull_json_error (ctx, err, "duplicate namespace type `%s`",
						hull_oci_ns_name (t));
		}
		seen[t] = true;
	}
	return 0;
}

static void
free_seccomp (struct hull_oci_seccomp *s)
{
	free (s->default_action);
	hull_strv_free (&s->architectures);
	hull_strv_free (&s->flags);
	free (s->listener_path);
	free (s->listener_metadata);
	for (size_t i = 0; s->syscalls && i < s->n_syscalls; i++) {
		struct hull_oci_seccomp_syscall *sc = &s->syscalls[i];
		hull_strv_free (&sc->names);
		free (sc->action);
		for (size_t j = 0; sc->args && j < sc->n_args; j++)
			free (sc->args[j].op);
		free (sc->args);
	}
	free (s->syscalls);
}

static void
free_resources (struct hull_oci_resources *r)
{
	for (size_t i = 0; r->devices && i < r->n_devices; i++)
		free (r->devices[i].access);
	free (r->devices);
	free (r->cpu_cpus);
	free (r->cpu_mems);
	free (r->block_io_json);
	free (r->hugepage_limits_json);
	free (r->network_json);
	free (r->rdma_json);
	hull_oci_kvv_free (&r->unified);
}

void
hull_oci_linux_free (struct hull_oci_linux *l)
{
	for (size_t i = 0; l->namespaces && i < l->n_namespaces; i++)
		free (l->namespaces[i].path);
	free (l->namespaces);
	free (l->uid_mappings);
	free (l->gid_mappings);
	for (size_t i = 0; l->devices && i < l->n_devices; i++)
		free (l->devices[i].path);
	free (l->devices);
	free (l->cgroups_path);
	free_resources (&l->resources);
	free (l->rootfs_propagation);
	free_seccomp (&l->seccomp);
	hull_oci_kvv_free (&l->sysctl);
	hull_strv_free (&l->masked_paths);
	hull_strv_free (&l->readonly_paths);
	free (l->mount_label);
	free (l->personality_domain);
	hull_strv_free (&l->personality_flags);
	free (l->intel_rdt_json);
}
