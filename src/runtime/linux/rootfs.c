/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The container's filesystem view: propagation, the rootfs bind, config mounts,
 * devices, pivot_root, read-only root, masked and read-only paths (rootfs.h).
 *
 * Every path inside the rootfs goes through the resolver (common/path.h) and every
 * mount is made through an fd (mount.h), so no symlink in the image, and no
 * symlink swapped in by a racing process, can put a mount on the host
 * (runc CVE-2021-30465, CVE-2023-27561; crun CVE-2019-18837). */
#include "runtime/linux/rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include "common/cleanup.h"
#include "common/path.h"
#include "common/xalloc.h"
#include "runtime/linux/devices.h"
#include "runtime/linux/mount.h"

#define CGROUP_FILE_MAX (64 * 1024) /* bytes of /proc/self/cgroup we read */

struct ctx {
	const struct hull_oci_config *cfg;
	int rootfd;
	bool userns;
	bool cgroupns;
	/* The host's mounts, read before the first container mount so that mounts made
	 * under the rootfs (a bind of /sys brings the host's cgroup mounts along) are
	 * never mistaken for host hierarchies. */
	struct hull_mountinfo *mi;
	size_t n_mi;
	/* Bind sources opened by the runtime before the container's namespaces existed,
	 * one per cfg->mounts entry (-1 where none): the container's root may lack the
	 * right to walk to them (0700 bundle directories, a user namespace). */
	const int *source_fds;
	hull_rootfs_hook_fn before_pivot;
	void *hook_data;
};

/* "mount `SRC` on `DEST`: [op: ]strerror" */
static int
mnt_fail (hull_error_t *err, const struct hull_oci_mount *m, int e, const char *op)
{
	const char *src = m->source ? m->source : (m->type ? m->type : "none");

	if (op == NULL)
		return hull_error_make (err, e, "mount `%s` on `%s`", src, m->destination);
	return hull_error_make (err, e, "mount `%s` on `%s`: %s", src, m->destination, op);
}

static int
mnt_wrap (hull_error_t *err, const struct hull_oci_mount *m)
{
	const char *src = m->source ? m->source : (m->type ? m->type : "none");

	return hull_error_wrap (err, "mount `%s` on `%s`", src, m->destination);
}

static struct hull_mount_opts
opts_of (const struct hull_oci_mount *m)
{
	return (struct hull_mount_opts){
		/* MS_BIND/MS_REC/MS_REMOUNT describe the operation, not the result. */
		.flags = m->flags & ~(unsigned long) (MS_BIND | MS_REC | MS_REMOUNT),
		.clear = m->clear_flags,
		.attr_set = m->attr_set,
		.attr_clr = m->attr_clr,
		.propagation = m->propagation,
		.recursive = m->recursive_bind || (m->flags & MS_REC),
	};
}

static bool
fs_is (int fd, long magic)
{
	struct statfs sf;

	return fstatfs (fd, &sf) == 0 && sf.f_type == magic;
}

/* Files inside /proc that may be overmounted by a bind (lxcfs and friends): runc's
 * checkProcMount list. */
static const char *const proc_overmount_ok[] = {
	"/proc/cpuinfo", "/proc/diskstats",
	"/proc/meminfo", "/proc/stat",
	"/proc/swaps",	 "/proc/uptime",
	"/proc/loadavg", "/proc/slabinfo",
	"/proc/net/dev", "/proc/sys/kernel/ns_last_pid",
};

/* CVE-2019-16884 / CVE-2019-19921: a fake procfs on /proc, or a mount over parts of
 * the real one, would let the image turn the runtime's later writes to
 * /proc/self/attr (LSM labels) and /proc/sys into no-ops or redirect them. Only a
 * procfs may go on /proc, and only listed files may be overmounted inside a procfs.
 * The second check uses the resolved target, so a symlink to /proc does not help. */
static int
check_proc_target (const struct hull_oci_mount *m, int targetfd, int srcfd, hull_error_t *err)
{
	bool src_proc = (m->type && strcmp (m->type, "proc") == 0) ||
			(srcfd >= 0 && fs_is (srcfd, PROC_SUPER_MAGIC));

	if (src_proc)
		return 0;
	if (strcmp (m->destination, "/proc") == 0)
		return mnt_fail (err, m, EPERM, "only a procfs may be mounted on /proc");
	if (!fs_is (targetfd, PROC_SUPER_MAGIC))
		return 0;
	for (size_t i = 0; i < sizeof proc_overmount_ok / sizeof proc_overmount_ok[0]; i++)
		if (strcmp (m->destination, proc_overmount_ok[i]) == 0)
			return 0;
	return mnt_fail (err, m, EPERM, "mounts inside /proc are restricted");
}

