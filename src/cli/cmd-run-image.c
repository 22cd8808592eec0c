/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `hull run [OPTIONS] IMAGE [CMD [ARGS...]]` (docs/run-image.md): the image's cached
 * rootfs, a bundle in STORE/containers/ID built from the image config on top of
 * `hull spec`'s defaults, the admission policy, then the runtime. The help text is
 * run's, in cmd-run.c. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "hull/image.h"
#include "hull/oci.h"
#include "hull/runtime.h"

#define CMD "run"

HULL_DEFINE_CLEANUP (struct hull_image_store, hull_image_store_free)
HULL_DEFINE_CLEANUP (struct hull_image_config, hull_image_config_free)
HULL_DEFINE_CLEANUP (struct hull_oci_config, hull_oci_config_free)

/* mkdir -p for the per-user store's parents (~/.local/share may not exist yet). */
static void
mkdir_parents (char *path)
{
	for (char *p = strchr (path + 1, '/'); p; p = strchr (p + 1, '/')) {
		*p = '\0';
		mkdir (path, 0700);
		*p = '/';
	}
}

const char *
hull_cli_store_path (struct hull_cli_globals *g)
{
	static char buf[PATH_MAX];
	const char *xdg = getenv ("XDG_DATA_HOME"), *home = getenv ("HOME");
	int n;

	if (g->store)
		return g->store;
	if (geteuid () == 0)
		return HULL_CLI_STORE_DEFAULT;
	/* XDG Base Directory: a relative $XDG_DATA_HOME is invalid and ignored. */
	if (xdg && xdg[0] == '/')
		n = snprintf (buf, sizeof buf, "%s/hull", xdg);
	else if (home && home[0] == '/')
		n = snprintf (buf, sizeof buf, "%s/.local/share/hull", home);
	else
		return HULL_CLI_STORE_DEFAULT;
	if (n < 0 || (size_t) n >= sizeof buf)
		return HULL_CLI_STORE_DEFAULT;
	mkdir_parents (buf);
	return buf;
}

struct run_image {
	const char *name, *workdir, *user, *network, *hostname;
	bool rm, detach, interactive, tty, it, ti, read_only, read_write;
	struct hull_cli_list env, volumes, cap_add, cap_drop, pos;
	/* Built from the above: */
	char **env_kv;
	size_t n_env;
	struct hull_image_volume *vols;
	char **vol_buf;
	const char **vol_dests;
	char id[32];
};

static void
run_image_free (struct run_image *a)
{
	for (size_t i = 0; i < a->volumes.n && a->vol_buf; i++)
		free (a->vol_buf[i]);
	free (a->vol_buf);
	free (a->vol_dests);
	free (a->vols);
	for (size_t i = 0; i < a->n_env; i++)
		free (a->env_kv[i]);
	free (a->env_kv);
	free (a->env.v);
	free (a->volumes.v);
	free (a->cap_add.v);
	free (a->cap_drop.v);
	free (a->pos.v);
}

/* -e K=V as given; -e K takes K from hull's environment, and is left out when unset
 * (as the container tools do). */
static void
build_env (struct run_image *a)
{
	a->env_kv = hull_xreallocarray (NULL, a->env.n + 1, sizeof *a->env_kv);
	for (size_t i = 0; i < a->env.n; i++) {
		const char *e = a->env.v[i], *v = getenv (e);

		if (strchr (e, '=') != NULL)
			a->env_kv[a->n_env++] = hull_xstrdup (e);
		else if (v != NULL)
			a->env_kv[a->n_env++] = hull_xasprintf ("%s=%s", e, v);
	}
}

