/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Semantic checks of a parsed config (runtime-spec 1.2 config.md,
 * config-linux.md): everything that is well-typed JSON but still wrong. The
 * first problem found is reported, naming the field. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/path.h"
#include "oci/internal.h"

static const char *const ns_names[HULL_NS__COUNT] = {
	[HULL_NS_PID] = "pid",	     [HULL_NS_NETWORK] = "network", [HULL_NS_MOUNT] = "mount",
	[HULL_NS_IPC] = "ipc",	     [HULL_NS_UTS] = "uts",	    [HULL_NS_USER] = "user",
	[HULL_NS_CGROUP] = "cgroup", [HULL_NS_TIME] = "time",
};

const char *
hull_oci_ns_name (enum hull_oci_ns_type t)
{
	if ((unsigned) t >= HULL_NS__COUNT)
		return NULL;
	return ns_names[t];
}

int
hull_oci_ns_from_name (const char *name)
{
	for (int i = 0; name && i < HULL_NS__COUNT; i++)
		if (strcmp (ns_names[i], name) == 0)
			return i;
	return -1;
}

/* What the namespace list says, computed once. */
struct ns_info {
	bool present[HULL_NS__COUNT];
	const char *path[HULL_NS__COUNT];
};

static bool
digits (const char **p)
{
	const char *s = *p;
	while (**p >= '0' && **p <= '9')
		(*p)++;
	/* No leading zeros except "0" itself (semver). */
	return *p > s && !(s[0] == '0' && *p - s > 1);
}

/* config.md "Specification version": SemVer; hull reads 1.0.x .. 1.2.x, with an
 * optional pre-release/build suffix ("1.0.2-dev"). */
static int
check_version (const char *v, hull_error_t *err)
{
	const char *p = v;

	if (v == NULL)
		return hull_error_make (err, 0, "ociVersion: missing");
	if (p[0] != '1' || p[1] != '.' || p[2] < '0' || p[2] > '2' || p[3] != '.')
		goto bad;
	p += 4;
	if (!digits (&p))
		goto bad;
	if (*p == '\0' || ((*p == '-' || *p == '+') && p[1] != '\0'))
		return 0;
bad:
	return hull_error_make (err, 0, "ociVersion `%s` not supported (hull reads 1.0.x to 1.2.x)",
				v);
}

static int
check_process (const struct hull_oci_config *cfg, hull_error_t *err)
{
	const struct hull_oci_process *p = &cfg->process;

	if (!cfg->has_process)
		return hull_error_make (err, 0, "process: missing (required to start a container)");
	if (p->args.n == 0 || p->args.v[0] == NULL || p->args.v[0][0] == '\0')
		return hull_error_make (err, 0, "process.args: empty (at least one entry needed)");
	/* config.md "Process": cwd MUST be an absolute path. */
	if (p->cwd == NULL || p->cwd[0] != '/')
		return hull_error_make (err, 0, "process.cwd `%s` is not absolute",
					p->cwd ? p->cwd : "");
	for (size_t i = 0; i < p->n_rlimits; i++)
		for (size_t j = 0; j < i; j++)
			if (p->rlimits[i].resource == p->rlimits[j].resource)
				return hull_error_make (err, 0,
							"process.rlimits[%zu]: duplicate type `%s`",
							i, p->rlimits[i].type);
	for (size_t i = 0; i < p->n_rlimits; i++)
		if (p->rlimits[i].soft > p->rlimits[i].hard)
			return hull_error_make (
				err, 0, "process.rlimits[%zu]: soft limit above hard limit", i);
	/* 4294967295 is (uid_t) -1: setresuid(-1, ...) changes nothing, so the process
	 * would keep the runtime's root instead of the id asked for. */
	if (p->user.uid == UINT32_MAX || p->user.gid == UINT32_MAX)
		return hull_error_make (err, 0, "process.user: 4294967295 is not a valid id");
	for (size_t i = 0; i < p->user.n_additional_gids; i++)
		if (p->user.additional_gids[i] == UINT32_MAX)
			return hull_error_make (
				err, 0,
				"process.user.additionalGids[%zu]: 4294967295 is not a valid id",
				i);
	if (p->has_oom_score_adj && (p->oom_score_adj < -1000 || p->oom_score_adj > 1000))
		return hull_error_make (err, 0, "process.oomScoreAdj %d outside -1000..1000",
					p->oom_score_adj);
	return 0;
}

/* Id mappings (config-linux.md "User namespace mappings"): no empty range, no
 * range running past 2^32, and no two ranges sharing a container or a host id
 * (the kernel refuses overlapping uid_map lines; reject them before any clone). */
