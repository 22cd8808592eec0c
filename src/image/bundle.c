/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Image config -> OCI runtime config for `hull run IMAGE` (docs/run-image.md). The
 * starting point is `hull spec`'s hardened defaults; the image contributes what the
 * image-spec conversion.md maps (Entrypoint, Cmd, Env, WorkingDir, User, Labels,
 * StopSignal) and nothing else: an image cannot add capabilities, mounts, devices or
 * namespaces, and cannot set the runtime's own `run.oci.*` annotations. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/parse.h"
#include "common/path.h"
#include "common/xalloc.h"
#include "hull/image.h"

/* The annotation an image must not set (the runtime reads run.oci.* as its own
 * configuration), and the opt-in to policy enforcement (docs/policy.md). */
#define RESERVED_PREFIX "run.oci."
#define POLICY_ANNOTATION "run.oci.hull.policy"
#define STOP_SIGNAL_ANNOTATION "org.opencontainers.image.stopSignal"

/* Tables list only the fields each row needs (as src/oci/config.c does). */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define C(f) offsetof (struct hull_image_config, f)

static const struct hull_json_field config_fields[] = {
	{ "User", HULL_JSON_STRING, C (user), 0 },
	{ "Env", HULL_JSON_STRV, C (env), 0, .max = HULL_IMAGE_ARGS_MAX },
	{ "Entrypoint", HULL_JSON_STRV, C (entrypoint), HULL_JSON_HAS, .has = C (has_entrypoint),
	  .max = HULL_IMAGE_ARGS_MAX },
	{ "Cmd", HULL_JSON_STRV, C (cmd), HULL_JSON_HAS, .has = C (has_cmd),
	  .max = HULL_IMAGE_ARGS_MAX },
	{ "WorkingDir", HULL_JSON_STRING, C (working_dir), 0 },
	{ "StopSignal", HULL_JSON_STRING, C (stop_signal), 0 },
	{ "Labels", HULL_JSON_KVV, C (labels), 0, .max = HULL_IMAGE_LABELS_MAX },
	{ NULL },
};

static const struct hull_json_field image_fields[] = {
	{ "os", HULL_JSON_STRING, C (os), HULL_JSON_MANDATORY },
	{ "architecture", HULL_JSON_STRING, C (architecture), HULL_JSON_MANDATORY },
	{ "config", HULL_JSON_OBJECT, 0, 0, .sub = config_fields },
	{ NULL },
};

struct hull_image_config *
hull_image_config_free (struct hull_image_config *c)
{
	if (c == NULL)
		return NULL;
	free (c->os);
	free (c->architecture);
	free (c->user);
	hull_strv_free (&c->env);
	hull_strv_free (&c->entrypoint);
	hull_strv_free (&c->cmd);
	free (c->working_dir);
	free (c->stop_signal);
	for (size_t i = 0; i < c->labels.n; i++) {
		free (c->labels.v[i].key);
		free (c->labels.v[i].value);
	}
	free (c->labels.v);
	free (c);
	return NULL;
}

HULL_DEFINE_CLEANUP (struct hull_image_config, hull_image_config_free)

/* What the table cannot say: Env entries are K=V with a non-empty K, WorkingDir is
 * absolute. */
static int
config_check (const struct hull_image_config *c, hull_error_t *err)
{
	for (size_t i = 0; i < c->env.n; i++)
		if (c->env.v[i][0] == '=' || strchr (c->env.v[i], '=') == NULL)
			return hull_error_make (err, EINVAL,
						"image config: config.Env[%zu]: not KEY=VALUE", i);
	if (c->working_dir && c->working_dir[0] != '\0' && c->working_dir[0] != '/')
		return hull_error_make (err, EINVAL,
					"image config: config.WorkingDir `%s`: not absolute",
					c->working_dir);
	return 0;
}