/* An empty file to bind a non-directory onto; the parent chain is created through
 * the resolver, so a symlinked parent stays inside the root. */
static int
file_target (int rootfd, const char *dest, hull_error_t *err)
{
	_cleanup_free_ char *dir = hull_xstrndup (dest, (size_t) (strrchr (dest, '/') - dest));
	_cleanup_close_ int dirfd = -EBADF;
	hull_error_t e;
	int fd;

	fd = hull_path_openat_in_root (rootfd, dest, O_PATH, 0, &e);
	if (fd >= 0 || e.code != ENOENT) {
		if (fd < 0)
			*err = e;
		return fd;
	}
	dirfd = hull_path_mkdirs_in_root (rootfd, dir[0] ? dir : "/", 0755, err);
	if (dirfd < 0)
		return dirfd;
	return hull_path_openat_in_root (rootfd, dest, O_CREAT | O_WRONLY | O_NOCTTY | O_NONBLOCK,
					 0644, err);
}

static int
mount_generic (struct ctx *c, const struct hull_oci_mount *m, hull_error_t *err)
{
	struct hull_mount_opts o = opts_of (m);
	_cleanup_close_ int target = -EBADF, mnt = -EBADF;
	struct hull_mount_target t;
	const char *type = m->type ? m->type : "none";

	if (m->tmpcopyup)
		return mnt_fail (err, m, EOPNOTSUPP, "tmpcopyup is not supported yet");
	target = hull_path_mkdirs_in_root (c->rootfd, m->destination, 0755, err);
	if (target < 0)
		return mnt_wrap (err, m);
	if (check_proc_target (m, target, -EBADF, err) < 0)
		return hull_error_ret (err);
	t = (struct hull_mount_target){ c->rootfd, m->destination, target };
	mnt = hull_mount_fs (&t, type, m->source, m->data, &o, err);
	if (mnt < 0)
		return mnt_wrap (err, m);
	return 0;
}

/* The detached mount the runtime prepared for this entry, or -1. */
static int
detached_of (struct ctx *c, const struct hull_oci_mount *m)
{
	if (c->source_fds == NULL || m < c->cfg->mounts || m >= c->cfg->mounts + c->cfg->n_mounts)
		return -1;
	return c->source_fds[m - c->cfg->mounts];
}

static int
mount_bind (struct ctx *c, const struct hull_oci_mount *m, hull_error_t *err)
{
	struct hull_mount_opts o = opts_of (m);
	_cleanup_close_ int src = -EBADF, target = -EBADF, mnt = -EBADF;
	int detached = detached_of (c, m);
	struct hull_mount_target t;
	struct stat st;

	if (m->source == NULL)
		return mnt_fail (err, m, EINVAL, "bind mount without a source");
	/* Either the runtime's detached clone of the source, or the source opened here
	 * (relative ones resolve against the cwd, the bundle) and cloned from this fd. */
	if (detached >= 0)
		src = fcntl (detached, F_DUPFD_CLOEXEC, 3);
	else
		src = open (m->source, O_PATH | O_CLOEXEC);
	if (src < 0 || fstat (src, &st) < 0)
		return mnt_fail (err, m, errno, NULL);
	if (S_ISDIR (st.st_mode))
		target = hull_path_mkdirs_in_root (c->rootfd, m->destination, 0755, err);
	else
		target = file_target (c->rootfd, m->destination, err);
	if (target < 0)
		return mnt_wrap (err, m);
	if (check_proc_target (m, target, src, err) < 0)
		return hull_error_ret (err);
	t = (struct hull_mount_target){ c->rootfd, m->destination, target };
	if (detached >= 0)
		mnt = hull_mount_attach_detached (src, &t, &o, err);
	else
		mnt = hull_mount_bind (src, m->source, &t, &o, err);
	if (mnt < 0)
		return mnt_wrap (err, m);
	return 0;
}

/* proc and sysfs go on a real directory, never through a symlink (runc's fix for
 * CVE-2019-19921), and the result must be the filesystem asked for. */
static int
special_target (struct ctx *c, const struct hull_oci_mount *m, hull_error_t *err)
{
	_cleanup_close_ int fd = -EBADF;
	struct stat st;

	fd = hull_path_mkdirs_in_root (c->rootfd, m->destination, 0755, err);
	if (fd < 0)
		return mnt_wrap (err, m);
	fd = hull_safe_close (fd);
	fd = hull_path_openat_in_root (c->rootfd, m->destination, O_PATH | O_NOFOLLOW, 0, err);
	if (fd < 0 || fstat (fd, &st) < 0)
		return fd < 0 ? mnt_wrap (err, m) : mnt_fail (err, m, errno, "stat");
	if (!S_ISDIR (st.st_mode))
		return mnt_fail (err, m, ENOTDIR, "target must be a directory, not a symlink");
	return TAKE_FD (fd);
}

