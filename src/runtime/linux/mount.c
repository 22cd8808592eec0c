/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Mounting through file descriptors with the new mount API.
 *
 * Why fds: a mount(2) on a path string re-resolves the path at mount time, so a
 * symlink swapped into a shared volume between "check" and "mount" redirects the
 * mount onto the host (runc CVE-2021-30465). Here the target is resolved once, by
 * the rootfs resolver, and every later step names it by fd: fsmount/open_tree build
 * a detached mount, mount_setattr sets its flags before anyone can see it, and
 * move_mount(MOVE_MOUNT_T_EMPTY_PATH) attaches it exactly where the fd points. */
#include "runtime/linux/mount.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/statvfs.h>

#include "common/cleanup.h"
#include "common/parse.h"
#include "common/xalloc.h"

#define MOUNTINFO_MAX_LINES 100000 /* a bound on what we parse, far above real hosts */

static bool force_legacy;
static bool new_api_missing;

void
hull_mount_force_legacy (bool on)
{
	force_legacy = on;
}

bool
hull_mount_use_legacy (void)
{
	return force_legacy || new_api_missing;
}

/* ENOSYS: a kernel before 5.2 (5.12 for mount_setattr). Remember it and fall back. */
static bool
api_missing (int e)
{
	if (e == ENOSYS)
		new_api_missing = true;
	return e == ENOSYS;
}

static const struct {
	unsigned long ms;
	uint64_t attr;
} attr_map[] = {
	{ MS_RDONLY, MOUNT_ATTR_RDONLY },	  { MS_NOSUID, MOUNT_ATTR_NOSUID },
	{ MS_NODEV, MOUNT_ATTR_NODEV },		  { MS_NOEXEC, MOUNT_ATTR_NOEXEC },
	{ MS_NODIRATIME, MOUNT_ATTR_NODIRATIME }, { MS_NOSYMFOLLOW, MOUNT_ATTR_NOSYMFOLLOW },
};

void
hull_mount_attr_from_flags (unsigned long flags, unsigned long clear, struct mount_attr *attr)
{
	memset (attr, 0, sizeof *attr);
	for (size_t i = 0; i < sizeof attr_map / sizeof attr_map[0]; i++) {
		if (flags & attr_map[i].ms)
			attr->attr_set |= attr_map[i].attr;
		else if (clear & attr_map[i].ms)
			attr->attr_clr |= attr_map[i].attr;
	}
	/* The atime modes are one 3-bit field: changing it means clearing the field. */
	if (flags & (MS_NOATIME | MS_STRICTATIME | MS_RELATIME)) {
		attr->attr_clr |= MOUNT_ATTR__ATIME;
		if (flags & MS_NOATIME)
			attr->attr_set |= MOUNT_ATTR_NOATIME;
		else if (flags & MS_STRICTATIME)
			attr->attr_set |= MOUNT_ATTR_STRICTATIME;
	} else if (clear & (MS_NOATIME | MS_STRICTATIME)) {
		attr->attr_clr |= MOUNT_ATTR__ATIME; /* "atime"/"nostrictatime": back to relatime */
	}
}

/* mount_setattr that keeps locked flags. In a user namespace the flags a mount had
 * when it was copied from the host (ro, nosuid, nodev, noexec, atime) are locked and
 * clearing one fails with EPERM. runc keeps them in its remount (it ORs in statfs
 * flags); do the same: on EPERM drop every clear of a flag that is set now, and any
 * atime change, and retry. The result is never less strict than requested. */
static int
setattr_keep_locked (int mntfd, unsigned int at_flags, struct mount_attr *a)
{
	struct mount_attr cur;
	struct statvfs sv;

	if (hull_sys_mount_setattr (mntfd, "", AT_EMPTY_PATH | at_flags, a) == 0)
		return 0;
	if (errno != EPERM)
		return -1;
	if (fstatvfs (mntfd, &sv) < 0) {
		errno = EPERM;
		return -1;
	}
	hull_mount_attr_from_flags (
		sv.f_flag & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NODIRATIME), 0,
		&cur);
	a->attr_clr &= ~(cur.attr_set | MOUNT_ATTR__ATIME);
	a->attr_set &= ~MOUNT_ATTR__ATIME;
	return hull_sys_mount_setattr (mntfd, "", AT_EMPTY_PATH | at_flags, a);
}