struct hull_image_config *
hull_image_config_parse (const char *buf, size_t len, hull_error_t *err)
{
	_cleanup_ (hull_image_config_freep) struct hull_image_config *c = NULL;
	_cleanup_ (json_decrefp) json_t *root = NULL;
	struct hull_json_ctx ctx;

	root = hull_json_parse (buf, len, HULL_IMAGE_JSON_MAX, "image config", err);
	if (root == NULL)
		return NULL;
	if (!json_is_object (root))
		return hull_error_make (err, EINVAL, "image config: not a JSON object"), NULL;
	c = hull_xzalloc (sizeof *c);
	hull_json_ctx_init (&ctx, "image config", NULL);
	if (hull_json_map (&ctx, root, image_fields, c, err) < 0 || config_check (c, err) < 0)
		return NULL;
	return TAKE_PTR (c);
}

/* ---- user lookup ---- */

/* Read etc/NAME of the rootfs through the resolver: a regular file, capped. NULL with
 * errno ENOENT when it does not exist. */
static char *
read_etc (int rootfd, const char *name, hull_error_t *err)
{
	_cleanup_free_ char *path = hull_xasprintf ("/etc/%s", name), *buf = NULL;
	_cleanup_close_ int fd = -EBADF;
	struct stat st;
	size_t got = 0;

	fd = hull_path_openat_in_root (rootfd, path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK, 0, err);
	if (fd < 0)
		return NULL;
	if (fstat (fd, &st) < 0 || !S_ISREG (st.st_mode))
		return hull_error_make (err, EINVAL, "image %s: not a regular file", path), NULL;
	if ((uint64_t) st.st_size > HULL_IMAGE_PASSWD_MAX)
		return hull_error_make (err, EFBIG, "image %s: larger than %u bytes", path,
					HULL_IMAGE_PASSWD_MAX),
		       NULL;
	buf = hull_xzalloc ((size_t) st.st_size + 1);
	while (got < (size_t) st.st_size) {
		ssize_t n = read (fd, buf + got, (size_t) st.st_size - got);
		if (n <= 0)
			return hull_error_make (err, n < 0 ? errno : EIO, "read image %s", path),
			       NULL;
		got += (size_t) n;
	}
	if (memchr (buf, '\0', got))
		return hull_error_make (err, EINVAL, "image %s: holds a NUL byte", path), NULL;
	return TAKE_PTR (buf);
}

/* An etc/passwd-style file being read line by line (the buffer is modified). */
struct etc_file {
	char *next;
	const char *name;
	size_t line_no;
};

/* The next line whose field `key_field` equals `key` (every line when key is NULL).
 * Every non-empty, non-comment line must have exactly `n_fields` fields. Fills
 * f[0..n_fields-1] (pointers into the buffer). 1 found, 0 at the end, <0 error. */
static int
find_entry (struct etc_file *ef, size_t n_fields, size_t key_field, const char *key, char **f,
	    hull_error_t *err)
{
	while (ef->next != NULL) {
		char *line = ef->next, *nl = strchr (line, '\n'), *p = line;
		size_t n = 0;

		ef->next = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		ef->line_no++;
		if (line[0] == '#' || line[0] == '\0')
			continue;
		while (n < n_fields) {
			f[n++] = p;
			p = strchr (p, ':');
			if (p == NULL)
				break;
			*p++ = '\0';
		}
		if (n != n_fields || p != NULL)
			return hull_error_make (err, EINVAL, "image /etc/%s:%zu: not %zu fields",
						ef->name, ef->line_no, n_fields);
		if (key == NULL || strcmp (f[key_field], key) == 0)
			return 1;
	}
	return 0;
}

static bool
is_number (const char *s)
{
	return s[0] != '\0' && strspn (s, "0123456789") == strlen (s);
}

/* The passwd entry of `user` (a name, or a number matched against the uid field);
 * *name receives the entry's name. 1 found, 0 not (a number only), <0 error. */
