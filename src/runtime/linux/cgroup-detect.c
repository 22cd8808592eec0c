/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Host cgroup layout from /proc/self/mountinfo (proc(5) "/proc/pid/mountinfo"), and the
 * serialized form state.json carries. Pure text handling: unit-tested without root. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/log.h"
#include "common/path.h"
#include "common/xalloc.h"
#include "runtime/linux/cgroup-internal.h"

#define MOUNTINFO_MAX (16u << 20) /* hosts with thousands of mounts stay well below */
#define MOUNTINFO_FIELDS 64
#define SERIAL_MAX (64u << 10)

/* The dispatch tables name only the members they use (as src/oci/config.c does). */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

void
hull_cgroup_layout_clear (struct hull_cgroup_layout *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free (l->h[i].controllers);
		free (l->h[i].mount);
		free (l->h[i].root);
	}
	memset (l, 0, sizeof *l);
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void
unescape (char *s)
{
	char *w = s;
	for (const char *r = s; *r;) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char) ((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 4;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
}

/* Controllers of a v1 mount from its super options ("rw,nosuid,cpu,cpuacct" ->
 * "cpu,cpuacct"; "rw,xattr,name=systemd" -> "name=systemd"): everything that is not a
 * generic or cgroup mount flag. */
static char *
v1_controllers (const char *opts)
{
	static const char *const flags[] = { "rw",
					     "ro",
					     "xattr",
					     "noprefix",
					     "clone_children",
					     "cpuset_v2_mode",
					     "favordynmods",
					     "nofavordynmods",
					     "none",
					     "all",
					     NULL };
	_cleanup_free_ char *copy = hull_xstrdup (opts);
	char *out = hull_xzalloc (strlen (opts) + 1), *save = NULL;
	size_t len = 0;

	for (char *o = strtok_r (copy, ",", &save); o; o = strtok_r (NULL, ",", &save)) {
		bool skip = strchr (o, '=') && strncmp (o, "name=", 5) != 0;
		for (size_t i = 0; !skip && flags[i]; i++)
			skip = strcmp (o, flags[i]) == 0;
		if (skip)
			continue;
		if (len > 0)
			out[len++] = ',';
		memcpy (out + len, o, strlen (o));
		len += strlen (o);
	}
	return out;
}

static void
add_hier (struct hull_cgroup_layout *l, const char *ctrl, const char *mount, const char *root)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp (l->h[i].controllers, ctrl) == 0)
			return; /* a second mount (bind) of a hierarchy we have */
	if (l->n == HULL_CGROUP_MAX_HIER)
		return;
	l->h[l->n].controllers = hull_xstrdup (ctrl);
	l->h[l->n].mount = hull_xstrdup (mount);
	l->h[l->n].root = hull_xstrdup (root);
	/* Kernel controllers fail closed: freezer is pause, devices is the v1 device
	 * allow-list, memory/pids/cpu carry limits. Named hierarchies (name=systemd, ...)
	 * and the hybrid cgroup2 tree only mirror the container for tools: best effort. */
	l->h[l->n].required = ctrl[0] != '\0' && strncmp (ctrl, "name=", 5) != 0;
	l->n++;
}

/* One mountinfo line: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SRC
 * SUPEROPTS". Only mounts at /sys/fs/cgroup or directly below it count: a cgroupfs
 * mounted elsewhere (inside some container's rootfs) is not the host layout. */
static void
parse_line (char *line, struct hull_cgroup_layout *l)
{
	char *f[MOUNTINFO_FIELDS], *save = NULL, *mp, *slash;
	size_t n = 0, dash;

	for (char *t = strtok_r (line, " ", &save); t && n < MOUNTINFO_FIELDS;
	     t = strtok_r (NULL, " ", &save))
		f[n++] = t;
	for (dash = 6; dash < n && strcmp (f[dash], "-") != 0; dash++)
		;
	if (n < 10 || dash + 3 >= n)
		return;
	mp = f[4];
	unescape (mp);
	unescape (f[3]);
	if (strcmp (mp, HULL_CGROUP_FS) == 0) {
		/* A mount here hides every earlier one at or below it. */
		hull_cgroup_layout_clear (l);
		l->mode = strcmp (f[dash + 1], "cgroup2") == 0 ? HULL_CGROUP_V2 : HULL_CGROUP_V1;
		if (l->mode == HULL_CGROUP_V2)
			add_hier (l, "", mp, f[3]);
		return;
	}
	slash = strrchr (mp, '/');
	if (l->mode == HULL_CGROUP_V2 || slash != mp + strlen (HULL_CGROUP_FS) ||
	    strncmp (mp, HULL_CGROUP_FS "/", strlen (HULL_CGROUP_FS) + 1) != 0)
		return;
	if (strcmp (f[dash + 1], "cgroup2") == 0) {
		add_hier (l, "", mp, f[3]);
	} else if (strcmp (f[dash + 1], "cgroup") == 0) {
		_cleanup_free_ char *ctrl = v1_controllers (f[dash + 3]);
		if (ctrl[0])
			add_hier (l, ctrl, mp, f[3]);
	}
}