/* -v SRC:DST[:ro|rw]: SRC must exist (and is resolved now), DST must be absolute. */
static int
build_volumes (struct run_image *a)
{
	a->vols = hull_xreallocarray (NULL, a->volumes.n + 1, sizeof *a->vols);
	a->vol_buf = hull_xreallocarray (NULL, a->volumes.n + 1, sizeof *a->vol_buf);
	memset (a->vol_buf, 0, (a->volumes.n + 1) * sizeof *a->vol_buf);
	a->vol_dests = hull_xreallocarray (NULL, a->volumes.n + 1, sizeof *a->vol_dests);
	for (size_t i = 0; i < a->volumes.n; i++) {
		char *spec = a->vol_buf[i] = hull_xstrdup (a->volumes.v[i]);
		char *dst = strchr (spec, ':'), *mode, real[PATH_MAX];
		hull_error_t err = { 0 };

		if (dst == NULL)
			return hull_cli_usage (CMD, "-v `%s`: expected SRC:DST[:ro]", spec);
		*dst++ = '\0';
		mode = strchr (dst, ':');
		if (mode)
			*mode++ = '\0';
		if (mode && strcmp (mode, "ro") != 0 && strcmp (mode, "rw") != 0)
			return hull_cli_usage (CMD, "-v: mode `%s` is not ro or rw", mode);
		if (dst[0] != '/')
			return hull_cli_usage (CMD, "-v: destination `%s` is not absolute", dst);
		if (realpath (spec, real) == NULL) {
			hull_error_make (&err, errno, "-v: source `%s`", spec);
			return hull_cli_fail (CMD, &err);
		}
		a->vols[i].readonly = mode && strcmp (mode, "ro") == 0;
		/* One buffer holding "REALSRC\0DST\0". */
		a->vol_buf[i] = hull_xasprintf ("%s%c%s", real, '\0', dst);
		free (spec);
		a->vols[i].source = a->vol_buf[i];
		a->vols[i].dest = a->vol_buf[i] + strlen (real) + 1;
		a->vol_dests[i] = a->vols[i].dest;
	}
	return 0;
}

static int
parse_args (struct run_image *a, int argc, char **argv)
{
	struct hull_cli_opt table[] = {
		{ "rm", 0, HULL_OPT_FLAG, &a->rm },
		{ "detach", 'd', HULL_OPT_FLAG, &a->detach },
		{ "interactive", 'i', HULL_OPT_FLAG, &a->interactive },
		{ "tty", 't', HULL_OPT_FLAG, &a->tty },
		{ "it", 0, HULL_OPT_FLAG, &a->it },
		{ "ti", 0, HULL_OPT_FLAG, &a->ti },
		{ "env", 'e', HULL_OPT_LIST, &a->env },
		{ "volume", 'v', HULL_OPT_LIST, &a->volumes },
		{ "workdir", 'w', HULL_OPT_STRING, &a->workdir },
		{ "user", 'u', HULL_OPT_STRING, &a->user },
		{ "read-only", 0, HULL_OPT_FLAG, &a->read_only },
		{ "read-write", 0, HULL_OPT_FLAG, &a->read_write },
		{ "network", 0, HULL_OPT_STRING, &a->network },
		{ "net", 0, HULL_OPT_STRING, &a->network },
		{ "name", 0, HULL_OPT_STRING, &a->name },
		{ "hostname", 0, HULL_OPT_STRING, &a->hostname },
		{ "cap-add", 0, HULL_OPT_LIST, &a->cap_add },
		{ "cap-drop", 0, HULL_OPT_LIST, &a->cap_drop },
		{ NULL, 0, 0, NULL },
	};
	int r;

	a->read_only = true;
	a->pos.stop_after = 1; /* IMAGE, then the command belongs to the container */
	if ((r = hull_cli_parse (CMD, table, argc, argv, &a->pos)) != 0)
		return r;
	if (a->pos.n == 0)
		return hull_cli_usage (CMD, "missing IMAGE (or container ID with --bundle)");
	if (a->it || a->ti)
		a->interactive = a->tty = true;
	/* Read-only is the default; `--read-only=false` is `--read-write`. */
	if (!a->read_only)
		a->read_write = true;
	if (a->network && strcmp (a->network, "none") != 0 && strcmp (a->network, "host") != 0)
		return hull_cli_usage (CMD, "--network `%s`: only none and host are supported",
				       a->network);
	if (a->detach && (a->tty || a->rm))
		return hull_cli_usage (CMD,
				       "-d cannot be combined with %s (`hull delete` removes "
				       "a detached container)",
				       a->tty ? "-t" : "--rm");
	build_env (a);
	return build_volumes (a);
}