static int
lookup_passwd (int rootfd, const char *user, struct hull_image_user *u, char **name,
	       hull_error_t *err)
{
	_cleanup_free_ char *buf = NULL;
	bool numeric = is_number (user);
	struct etc_file ef = { NULL, "passwd", 0 };
	char *f[7];
	int r;

	buf = read_etc (rootfd, "passwd", err);
	if (buf == NULL && numeric && err->code == ENOENT) {
		hull_error_clear (err); /* a number needs no passwd file */
		return 0;
	}
	if (buf == NULL)
		return err->code == ENOENT
			       ? hull_error_make (err, ENOENT,
						  "user `%s`: the image has no /etc/passwd", user)
			       : hull_error_wrap (err, "user `%s`", user);
	ef.next = buf;
	r = find_entry (&ef, 7, numeric ? 2 : 0, user, f, err);
	if (r < 0)
		return r;
	if (r == 0)
		return numeric ? 0
			       : hull_error_make (err, 0,
						  "user `%s`: not found in the image's /etc/passwd",
						  user);
	if (hull_parse_u32 (f[2], 10, &u->uid, "/etc/passwd uid", err) < 0 ||
	    hull_parse_u32 (f[3], 10, &u->gid, "/etc/passwd gid", err) < 0)
		return hull_error_wrap (err, "user `%s`", user);
	if (f[5][0] == '/')
		u->home = hull_xstrdup (f[5]);
	*name = hull_xstrdup (f[0]);
	return 1;
}

static int
lookup_group (int rootfd, const char *group, uint32_t *gid, hull_error_t *err)
{
	_cleanup_free_ char *buf = NULL;
	struct etc_file ef = { NULL, "group", 0 };
	char *f[4];
	int r;

	if (is_number (group))
		return hull_parse_u32 (group, 10, gid, "group", err);
	buf = read_etc (rootfd, "group", err);
	if (buf == NULL)
		return hull_error_wrap (err, "group `%s`", group);
	ef.next = buf;
	r = find_entry (&ef, 4, 0, group, f, err);
	if (r == 0)
		return hull_error_make (err, 0, "group `%s`: not found in the image's /etc/group",
					group);
	if (r < 0 || hull_parse_u32 (f[2], 10, gid, "/etc/group gid", err) < 0)
		return hull_error_wrap (err, "group `%s`", group);
	return 0;
}

static bool
listed (char *members, const char *name)
{
	char *save = NULL;

	for (char *m = strtok_r (members, ",", &save); m; m = strtok_r (NULL, ",", &save))
		if (strcmp (m, name) == 0)
			return true;
	return false;
}

/* The supplementary groups of `name`: the /etc/group entries listing it as a member
 * (as the container tools and initgroups(3) do). No /etc/group: none. */
static int
member_groups (int rootfd, const char *name, struct hull_image_user *u, hull_error_t *err)
{
	_cleanup_free_ char *buf = read_etc (rootfd, "group", err);
	struct etc_file ef = { buf, "group", 0 };
	char *f[4];
	int r;

	if (buf == NULL && err->code == ENOENT) {
		hull_error_clear (err);
		return 0;
	}
	if (buf == NULL)
		return hull_error_ret (err);
	while ((r = find_entry (&ef, 4, 0, NULL, f, err)) == 1) {
		uint32_t gid;

		if (!listed (f[3], name))
			continue;
		if (hull_parse_u32 (f[2], 10, &gid, "/etc/group gid", err) < 0)
			return hull_error_wrap (err, "group `%s`", f[0]);
		if (u->n_groups >= HULL_IMAGE_GROUPS_MAX)
			return hull_error_make (err, E2BIG, "user `%s`: in more than %u groups",
						name, HULL_IMAGE_GROUPS_MAX);
		u->groups = hull_xreallocarray (u->groups, u->n_groups + 1, sizeof *u->groups);
		u->groups[u->n_groups++] = gid;
	}
	return r;
}

void
hull_image_user_clear (struct hull_image_user *u)
{
	free (u->home);
	free (u->groups);
	memset (u, 0, sizeof *u);
}

static int
user_lookup (int rootfd, char *user, const char *group, struct hull_image_user *u,
	     hull_error_t *err)
{
	_cleanup_free_ char *name = NULL;
	int r;

	if (is_number (user) && hull_parse_u32 (user, 10, &u->uid, "uid", err) < 0)
		return hull_error_wrap (err, "user `%s`", user);
	r = lookup_passwd (rootfd, user, u, &name, err);
	if (r < 0 || (group && lookup_group (rootfd, group, &u->gid, err) < 0))
		return hull_error_ret (err);
	return name ? member_groups (rootfd, name, u, err) : 0;
}