static int
check_idmaps (const char *field, const struct hull_oci_idmap *m, size_t n, hull_error_t *err)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t c = m[i].container_id, h = m[i].host_id, s = m[i].size;
		if (s == 0)
			return hull_error_make (err, 0, "%s[%zu]: size is 0", field, i);
		if (c + s > UINT64_C (1) << 32 || h + s > UINT64_C (1) << 32)
			return hull_error_make (err, 0, "%s[%zu]: id + size overflows 32 bits",
						field, i);
		for (size_t j = 0; j < i; j++) {
			uint64_t c2 = m[j].container_id, h2 = m[j].host_id, s2 = m[j].size;
			if (c < c2 + s2 && c2 < c + s)
				return hull_error_make (err, 0,
							"%s[%zu]: container ids overlap entry %zu",
							field, i, j);
			if (h < h2 + s2 && h2 < h + s)
				return hull_error_make (
					err, 0, "%s[%zu]: host ids overlap entry %zu", field, i, j);
		}
	}
	return 0;
}

static int
check_mount (const struct hull_oci_mount *m, size_t i, hull_error_t *err)
{
	struct hull_oci_mount tmp = { 0 };
	hull_error_t sub = { 0 };
	char field[64];
	int r;

	/* config.md "Mounts": on Linux the destination MUST be absolute; `..` or `//`
	 * in it would make the resolver's job ambiguous, so it must also be clean. */
	if (m->destination == NULL || !hull_path_is_clean_absolute (m->destination))
		return hull_error_make (err, 0,
					"mounts[%zu].destination `%s` is not a clean absolute path",
					i, m->destination ? m->destination : "");
	/* Re-parse the raw options: a config built in code must pass the same check. */
	tmp.destination = m->destination;
	tmp.type = m->type;
	tmp.options = m->options;
	r = hull_oci_mount_parse_options (&tmp, &sub);
	free (tmp.data);
	if (r < 0)
		return hull_error_make (err, 0, "mounts[%zu]: %s", i, sub.msg);
	snprintf (field, sizeof field, "mounts[%zu].uidMappings", i);
	if (check_idmaps (field, m->uid_mappings, m->n_uid_mappings, err) < 0)
		return -EINVAL;
	snprintf (field, sizeof field, "mounts[%zu].gidMappings", i);
	return check_idmaps (field, m->gid_mappings, m->n_gid_mappings, err);
}

static int
check_namespaces (const struct hull_oci_linux *l, struct ns_info *ns, hull_error_t *err)
{
	for (size_t i = 0; i < l->n_namespaces; i++) {
		const struct hull_oci_namespace *n = &l->namespaces[i];
		if ((unsigned) n->type >= HULL_NS__COUNT)
			return hull_error_make (err, 0, "linux.namespaces[%zu]: unknown type", i);
		if (ns->present[n->type])
			return hull_error_make (
				err, 0, "linux.namespaces[%zu]: duplicate namespace type `%s`", i,
				hull_oci_ns_name (n->type));
		/* config-linux.md "Namespaces": path is an absolute path to a namespace file. */
		if (n->path != NULL && n->path[0] != '/')
			return hull_error_make (err, 0,
						"linux.namespaces[%zu].path `%s` is not absolute",
						i, n->path);
		ns->present[n->type] = true;
		ns->path[n->type] = n->path;
	}
	return 0;
}

static int
check_user_ns (const struct hull_oci_linux *l, const struct ns_info *ns, hull_error_t *err)
{
	bool maps = l->n_uid_mappings > 0 || l->n_gid_mappings > 0;

	if (check_idmaps ("linux.uidMappings", l->uid_mappings, l->n_uid_mappings, err) < 0 ||
	    check_idmaps ("linux.gidMappings", l->gid_mappings, l->n_gid_mappings, err) < 0)
		return -EINVAL;
	if (maps && !ns->present[HULL_NS_USER])
		return hull_error_make (
			err, 0, "linux.uidMappings/gidMappings given without a user namespace");
	/* Maps next to a joined user namespace are allowed, as runc allows them: the
	 * runtime compares them with the namespace's own maps instead of writing them. */
	/* A new user namespace without maps runs everything as the overflow id: that is
	 * never what a config means, so only a joined one may come without them. */
	if (ns->present[HULL_NS_USER] && ns->path[HULL_NS_USER] == NULL &&
	    (l->n_uid_mappings == 0 || l->n_gid_mappings == 0))
		return hull_error_make (err, 0,
					"linux.namespaces: a new user namespace needs both "
					"uidMappings and gidMappings");
	return 0;
}

static int
check_time (const struct hull_oci_linux *l, const struct ns_info *ns, hull_error_t *err)
{
	const struct hull_oci_time_offset *t[] = { &l->time_monotonic, &l->time_boottime };

	if ((t[0]->present || t[1]->present) &&
	    (!ns->present[HULL_NS_TIME] || ns->path[HULL_NS_TIME] != NULL))
		return hull_error_make (err, 0,
					"linux.timeOffsets given without a new time namespace");
	for (size_t i = 0; i < 2; i++)
		if (t[i]->present && t[i]->nanosecs >= 1000000000u)
			return hull_error_make (
				err, 0, "linux.timeOffsets.%s.nanosecs %u is not below 10^9",
				i ? "boottime" : "monotonic", t[i]->nanosecs);
	return 0;
}

/* A sysctl name: dotted words of [A-Za-z0-9_-], never `/` (which would let the
 * name walk out of /proc/sys) nor empty or `..` components. */