static int
mount_special (struct ctx *c, const struct hull_oci_mount *m, long magic, hull_error_t *err)
{
	struct hull_mount_opts o = opts_of (m);
	_cleanup_close_ int target = -EBADF, mnt = -EBADF;
	struct hull_mount_target t;

	target = special_target (c, m, err);
	if (target < 0)
		return target;
	t = (struct hull_mount_target){ c->rootfd, m->destination, target };
	mnt = hull_mount_fs (&t, m->type, m->source, m->data, &o, err);
	if (mnt < 0)
		return mnt_wrap (err, m);
	if (!fs_is (mnt, magic))
		return mnt_fail (err, m, EXDEV, "mounted filesystem has the wrong type");
	return 0;
}

static int
mount_proc (struct ctx *c, const struct hull_oci_mount *m, hull_error_t *err)
{
	return mount_special (c, m, PROC_SUPER_MAGIC, err);
}

/* sysfs needs a network namespace owned by the container's user namespace. Without
 * one (a userns sharing the host's netns) the kernel says EPERM; then, as crun and
 * runc do, bind the host's /sys instead, recursively read-only when ro was asked. */
static int
mount_sysfs (struct ctx *c, const struct hull_oci_mount *m, hull_error_t *err)
{
	struct hull_oci_mount bind = *m;
	int r = mount_special (c, m, SYSFS_MAGIC, err);

	if (r == 0 || !c->userns || err->code != EPERM)
		return r;
	hull_error_clear (err);
	bind.source = (char *) "/sys";
	bind.flags |= MS_BIND | MS_REC;
	bind.recursive_bind = true;
	if (m->flags & MS_RDONLY)
		bind.attr_set |= MOUNT_ATTR_RDONLY;
	bind.attr_set |= m->flags & MS_NOSUID ? MOUNT_ATTR_NOSUID : 0;
	bind.attr_set |= m->flags & MS_NODEV ? MOUNT_ATTR_NODEV : 0;
	bind.attr_set |= m->flags & MS_NOEXEC ? MOUNT_ATTR_NOEXEC : 0;
	return mount_bind (c, &bind, err);
}

/* The container's own path in a cgroup hierarchy, from /proc/self/cgroup
 * ("id:controllers:path"; controllers is empty for cgroup v2). */
static char *
own_cgroup (const char *controllers)
{
	_cleanup_fclose_ FILE *f = fopen ("/proc/self/cgroup", "re");
	_cleanup_free_ char *line = NULL;
	size_t cap = 0, total = 0;
	ssize_t n;

	while (f && (n = getline (&line, &cap, f)) > 0 && (total += (size_t) n) < CGROUP_FILE_MAX) {
		char *a = strchr (line, ':'), *b = a ? strchr (a + 1, ':') : NULL;
		if (b == NULL)
			continue;
		line[strcspn (line, "\n")] = '\0';
		if ((size_t) (b - a - 1) == strlen (controllers) &&
		    strncmp (a + 1, controllers, strlen (controllers)) == 0)
			return hull_xstrdup (b + 1);
	}
	return NULL;
}

/* Host directory of our cgroup in the hierarchy mounted as `mi`. */
static char *
cgroup_host_dir (const struct hull_mountinfo *mi, const char *controllers)
{
	_cleanup_free_ char *path = own_cgroup (controllers);
	const char *rel;
	size_t rl = strlen (mi->root);

	if (path == NULL)
		return NULL;
	rel = path;
	/* The hierarchy may itself be a bind of a subtree (a nested container). */
	if (strcmp (mi->root, "/") != 0 && strncmp (path, mi->root, rl) == 0)
		rel = path + rl;
	return hull_xasprintf ("%s%s", mi->mountpoint, rel);
}

static int
bind_own_cgroup (struct ctx *c, const struct hull_mountinfo *mi, const char *controllers,
		 const struct hull_mount_target *t, unsigned long flags, hull_error_t *err)
{
	_cleanup_free_ char *dir = cgroup_host_dir (mi, controllers);
	_cleanup_close_ int src = -EBADF, mnt = -EBADF;
	struct hull_mount_opts o = { .flags = flags };

	if (dir == NULL)
		return hull_error_make (err, ENOENT, "own cgroup for `%s`", mi->mountpoint);
	src = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (src < 0)
		return hull_error_make (err, errno, "open `%s`", dir);
	mnt = hull_mount_bind (src, dir, t, &o, err);
	return mnt < 0 ? mnt : 0;
}