/* The container id: --name, or "hull-" and 12 random hex digits. */
static int
pick_id (struct run_image *a)
{
	hull_error_t err = { 0 };
	uint8_t r[6];

	if (a->name == NULL) {
		if (getrandom (r, sizeof r, 0) != (ssize_t) sizeof r) {
			hull_error_make (&err, errno, "getrandom");
			return hull_cli_fail (CMD, &err);
		}
		snprintf (a->id, sizeof a->id, "hull-%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2],
			  r[3], r[4], r[5]);
		a->name = a->id;
	}
	if (hull_runtime_validate_id (a->name, &err) < 0)
		return hull_cli_fail (CMD, &err);
	return 0;
}

/* The id maps of `hull spec`'s defaults: the rootfs is owned through them. */
static struct hull_oci_config *
spec_defaults (bool rootless, hull_error_t *err)
{
	_cleanup_free_ char *text = hull_oci_spec_default (rootless, err);

	if (text == NULL)
		return NULL;
	return hull_oci_config_parse (text, strlen (text), "hull spec", NULL, err);
}

static int
write_config (const char *dir, const char *text, hull_error_t *err)
{
	_cleanup_free_ char *path = hull_xasprintf ("%s/config.json", dir);
	_cleanup_close_ int fd = -EBADF;
	size_t len = strlen (text);

	fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || write (fd, text, len) != (ssize_t) len)
		return hull_error_make (err, errno ? errno : EIO, "write `%s`", path);
	return 0;
}

