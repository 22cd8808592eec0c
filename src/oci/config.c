/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config.json -> struct hull_oci_config (runtime-spec 1.2 config.md): the
 * top-level, process, root, mounts and hooks tables. The linux object lives in
 * config-linux.c. Every array is capped before it is allocated. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/file.h"
#include "common/json.h"
#include "common/xalloc.h"
#include "oci/internal.h"

/* Dispatch tables are written positionally ({ key, type, offset, flags }, STYLE.md)
 * and leave the optional trailing members zero. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define ARGS_MAX 65536
#define ENV_MAX 65536
#define GROUPS_MAX 65536 /* NGROUPS_MAX */
#define CAPS_PER_SET_MAX 256
#define RLIMITS_MAX 64
#define MOUNTS_MAX 4096
#define MOUNT_OPTIONS_MAX 256
#define HOOKS_MAX 1024
#define ANNOTATIONS_MAX 4096
#define SCHED_FLAGS_MAX 32

void
hull_strv_free (struct hull_strv *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; s->v && i < s->n; i++)
		free (s->v[i]);
	free (s->v);
	s->v = NULL;
	s->n = 0;
}

void
hull_oci_kvv_free (struct hull_kvv *kv)
{
	for (size_t i = 0; kv->v && i < kv->n; i++) {
		free (kv->v[i].key);
		free (kv->v[i].value);
	}
	free (kv->v);
	kv->v = NULL;
	kv->n = 0;
}

/* A string naming an entry of `table`: stored in *s (when s is not NULL) and
 * resolved into *num. */
static int
name_field (struct hull_json_ctx *ctx, json_t *value, const struct hull_oci_name *table,
	    const char *what, char **s, long *num, hull_error_t *err)
{
	const char *name;

	if (hull_json_expect_string (ctx, value, &name, err) < 0)
		return -EINVAL;
	if (hull_oci_name_lookup (table, name, num) < 0)
		return hull_json_error (ctx, err, "unknown %s `%s`", what, name);
	if (s) {
		free (*s);
		*s = hull_xstrdup (name);
	}
	return 0;
}

/* process.user.additionalGids: an array of uint32 gids. */
static int
parse_additional_gids (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *value,
		       void *base, hull_error_t *err)
{
	struct hull_oci_user *u = base;
	size_t n, i;

	if (!json_is_array (value))
		return hull_json_error (ctx, err, "expected an array of gids");
	n = json_array_size (value);
	if (n > GROUPS_MAX)
		return hull_json_error (ctx, err, "%zu gids, more than the %d accepted", n,
					GROUPS_MAX);
	for (i = 0; i < n; i++) {
		json_t *e = json_array_get (value, i);
		if (!json_is_integer (e) || json_integer_value (e) < 0 ||
		    json_integer_value (e) > UINT32_MAX) {
			hull_json_path_push_index (ctx, i);
			return hull_json_error (ctx, err, "expected an unsigned 32-bit integer");
		}
	}
	if (u == NULL)
		return 0;
	u->additional_gids = hull_xcalloc (n ? n : 1, sizeof *u->additional_gids);
	u->n_additional_gids = n;
	for (i = 0; i < n; i++)
		u->additional_gids[i] = (uint32_t) json_integer_value (json_array_get (value, i));
	return 0;
}

static const struct hull_json_field user_fields[] = {
	{ "uid", HULL_JSON_UINT32, offsetof (struct hull_oci_user, uid), HULL_JSON_MANDATORY },
	{ "gid", HULL_JSON_UINT32, offsetof (struct hull_oci_user, gid), HULL_JSON_MANDATORY },
	{ "umask", HULL_JSON_UINT32, offsetof (struct hull_oci_user, umask), HULL_JSON_HAS,
	  .has = offsetof (struct hull_oci_user, has_umask) },
	{ "additionalGids", HULL_JSON_CUSTOM, 0, 0, .fn = parse_additional_gids },
	{ "username", HULL_JSON_STRING, offsetof (struct hull_oci_user, username), 0 },
	{ NULL },
};