/* (uid_t) -1 is setresuid's "leave unchanged": a user or group of 4294967295 would
 * leave the process root. Ids above 2^31-1 are refused, as runc's libcontainer/user
 * does (maxId). */
static int
ids_check (const char *spec, const struct hull_image_user *u, hull_error_t *err)
{
	uint32_t bad = u->uid > HULL_IMAGE_ID_MAX ? u->uid : u->gid;

	for (size_t i = 0; i < u->n_groups && bad <= HULL_IMAGE_ID_MAX; i++)
		bad = u->groups[i];
	if (bad > HULL_IMAGE_ID_MAX)
		return hull_error_make (err, ERANGE,
					"user `%s`: id %u is out of range (at most %u)", spec, bad,
					HULL_IMAGE_ID_MAX);
	return 0;
}

int
hull_image_user_lookup (int rootfd, const char *spec, struct hull_image_user *u, hull_error_t *err)
{
	_cleanup_free_ char *user = hull_xstrdup (spec);
	char *group = strchr (user, ':');

	memset (u, 0, sizeof *u);
	if (group)
		*group++ = '\0';
	if (user[0] == '\0' || (group && group[0] == '\0'))
		return hull_error_make (err, EINVAL, "user `%s`: expected USER[:GROUP]", spec);
	if (user_lookup (rootfd, user, group, u, err) < 0 || ids_check (spec, u, err) < 0) {
		hull_image_user_clear (u);
		return hull_error_ret (err);
	}
	return 0;
}

/* ---- the runtime config ---- */

/* Set KEY=VALUE in the env array, replacing an entry with the same KEY. */
static void
env_set (json_t *env, const char *kv)
{
	size_t klen = strcspn (kv, "="), i;
	json_t *x;

	json_array_foreach (env, i, x) {
		const char *s = json_string_value (x);
		if (s && strncmp (s, kv, klen) == 0 && s[klen] == '=') {
			json_array_set_new (env, i, json_string (kv));
			return;
		}
	}
	json_array_append_new (env, json_string (kv));
}

static bool
env_has (json_t *env, const char *key)
{
	size_t klen = strlen (key), i;
	json_t *x;

	json_array_foreach (env, i, x) {
		const char *s = json_string_value (x);
		if (s && strncmp (s, key, klen) == 0 && s[klen] == '=')
			return true;
	}
	return false;
}

static json_t *
strv_json (const char *const *v, size_t n)
{
	json_t *a = json_array ();

	for (size_t i = 0; i < n; i++)
		json_array_append_new (a, json_string (v[i]));
	return a;
}

/* process.args: Entrypoint, then the command given or the image's Cmd (conversion.md). */
static int
set_args (json_t *proc, const struct hull_image_config *ic, const struct hull_image_run_opts *o,
	  hull_error_t *err)
{
	json_t *args = strv_json ((const char *const *) ic->entrypoint.v, ic->entrypoint.n);

	if (o->n_args)
		for (size_t i = 0; i < o->n_args; i++)
			json_array_append_new (args, json_string (o->args[i]));
	else
		for (size_t i = 0; i < ic->cmd.n; i++)
			json_array_append_new (args, json_string (ic->cmd.v[i]));
	if (json_array_size (args) == 0) {
		json_decref (args);
		return hull_error_make (err, EINVAL,
					"the image has no Entrypoint or Cmd: give a command");
	}
	json_object_set_new (proc, "args", args);
	return 0;
}

static int
set_user (json_t *proc, const struct hull_image_config *ic, const struct hull_image_run_opts *o,
	  hull_error_t *err)
{
	const char *spec = o->user ? o->user : ic->user;
	struct hull_image_user u = { 0 };
	json_t *env = json_object_get (proc, "env"), *user;

	if (spec && spec[0] != '\0' && hull_image_user_lookup (o->rootfd, spec, &u, err) < 0)
		return hull_error_ret (err);
	user = json_pack ("{s:I, s:I}", "uid", (json_int_t) u.uid, "gid", (json_int_t) u.gid);
	if (u.n_groups) {
		json_t *g = json_array ();
		for (size_t i = 0; i < u.n_groups; i++)
			json_array_append_new (g, json_integer (u.groups[i]));
		json_object_set_new (user, "additionalGids", g);
	}
	json_object_set_new (proc, "user", user);
	/* HOME as the container tools set it: from passwd, else "/". */
	if (!env_has (env, "HOME")) {
		_cleanup_free_ char *kv = hull_xasprintf ("HOME=%s", u.home ? u.home : "/");
		env_set (env, kv);
	}
	hull_image_user_clear (&u);
	return 0;
}

