/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `hull sandbox`: run a host program isolated, with no image. The sandbox is an
 * ordinary in-memory OCI config that hull_runtime_run runs exactly like a bundle,
 * so it gets every protection a container gets and no code path of its own. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/path.h"
#include "common/xalloc.h"
#include "hull/runtime.h"
#include "runtime/linux/landlock.h"

#define SANDBOX_MAX_BINDS 1024 /* --ro-bind/--bind/--tmpfs entries accepted */
#define SANDBOX_MAX_ENV 4096
#define SANDBOX_HOSTNAME_MAX 64 /* HOST_NAME_MAX */
#define SANDBOX_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* The host id that the sandbox's root (uid and gid 0) maps to when hull runs as
 * root. Mapping 0 to host 0 would let the sandbox open every root-owned file with
 * owner permissions (/etc/shadow is root:shadow 0640, /root is 0700) and write to
 * any --bind owned by root; capabilities being dropped does not help, as owner
 * checks need none. nobody/nogroup own nothing by convention, so host files are
 * reached through their "other" bits only: world-readable system files stay readable
 * and executable, nothing is writable. Its processes cannot reach other nobody
 * processes either: they are invisible from the new pid namespace, abstract sockets
 * are per network namespace and SysV IPC per ipc namespace. */
#define SANDBOX_ROOT_HOST_ID 65534u

HULL_DEFINE_CLEANUP (struct hull_oci_config, hull_oci_config_free)

static void
strv_push (struct hull_strv *s, const char *str)
{
	s->v = hull_xreallocarray (s->v, s->n + 2, sizeof *s->v);
	s->v[s->n++] = hull_xstrdup (str);
	s->v[s->n] = NULL;
}

/* The mount options the sandbox uses, with the fields src/oci's parser derives from
 * them for a config.json (hull_oci_mount_parse_options, private to src/oci): the
 * runtime reads the parsed fields, so both must agree. */
struct mount_opt {
	const char *name;
	unsigned long set, clear;
	uint64_t attr_set;
	bool rbind;
};

static const struct mount_opt mount_opts[] = {
	{ "ro", .set = MS_RDONLY },
	{ "rw", .clear = MS_RDONLY },
	{ "nosuid", .set = MS_NOSUID },
	{ "nodev", .set = MS_NODEV },
	{ "noexec", .set = MS_NOEXEC },
	{ "rro", .attr_set = MOUNT_ATTR_RDONLY },
	{ "rnosuid", .attr_set = MOUNT_ATTR_NOSUID },
	{ "rnodev", .attr_set = MOUNT_ATTR_NODEV },
	{ "rbind", .rbind = true },
};

static const struct mount_opt *
mount_opt_find (const char *name)
{
	for (size_t i = 0; i < sizeof mount_opts / sizeof mount_opts[0]; i++)
		if (strcmp (mount_opts[i].name, name) == 0)
			return &mount_opts[i];
	return NULL;
}

/* Append a mount; `opts` is a comma-separated option list. Options hull knows become
 * flags, the others (mode=, newinstance, ...) are filesystem data, as the OCI parser
 * does for config.json. */
static struct hull_oci_mount *
mount_add (struct hull_oci_config *cfg, const char *dest, const char *type, const char *source,
	   const char *opts)
{
	_cleanup_free_ char *copy = hull_xstrdup (opts);
	struct hull_oci_mount *m;
	char *save = NULL;

	cfg->mounts = hull_xreallocarray (cfg->mounts, cfg->n_mounts + 1, sizeof *cfg->mounts);
	m = &cfg->mounts[cfg->n_mounts++];
	memset (m, 0, sizeof *m);
	m->destination = hull_xstrdup (dest);
	m->type = hull_xstrdup (type);
	m->source = hull_xstrdup (source);
	for (char *o = strtok_r (copy, ",", &save); o; o = strtok_r (NULL, ",", &save)) {
		const struct mount_opt *k = mount_opt_find (o);

		strv_push (&m->options, o);
		if (k == NULL) {
			char *data =
				m->data ? hull_xasprintf ("%s,%s", m->data, o) : hull_xstrdup (o);
			free (m->data);
			m->data = data;
			continue;
		}
		m->flags = (m->flags | k->set) & ~k->clear;
		m->clear_flags = (m->clear_flags | k->clear) & ~k->set;
		m->attr_set |= k->attr_set;
		if (k->rbind) {
			m->bind = m->recursive_bind = true;
			m->flags |= MS_BIND | MS_REC;
		}
	}
	return m;
}

