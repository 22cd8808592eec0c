/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The OCI runtime-spec 1.2 configuration model (config.md, config-linux.md).
 * Pure data: parsing and validation live in src/oci/, no syscalls. */
#ifndef HULL_OCI_H
#define HULL_OCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "hull/error.h"

#define HULL_OCI_CONFIG_MAX (4u * 1024 * 1024) /* bytes of config.json accepted */

/* A NULL-terminated string vector with its length. */
struct hull_strv {
	char **v;
	size_t n;
};

/* Key/value pairs (annotations, sysctl), in document order. */
struct hull_kv {
	char *key;
	char *value;
};
struct hull_kvv {
	struct hull_kv *v;
	size_t n;
};

/* Optional scalars: `has_x` says whether the JSON carried it. */
struct hull_oci_rlimit {
	char *type;   /* "RLIMIT_NOFILE" ... */
	int resource; /* resolved RLIMIT_* number */
	uint64_t hard;
	uint64_t soft;
};

struct hull_oci_user {
	uint32_t uid;
	uint32_t gid;
	bool has_umask;
	uint32_t umask;
	uint32_t *additional_gids;
	size_t n_additional_gids;
	char *username; /* Windows only; kept for completeness */
};

/* Capability sets as bitmasks of CAP_* numbers (bit n = capability n). */
struct hull_oci_caps {
	bool present; /* process.capabilities present at all */
	uint64_t bounding, effective, inheritable, permitted, ambient;
};

struct hull_oci_scheduler {
	bool present;
	char *policy; /* SCHED_OTHER ... */
	int policy_num;
	int32_t nice;
	int32_t priority;
	struct hull_strv flags;
	uint64_t runtime, deadline, period;
};

struct hull_oci_io_priority {
	bool present;
	char *class_name; /* IOPRIO_CLASS_RT|BE|IDLE */
	int class_num;
	int32_t priority;
};

struct hull_oci_process {
	bool terminal;
	bool has_console_size;
	uint32_t console_height, console_width;
	struct hull_oci_user user;
	struct hull_strv args;
	struct hull_strv env;
	char *cwd;
	struct hull_oci_caps caps;
	struct hull_oci_rlimit *rlimits;
	size_t n_rlimits;
	char *apparmor_profile;
	char *selinux_label;
	bool no_new_privileges;
	bool has_oom_score_adj;
	int32_t oom_score_adj;
	struct hull_oci_io_priority io_priority;
	struct hull_oci_scheduler scheduler;
	char *exec_cpu_affinity_initial;
	char *exec_cpu_affinity_final;
};

/* Mount option flags understood by hull (runc's list, mount(8) names). */
struct hull_oci_mount {
	char *destination;
	char *source;		  /* may be NULL */
	char *type;		  /* may be NULL ("bind" is implied by bind options) */
	struct hull_strv options; /* raw strings as given */
	/* Parsed from options: */
	unsigned long flags;	   /* MS_* to set */
	unsigned long clear_flags; /* MS_* explicitly cleared ("rw", "suid", ...) */
	unsigned long propagation; /* MS_PRIVATE|MS_SLAVE|MS_SHARED|MS_UNBINDABLE [|MS_REC] or 0 */
	uint64_t attr_set,
		attr_clr;    /* MOUNT_ATTR_* for recursive options ("rro", "rnosuid", ...) */
	bool bind;	     /* bind or rbind */
	bool recursive_bind; /* rbind */
	bool tmpcopyup;
	bool idmap, ridmap;
	char *data; /* comma-joined filesystem-specific options ("mode=755,size=65536k") */
	/* uidMappings/gidMappings on a mount (idmapped mounts) */
	struct hull_oci_idmap *uid_mappings;
	size_t n_uid_mappings;
	struct hull_oci_idmap *gid_mappings;
	size_t n_gid_mappings;
};

struct hull_oci_hook {
	char *path;
	struct hull_strv args;
	struct hull_strv env;
	bool has_timeout;
	int timeout; /* seconds, > 0 */
};

struct hull_oci_hooks {
	struct hull_oci_hook *prestart, *create_runtime, *create_container, *start_container,
		*poststart, *poststop;
	size_t n_prestart, n_create_runtime, n_create_container, n_start_container, n_poststart,
		n_poststop;
};

enum hull_oci_ns_type {
	HULL_NS_PID = 0,
	HULL_NS_NETWORK,
	HULL_NS_MOUNT,
	HULL_NS_IPC,
	HULL_NS_UTS,
	HULL_NS_USER,
	HULL_NS_CGROUP,
	HULL_NS_TIME,
	HULL_NS__COUNT,
};

struct hull_oci_namespace {
	enum hull_oci_ns_type type;
	char *path; /* NULL: create a new one */
};

struct hull_oci_idmap {
	uint32_t container_id;
	uint32_t host_id;
	uint32_t size;
};

struct hull_oci_time_offset {
	bool present;
	int64_t secs;
	uint32_t nanosecs;
};

struct hull_oci_device {
	char type; /* 'c', 'b', 'u', 'p' */
	char *path;
	int64_t major, minor;
	bool has_file_mode;
	uint32_t file_mode;
	bool has_uid, has_gid;
	uint32_t uid, gid;
};

struct hull_oci_seccomp_arg {
	uint32_t index;
	uint64_t value;
	uint64_t value_two;
	char *op; /* SCMP_CMP_* */
};