static bool
sysctl_name_ok (const char *s)
{
	size_t len = strlen (s);

	if (len == 0 || s[0] == '.' || s[len - 1] == '.' || strstr (s, "..") != NULL)
		return false;
	return s[strspn (s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")] ==
	       '\0';
}

static int
check_paths (const char *field, const struct hull_strv *v, hull_error_t *err)
{
	for (size_t i = 0; i < v->n; i++)
		if (!hull_path_is_clean_absolute (v->v[i]))
			return hull_error_make (err, 0, "%s[%zu] `%s` is not a clean absolute path",
						field, i, v->v[i]);
	return 0;
}

static int
check_devices (const struct hull_oci_linux *l, hull_error_t *err)
{
	for (size_t i = 0; i < l->n_devices; i++) {
		const struct hull_oci_device *d = &l->devices[i];
		/* config-linux.md "Devices": the path inside the container; hull only
		 * creates nodes under /dev. */
		if (d->path == NULL || !hull_path_is_clean_absolute (d->path) ||
		    strncmp (d->path, "/dev/", 5) != 0)
			return hull_error_make (err, 0,
						"linux.devices[%zu].path `%s` is not a clean path "
						"under /dev",
						i, d->path ? d->path : "");
		if (strchr ("cbup", d->type) == NULL || d->type == '\0')
			return hull_error_make (err, 0, "linux.devices[%zu]: bad type", i);
		if (d->has_file_mode && (d->file_mode & ~07777u) != 0)
			return hull_error_make (err, 0,
						"linux.devices[%zu].fileMode %o has type bits", i,
						d->file_mode);
	}
	return 0;
}

static int
check_linux (const struct hull_oci_config *cfg, struct ns_info *ns, hull_error_t *err)
{
	const struct hull_oci_linux *l = &cfg->linux_;

	if (check_namespaces (l, ns, err) < 0 || check_user_ns (l, ns, err) < 0 ||
	    check_time (l, ns, err) < 0 || check_devices (l, err) < 0)
		return -EINVAL;
	for (size_t i = 0; i < l->sysctl.n; i++)
		if (!sysctl_name_ok (l->sysctl.v[i].key))
			return hull_error_make (err, 0, "linux.sysctl: invalid name `%s`",
						l->sysctl.v[i].key);
	if (check_paths ("linux.maskedPaths", &l->masked_paths, err) < 0 ||
	    check_paths ("linux.readonlyPaths", &l->readonly_paths, err) < 0)
		return -EINVAL;
	return 0;
}

static int
check_hooks (const struct hull_oci_hooks *h, hull_error_t *err)
{
	const struct {
		const char *name;
		const struct hull_oci_hook *v;
		size_t n;
	} kinds[] = {
		{ "prestart", h->prestart, h->n_prestart },
		{ "createRuntime", h->create_runtime, h->n_create_runtime },
		{ "createContainer", h->create_container, h->n_create_container },
		{ "startContainer", h->start_container, h->n_start_container },
		{ "poststart", h->poststart, h->n_poststart },
		{ "poststop", h->poststop, h->n_poststop },
	};

	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
		for (size_t i = 0; i < kinds[k].n; i++) {
			const struct hull_oci_hook *hk = &kinds[k].v[i];
			if (hk->path == NULL || hk->path[0] != '/')
				return hull_error_make (err, 0,
							"hooks.%s[%zu].path is not absolute",
							kinds[k].name, i);
			if (hk->has_timeout && hk->timeout <= 0)
				return hull_error_make (err, 0,
							"hooks.%s[%zu].timeout is not positive",
							kinds[k].name, i);
		}
	return 0;
}

int
hull_oci_config_validate (const struct hull_oci_config *cfg, hull_error_t *err)
{
	struct ns_info ns = { 0 };

	if (cfg == NULL)
		return hull_error_make (err, 0, "no configuration");
	if (check_version (cfg->oci_version, err) < 0 || check_process (cfg, err) < 0)
		return -EINVAL;
	/* config.md "Root": REQUIRED on Linux. */
	if (cfg->root_path == NULL || cfg->root_path[0] == '\0')
		return hull_error_make (err, 0, "root.path: missing");
	for (size_t i = 0; i < cfg->n_mounts; i++)
		if (check_mount (&cfg->mounts[i], i, err) < 0)
			return -EINVAL;
	if (check_hooks (&cfg->hooks, err) < 0)
		return -EINVAL;
	if (cfg->has_linux && check_linux (cfg, &ns, err) < 0)
		return -EINVAL;
	/* config.md "Hostname": setting it without a UTS namespace would change the
	 * host's name; runc refuses, and so does hull. */
	if (cfg->hostname && cfg->hostname[0] && !ns.present[HULL_NS_UTS])
		return hull_error_make (err, 0, "hostname set without a uts namespace");
	if (cfg->domainname && cfg->domainname[0] && !ns.present[HULL_NS_UTS])
		return hull_error_make (err, 0, "domainname set without a uts namespace");
	return 0;
}