/* The sandbox's own filesystems, mounted over the host's root in this order.
 * /run and /sys hide host content (daemon sockets: a read-only mount does not stop
 * connect(2); the host's devices and network interfaces) and are skipped when a
 * --rootfs does not have them. /sys is an empty read-only tmpfs unless --sys. */
static const struct {
	const char *dest, *type, *options;
	bool optional;
} default_mounts[] = {
	{ "/proc", "proc", "nosuid,nodev,noexec", false },
	{ "/dev", "tmpfs", "nosuid,noexec,mode=755,size=65536k", false },
	{ "/dev/pts", "devpts", "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620", false },
	{ "/dev/shm", "tmpfs", "nosuid,nodev,noexec,mode=1777,size=65536k", false },
	{ "/tmp", "tmpfs", "nosuid,nodev,mode=1777", false },
	{ "/run", "tmpfs", "nosuid,nodev,mode=755", true },
	{ "/sys", "tmpfs", "ro,nosuid,nodev,noexec", true },
};

/* The last mount before cfg->mounts[upto] whose destination is a strict ancestor
 * of `dest` (the one `dest` will be created in), or NULL. `rest` gets the path
 * below it. */
static const struct hull_oci_mount *
covering_mount (const struct hull_oci_config *cfg, size_t upto, const char *dest, const char **rest)
{
	for (size_t i = upto; i-- > 0;) {
		const struct hull_oci_mount *m = &cfg->mounts[i];
		size_t n = strlen (m->destination);

		if (strcmp (m->destination, "/") == 0)
			n = 0;
		if (strncmp (dest, m->destination, n) == 0 && dest[n] == '/' && dest[n + 1]) {
			*rest = dest + n;
			return m;
		}
	}
	*rest = dest;
	return NULL;
}

/* The mount point of cfg->mounts[i] must already exist unless it lies in a writable
 * tmpfs the sandbox mounts: the root is the host's own tree (or --rootfs), and a
 * runtime creating a missing mount point there would leave a directory on the host. */