static const struct hull_mountinfo *
find_fstype (const struct hull_mountinfo *v, size_t n, const char *fstype)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp (v[i].fstype, fstype) == 0)
			return &v[i];
	return NULL;
}

/* cgroup2: a fresh instance inside a cgroup namespace shows only the container's
 * subtree. Without one it would show the host's whole tree (and a userns without a
 * cgroupns may not mount it at all), so bind the container's own cgroup directory
 * instead, read-only when asked (crun's behaviour). */
static int
mount_cgroup2 (struct ctx *c, const struct hull_oci_mount *m, hull_error_t *err)
{
	_cleanup_close_ int target = -EBADF;
	const struct hull_mountinfo *mi;
	struct hull_mount_target t;

	/* In a cgroup namespace /proc/self/cgroup is relative to the namespace, so the
	 * host directory cannot be derived: the fresh mount is the only option. */
	if (c->cgroupns)
		return mount_special (c, m, CGROUP2_SUPER_MAGIC, err);
	target = special_target (c, m, err);
	if (target < 0)
		return target;
	mi = find_fstype (c->mi, c->n_mi, "cgroup2");
	if (mi == NULL)
		return mnt_fail (err, m, ENOENT, "no cgroup2 hierarchy on the host");
	t = (struct hull_mount_target){ c->rootfd, m->destination, target };
	if (bind_own_cgroup (c, mi, "", &t, opts_of (m).flags, err) < 0)
		return mnt_wrap (err, m);
	return 0;
}

/* cgroup v1 controller names (kernel/cgroup, cgroup_subsys.h): what may appear in a
 * hierarchy's mount options besides "name=..." and real options (rw, xattr, ...). */
static const char *const v1_controllers[] = {
	"cpuset",  "cpu",	 "cpuacct",  "io",	"blkio", "memory", "devices", "freezer",
	"net_cls", "perf_event", "net_prio", "hugetlb", "pids",	 "rdma",   "misc",    "debug",
};

static bool
is_v1_controller (const char *s)
{
	if (strncmp (s, "name=", 5) == 0)
		return true;
	for (size_t i = 0; i < sizeof v1_controllers / sizeof v1_controllers[0]; i++)
		if (strcmp (s, v1_controllers[i]) == 0)
			return true;
	return false;
}

/* "rw,nosuid,cpu,cpuacct" -> "cpu,cpuacct": the subsystems of a hierarchy, in the
 * kernel's order, which is also the order /proc/self/cgroup lists them in. */
static char *
v1_subsystems (const char *superopts)
{
	_cleanup_free_ char *copy = hull_xstrdup (superopts);
	char *out = hull_xstrdup (""), *save = NULL;

	for (char *o = strtok_r (copy, ",", &save); o; o = strtok_r (NULL, ",", &save)) {
		char *joined;

		if (!is_v1_controller (o))
			continue;
		joined = hull_xasprintf ("%s%s%s", out, out[0] ? "," : "", o);
		free (out);
		out = joined;
	}
	return out;
}

/* "cpu,cpuacct" also answers to "cpu" and "cpuacct" (runc's symlinks). */
static void
v1_links (int dirfd, const char *name)
{
	_cleanup_free_ char *copy = hull_xstrdup (name);
	char *save = NULL;

	if (strchr (name, ',') == NULL)
		return;
	for (char *o = strtok_r (copy, ",", &save); o; o = strtok_r (NULL, ",", &save))
		if (strncmp (o, "name=", 5) != 0)
			(void) symlinkat (name, dirfd, o); /* best effort, as runc */
}

/* One v1 hierarchy at <tmpfs>/<name>: a fresh instance in a cgroup namespace (it
 * shows only our subtree), otherwise a bind of our own cgroup directory (runc's
 * mountCgroupV1 does the same split). */