/* process.capabilities: five sets of names -> bitmasks. Unknown names are refused
 * (runc and crun only warn): a misspelt drop must not leave a capability in. */
static const struct {
	const char *key;
	size_t offset;
} cap_sets[] = {
	{ "bounding", offsetof (struct hull_oci_caps, bounding) },
	{ "effective", offsetof (struct hull_oci_caps, effective) },
	{ "inheritable", offsetof (struct hull_oci_caps, inheritable) },
	{ "permitted", offsetof (struct hull_oci_caps, permitted) },
	{ "ambient", offsetof (struct hull_oci_caps, ambient) },
};

static int
parse_cap_set (struct hull_json_ctx *ctx, json_t *value, uint64_t *mask, hull_error_t *err)
{
	size_t i;

	if (hull_json_read_strv (ctx, value, CAPS_PER_SET_MAX, NULL, err) < 0)
		return -EINVAL;
	for (i = 0; i < json_array_size (value); i++) {
		const char *name = json_string_value (json_array_get (value, i));
		int cap = hull_oci_cap_from_name (name);
		if (cap < 0)
			return hull_json_error (ctx, err, "unknown capability `%s`", name);
		*mask |= UINT64_C (1) << cap;
	}
	return 0;
}

static int
parse_caps (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *value, void *base,
	    hull_error_t *err)
{
	struct hull_oci_caps scratch = { 0 };
	struct hull_oci_caps *caps = base ? &((struct hull_oci_process *) base)->caps : &scratch;
	const char *key;
	json_t *v;

	if (!json_is_object (value))
		return hull_json_error (ctx, err, "expected an object");
	caps->present = true;
	for (size_t i = 0; i < sizeof cap_sets / sizeof cap_sets[0]; i++) {
		v = json_object_get (value, cap_sets[i].key);
		if (v == NULL || json_is_null (v))
			continue;
		size_t old = hull_json_path_push_key (ctx, cap_sets[i].key);
		if (parse_cap_set (ctx, v, (uint64_t *) ((char *) caps + cap_sets[i].offset), err) <
		    0)
			return -EINVAL;
		hull_json_path_pop (ctx, old);
	}
	json_object_foreach (value, key, v) {
		bool known = false;
		for (size_t i = 0; i < sizeof cap_sets / sizeof cap_sets[0]; i++)
			known = known || strcmp (key, cap_sets[i].key) == 0;
		if (!known && ctx->unknown && ctx->unknown->n < HULL_JSON_UNKNOWN_MAX) {
			size_t old = hull_json_path_push_key (ctx, key);
			hull_json_strv_push (ctx->unknown, ctx->path);
			hull_json_path_pop (ctx, old);
		}
	}
	return 0;
}

static int
parse_rlimit_type (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *value,
		   void *base, hull_error_t *err)
{
	struct hull_oci_rlimit *rl = base;
	long num = 0;

	if (name_field (ctx, value, hull_oci_rlimit_names, "rlimit", rl ? &rl->type : NULL, &num,
			err) < 0)
		return -EINVAL;
	if (rl)
		rl->resource = (int) num;
	return 0;
}

static int
check_rlimit (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *value, void *base,
	      hull_error_t *err)
{
	struct hull_oci_rlimit *rl = base;

	/* setrlimit(2) fails with EINVAL on soft > hard; say so at parse time. */
	if (rl && rl->soft > rl->hard)
		return hull_json_error (ctx, err, "%s: soft limit %llu above hard limit %llu",
					rl->type, (unsigned long long) rl->soft,
					(unsigned long long) rl->hard);
	return 0;
}

