/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Device nodes in the container's /dev (runtime-spec config-linux.md "Devices",
 * "Default Devices"). Every node is created relative to an fd of its parent
 * directory, and that fd comes from the rootfs resolver: an image that makes /dev a
 * symlink to /etc gets its nodes in <rootfs>/etc, never on the host. */
#include "runtime/linux/devices.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "common/cleanup.h"
#include "common/path.h"
#include "common/xalloc.h"
#include "runtime/linux/mount.h"

struct dev_spec {
	const char *path;
	char type; /* 'c', 'u', 'b', 'p' */
	unsigned int major, minor;
	mode_t mode;
	uid_t uid;
	gid_t gid;
};

/* config-linux.md "Default Devices". */
static const struct dev_spec default_devices[] = {
	{ "/dev/null", 'c', 1, 3, 0666, 0, 0 },	   { "/dev/zero", 'c', 1, 5, 0666, 0, 0 },
	{ "/dev/full", 'c', 1, 7, 0666, 0, 0 },	   { "/dev/random", 'c', 1, 8, 0666, 0, 0 },
	{ "/dev/urandom", 'c', 1, 9, 0666, 0, 0 }, { "/dev/tty", 'c', 5, 0, 0666, 0, 0 },
};

/* config-linux.md "Default Devices" (the symlinks) and runc's setupDevSymlinks /
 * setupPtmx: /dev/ptmx points at the devpts instance mounted on /dev/pts, so a
 * container never opens the host's ptmx. `replace`: an existing entry is removed. */
static const struct {
	const char *name;
	const char *target;
	bool replace;
} dev_links[] = {
	{ "fd", "/proc/self/fd", false },	{ "stdin", "/proc/self/fd/0", false },
	{ "stdout", "/proc/self/fd/1", false }, { "stderr", "/proc/self/fd/2", false },
	{ "ptmx", "pts/ptmx", true },
};