int
hull_mount_set_flags (int mntfd, const char *what, unsigned long flags, unsigned long clear,
		      hull_error_t *err)
{
	struct mount_attr a;

	hull_mount_attr_from_flags (flags, clear, &a);
	if (a.attr_set == 0 && a.attr_clr == 0)
		return 0;
	if (!hull_mount_use_legacy ()) {
		if (setattr_keep_locked (mntfd, 0, &a) == 0)
			return 0;
		if (!api_missing (errno))
			return hull_error_make (err, errno, "mount_setattr `%s`", what);
	}
	return hull_mount_legacy_remount (mntfd, what, flags, clear, err);
}

int
hull_mount_set_attr_recursive (int mntfd, const char *what, uint64_t set, uint64_t clr,
			       hull_error_t *err)
{
	struct mount_attr a = { .attr_set = set, .attr_clr = clr };

	if (set == 0 && clr == 0)
		return 0;
	if (!hull_mount_use_legacy ()) {
		if (setattr_keep_locked (mntfd, AT_RECURSIVE, &a) == 0)
			return 0;
		if (!api_missing (errno))
			return hull_error_make (err, errno, "mount_setattr (recursive) `%s`", what);
	}
	/* Fail closed: mount(2) has no recursive flag change (runtime-spec "rro" etc.). */
	return hull_error_make (err, EOPNOTSUPP,
				"recursive mount options on `%s` need mount_setattr (Linux 5.12)",
				what);
}

int
hull_mount_set_propagation (int mntfd, const char *what, unsigned long propagation,
			    hull_error_t *err)
{
	struct mount_attr a = { .propagation = propagation & ~(unsigned long) MS_REC };

	if (a.propagation == 0)
		return 0;
	if (!hull_mount_use_legacy ()) {
		if (hull_sys_mount_setattr (
			    mntfd, "", AT_EMPTY_PATH | ((propagation & MS_REC) ? AT_RECURSIVE : 0),
			    &a) == 0)
			return 0;
		if (!api_missing (errno))
			return hull_error_make (err, errno, "set propagation of `%s`", what);
	}
	return hull_mount_legacy_propagation (mntfd, what, propagation, err);
}

/* Superblock flags have no MOUNT_ATTR_*; fsconfig takes them by name. */
static const struct {
	unsigned long ms;
	const char *name;
} sb_flags[] = {
	{ MS_SYNCHRONOUS, "sync" }, { MS_DIRSYNC, "dirsync" }, { MS_LAZYTIME, "lazytime" },
	{ MS_MANDLOCK, "mand" },    { MS_SILENT, "silent" },   { MS_POSIXACL, "posixacl" },
};

/* The filesystem's own explanation of a failure, if it left one in the context log
 * ("e tmpfs: Bad value for 'size'"). */
static const char *
fs_log (int fsfd, char *buf, size_t size)
{
	ssize_t n = read (fsfd, buf, size - 1);

	if (n <= 0)
		return "";
	buf[n] = '\0';
	buf[strcspn (buf, "\n")] = '\0';
	return buf;
}

static int
fs_set (int fsfd, const char *fstype, const char *opt, hull_error_t *err)
{
	_cleanup_free_ char *key = hull_xstrdup (opt);
	char *eq = strchr (key, '=');
	char log[256];
	int r;

	if (eq) {
		*eq = '\0';
		r = hull_sys_fsconfig (fsfd, FSCONFIG_SET_STRING, key, eq + 1, 0);
	} else
		r = hull_sys_fsconfig (fsfd, FSCONFIG_SET_FLAG, key, NULL, 0);
	if (r < 0) {
		int e = errno;
		return hull_error_make (err, e, "%s option `%s` (%s)", fstype, opt,
					fs_log (fsfd, log, sizeof log));
	}
	return 0;
}