static int
check_mount_point (const struct hull_oci_config *cfg, size_t i, int rootfd, hull_error_t *err)
{
	const char *dest = cfg->mounts[i].destination, *rest;
	const struct hull_oci_mount *m = covering_mount (cfg, i, dest, &rest);
	_cleanup_close_ int base = -EBADF;
	_cleanup_close_ int fd = -EBADF;

	if (m && strcmp (m->type, "tmpfs") == 0 && !(m->flags & MS_RDONLY))
		return 0;
	if (m && !m->bind)
		return hull_error_make (err, EROFS, "mount point `%s` inside the %s at `%s`", dest,
					m->type, m->destination);
	if (m) {
		base = open (m->source, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (base < 0)
			return hull_error_make (err, errno, "open bind source `%s`", m->source);
	}
	fd = hull_path_openat_in_root (m ? base : rootfd, rest, O_PATH, 0, err);
	if (fd < 0)
		return hull_error_make (err, err ? err->code : 0,
					"mount point `%s` (hull creates none on the sandbox's "
					"read-only root)",
					dest);
	return 0;
}

static int
check_dest (const char *what, const char *dest, hull_error_t *err)
{
	if (dest == NULL || !hull_path_is_clean_absolute (dest))
		return hull_error_make (err, EINVAL,
					"%s destination `%s` is not a clean absolute path", what,
					dest ? dest : "");
	/* Covering "/" would replace the read-only root with a writable one. */
	if (strcmp (dest, "/") == 0)
		return hull_error_make (err, EINVAL, "%s destination `/`: use --rootfs", what);
	return 0;
}

/* One --ro-bind, --bind or --tmpfs. A bind of the host's /sys becomes a fresh
 * read-only sysfs instead: it shows the sandbox's own network namespace, where the
 * host's tree would list the host's devices and interfaces. Binds are recursive
 * and every submount is made nosuid and nodev (and read-only for --ro-bind). */
static int
add_bind (struct hull_oci_config *cfg, const struct hull_sandbox_bind *b, hull_error_t *err)
{
	char source[PATH_MAX];
	const char *dest = b->dest;

	if (b->source == NULL) {
		if (check_dest ("tmpfs", dest, err) < 0)
			return hull_error_ret (err);
		mount_add (cfg, dest, "tmpfs", "tmpfs", "nosuid,nodev,mode=755");
		return 0;
	}
	if (realpath (b->source, source) == NULL)
		return hull_error_make (err, errno, "bind source `%s`", b->source);
	if (dest == NULL)
		dest = hull_path_is_clean_absolute (b->source) ? b->source : source;
	if (check_dest ("bind", dest, err) < 0)
		return hull_error_ret (err);
	if (strcmp (source, "/sys") == 0)
		mount_add (cfg, dest, "sysfs", "sysfs", "ro,nosuid,nodev,noexec");
	else if (b->writable)
		mount_add (cfg, dest, "bind", source, "rbind,rw,rnosuid,rnodev");
	else
		mount_add (cfg, dest, "bind", source, "rbind,ro,rro,rnosuid,rnodev");
	return 0;
}

/* maskedPaths and readonlyPaths exactly as `hull spec` writes them: the hardened
 * default is the one source of truth for what in /proc and /sys is hidden. */
static int
add_masks (struct hull_oci_config *cfg, hull_error_t *err)
{
	_cleanup_free_ char *text = hull_oci_spec_default (true, err);
	_cleanup_ (hull_oci_config_freep) struct hull_oci_config *def = NULL;

	if (text == NULL)
		return hull_error_wrap (err, "default spec");
	def = hull_oci_config_parse (text, strlen (text), "default spec", NULL, err);
	if (def == NULL)
		return hull_error_wrap (err, "default spec");
	cfg->linux_.masked_paths = def->linux_.masked_paths;
	cfg->linux_.readonly_paths = def->linux_.readonly_paths;
	memset (&def->linux_.masked_paths, 0, sizeof def->linux_.masked_paths);
	memset (&def->linux_.readonly_paths, 0, sizeof def->linux_.readonly_paths);
	return 0;
}

static int
add_mounts (struct hull_oci_config *cfg, const struct hull_sandbox_options *opts, int rootfd,
	    hull_error_t *err)
{
	int r;

	if (opts->n_binds > SANDBOX_MAX_BINDS)
		return hull_error_make (err, E2BIG, "%zu binds, at most %d", opts->n_binds,
					SANDBOX_MAX_BINDS);
	for (size_t i = 0; i < sizeof default_mounts / sizeof default_mounts[0]; i++) {
		const char *dest = default_mounts[i].dest;
		_cleanup_close_ int fd = -EBADF;

		if (default_mounts[i].optional) {
			fd = hull_path_openat_in_root (rootfd, dest, O_PATH | O_DIRECTORY, 0, NULL);
			if (fd < 0)
				continue;
		}
		mount_add (cfg, dest, default_mounts[i].type, default_mounts[i].type,
			   default_mounts[i].options);
	}
	for (size_t i = 0; i < opts->n_binds; i++)
		if ((r = add_bind (cfg, &opts->binds[i], err)) < 0)
			return r;
	for (size_t i = 0; i < cfg->n_mounts; i++)
		if ((r = check_mount_point (cfg, i, rootfd, err)) < 0)
			return r;
	return 0;
}

/* Every namespace but time: user (the mapping below is what makes the sandbox
 * unprivileged), pid, mount, ipc, uts, cgroup, and always a new network namespace
 * (only `lo`; the host's network is never shared). */
static const enum hull_oci_ns_type sandbox_namespaces[] = {
	HULL_NS_USER, HULL_NS_PID,     HULL_NS_MOUNT,  HULL_NS_IPC,
	HULL_NS_UTS,  HULL_NS_NETWORK, HULL_NS_CGROUP,
};

/* A single id: the sandbox's 0. Run by an ordinary user it is that user (the only
 * mapping the kernel lets them write, and it grants nothing they lack); run by root
 * it is nobody, see SANDBOX_ROOT_HOST_ID. */
static struct hull_oci_idmap *
one_id_map (uid_t caller)
{
	struct hull_oci_idmap *map = hull_xzalloc (sizeof *map);

	map->container_id = 0;
	map->host_id = caller == 0 ? SANDBOX_ROOT_HOST_ID : (uint32_t) caller;
	map->size = 1;
	return map;
}

static void
add_linux (struct hull_oci_config *cfg)
{
	size_t n = sizeof sandbox_namespaces / sizeof sandbox_namespaces[0];

	cfg->has_linux = true;
	cfg->linux_.namespaces = hull_xcalloc (n, sizeof *cfg->linux_.namespaces);
	for (size_t i = 0; i < n; i++)
		cfg->linux_.namespaces[i].type = sandbox_namespaces[i];
	cfg->linux_.n_namespaces = n;
	cfg->linux_.uid_mappings = one_id_map (getuid ());
	cfg->linux_.n_uid_mappings = 1;
	cfg->linux_.gid_mappings = one_id_map (getgid ());
	cfg->linux_.n_gid_mappings = 1;
}

/* The minimal environment, then opts->env on top (a K=V there replaces K). */
static int
add_env (struct hull_strv *env, char *const *extra, hull_error_t *err)
{
	const char *term = getenv ("TERM");
	_cleanup_free_ char *term_kv = term ? hull_xasprintf ("TERM=%s", term) : NULL;
	const char *base[] = { SANDBOX_PATH, "HOME=/tmp", term_kv };

	for (size_t i = 0; i < sizeof base / sizeof base[0]; i++)
		if (base[i])
			strv_push (env, base[i]);
	for (size_t i = 0; extra && extra[i]; i++) {
		const char *eq = strchr (extra[i], '=');

		if (eq == NULL || eq == extra[i])
			return hull_error_make (err, EINVAL, "environment entry `%s` is not K=V",
						extra[i]);
		if (env->n >= SANDBOX_MAX_ENV)
			return hull_error_make (err, E2BIG, "more than %d environment entries",
						SANDBOX_MAX_ENV);
		for (size_t j = 0; j < env->n; j++) {
			if (strncmp (env->v[j], extra[i], (size_t) (eq - extra[i]) + 1) == 0) {
				free (env->v[j]);
				env->v[j] = env->v[--env->n];
				env->v[env->n] = NULL;
				break;
			}
		}
		strv_push (env, extra[i]);
	}
	return 0;
}

/* As root in its namespaces but with no capability in any set (root gains none at
 * execve either: the bounding set is empty) and no_new_privs, so setuid binaries and
 * file capabilities give nothing. Rlimits are left as the caller has them. */
static int
add_process (struct hull_oci_config *cfg, const struct hull_sandbox_options *opts,
	     hull_error_t *err)
{
	struct hull_oci_process *p = &cfg->process;

	if (opts->argv == NULL || opts->argv[0] == NULL || opts->argv[0][0] == '\0')
		return hull_error_make (err, EINVAL, "no command to run");
	if (opts->cwd && !hull_path_is_clean_absolute (opts->cwd))
		return hull_error_make (err, EINVAL,
					"working directory `%s` is not a clean absolute path",
					opts->cwd);
	cfg->has_process = true;
	for (size_t i = 0; opts->argv[i]; i++)
		strv_push (&p->args, opts->argv[i]);
	p->cwd = hull_xstrdup (opts->cwd ? opts->cwd : "/");
	p->caps.present = true;
	p->no_new_privileges = true;
	return add_env (&p->env, opts->env, err);
}

static int
check_hostname (const char *name, hull_error_t *err)
{
	size_t n = strlen (name);

	if (n == 0 || n > SANDBOX_HOSTNAME_MAX || strchr (name, '/'))
		return hull_error_make (err, EINVAL, "hostname `%s`: 1 to %d characters, no `/`",
					name, SANDBOX_HOSTNAME_MAX);
	return 0;
}

struct hull_oci_config *
hull_sandbox_config (const struct hull_sandbox_options *opts, hull_error_t *err)
{
	_cleanup_ (hull_oci_config_freep) struct hull_oci_config *cfg = hull_xzalloc (sizeof *cfg);
	const char *hostname = opts->hostname ? opts->hostname : "sandbox";
	char root[PATH_MAX];
	_cleanup_close_ int rootfd = -EBADF;

	if (check_hostname (hostname, err) < 0 || add_process (cfg, opts, err) < 0)
		return NULL;
	if (realpath (opts->rootfs ? opts->rootfs : "/", root) == NULL) {
		hull_error_make (err, errno, "sandbox root `%s`", opts->rootfs);
		return NULL;
	}
	rootfd = open (root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		hull_error_make (err, errno, "sandbox root `%s`", root);
		return NULL;
	}
	cfg->oci_version = hull_xstrdup ("1.2.0");
	cfg->root_path = hull_xstrdup (root);
	cfg->root_readonly = true;
	cfg->hostname = hull_xstrdup (hostname);
	add_linux (cfg);
	if (add_mounts (cfg, opts, rootfd, err) < 0 || add_masks (cfg, err) < 0)
		return NULL;
	/* Landlock: the default ruleset as the annotation any bundle could carry; each
	 * --bind/--tmpfs added exactly one mount, the last n_binds (docs/landlock.md). */
	if (!opts->no_landlock &&
	    hull_landlock_sandbox_annotate (cfg, cfg->n_mounts - opts->n_binds, err) < 0)
		return NULL;
	return TAKE_PTR (cfg);
}