bool
hull_devices_in_userns (void)
{
	_cleanup_fclose_ FILE *f = fopen ("/proc/self/uid_map", "re");
	char buf[256], norm[256];
	size_t n, j = 0;

	if (f == NULL)
		return false; /* no /proc/self/uid_map: a kernel without user namespaces */
	n = fread (buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	/* Collapse whitespace so the kernel's column padding does not matter. */
	for (size_t i = 0; i < n && j < sizeof norm - 1; i++) {
		bool space = buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n';
		if (space && (j == 0 || norm[j - 1] == ' '))
			continue;
		norm[j++] = space ? ' ' : buf[i];
	}
	while (j > 0 && norm[j - 1] == ' ')
		j--;
	norm[j] = '\0';
	return strcmp (norm, "0 0 4294967295") != 0;
}

static mode_t
node_type (char type)
{
	switch (type) {
	case 'b':
		return S_IFBLK;
	case 'p':
		return S_IFIFO;
	default:
		return S_IFCHR; /* 'c' and 'u' (unbuffered character device) */
	}
}

/* Split a clean absolute device path into its parent (an fd, created as needed)
 * and its last component. */
static int
open_parent (int rootfd, const char *path, const char **name, hull_error_t *err)
{
	_cleanup_free_ char *dir = NULL;
	const char *slash;

	/* runc validates devices the same way: under /dev, no `..` tricks. */
	if (!hull_path_is_clean_absolute (path) || strncmp (path, "/dev/", 5) != 0)
		return hull_error_make (err, EINVAL, "device `%s`: path must be under /dev", path);
	slash = strrchr (path, '/');
	*name = slash + 1;
	dir = hull_xstrndup (path, (size_t) (slash - path));
	return hull_path_mkdirs_in_root (rootfd, dir, 0755, err);
}

static int
mknod_device (int dirfd, const char *name, const struct dev_spec *d, hull_error_t *err)
{
	mode_t mode = node_type (d->type) | (d->mode & 07777);
	dev_t dev = d->type == 'p' ? 0 : makedev (d->major, d->minor);
	mode_t old = umask (0); /* the node gets exactly the configured mode */
	int r;

	r = mknodat (dirfd, name, mode, dev);
	if (r < 0 && errno == EEXIST && unlinkat (dirfd, name, 0) == 0)
		r = mknodat (dirfd, name, mode, dev);
	umask (old);
	if (r < 0)
		return hull_error_make (err, errno, "mknod `%s`", d->path);
	if (fchownat (dirfd, name, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return hull_error_make (err, errno, "chown `%s`", d->path);
	return 0;
}

/* The host node the bind comes from must be the device the config names: a config
 * saying /dev/null 1:3 must not bind whatever the host has at that path. */
static int
open_host_device (const struct dev_spec *d, hull_error_t *err)
{
	_cleanup_close_ int fd = open (d->path, O_PATH | O_CLOEXEC);
	struct stat st;

	if (fd < 0 || fstat (fd, &st) < 0)
		return hull_error_make (err, errno, "host device `%s`", d->path);
	if ((st.st_mode & S_IFMT) != node_type (d->type) || major (st.st_rdev) != d->major ||
	    minor (st.st_rdev) != d->minor)
		return hull_error_make (err, EINVAL, "host device `%s` is not %c %u:%u", d->path,
					d->type, d->major, d->minor);
	return TAKE_FD (fd);
}

static int
bind_device (int rootfd, int dirfd, const char *name, const struct dev_spec *d, hull_error_t *err)
{
	_cleanup_close_ int src = -EBADF, target = -EBADF, mnt = -EBADF;
	struct hull_mount_opts o = { 0 };
	struct hull_mount_target t;

	src = open_host_device (d, err);
	if (src < 0)
		return src;
	if (unlinkat (dirfd, name, 0) < 0 && errno != ENOENT)
		return hull_error_make (err, errno, "remove `%s`", d->path);
	target = openat (dirfd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0);
	if (target < 0)
		return hull_error_make (err, errno, "create `%s`", d->path);
	t = (struct hull_mount_target){ .rootfd = rootfd, .path = d->path, .fd = target };
	mnt = hull_mount_bind (src, d->path, &t, &o, err);
	if (mnt < 0)
		return hull_error_wrap (err, "bind device `%s`", d->path);
	return 0;
}

static int
create_device (int rootfd, const struct dev_spec *d, bool userns, hull_error_t *err)
{
	_cleanup_close_ int dirfd = -EBADF;
	const char *name = NULL;

	if (d->type != 'c' && d->type != 'u' && d->type != 'b' && d->type != 'p')
		return hull_error_make (err, EINVAL, "device `%s`: unknown type `%c`", d->path,
					d->type);
	dirfd = open_parent (rootfd, d->path, &name, err);
	if (dirfd < 0)
		return dirfd;
	/* A FIFO needs no privilege; everything else cannot be mknod'ed in a userns. */
	if (userns && d->type != 'p')
		return bind_device (rootfd, dirfd, name, d, err);
	return mknod_device (dirfd, name, d, err);
}

static int
config_device (const struct hull_oci_device *c, struct dev_spec *d, hull_error_t *err)
{
	if (c->path == NULL || c->major < 0 || c->minor < 0 || c->major > UINT32_MAX ||
	    c->minor > UINT32_MAX)
		return hull_error_make (err, EINVAL, "device `%s`: invalid major/minor",
					c->path ? c->path : "(none)");
	*d = (struct dev_spec){
		.path = c->path,
		.type = c->type,
		.major = (unsigned int) c->major,
		.minor = (unsigned int) c->minor,
		.mode = c->has_file_mode ? (mode_t) c->file_mode : 0666,
		.uid = c->has_uid ? c->uid : 0,
		.gid = c->has_gid ? c->gid : 0,
	};
	return 0;
}

static bool
configured (const struct hull_oci_config *cfg, const char *path)
{
	for (size_t i = 0; i < cfg->linux_.n_devices; i++)
		if (cfg->linux_.devices[i].path && strcmp (cfg->linux_.devices[i].path, path) == 0)
			return true;
	return false;
}

static int
create_links (int rootfd, hull_error_t *err)
{
	_cleanup_close_ int dirfd = hull_path_mkdirs_in_root (rootfd, "/dev", 0755, err);

	if (dirfd < 0)
		return dirfd;
	for (size_t i = 0; i < sizeof dev_links / sizeof dev_links[0]; i++) {
		if (dev_links[i].replace && unlinkat (dirfd, dev_links[i].name, 0) < 0 &&
		    errno != ENOENT)
			return hull_error_make (err, errno, "remove `/dev/%s`", dev_links[i].name);
		if (symlinkat (dev_links[i].target, dirfd, dev_links[i].name) < 0 &&
		    errno != EEXIST)
			return hull_error_make (err, errno, "symlink `/dev/%s`", dev_links[i].name);
	}
	return 0;
}

int
hull_devices_setup (int rootfd, const struct hull_oci_config *cfg, bool userns, hull_error_t *err)
{
	struct dev_spec d;

	for (size_t i = 0; i < sizeof default_devices / sizeof default_devices[0]; i++) {
		if (configured (cfg, default_devices[i].path))
			continue;
		if (create_device (rootfd, &default_devices[i], userns, err) < 0)
			return hull_error_ret (err);
	}
	for (size_t i = 0; i < cfg->linux_.n_devices; i++) {
		if (config_device (&cfg->linux_.devices[i], &d, err) < 0 ||
		    create_device (rootfd, &d, userns, err) < 0)
			return hull_error_ret (err);
	}
	return create_links (rootfd, err);
}