static int
mount_v1_hierarchy (struct ctx *c, const struct hull_oci_mount *m, int tmpfd,
		    const struct hull_mountinfo *mi, hull_error_t *err)
{
	const char *name = strrchr (mi->mountpoint, '/') + 1;
	_cleanup_free_ char *subs = v1_subsystems (mi->superopts);
	_cleanup_free_ char *path = hull_xasprintf ("%s/%s", m->destination, name);
	_cleanup_close_ int target = -EBADF, mnt = -EBADF;
	struct hull_mount_opts o = { .flags = MS_NOSUID | MS_NODEV | MS_NOEXEC |
					      (m->flags & MS_RDONLY) };
	struct hull_mount_target t;

	if (name[0] == '\0' || name[0] == '.' || subs[0] == '\0')
		return 0;
	/* tmpfd is the fresh tmpfs we just mounted: nothing in it can be a symlink. */
	if (mkdirat (tmpfd, name, 0755) < 0 && errno != EEXIST)
		return hull_error_make (err, errno, "mkdir `%s`", path);
	target = openat (tmpfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (target < 0)
		return hull_error_make (err, errno, "open `%s`", path);
	t = (struct hull_mount_target){ c->rootfd, path, target };
	if (c->cgroupns)
		mnt = hull_mount_fs (&t, "cgroup", "cgroup", subs, &o, err);
	else
		mnt = bind_own_cgroup (c, mi, subs, &t, o.flags, err);
	if (mnt < 0)
		return mnt;
	v1_links (tmpfd, name);
	return 0;
}

/* cgroup (v1), runc's mountCgroupV1: a tmpfs on the destination holding one mount
 * per v1 hierarchy of the host, then the tmpfs itself read-only when ro was asked. */
static int
mount_cgroup1 (struct ctx *c, const struct hull_oci_mount *m, hull_error_t *err)
{
	struct hull_mount_opts o = opts_of (m);
	_cleanup_close_ int target = -EBADF, tmp = -EBADF;
	struct hull_mount_target t;

	target = special_target (c, m, err);
	if (target < 0)
		return target;
	o.flags &= ~(unsigned long) MS_RDONLY;
	t = (struct hull_mount_target){ c->rootfd, m->destination, target };
	tmp = hull_mount_fs (&t, "tmpfs", "tmpfs", "mode=755", &o, err);
	if (tmp < 0)
		return mnt_wrap (err, m);
	for (size_t i = 0; i < c->n_mi; i++)
		if (strcmp (c->mi[i].fstype, "cgroup") == 0 &&
		    mount_v1_hierarchy (c, m, tmp, &c->mi[i], err) < 0)
			return mnt_wrap (err, m);
	if ((m->flags & MS_RDONLY) &&
	    hull_mount_set_flags (tmp, m->destination, MS_RDONLY, 0, err) < 0)
		return mnt_wrap (err, m);
	return 0;
}

struct mount_handler {
	const char *type;
	int (*fn) (struct ctx *c, const struct hull_oci_mount *m, hull_error_t *err);
};

static const struct mount_handler handlers[] = {
	{ "proc", mount_proc },
	{ "sysfs", mount_sysfs },
	{ "cgroup", mount_cgroup1 },
	{ "cgroup2", mount_cgroup2 },
};

static int
apply_mount (struct ctx *c, const struct hull_oci_mount *m, hull_error_t *err)
{
	if (m->destination == NULL || !hull_path_is_clean_absolute (m->destination))
		return hull_error_make (err, EINVAL,
					"mount destination `%s` is not a clean absolute path",
					m->destination ? m->destination : "(none)");
	if (m->idmap || m->ridmap || m->n_uid_mappings || m->n_gid_mappings)
		return mnt_fail (err, m, EOPNOTSUPP, "idmapped mounts are not supported yet");
	/* RESOLVE_IN_ROOT would confine a planted `../../..` symlink, but a bundle that
	 * holds one is hostile or broken: say so instead of mounting somewhere unexpected
	 * (runc CVE-2021-30465 class). */
	if (hull_path_check_no_escape (c->rootfd, m->destination, err) < 0)
		return mnt_wrap (err, m);
	if (m->bind || (m->type && strcmp (m->type, "bind") == 0))
		return mount_bind (c, m, err);
	for (size_t i = 0; m->type && i < sizeof handlers / sizeof handlers[0]; i++)
		if (strcmp (m->type, handlers[i].type) == 0)
			return handlers[i].fn (c, m, err);
	return mount_generic (c, m, err);
}

/* runtime-spec config-linux.md "Rootfs Mount Propagation": default rprivate, so no
 * mount made below ever propagates to the host. */
static int
set_root_propagation (const struct hull_oci_config *cfg, hull_error_t *err)
{
	unsigned long prop = cfg->linux_.rootfs_propagation_flags;
	_cleanup_close_ int fd = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (prop == 0)
		prop = MS_REC | MS_PRIVATE;
	if (fd < 0)
		return hull_error_make (err, errno, "open `/`");
	return hull_mount_set_propagation (fd, "/", prop, err);
}

/* pivot_root refuses a new root whose parent mount is shared (rootfsPropagation
 * "shared"/"rshared"): make just that parent private, as runc's
 * rootfsParentMountPrivate does. The parent is whatever mount `rootfs` is on now. */
static int
parent_mount_private (const char *rootfs, hull_error_t *err)
{
	struct hull_mountinfo *v;
	struct statx stx;
	size_t n = 0;
	int r = 0;

	if (statx (AT_FDCWD, rootfs, 0, STATX_MNT_ID, &stx) < 0)
		return hull_error_make (err, errno, "statx `%s`", rootfs);
	v = hull_mountinfo_read (&n, err);
	if (v == NULL)
		return hull_error_ret (err);
	for (size_t i = 0; i < n; i++) {
		if ((uint64_t) v[i].id != stx.stx_mnt_id)
			continue;
		_cleanup_close_ int fd = open (v[i].mountpoint, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			r = hull_error_make (err, errno, "open `%s`", v[i].mountpoint);
		else
			r = hull_mount_set_propagation (fd, v[i].mountpoint, MS_PRIVATE, err);
		break;
	}
	hull_mountinfo_free (v, n);
	return r;
}

/* Bind the rootfs onto itself so it is a mount point pivot_root accepts; the
 * returned fd (the new mount's root) is the `/` every later path resolves in. */
static int
bind_rootfs (const struct hull_oci_config *cfg, const char *rootfs, hull_error_t *err)
{
	_cleanup_close_ int src = open (rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct hull_mount_opts o = { .recursive = true };
	struct hull_mount_target t = { -EBADF, rootfs, src };
	_cleanup_close_ int mfd = -EBADF;

	if (src < 0)
		return hull_error_make (err, errno, "rootfs `%s`", rootfs);
	mfd = hull_mount_bind (src, rootfs, &t, &o, err);
	if (mfd < 0 || !cfg->root_readonly)
		return TAKE_FD (mfd);
	/* config.md "Root": readonly means the whole tree the container sees from the
	 * rootfs, including filesystems mounted below it on the host (the sandbox's root is
	 * the host's "/"). Every submount goes read-only now; the top stays writable only
	 * until the config's mount points exist, and finish_root seals it. */
	if (hull_mount_set_attr_recursive (mfd, "/", MOUNT_ATTR_RDONLY, 0, err) < 0 ||
	    hull_mount_set_flags (mfd, "/", 0, MS_RDONLY, err) < 0)
		return hull_error_wrap (err, "make rootfs submounts read-only");
	return TAKE_FD (mfd);
}

/* runc's needsSetupDev: when the config binds /dev from somewhere, leave it alone. */
static bool
needs_dev (const struct hull_oci_config *cfg)
{
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		const struct hull_oci_mount *m = &cfg->mounts[i];
		if (m->destination && strcmp (m->destination, "/dev") == 0 &&
		    (m->bind || (m->type && strcmp (m->type, "bind") == 0)))
			return false;
	}
	return true;
}

static bool
has_namespace (const struct hull_oci_config *cfg, enum hull_oci_ns_type type)
{
	for (size_t i = 0; i < cfg->linux_.n_namespaces; i++)
		if (cfg->linux_.namespaces[i].type == type)
			return true;
	return false;
}

/* The /dev/null that masks files: the container's own, opened before pivot_root
 * without following a symlink and checked to be the null device. runc
 * CVE-2025-31133: binding "/dev/null" by path let an image replace it with a
 * symlink to e.g. /proc/sys/kernel/core_pattern, so the "mask" became a writable
 * window onto the host. (The host's node cannot be used: after pivot_root it is no
 * longer in this mount namespace, and open_tree refuses to clone it.) */
static int
open_devnull (int rootfd, hull_error_t *err)
{
	_cleanup_close_ int fd = -EBADF;
	struct stat st;

	fd = hull_path_openat_in_root (rootfd, "/dev/null", O_PATH | O_NOFOLLOW, 0, err);
	if (fd < 0)
		return hull_error_wrap (err, "maskedPaths");
	if (fstat (fd, &st) < 0)
		return hull_error_make (err, errno, "stat `/dev/null`");
	if (!S_ISCHR (st.st_mode) || st.st_rdev != makedev (1, 3))
		return hull_error_make (err, EPERM,
					"maskedPaths: `/dev/null` is not the null device");
	return TAKE_FD (fd);
}

/* pivot_root(".", ".") stacks the old root on the new one; detach it without a
 * put_old directory (runc's pivotRoot, pivot_root(2) NOTES). Making it rslave first
 * keeps the detach from propagating to the host when "/" was shared. */
static int
do_pivot (int rootfd, hull_error_t *err)
{
	if (fchdir (rootfd) < 0)
		return hull_error_make (err, errno, "chdir to rootfs");
	if (hull_sys_pivot_root (".", ".") < 0)
		return hull_error_make (err, errno, "pivot_root");
	if (mount (NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return hull_error_make (err, errno, "make old root rslave");
	if (umount2 (".", MNT_DETACH) < 0)
		return hull_error_make (err, errno, "detach old root");
	if (chdir ("/") < 0)
		return hull_error_make (err, errno, "chdir `/`");
	return 0;
}

/* maskedPaths (config-linux.md "Masked Paths"): /dev/null over files, an empty
 * read-only tmpfs over directories; a path that does not exist is skipped, as in
 * runc's maskPath. */
static int
mask_path (int rootfd, const char *path, int devnull, hull_error_t *err)
{
	struct hull_mount_opts ro = { .flags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC };
	struct hull_mount_opts none = { 0 };
	_cleanup_close_ int fd = -EBADF, mnt = -EBADF;
	struct hull_mount_target t;
	hull_error_t e;
	struct stat st;

	fd = hull_path_openat_in_root (rootfd, path, O_PATH, 0, &e);
	if (fd < 0 && e.code == ENOENT)
		return 0;
	if (fd < 0 || fstat (fd, &st) < 0) {
		*err = e;
		return hull_error_wrap (err, "mask `%s`", path);
	}
	t = (struct hull_mount_target){ rootfd, path, fd };
	if (S_ISDIR (st.st_mode))
		mnt = hull_mount_fs (&t, "tmpfs", "tmpfs", NULL, &ro, err);
	else
		mnt = hull_mount_bind (devnull, "/dev/null", &t, &none, err);
	if (mnt < 0)
		return hull_error_wrap (err, "mask `%s`", path);
	return 0;
}

/* readonlyPaths: a recursive bind of the path onto itself, read-only all the way
 * down. mount_setattr only sets MOUNT_ATTR_RDONLY, so nosuid/nodev/noexec the path
 * had (locked ones included) stay. */
static int
readonly_path (int rootfd, const char *path, hull_error_t *err)
{
	struct hull_mount_opts o = { .flags = MS_RDONLY, .recursive = true };
	_cleanup_close_ int fd = -EBADF, mnt = -EBADF;
	struct hull_mount_target t;
	hull_error_t e;

	if (!hull_mount_use_legacy ())
		o.attr_set = MOUNT_ATTR_RDONLY;
	fd = hull_path_openat_in_root (rootfd, path, O_PATH, 0, &e);
	if (fd < 0 && e.code == ENOENT)
		return 0;
	if (fd < 0) {
		*err = e;
		return hull_error_wrap (err, "make `%s` read-only", path);
	}
	t = (struct hull_mount_target){ rootfd, path, fd };
	mnt = hull_mount_bind (fd, path, &t, &o, err);
	if (mnt < 0)
		return hull_error_wrap (err, "make `%s` read-only", path);
	return 0;
}

/* Everything after pivot_root, resolved against the new "/". */
static int
finish_root (const struct hull_oci_config *cfg, int devnull, hull_error_t *err)
{
	_cleanup_close_ int rootfd = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (rootfd < 0)
		return hull_error_make (err, errno, "open new `/`");
	/* config.md "Root": readonly. Only MOUNT_ATTR_RDONLY is set; locked flags stay. */
	if (cfg->root_readonly && hull_mount_set_flags (rootfd, "/", MS_RDONLY, 0, err) < 0)
		return hull_error_wrap (err, "make root read-only");
	for (size_t i = 0; i < cfg->linux_.masked_paths.n; i++)
		if (mask_path (rootfd, cfg->linux_.masked_paths.v[i], devnull, err) < 0)
			return hull_error_ret (err);
	for (size_t i = 0; i < cfg->linux_.readonly_paths.n; i++)
		if (readonly_path (rootfd, cfg->linux_.readonly_paths.v[i], err) < 0)
			return hull_error_ret (err);
	return 0;
}

static int
prepare_root (struct ctx *c, const char *rootfs, hull_error_t *err)
{
	if (set_root_propagation (c->cfg, err) < 0)
		return hull_error_wrap (err, "set rootfs propagation");
	if ((c->cfg->linux_.rootfs_propagation_flags & MS_SHARED) &&
	    parent_mount_private (rootfs, err) < 0)
		return hull_error_wrap (err, "make rootfs parent mount private");
	c->rootfd = bind_rootfs (c->cfg, rootfs, err);
	if (c->rootfd < 0)
		return hull_error_wrap (err, "bind rootfs");
	return 0;
}

static bool
wants_cgroup (const struct hull_oci_config *cfg)
{
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		const char *t = cfg->mounts[i].type;
		if (t && (strcmp (t, "cgroup") == 0 || strcmp (t, "cgroup2") == 0))
			return true;
	}
	return false;
}

/* runc and crun create a missing process.cwd (mode 0755, as the container's root),
 * before the root turns read-only; the spec is silent, images rely on it. */
static int
ensure_cwd (int rootfd, const struct hull_oci_config *cfg, hull_error_t *err)
{
	const char *cwd = cfg->process.cwd;
	_cleanup_close_ int fd = -EBADF;
	hull_error_t ignored;

	if (cwd == NULL || !cfg->has_process)
		return 0;
	fd = hull_path_openat_in_root (rootfd, cwd, O_PATH | O_DIRECTORY, 0, &ignored);
	if (fd >= 0 || ignored.code != ENOENT)
		return 0; /* present, or an error the process's own chdir will report */
	fd = hull_path_mkdirs_in_root (rootfd, cwd, 0755, err);
	if (fd < 0)
		return hull_error_wrap (err, "process.cwd: create `%s`", cwd);
	return 0;
}

static int
setup (struct ctx *c, const char *rootfs, hull_error_t *err)
{
	const struct hull_oci_config *cfg = c->cfg;
	_cleanup_close_ int rootfd = -EBADF, devnull = -EBADF;

	if (wants_cgroup (cfg)) {
		c->mi = hull_mountinfo_read (&c->n_mi, err);
		if (c->mi == NULL)
			return hull_error_ret (err);
	}
	if (prepare_root (c, rootfs, err) < 0)
		return hull_error_ret (err);
	rootfd = c->rootfd;
	for (size_t i = 0; i < cfg->n_mounts; i++)
		if (apply_mount (c, &cfg->mounts[i], err) < 0)
			return hull_error_ret (err);
	if (needs_dev (cfg) && hull_devices_setup (rootfd, cfg, c->userns, err) < 0)
		return hull_error_wrap (err, "create devices");
	if (cfg->linux_.masked_paths.n > 0) {
		devnull = open_devnull (rootfd, err);
		if (devnull < 0)
			return devnull;
	}
	if (ensure_cwd (rootfd, cfg, err) < 0)
		return hull_error_ret (err);
	if (c->before_pivot && c->before_pivot (c->hook_data, err) < 0)
		return hull_error_ret (err);
	if (do_pivot (rootfd, err) < 0)
		return hull_error_ret (err);
	return finish_root (cfg, devnull, err);
}

int *
hull_rootfs_prepare_sources (const struct hull_oci_config *cfg, int bundle_fd, hull_error_t *err)
{
	int *fds = hull_xmalloc ((cfg->n_mounts + 1) * sizeof (int));

	for (size_t i = 0; i < cfg->n_mounts; i++)
		fds[i] = -1;
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		const struct hull_oci_mount *m = &cfg->mounts[i];
		struct hull_mount_opts o = opts_of (m);
		_cleanup_close_ int src = -EBADF;

		if (!(m->bind || (m->type && strcmp (m->type, "bind") == 0)) || m->source == NULL)
			continue;
		src = openat (bundle_fd, m->source, O_PATH | O_CLOEXEC);
		if (src < 0) {
			hull_error_make (err, errno, "mount `%s` on `%s`", m->source,
					 m->destination);
			hull_rootfs_close_sources (cfg, fds);
			return NULL;
		}
		/* Without the new mount API the container opens the source itself. */
		if (hull_mount_use_legacy ())
			continue;
		fds[i] = hull_mount_clone_detached (src, m->source, m->destination, &o, err);
		if (fds[i] < 0) {
			hull_error_wrap (err, "mount `%s` on `%s`", m->source, m->destination);
			fds[i] = -1;
			hull_rootfs_close_sources (cfg, fds);
			return NULL;
		}
	}
	return fds;
}

void
hull_rootfs_close_sources (const struct hull_oci_config *cfg, int *fds)
{
	for (size_t i = 0; fds && i < cfg->n_mounts; i++)
		hull_safe_close (fds[i]);
	free (fds);
}

int
hull_rootfs_setup (const struct hull_oci_config *cfg, const char *rootfs, const int *source_fds,
		   hull_rootfs_hook_fn before_pivot, void *data, hull_error_t *err)
{
	struct ctx c = { .cfg = cfg,
			 .rootfd = -EBADF,
			 .source_fds = source_fds,
			 .before_pivot = before_pivot,
			 .hook_data = data };
	int r;

	if (rootfs == NULL || rootfs[0] != '/')
		return hull_error_make (err, EINVAL, "rootfs `%s` is not absolute",
					rootfs ? rootfs : "(none)");
	c.userns = hull_devices_in_userns ();
	c.cgroupns = has_namespace (cfg, HULL_NS_CGROUP);
	r = setup (&c, rootfs, err);
	hull_mountinfo_free (c.mi, c.n_mi);
	return r;
}