/* The runtime config for the container: image config + options on the defaults. */
static char *
make_config (struct run_image *a, const struct hull_image_resolved *img,
	     const struct hull_image_config *ic, const struct hull_image_container *c,
	     bool rootless, hull_error_t *err)
{
	_cleanup_close_ int rootfd = -EBADF;
	struct hull_image_run_opts o = {
		.args = a->pos.v + 1,
		.n_args = a->pos.n - 1,
		.env = (const char *const *) a->env_kv,
		.n_env = a->n_env,
		.volumes = a->vols,
		.n_volumes = a->volumes.n,
		.workdir = a->workdir,
		.user = a->user,
		.hostname = a->hostname,
		.rootfs = c->rootfs,
		.cap_add = a->cap_add.v,
		.n_cap_add = a->cap_add.n,
		.cap_drop = a->cap_drop.v,
		.n_cap_drop = a->cap_drop.n,
		.image_name = img->name,
		.read_only = !a->read_write,
		.host_network = a->network && strcmp (a->network, "host") == 0,
		.terminal = a->tty,
		.rootless = rootless,
	};

	rootfd = open (c->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return hull_error_make (err, errno, "rootfs `%s`", c->rootfs), NULL;
	o.rootfd = rootfd;
	return hull_image_bundle_config (ic, &o, err);
}

/* The image config, checked before anything is made. */
static struct hull_image_config *
image_config (const struct hull_image_resolved *img, hull_error_t *err)
{
	_cleanup_ (hull_image_config_freep) struct hull_image_config *ic = NULL;

	ic = hull_image_config_parse (img->config, img->config_len, err);
	if (ic == NULL)
		return hull_error_wrap (err, "image `%s`", img->name), NULL;
	if (strcmp (ic->os, "linux") != 0)
		return hull_error_make (err, ENOEXEC, "image `%s`: os `%s` is not linux", img->name,
					ic->os),
		       NULL;
	return TAKE_PTR (ic);
}

/* Put fd on stdin, stdout or stderr: those must survive the container's execve. */
static int
set_stdio (int fd, int target)
{
	return dup3 (fd, target, 0); /* check-style: allow stdio of the container */
}

/* A detached container's stdout and stderr go to DIR/log (the container tools keep
 * them too): it must not hold the caller's terminal or pipe open after `run -d`
 * returns. hull's own stdout and stderr are put back afterwards. */
static int
run_detached (const struct hull_oci_config *cfg, const struct hull_run_options *opts,
	      const char *dir, hull_error_t *err)
{
	_cleanup_free_ char *path = hull_xasprintf ("%s/log", dir);
	_cleanup_close_ int log = -EBADF, out = -EBADF, errfd = -EBADF;
	int status = 0, r;

	log = open (path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (log < 0)
		return hull_error_make (err, errno, "open `%s`", path);
	fflush (stdout);
	fflush (stderr);
	out = fcntl (STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	errfd = fcntl (STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	if (out < 0 || errfd < 0 || set_stdio (log, STDOUT_FILENO) < 0 ||
	    set_stdio (log, STDERR_FILENO) < 0)
		return hull_error_make (err, errno, "redirect output to `%s`", path);
	r = hull_runtime_run (cfg, opts, &status, err);
	set_stdio (out, STDOUT_FILENO);
	set_stdio (errfd, STDERR_FILENO);
	return r;
}

/* Validate, admit and run the bundle in c->dir. Returns the exit code. */
static int
run_bundle (struct hull_cli_globals *g, struct run_image *a, const struct hull_image_container *c)
{
	_cleanup_ (hull_oci_config_freep) struct hull_oci_config *cfg = NULL;
	struct hull_run_options opts = { .state_root = g->root, .id = a->name, .bundle = c->dir };
	hull_error_t err = { 0 };
	int status = 0, r;

	cfg = hull_oci_config_load (c->dir, &err);
	if (cfg == NULL || hull_oci_config_validate (cfg, &err) < 0)
		return hull_cli_fail (CMD, &err);
	/* HULL-ROOT-001 guards the image against the container ("the container can modify
	 * its image"). With --read-write the root is a private overlayfs layer over a
	 * cache that stays read-only, so the policy judges the image's root as it is. */
	cfg->root_readonly = true;
	r = hull_cli_policy_admit (g, CMD, cfg);
	cfg->root_readonly = !a->read_write;
	if (r != 0)
		return r;
	opts.mode = a->detach ? HULL_RUN_DETACH : HULL_RUN_FOREGROUND;
	if (!a->interactive) {
		/* Without -i the container's stdin is empty, as with the container tools. */
		int fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && fd != STDIN_FILENO) {
			set_stdio (fd, STDIN_FILENO);
			close (fd);
		}
	}
	r = a->detach ? run_detached (cfg, &opts, c->dir, &err)
		      : hull_runtime_run (cfg, &opts, &status, &err);
	if (r < 0)
		return hull_cli_fail (CMD, &err);
	if (a->detach) {
		printf ("%s\n", a->name);
		fflush (stdout);
		return 0;
	}
	return status;
}

/* The paths the runtime will create when the image lacks them (bind mount points and
 * the working directory): with any of them missing, the container gets its own
 * overlayfs layer so that the shared cache never changes. */
static void
needed_paths (struct run_image *a, const struct hull_image_config *ic)
{
	const char *cwd = a->workdir;

	if (cwd == NULL)
		cwd = ic->working_dir && ic->working_dir[0] ? ic->working_dir : "/";
	a->vol_dests[a->volumes.n] = cwd;
}

/* Whether the absolute path p is dir or lies under it. */
static bool
path_under (const char *p, const char *dir)
{
	size_t n = strlen (dir);

	return strcmp (dir, "/") == 0 ||
	       (strncmp (p, dir, n) == 0 && (p[n] == '\0' || p[n] == '/'));
}

/* Whether the paths a and b are the same, or one lies under the other. */
static bool
overlaps (const char *a, const char *b)
{
	return path_under (a, b) || path_under (b, a);
}

/* A volume holding the store or the state root would let the container (root in the
 * container owns the cached rootfs) rewrite every image's shared rootfs and other
 * containers' state. The policy's HULL-MNT-001 knows the default paths only, not
 * --store or --root: refused here, whatever the policy says. */
static int
volumes_check (struct run_image *a, const char *store_abs, const char *state_root,
	       hull_error_t *err)
{
	char state_abs[PATH_MAX];
	const char *state = realpath (state_root, state_abs) ? state_abs : state_root;

	for (size_t i = 0; i < a->volumes.n; i++) {
		const char *src = a->vols[i].source;

		if (overlaps (src, store_abs))
			return hull_error_make (err, EPERM,
						"-v `%s`: is, holds or lies in the image store "
						"`%s` (the container would own its rootfs cache)",
						src, store_abs);
		if (overlaps (src, state))
			return hull_error_make (err, EPERM,
						"-v `%s`: is, holds or lies in the container state "
						"`%s`",
						src, state);
	}
	return 0;
}

static int
run_image (struct hull_cli_globals *g, struct run_image *a)
{
	_cleanup_ (hull_image_store_freep) struct hull_image_store *s = NULL;
	_cleanup_ (hull_oci_config_freep) struct hull_oci_config *spec = NULL;
	_cleanup_ (hull_image_config_freep) struct hull_image_config *ic = NULL;
	_cleanup_free_ char *text = NULL;
	struct hull_image_resolved img = { 0 };
	struct hull_image_container c = { 0 };
	struct hull_image_container_opts co;
	const char *store = hull_cli_store_path (g);
	bool rootless = geteuid () != 0;
	char store_abs[PATH_MAX];
	hull_error_t err = { 0 };
	int r = HULL_EXIT_ERROR;

	if ((s = hull_image_store_open (store, &err)) == NULL ||
	    realpath (store, store_abs) == NULL ||
	    volumes_check (a, store_abs, g->root, &err) < 0 ||
	    hull_image_resolve (s, a->pos.v[0], &img, &err) < 0 ||
	    (ic = image_config (&img, &err)) == NULL ||
	    (spec = spec_defaults (rootless, &err)) == NULL) {
		if (err.msg[0] == '\0')
			hull_error_make (&err, errno, "store `%s`", store);
		hull_image_resolved_clear (&img);
		return hull_cli_fail (CMD, &err);
	}
	needed_paths (a, ic);
	co = (struct hull_image_container_opts){
		.uid_map = spec->linux_.uid_mappings,
		.n_uid = spec->linux_.n_uid_mappings,
		.gid_map = spec->linux_.gid_mappings,
		.n_gid = spec->linux_.n_gid_mappings,
		.writable = a->read_write,
		.mountpoints = (const char *const *) a->vol_dests,
		.n_mountpoints = a->volumes.n + 1,
	};
	if (hull_image_container_create (s, store_abs, a->name, &img, &co, &c, &err) < 0) {
		hull_image_resolved_clear (&img);
		return hull_cli_fail (CMD, &err);
	}
	text = make_config (a, &img, ic, &c, rootless, &err);
	if (text == NULL || write_config (c.dir, text, &err) < 0)
		r = hull_cli_fail (CMD, &err);
	else
		r = run_bundle (g, a, &c);
	/* Everything goes when the container is gone: after a foreground run, and on any
	 * error. A detached container keeps its directory until `hull delete`. */
	if (!(a->detach && r == 0) && hull_image_container_release (c.dir, &err) < 0)
		hull_cli_fail (CMD, &err);
	hull_image_container_clear (&c);
	hull_image_resolved_clear (&img);
	return r;
}

int
hull_cli_run_image (struct hull_cli_globals *g, int argc, char **argv)
{
	struct run_image a = { 0 };
	int r;

	if (g->systemd_cgroup)
		return hull_cli_usage (CMD, "--systemd-cgroup: hull manages cgroups through "
					    "cgroupfs only");
	r = parse_args (&a, argc, argv);
	if (r == 0)
		r = pick_id (&a);
	if (r == 0)
		r = run_image (g, &a);
	run_image_free (&a);
	return r;
}