static const struct hull_json_field rlimit_fields[] = {
	{ "type", HULL_JSON_CUSTOM, 0, HULL_JSON_MANDATORY, .fn = parse_rlimit_type },
	{ "hard", HULL_JSON_UINT64, offsetof (struct hull_oci_rlimit, hard), HULL_JSON_MANDATORY },
	{ "soft", HULL_JSON_UINT64, offsetof (struct hull_oci_rlimit, soft), HULL_JSON_MANDATORY },
	{ NULL },
};

static const struct hull_json_field console_fields[] = {
	{ "height", HULL_JSON_UINT32, offsetof (struct hull_oci_process, console_height),
	  HULL_JSON_MANDATORY },
	{ "width", HULL_JSON_UINT32, offsetof (struct hull_oci_process, console_width),
	  HULL_JSON_MANDATORY },
	{ NULL },
};

static int
parse_ioprio_class (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *value,
		    void *base, hull_error_t *err)
{
	struct hull_oci_io_priority *io = base;
	long num = 0;

	if (name_field (ctx, value, hull_oci_ioprio_class_names, "I/O priority class",
			io ? &io->class_name : NULL, &num, err) < 0)
		return -EINVAL;
	if (io)
		io->class_num = (int) num;
	return 0;
}

static int
check_ioprio (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *value, void *base,
	      hull_error_t *err)
{
	struct hull_oci_io_priority *io = base;

	/* config.md "IO Priority": 0 (highest) .. 7 (lowest). */
	if (io && (io->priority < 0 || io->priority > 7))
		return hull_json_error (ctx, err, "priority %d outside 0..7", io->priority);
	return 0;
}

static const struct hull_json_field ioprio_fields[] = {
	{ "class", HULL_JSON_CUSTOM, 0, HULL_JSON_MANDATORY, .fn = parse_ioprio_class },
	{ "priority", HULL_JSON_INT32, offsetof (struct hull_oci_io_priority, priority),
	  HULL_JSON_MANDATORY },
	{ NULL },
};

static int
parse_sched_policy (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *value,
		    void *base, hull_error_t *err)
{
	struct hull_oci_scheduler *s = base;
	long num = 0;

	if (name_field (ctx, value, hull_oci_sched_policy_names, "scheduler policy",
			s ? &s->policy : NULL, &num, err) < 0)
		return -EINVAL;
	if (s)
		s->policy_num = (int) num;
	return 0;
}

static int
check_scheduler (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *value,
		 void *base, hull_error_t *err)
{
	struct hull_oci_scheduler *s = base;
	long num;

	for (size_t i = 0; s && i < s->flags.n; i++)
		if (hull_oci_name_lookup (hull_oci_sched_flag_names, s->flags.v[i], &num) < 0)
			return hull_json_error (ctx, err, "unknown scheduler flag `%s`",
						s->flags.v[i]);
	/* sched_setattr(2): nice is -20..19. */
	if (s && (s->nice < -20 || s->nice > 19))
		return hull_json_error (ctx, err, "nice %d outside -20..19", s->nice);
	return 0;
}

static const struct hull_json_field scheduler_fields[] = {
	{ "policy", HULL_JSON_CUSTOM, 0, HULL_JSON_MANDATORY, .fn = parse_sched_policy },
	{ "nice", HULL_JSON_INT32, offsetof (struct hull_oci_scheduler, nice), 0 },
	{ "priority", HULL_JSON_INT32, offsetof (struct hull_oci_scheduler, priority), 0 },
	{ "flags", HULL_JSON_STRV, offsetof (struct hull_oci_scheduler, flags), 0,
	  .max = SCHED_FLAGS_MAX },
	{ "runtime", HULL_JSON_UINT64, offsetof (struct hull_oci_scheduler, runtime), 0 },
	{ "deadline", HULL_JSON_UINT64, offsetof (struct hull_oci_scheduler, deadline), 0 },
	{ "period", HULL_JSON_UINT64, offsetof (struct hull_oci_scheduler, period), 0 },
	{ NULL },
};