static int
set_process (json_t *proc, const struct hull_image_config *ic, const struct hull_image_run_opts *o,
	     hull_error_t *err)
{
	json_t *env = json_object_get (proc, "env");
	const char *cwd = o->workdir;

	if (cwd == NULL)
		cwd = ic->working_dir && ic->working_dir[0] ? ic->working_dir : "/";
	if (!hull_path_is_clean_absolute (cwd))
		return hull_error_make (err, EINVAL,
					"working directory `%s`: not a clean absolute path", cwd);
	json_object_set_new (proc, "cwd", json_string (cwd));
	json_object_set_new (proc, "terminal", json_boolean (o->terminal));
	for (size_t i = 0; i < ic->env.n; i++)
		env_set (env, ic->env.v[i]);
	for (size_t i = 0; i < o->n_env; i++) {
		if (o->env[i][0] == '=' || strchr (o->env[i], '=') == NULL)
			return hull_error_make (err, EINVAL, "environment `%s`: not KEY=VALUE",
						o->env[i]);
		env_set (env, o->env[i]);
	}
	if (set_args (proc, ic, o, err) < 0)
		return hull_error_ret (err);
	return set_user (proc, ic, o, err);
}

/* "net_raw", "NET_RAW" or "CAP_NET_RAW" -> "CAP_NET_RAW" (checked), or "ALL". */
static char *
cap_name (const char *s, hull_error_t *err)
{
	_cleanup_free_ char *up = NULL;

	if (strcasecmp (s, "ALL") == 0)
		return hull_xstrdup ("ALL");
	up = strncasecmp (s, "CAP_", 4) == 0 ? hull_xstrdup (s) : hull_xasprintf ("CAP_%s", s);
	for (char *p = up; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char) (*p - 'a' + 'A');
	if (hull_oci_cap_from_name (up) < 0)
		return hull_error_make (err, EINVAL, "capability `%s`: unknown", s), NULL;
	return TAKE_PTR (up);
}

static void
cap_set_remove (json_t *set, const char *name)
{
	for (size_t i = json_array_size (set); i-- > 0;)
		if (strcmp (name, "ALL") == 0 ||
		    strcmp (json_string_value (json_array_get (set, i)), name) == 0)
			json_array_remove (set, i);
}

/* --cap-drop first, then --cap-add, on bounding, effective and permitted (the sets a
 * root process uses; ambient stays empty). The policy judges the result. */
static int
set_caps (json_t *proc, const struct hull_image_run_opts *o, hull_error_t *err)
{
	static const char *const sets[] = { "bounding", "effective", "permitted" };
	json_t *caps = json_object_get (proc, "capabilities");

	for (size_t k = 0; k < 2; k++)
		for (size_t i = 0; i < (k ? o->n_cap_add : o->n_cap_drop); i++) {
			_cleanup_free_ char *name =
				cap_name (k ? o->cap_add[i] : o->cap_drop[i], err);
			if (name == NULL)
				return hull_error_ret (err);
			if (k && strcmp (name, "ALL") == 0)
				return hull_error_make (err, EINVAL,
							"--cap-add ALL: name the capabilities");
			for (size_t j = 0; j < 3; j++) {
				json_t *set = json_object_get (caps, sets[j]);
				cap_set_remove (set, name);
				if (k)
					json_array_append_new (set, json_string (name));
			}
			cap_set_remove (json_object_get (caps, "inheritable"), name);
			cap_set_remove (json_object_get (caps, "ambient"), name);
		}
	return 0;
}