struct hull_oci_seccomp_syscall {
	struct hull_strv names;
	char *action; /* SCMP_ACT_* */
	bool has_errno_ret;
	uint32_t errno_ret;
	struct hull_oci_seccomp_arg *args;
	size_t n_args;
};

struct hull_oci_seccomp {
	bool present;
	char *default_action;
	bool has_default_errno_ret;
	uint32_t default_errno_ret;
	struct hull_strv architectures;
	struct hull_strv flags;
	char *listener_path;
	char *listener_metadata;
	struct hull_oci_seccomp_syscall *syscalls;
	size_t n_syscalls;
};

struct hull_oci_device_cgroup {
	bool allow;
	char type; /* 'a', 'c', 'b' (0 when absent = all) */
	bool has_major, has_minor;
	int64_t major, minor;
	char *access; /* "rwm" subset, may be NULL */
};

/* linux.resources: parsed and validated now, applied by the cgroup issue. Every
 * optional number has a has_ flag. */
struct hull_oci_resources {
	bool present;
	struct hull_oci_device_cgroup *devices;
	size_t n_devices;
	/* memory */
	bool has_mem_limit, has_mem_reservation, has_mem_swap, has_mem_kernel, has_mem_kernel_tcp,
		has_mem_swappiness, has_mem_disable_oom_killer, has_mem_use_hierarchy,
		has_mem_check_before_update;
	int64_t mem_limit, mem_reservation, mem_swap, mem_kernel, mem_kernel_tcp;
	uint64_t mem_swappiness;
	bool mem_disable_oom_killer, mem_use_hierarchy, mem_check_before_update;
	/* cpu */
	bool has_cpu_shares, has_cpu_quota, has_cpu_burst, has_cpu_period, has_cpu_rt_runtime,
		has_cpu_rt_period, has_cpu_idle;
	uint64_t cpu_shares, cpu_period, cpu_rt_period, cpu_burst;
	int64_t cpu_quota, cpu_rt_runtime, cpu_idle;
	char *cpu_cpus, *cpu_mems;
	/* pids */
	bool has_pids_limit;
	int64_t pids_limit;
	/* blockIO, hugepageLimits, network, rdma, unified: kept as raw JSON text so the
	 * cgroup issue can map them; validated for shape here. */
	char *block_io_json;
	char *hugepage_limits_json;
	char *network_json;
	char *rdma_json;
	struct hull_kvv unified;
};

struct hull_oci_linux {
	struct hull_oci_namespace *namespaces;
	size_t n_namespaces;
	struct hull_oci_idmap *uid_mappings;
	size_t n_uid_mappings;
	struct hull_oci_idmap *gid_mappings;
	size_t n_gid_mappings;
	struct hull_oci_time_offset time_monotonic, time_boottime;
	struct hull_oci_device *devices;
	size_t n_devices;
	char *cgroups_path;
	struct hull_oci_resources resources;
	char *rootfs_propagation;		/* "private", "rslave", ... or NULL */
	unsigned long rootfs_propagation_flags; /* parsed MS_* */
	struct hull_oci_seccomp seccomp;
	struct hull_kvv sysctl;
	struct hull_strv masked_paths;
	struct hull_strv readonly_paths;
	char *mount_label;
	bool has_personality;
	char *personality_domain;  /* LINUX or LINUX32 */
	unsigned long personality; /* PER_LINUX / PER_LINUX32 */
	struct hull_strv personality_flags;
	char *intel_rdt_json; /* parsed for shape only */
};

struct hull_oci_config {
	char *oci_version;
	bool has_process;
	struct hull_oci_process process;
	char *root_path; /* root.path, as written (may be relative to the bundle) */
	bool root_readonly;
	char *hostname;
	char *domainname;
	struct hull_oci_mount *mounts;
	size_t n_mounts;
	struct hull_oci_hooks hooks;
	struct hull_kvv annotations;
	bool has_linux;
	struct hull_oci_linux linux_;
};

/* Parse config.json text (at most HULL_OCI_CONFIG_MAX bytes). `name` is used in
 * messages ("config.json:12:4: ..."). Unknown properties are ignored (config.md:
 * "implementations MUST ignore unknown properties") but each one is recorded in
 * `unknown` (JSON pointer-ish paths) when that is not NULL, for `hull lint`. */
struct hull_oci_config *hull_oci_config_parse (const char *text, size_t len, const char *name,
					       struct hull_strv *unknown, hull_error_t *err);

/* Read and parse `<bundle>/config.json` (size-capped before reading). */
struct hull_oci_config *hull_oci_config_load (const char *bundle_dir, hull_error_t *err);

/* Semantic validation, one clear message for the first problem found
 * (relative or non-normalised paths, duplicate namespaces, overlapping id maps, ...). */
int hull_oci_config_validate (const struct hull_oci_config *cfg, hull_error_t *err);

struct hull_oci_config *hull_oci_config_free (struct hull_oci_config *cfg);

/* Capability names <-> numbers ("CAP_SYS_ADMIN"). Unknown names are an error:
 * crun and runc silently accept them, hull refuses. */
int hull_oci_cap_from_name (const char *name);
const char *hull_oci_cap_name (int cap);
int hull_oci_cap_last (void); /* highest capability number hull knows */

const char *hull_oci_ns_name (enum hull_oci_ns_type t); /* "pid", "network", ... */
int hull_oci_ns_from_name (const char *name);		/* -1 if unknown */

/* The hardened default config.json (`hull spec`). Caller frees. */
char *hull_oci_spec_default (bool rootless, hull_error_t *err);

void hull_strv_free (struct hull_strv *s);

#endif