static const struct hull_json_field affinity_fields[] = {
	{ "initial", HULL_JSON_STRING,
	  offsetof (struct hull_oci_process, exec_cpu_affinity_initial), 0 },
	{ "final", HULL_JSON_STRING, offsetof (struct hull_oci_process, exec_cpu_affinity_final),
	  0 },
	{ NULL },
};

static int
check_process (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *value,
	       void *base, hull_error_t *err)
{
	struct hull_oci_process *p = base;

	/* config.md: oomScoreAdj is written to /proc/self/oom_score_adj, -1000..1000. */
	if (p && p->has_oom_score_adj && (p->oom_score_adj < -1000 || p->oom_score_adj > 1000))
		return hull_json_error (ctx, err, "oomScoreAdj %d outside -1000..1000",
					p->oom_score_adj);
	return 0;
}

#define P(member) offsetof (struct hull_oci_process, member)
static const struct hull_json_field process_fields[] = {
	{ "terminal", HULL_JSON_BOOL, P (terminal), 0 },
	{ "consoleSize", HULL_JSON_OBJECT, 0, HULL_JSON_HAS, .has = P (has_console_size),
	  .sub = console_fields },
	{ "user", HULL_JSON_OBJECT, P (user), HULL_JSON_MANDATORY, .sub = user_fields },
	{ "args", HULL_JSON_STRV, P (args), 0, .max = ARGS_MAX },
	/* Windows only (config.md); known so that lint does not call it unknown. */
	{ "commandLine", HULL_JSON_IGNORE, 0, 0 },
	{ "env", HULL_JSON_STRV, P (env), 0, .max = ENV_MAX },
	{ "cwd", HULL_JSON_STRING, P (cwd), HULL_JSON_MANDATORY },
	{ "capabilities", HULL_JSON_CUSTOM, 0, 0, .fn = parse_caps },
	{ "rlimits", HULL_JSON_ARRAY, P (rlimits), 0, .sub = rlimit_fields, .fn = check_rlimit,
	  .max = RLIMITS_MAX, .elem_size = sizeof (struct hull_oci_rlimit),
	  .count = P (n_rlimits) },
	{ "apparmorProfile", HULL_JSON_STRING, P (apparmor_profile), 0 },
	{ "selinuxLabel", HULL_JSON_STRING, P (selinux_label), 0 },
	{ "noNewPrivileges", HULL_JSON_BOOL, P (no_new_privileges), 0 },
	{ "oomScoreAdj", HULL_JSON_INT32, P (oom_score_adj), HULL_JSON_HAS,
	  .has = P (has_oom_score_adj) },
	{ "ioPriority", HULL_JSON_OBJECT, P (io_priority), HULL_JSON_HAS,
	  .has = P (io_priority.present), .sub = ioprio_fields, .fn = check_ioprio },
	{ "scheduler", HULL_JSON_OBJECT, P (scheduler), HULL_JSON_HAS, .has = P (scheduler.present),
	  .sub = scheduler_fields, .fn = check_scheduler },
	{ "execCPUAffinity", HULL_JSON_OBJECT, 0, 0, .sub = affinity_fields },
	{ NULL },
};
#undef P

static int
check_mount (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *value, void *base,
	     hull_error_t *err)
{
	hull_error_t sub = { 0 };

	if (base == NULL)
		return 0;
	if (hull_oci_mount_parse_options (base, &sub) < 0)
		return hull_json_error (ctx, err, "%s", sub.msg);
	return 0;
}

