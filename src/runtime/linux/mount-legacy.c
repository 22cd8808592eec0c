/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The mount(2) fallback for kernels without the new mount API (before 5.2/5.12).
 *
 * Targets are still resolved once into an fd and mounted as "/proc/self/fd/N":
 * the magic link names exactly the object the fd holds, so a symlink swapped in
 * after resolution cannot redirect the mount (runc's fix for CVE-2021-30465). */
#include "runtime/linux/mount.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/statvfs.h>

#include "common/cleanup.h"
#include "common/path.h"

#define PROC_FD_MAX 32

#define ATTR_FLAGS                                                                                 \
	(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME | \
	 MS_STRICTATIME | MS_NOSYMFOLLOW)
#define ATIME_FLAGS (MS_NOATIME | MS_RELATIME | MS_STRICTATIME)
#define PROPAGATION_FLAGS (MS_PRIVATE | MS_SLAVE | MS_SHARED | MS_UNBINDABLE | MS_REC)

static const char *
proc_fd (char buf[PROC_FD_MAX], int fd)
{
	snprintf (buf, PROC_FD_MAX, "/proc/self/fd/%d", fd);
	return buf;
}

/* After mount(2) the target fd still names the covered directory; resolve the path
 * again to reach the root of the mount that now sits there. */
static int
reopen (const struct hull_mount_target *t, hull_error_t *err)
{
	int fd;

	if (t->rootfd >= 0)
		return hull_path_openat_in_root (t->rootfd, t->path, O_PATH, 0, err);
	fd = open (t->path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return hull_error_make (err, errno, "open `%s`", t->path);
	return fd;
}

int
hull_mount_legacy_fs (const struct hull_mount_target *t, const char *fstype, const char *source,
		      const char *data, unsigned long flags, hull_error_t *err)
{
	char target[PROC_FD_MAX];

	if (mount (source ? source : fstype, proc_fd (target, t->fd), fstype,
		   flags & ~(unsigned long) PROPAGATION_FLAGS, data) < 0)
		return hull_error_make (err, errno, "mount `%s` on `%s`", fstype, t->path);
	return reopen (t, err);
}

int
hull_mount_legacy_bind (int srcfd, const struct hull_mount_target *t, bool recursive,
			hull_error_t *err)
{
	char src[PROC_FD_MAX], target[PROC_FD_MAX];

	if (mount (proc_fd (src, srcfd), proc_fd (target, t->fd), NULL,
		   MS_BIND | (recursive ? MS_REC : 0), NULL) < 0)
		return hull_error_make (err, errno, "bind onto `%s`", t->path);
	return reopen (t, err);
}

/* A remount sets exactly the flags it is given, so to match mount_setattr (change
 * only what was asked) start from the flags the mount has now. */
int
hull_mount_legacy_remount (int mntfd, const char *what, unsigned long flags, unsigned long clear,
			   hull_error_t *err)
{
	unsigned long want = MS_BIND | MS_REMOUNT | (flags & ATTR_FLAGS), keep;
	char target[PROC_FD_MAX];
	struct statvfs sv;

	if (fstatvfs (mntfd, &sv) < 0)
		return hull_error_make (err, errno, "statfs `%s`", what);
	keep = sv.f_flag & ATTR_FLAGS & ~clear;
	if (flags & ATIME_FLAGS)
		keep &= ~(unsigned long) ATIME_FLAGS;
	proc_fd (target, mntfd);
	if (mount (NULL, target, NULL, want | keep, NULL) == 0)
		return 0;
	/* EPERM in a user namespace: a flag we would clear is locked. Keep everything
	 * the mount has now, as runc does (it ORs the statfs flags into the remount). */
	if (errno != EPERM)
		return hull_error_make (err, errno, "remount `%s`", what);
	if (mount (NULL, target, NULL, want | (sv.f_flag & ATTR_FLAGS), NULL) < 0)
		return hull_error_make (err, errno, "remount `%s`", what);
	return 0;
}

int
hull_mount_legacy_propagation (int mntfd, const char *what, unsigned long propagation,
			       hull_error_t *err)
{
	char target[PROC_FD_MAX];

	if (mount (NULL, proc_fd (target, mntfd), NULL, propagation & PROPAGATION_FLAGS, NULL) < 0)
		return hull_error_make (err, errno, "set propagation of `%s`", what);
	return 0;
}