int
hull_cgroup_parse_mountinfo (const char *text, struct hull_cgroup_layout *out, hull_error_t *err)
{
	_cleanup_free_ char *copy = hull_xstrdup (text);
	char *save = NULL;
	bool v1 = false;

	memset (out, 0, sizeof *out);
	out->mode = HULL_CGROUP_V1;
	for (char *line = strtok_r (copy, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
		parse_line (line, out);
	for (size_t i = 0; i < out->n; i++)
		v1 = v1 || out->h[i].controllers[0] != '\0';
	if (out->mode == HULL_CGROUP_V2 ? out->n == 1 : v1)
		return 0;
	hull_cgroup_layout_clear (out);
	return hull_error_make (err, ENOENT, "no cgroup hierarchy is mounted at `%s`",
				HULL_CGROUP_FS);
}

static int
read_mountinfo (struct hull_cgroup_layout *l, hull_error_t *err)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int dfd = open ("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return hull_error_make (err, errno, "open `/proc/self`");
	if (hull_cgroup_read_at (dfd, "mountinfo", "/proc/self", &text, err) < 0)
		return hull_error_ret (err);
	return hull_cgroup_parse_mountinfo (text, l, err);
}

int
hull_cgroup_detect (enum hull_cgroup_mode *mode, hull_error_t *err)
{
	struct hull_cgroup_layout l;
	if (read_mountinfo (&l, err) < 0)
		return hull_error_ret (err);
	*mode = l.mode;
	hull_cgroup_layout_clear (&l);
	return 0;
}

struct hull_cgroup *
hull_cgroup_create (const char *path, const char *id, hull_error_t *err)
{
	struct hull_cgroup_layout l;
	_cleanup_free_ char *self = NULL;
	_cleanup_close_ int dfd = -EBADF;
	struct hull_cgroup *cg;

	if (read_mountinfo (&l, err) < 0)
		return NULL;
	dfd = open ("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		hull_error_make (err, errno, "open `/proc/self`");
		hull_cgroup_layout_clear (&l);
		return NULL;
	}
	if (hull_cgroup_read_at (dfd, "cgroup", "/proc/self", &self, err) < 0) {
		hull_cgroup_layout_clear (&l);
		return NULL;
	}
	cg = hull_cgroup_create_in (&l, self, path, id, err);
	hull_cgroup_layout_clear (&l);
	return cg;
}

/* ---- serialized form ----
 * {"version":1,"mode":"v1","dirs":[{"controllers":"freezer","mount":"/sys/fs/cgroup/freezer",
 *  "path":"/hull/x","made":2,"required":true},...]}  (one line; "" controllers = cgroup2) */

struct serial {
	uint32_t version;
	char *mode;
	struct hull_cgroup_dir *d;
	size_t n;
};

#define D(m) offsetof (struct hull_cgroup_dir, m)
static const struct hull_json_field dir_fields[] = {
	{ "controllers", HULL_JSON_STRING, D (controllers), HULL_JSON_MANDATORY },
	{ "mount", HULL_JSON_STRING, D (mount), HULL_JSON_MANDATORY },
	{ "path", HULL_JSON_STRING, D (path), HULL_JSON_MANDATORY },
	{ "made", HULL_JSON_UINT32, D (made), 0 },
	{ "required", HULL_JSON_BOOL, D (required), 0 },
	{ .key = NULL },
};
#define S(m) offsetof (struct serial, m)
static const struct hull_json_field serial_fields[] = {
	{ "version", HULL_JSON_UINT32, S (version), HULL_JSON_MANDATORY },
	{ "mode", HULL_JSON_STRING, S (mode), HULL_JSON_MANDATORY },
	{ "dirs", HULL_JSON_ARRAY, S (d), HULL_JSON_MANDATORY, .sub = dir_fields,
	  .max = HULL_CGROUP_MAX_HIER, .elem_size = sizeof (struct hull_cgroup_dir),
	  .count = S (n) },
	{ .key = NULL },
};

char *
hull_cgroup_serialize (const struct hull_cgroup *cg)
{
	json_t *dirs = json_array (), *root;
	char *out;

	for (size_t i = 0; i < cg->n; i++) {
		const struct hull_cgroup_dir *d = &cg->d[i];
		json_array_append_new (dirs, json_pack ("{s:s,s:s,s:s,s:I,s:b}", "controllers",
							d->controllers, "mount", d->mount, "path",
							d->path, "made", (json_int_t) d->made,
							"required", d->required));
	}
	root = json_pack ("{s:i,s:s,s:o}", "version", 1, "mode",
			  cg->mode == HULL_CGROUP_V2 ? "v2" : "v1", "dirs", dirs);
	if (root == NULL)
		abort (); /* only on OOM: jansson has no other failure for these types */
	out = hull_json_dump_compact (root);
	json_decref (root);
	return out;
}

/* A tampered state.json must not point destroy's rmdir anywhere but a cgroupfs below
 * /sys/fs/cgroup (open_root also checks the file system type when it is used). */
static int
check_dir (const struct hull_cgroup_dir *d, hull_error_t *err)
{
	size_t fl = strlen (HULL_CGROUP_FS), depth = 0;
	const char *c = d->controllers;

	if (!hull_path_is_clean_absolute (d->mount) ||
	    strncmp (d->mount, HULL_CGROUP_FS, fl) != 0 ||
	    (d->mount[fl] != '\0' && d->mount[fl] != '/'))
		return hull_error_make (err, EINVAL, "cgroup mount `%s` is not under `%s`",
					d->mount, HULL_CGROUP_FS);
	if (!hull_path_is_clean_absolute (d->path))
		return hull_error_make (err, EINVAL, "cgroup path `%s` is not clean", d->path);
	for (const char *p = d->path; *p; p++)
		depth += *p == '/' && p[1] != '\0';
	if (d->made > depth)
		return hull_error_make (err, EINVAL, "cgroup path `%s`: %u made components",
					d->path, d->made);
	if (strspn (c, "abcdefghijklmnopqrstuvwxyz0123456789_,=.-") != strlen (c))
		return hull_error_make (err, EINVAL, "cgroup controllers `%s`", c);
	return 0;
}

static void
serial_clear (struct serial *s)
{
	free (s->mode);
	for (size_t i = 0; i < s->n; i++) {
		free (s->d[i].controllers);
		free (s->d[i].mount);
		free (s->d[i].path);
	}
	free (s->d);
}

struct hull_cgroup *
hull_cgroup_load (const char *serialized, hull_error_t *err)
{
	struct serial s = { 0 };
	struct hull_json_ctx ctx;
	struct hull_cgroup *cg = NULL;
	json_t *j = hull_json_parse (serialized, strlen (serialized), SERIAL_MAX, "cgroup", err);
	int r = -1;

	if (j == NULL)
		return NULL;
	hull_json_ctx_init (&ctx, "cgroup", NULL);
	r = hull_json_map (&ctx, j, serial_fields, &s, err);
	json_decref (j);
	if (r == 0 && s.version != 1)
		r = hull_error_make (err, EINVAL, "cgroup: version %u unknown", s.version);
	if (r == 0 && strcmp (s.mode, "v1") != 0 && strcmp (s.mode, "v2") != 0)
		r = hull_error_make (err, EINVAL, "cgroup: mode `%s` unknown", s.mode);
	if (r == 0 && strcmp (s.mode, "v2") == 0 && s.n != 1)
		r = hull_error_make (err, EINVAL, "cgroup: v2 with %zu directories", s.n);
	for (size_t i = 0; r == 0 && i < s.n; i++)
		r = check_dir (&s.d[i], err);
	if (r < 0) {
		serial_clear (&s);
		return NULL;
	}
	cg = hull_xzalloc (sizeof *cg);
	cg->mode = strcmp (s.mode, "v2") == 0 ? HULL_CGROUP_V2 : HULL_CGROUP_V1;
	cg->d = TAKE_PTR (s.d);
	cg->n = s.n;
	s.n = 0;
	serial_clear (&s);
	return cg;
}