#define M(member) offsetof (struct hull_oci_mount, member)
static const struct hull_json_field mount_fields[] = {
	{ "destination", HULL_JSON_STRING, M (destination), HULL_JSON_MANDATORY },
	{ "source", HULL_JSON_STRING, M (source), 0 },
	{ "type", HULL_JSON_STRING, M (type), 0 },
	{ "options", HULL_JSON_STRV, M (options), 0, .max = MOUNT_OPTIONS_MAX },
	{ "uidMappings", HULL_JSON_ARRAY, M (uid_mappings), 0, .sub = hull_oci_idmap_fields,
	  .max = HULL_OCI_IDMAP_MAX, .elem_size = sizeof (struct hull_oci_idmap),
	  .count = M (n_uid_mappings) },
	{ "gidMappings", HULL_JSON_ARRAY, M (gid_mappings), 0, .sub = hull_oci_idmap_fields,
	  .max = HULL_OCI_IDMAP_MAX, .elem_size = sizeof (struct hull_oci_idmap),
	  .count = M (n_gid_mappings) },
	{ NULL },
};
#undef M

static int
check_hook (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *value, void *base,
	    hull_error_t *err)
{
	struct hull_oci_hook *h = base;

	if (h == NULL)
		return 0;
	/* config.md "POSIX-platform Hooks": path is absolute, timeout greater than zero. */
	if (h->path[0] != '/')
		return hull_json_error (ctx, err, "hook path `%s` is not absolute", h->path);
	if (h->has_timeout && h->timeout <= 0)
		return hull_json_error (ctx, err, "timeout %d is not greater than zero",
					h->timeout);
	return 0;
}

#define H(member) offsetof (struct hull_oci_hook, member)
static const struct hull_json_field hook_fields[] = {
	{ "path", HULL_JSON_STRING, H (path), HULL_JSON_MANDATORY },
	{ "args", HULL_JSON_STRV, H (args), 0, .max = ARGS_MAX },
	{ "env", HULL_JSON_STRV, H (env), 0, .max = ENV_MAX },
	{ "timeout", HULL_JSON_INT32, H (timeout), HULL_JSON_HAS, .has = H (has_timeout) },
	{ NULL },
};
#undef H