/* Bind mounts from -v, /run as a tmpfs under a read-only root. */
static int
set_mounts (json_t *root, const struct hull_image_run_opts *o, hull_error_t *err)
{
	json_t *mounts = json_object_get (root, "mounts");

	if (o->read_only)
		json_array_append_new (mounts, json_pack ("{s:s, s:s, s:s, s:[s,s,s,s]}",
							  "destination", "/run", "type", "tmpfs",
							  "source", "tmpfs", "options", "nosuid",
							  "nodev", "mode=755", "size=65536k"));
	for (size_t i = 0; i < o->n_volumes; i++) {
		const struct hull_image_volume *v = &o->volumes[i];

		if (!hull_path_is_clean_absolute (v->dest) || strcmp (v->dest, "/") == 0)
			return hull_error_make (err, EINVAL,
						"volume `%s`: the destination must be an absolute "
						"path other than /",
						v->dest);
		if (v->source[0] != '/')
			return hull_error_make (err, EINVAL, "volume `%s`: relative source",
						v->source);
		json_array_append_new (
			mounts, json_pack ("{s:s, s:s, s:s, s:[s,s,s,s]}", "destination", v->dest,
					   "type", "bind", "source", v->source, "options", "rbind",
					   v->readonly ? "ro" : "rw", "nosuid", "nodev"));
	}
	return 0;
}

/* --network host: drop the network namespace. */
static void
set_network (json_t *root, const struct hull_image_run_opts *o)
{
	json_t *ns = json_object_get (json_object_get (root, "linux"), "namespaces");

	for (size_t i = json_array_size (ns); o->host_network && i-- > 0;)
		if (strcmp (json_string_value (json_object_get (json_array_get (ns, i), "type")),
			    "network") == 0)
			json_array_remove (ns, i);
}

/* Labels become annotations (conversion.md), except the runtime's own run.oci.*
 * namespace: an image must not configure the runtime that confines it. */
static void
set_annotations (json_t *root, const struct hull_image_config *ic,
		 const struct hull_image_run_opts *o)
{
	json_t *a = json_object ();

	for (size_t i = 0; i < ic->labels.n; i++)
		if (strncmp (ic->labels.v[i].key, RESERVED_PREFIX, strlen (RESERVED_PREFIX)) != 0)
			json_object_set_new (a, ic->labels.v[i].key,
					     json_string (ic->labels.v[i].value));
	if (ic->stop_signal && ic->stop_signal[0])
		json_object_set_new (a, STOP_SIGNAL_ANNOTATION, json_string (ic->stop_signal));
	if (o->image_name)
		json_object_set_new (a, "run.oci.hull.image", json_string (o->image_name));
	/* Images run under the enforced policy: what the options add (capabilities, host
	 * namespaces, bind mounts) is refused unless the policy allows it. */
	json_object_set_new (a, POLICY_ANNOTATION, json_string ("enforce"));
	json_object_set_new (root, "annotations", a);
}

char *
hull_image_bundle_config (const struct hull_image_config *ic, const struct hull_image_run_opts *o,
			  hull_error_t *err)
{
	_cleanup_free_ char *spec = NULL, *text = NULL;
	_cleanup_ (json_decrefp) json_t *root = NULL;
	json_t *proc;

	spec = hull_oci_spec_default (o->rootless, err);
	if (spec == NULL)
		return NULL;
	root = hull_json_parse (spec, strlen (spec), HULL_OCI_CONFIG_MAX, "hull spec", err);
	if (root == NULL)
		return NULL;
	proc = json_object_get (root, "process");
	if (set_process (proc, ic, o, err) < 0 || set_caps (proc, o, err) < 0 ||
	    set_mounts (root, o, err) < 0)
		return NULL;
	set_network (root, o);
	set_annotations (root, ic, o);
	json_object_set_new (root, "root",
			     json_pack ("{s:s, s:b}", "path", o->rootfs, "readonly", o->read_only));
	if (o->hostname)
		json_object_set_new (root, "hostname", json_string (o->hostname));
	text = json_dumps (root, JSON_INDENT (2));
	if (text == NULL)
		return hull_error_make (err, ENOMEM, "serialise the runtime config"), NULL;
	return hull_xasprintf ("%s\n", text);
}