static int
fs_configure (int fsfd, const char *fstype, const char *source, const char *data,
	      unsigned long flags, hull_error_t *err)
{
	_cleanup_free_ char *copy = NULL;
	char *save = NULL, log[256];

	if (source && hull_sys_fsconfig (fsfd, FSCONFIG_SET_STRING, "source", source, 0) < 0)
		return hull_error_make (err, errno, "%s source `%s`", fstype, source);
	for (size_t i = 0; i < sizeof sb_flags / sizeof sb_flags[0]; i++)
		if ((flags & sb_flags[i].ms) && fs_set (fsfd, fstype, sb_flags[i].name, err) < 0)
			return hull_error_ret (err);
	if (data) {
		copy = hull_xstrdup (data);
		for (char *o = strtok_r (copy, ",", &save); o; o = strtok_r (NULL, ",", &save))
			if (fs_set (fsfd, fstype, o, err) < 0)
				return hull_error_ret (err);
	}
	if (hull_sys_fsconfig (fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		int e = errno;
		return hull_error_make (err, e, "create %s (%s)", fstype,
					fs_log (fsfd, log, sizeof log));
	}
	return 0;
}

/* Attach a detached mount at t and apply propagation; returns mfd or negative. */
static int
attach (int mfd, const struct hull_mount_target *t, const struct hull_mount_opts *o,
	hull_error_t *err)
{
	if (hull_sys_move_mount (mfd, "", t->fd, "",
				 MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return hull_error_make (err, errno, "move_mount onto `%s`", t->path);
	if (hull_mount_set_propagation (mfd, t->path, o->propagation, err) < 0)
		return hull_error_ret (err);
	return mfd;
}

/* The legacy sequence: mount, re-resolve to the new mount's root, then flags. */
static int
legacy_finish (int mfd, const struct hull_mount_target *t, const struct hull_mount_opts *o,
	       bool remount, hull_error_t *err)
{
	_cleanup_close_ int fd = mfd;

	if (fd < 0)
		return fd;
	if (remount && hull_mount_set_flags (fd, t->path, o->flags, o->clear, err) < 0)
		return hull_error_ret (err);
	if (hull_mount_set_attr_recursive (fd, t->path, o->attr_set, o->attr_clr, err) < 0)
		return hull_error_ret (err);
	if (hull_mount_set_propagation (fd, t->path, o->propagation, err) < 0)
		return hull_error_ret (err);
	return TAKE_FD (fd);
}

int
hull_mount_fs (const struct hull_mount_target *t, const char *fstype, const char *source,
	       const char *data, const struct hull_mount_opts *o, hull_error_t *err)
{
	_cleanup_close_ int fsfd = -EBADF, mfd = -EBADF;
	struct mount_attr a;

	if (hull_mount_use_legacy ())
		goto legacy;
	fsfd = hull_sys_fsopen (fstype, FSOPEN_CLOEXEC);
	if (fsfd < 0) {
		if (api_missing (errno))
			goto legacy;
		return hull_error_make (err, errno, "fsopen `%s`", fstype);
	}
	if (fs_configure (fsfd, fstype, source, data, o->flags, err) < 0)
		return hull_error_ret (err);
	hull_mount_attr_from_flags (o->flags, 0, &a);
	mfd = hull_sys_fsmount (fsfd, FSMOUNT_CLOEXEC, (unsigned int) a.attr_set);
	if (mfd < 0)
		return hull_error_make (err, errno, "fsmount `%s`", fstype);
	if (hull_mount_set_attr_recursive (mfd, t->path, o->attr_set, o->attr_clr, err) < 0)
		return hull_error_ret (err);
	if (attach (mfd, t, o, err) < 0)
		return hull_error_ret (err);
	return TAKE_FD (mfd);
legacy:
	return legacy_finish (hull_mount_legacy_fs (t, fstype, source, data, o->flags, err), t, o,
			      false, err);
}

int
hull_mount_bind (int srcfd, const char *srcname, const struct hull_mount_target *t,
		 const struct hull_mount_opts *o, hull_error_t *err)
{
	unsigned int fl = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH;
	_cleanup_close_ int mfd = -EBADF;

	if (hull_mount_use_legacy ())
		goto legacy;
	mfd = hull_sys_open_tree (srcfd, "", fl | (o->recursive ? AT_RECURSIVE : 0));
	if (mfd < 0) {
		if (api_missing (errno))
			goto legacy;
		return hull_error_make (err, errno, "open_tree `%s`", srcname);
	}
	/* Flags go on while the clone is still detached: it is never visible writable. */
	if (hull_mount_set_flags (mfd, t->path, o->flags, o->clear, err) < 0)
		return hull_error_ret (err);
	if (hull_mount_set_attr_recursive (mfd, t->path, o->attr_set, o->attr_clr, err) < 0)
		return hull_error_ret (err);
	if (attach (mfd, t, o, err) < 0)
		return hull_error_ret (err);
	return TAKE_FD (mfd);
legacy:
	return legacy_finish (hull_mount_legacy_bind (srcfd, t, o->recursive, err), t, o, true,
			      err);
}

int
hull_mount_clone_detached (int srcfd, const char *srcname, const char *dest,
			   const struct hull_mount_opts *o, hull_error_t *err)
{
	unsigned int fl = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH;
	_cleanup_close_ int mfd = -EBADF;

	if (hull_mount_use_legacy ())
		return hull_error_make (err, ENOSYS, "open_tree `%s`", srcname);
	mfd = hull_sys_open_tree (srcfd, "", fl | (o->recursive ? AT_RECURSIVE : 0));
	if (mfd < 0)
		return hull_error_make (err, errno, "open_tree `%s`", srcname);
	if (hull_mount_set_flags (mfd, dest, o->flags, o->clear, err) < 0)
		return hull_error_ret (err);
	if (hull_mount_set_attr_recursive (mfd, dest, o->attr_set, o->attr_clr, err) < 0)
		return hull_error_ret (err);
	return TAKE_FD (mfd);
}

int
hull_mount_attach_detached (int mfd, const struct hull_mount_target *t,
			    const struct hull_mount_opts *o, hull_error_t *err)
{
	_cleanup_close_ int fd = fcntl (mfd, F_DUPFD_CLOEXEC, 3);

	if (fd < 0)
		return hull_error_make (err, errno, "dup detached mount for `%s`", t->path);
	if (attach (fd, t, o, err) < 0)
		return hull_error_ret (err);
	return TAKE_FD (fd);
}

/* Split one mountinfo line in place. Format (proc(5)):
 * id parent maj:min root mountpoint opts [optional...] - fstype source superopts */
static bool
mountinfo_parse (char *line, struct hull_mountinfo *mi)
{
	char *f[6], *save = NULL, *tok;
	int n = 0;

	line[strcspn (line, "\n")] = '\0';
	for (tok = strtok_r (line, " ", &save); tok && n < 6; tok = strtok_r (NULL, " ", &save))
		f[n++] = tok;
	if (n < 6)
		return false;
	while (tok && strcmp (tok, "-") != 0)
		tok = strtok_r (NULL, " ", &save);
	if (tok == NULL)
		return false;
	char *fstype = strtok_r (NULL, " ", &save);
	char *source = strtok_r (NULL, " ", &save);
	char *super = strtok_r (NULL, " ", &save);
	if (super == NULL)
		return false;
	if (hull_parse_int (f[0], &mi->id, "mount id", NULL) < 0 ||
	    hull_parse_int (f[1], &mi->parent, "parent id", NULL) < 0)
		return false;
	mi->root = hull_xstrdup (f[3]);
	mi->mountpoint = hull_xstrdup (f[4]);
	mi->fstype = hull_xstrdup (fstype);
	mi->source = hull_xstrdup (source);
	mi->superopts = hull_xstrdup (super);
	return true;
}

struct hull_mountinfo *
hull_mountinfo_read (size_t *n, hull_error_t *err)
{
	_cleanup_fclose_ FILE *f = fopen ("/proc/self/mountinfo", "re");
	_cleanup_free_ char *line = NULL;
	struct hull_mountinfo *v = NULL;
	size_t cap = 0, len = 0;

	*n = 0;
	if (f == NULL) {
		hull_error_make (err, errno, "open `/proc/self/mountinfo`");
		return NULL;
	}
	while (getline (&line, &cap, f) > 0 && *n < MOUNTINFO_MAX_LINES) {
		if (*n == len) {
			len = len ? len * 2 : 64;
			v = hull_xreallocarray (v, len, sizeof *v);
		}
		if (mountinfo_parse (line, &v[*n]))
			(*n)++;
	}
	if (v == NULL)
		v = hull_xcalloc (1, sizeof *v);
	return v;
}

void
hull_mountinfo_free (struct hull_mountinfo *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free (v[i].root);
		free (v[i].mountpoint);
		free (v[i].fstype);
		free (v[i].source);
		free (v[i].superopts);
	}
	free (v);
}