#define HOOKS(key, kind)                                                                           \
	{                                                                                          \
		key, HULL_JSON_ARRAY, offsetof (struct hull_oci_hooks, kind), 0,                   \
			.sub = hook_fields, .fn = check_hook, .max = HOOKS_MAX,                    \
			.elem_size = sizeof (struct hull_oci_hook),                                \
			.count = offsetof (struct hull_oci_hooks, n_##kind)                        \
	}
static const struct hull_json_field hooks_fields[] = {
	HOOKS ("prestart", prestart),
	HOOKS ("createRuntime", create_runtime),
	HOOKS ("createContainer", create_container),
	HOOKS ("startContainer", start_container),
	HOOKS ("poststart", poststart),
	HOOKS ("poststop", poststop),
	{ NULL },
};
#undef HOOKS

#define C(member) offsetof (struct hull_oci_config, member)
static const struct hull_json_field root_fields[] = {
	{ "path", HULL_JSON_STRING, C (root_path), HULL_JSON_MANDATORY },
	{ "readonly", HULL_JSON_BOOL, C (root_readonly), 0 },
	{ NULL },
};

static const struct hull_json_field config_fields[] = {
	{ "ociVersion", HULL_JSON_STRING, C (oci_version), HULL_JSON_MANDATORY },
	{ "process", HULL_JSON_OBJECT, C (process), HULL_JSON_HAS, .has = C (has_process),
	  .sub = process_fields, .fn = check_process },
	{ "root", HULL_JSON_OBJECT, 0, 0, .sub = root_fields },
	{ "hostname", HULL_JSON_STRING, C (hostname), 0 },
	{ "domainname", HULL_JSON_STRING, C (domainname), 0 },
	{ "mounts", HULL_JSON_ARRAY, C (mounts), 0, .sub = mount_fields, .fn = check_mount,
	  .max = MOUNTS_MAX, .elem_size = sizeof (struct hull_oci_mount), .count = C (n_mounts) },
	{ "hooks", HULL_JSON_OBJECT, C (hooks), 0, .sub = hooks_fields },
	{ "annotations", HULL_JSON_KVV, C (annotations), 0, .max = ANNOTATIONS_MAX },
	{ "linux", HULL_JSON_OBJECT, C (linux_), HULL_JSON_HAS, .has = C (has_linux),
	  .sub = hull_oci_linux_fields, .fn = hull_oci_linux_check },
	{ NULL },
};
#undef C

struct hull_oci_config *
hull_oci_config_parse (const char *text, size_t len, const char *name, struct hull_strv *unknown,
		       hull_error_t *err)
{
	struct hull_oci_config *cfg;
	struct hull_json_ctx ctx;
	json_t *root;
	int r;

	if (name == NULL)
		name = "config.json";
	root = hull_json_parse (text, len, HULL_OCI_CONFIG_MAX, name, err);
	if (root == NULL)
		return NULL;
	hull_json_ctx_init (&ctx, name, unknown);
	cfg = hull_xzalloc (sizeof *cfg);
	r = hull_json_map (&ctx, root, config_fields, cfg, err);
	json_decref (root);
	if (r < 0)
		return hull_oci_config_free (cfg);
	return cfg;
}

struct hull_oci_config *
hull_oci_config_load (const char *bundle_dir, hull_error_t *err)
{
	_cleanup_free_ char *path =
		hull_xasprintf ("%s/config.json", bundle_dir ? bundle_dir : ".");
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;

	buf = hull_file_read_capped (AT_FDCWD, path, 0, HULL_OCI_CONFIG_MAX, &len, err);
	if (buf == NULL)
		return NULL;
	return hull_oci_config_parse (buf, len, path, NULL, err);
}

static void
free_process (struct hull_oci_process *p)
{
	free (p->user.additional_gids);
	free (p->user.username);
	hull_strv_free (&p->args);
	hull_strv_free (&p->env);
	free (p->cwd);
	for (size_t i = 0; p->rlimits && i < p->n_rlimits; i++)
		free (p->rlimits[i].type);
	free (p->rlimits);
	free (p->apparmor_profile);
	free (p->selinux_label);
	free (p->io_priority.class_name);
	free (p->scheduler.policy);
	hull_strv_free (&p->scheduler.flags);
	free (p->exec_cpu_affinity_initial);
	free (p->exec_cpu_affinity_final);
}

static void
free_mounts (struct hull_oci_mount *m, size_t n)
{
	for (size_t i = 0; m && i < n; i++) {
		free (m[i].destination);
		free (m[i].source);
		free (m[i].type);
		hull_strv_free (&m[i].options);
		free (m[i].data);
		free (m[i].uid_mappings);
		free (m[i].gid_mappings);
	}
	free (m);
}

static void
free_hook_list (struct hull_oci_hook *h, size_t n)
{
	for (size_t i = 0; h && i < n; i++) {
		free (h[i].path);
		hull_strv_free (&h[i].args);
		hull_strv_free (&h[i].env);
	}
	free (h);
}

static void
free_hooks (struct hull_oci_hooks *h)
{
	free_hook_list (h->prestart, h->n_prestart);
	free_hook_list (h->create_runtime, h->n_create_runtime);
	free_hook_list (h->create_container, h->n_create_container);
	free_hook_list (h->start_container, h->n_start_container);
	free_hook_list (h->poststart, h->n_poststart);
	free_hook_list (h->poststop, h->n_poststop);
}

struct hull_oci_config *
hull_oci_config_free (struct hull_oci_config *cfg)
{
	if (cfg == NULL)
		return NULL;
	free (cfg->oci_version);
	free_process (&cfg->process);
	free (cfg->root_path);
	free (cfg->hostname);
	free (cfg->domainname);
	free_mounts (cfg->mounts, cfg->n_mounts);
	free_hooks (&cfg->hooks);
	hull_oci_kvv_free (&cfg->annotations);
	hull_oci_linux_free (&cfg->linux_);
	free (cfg);
	return NULL;
}
