/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Resolution of paths inside a container root.
 *
 * Why: joining "<rootfs>/<path>" and calling a path-based syscall lets a symlink
 * planted in an image redirect the runtime to the host (runc CVE-2021-30465,
 * CVE-2024-21626, crun CVE-2019-18837 class). openat2(RESOLVE_IN_ROOT) makes the
 * kernel treat rootfd as "/" for the whole walk; the fallback reproduces those
 * semantics in user space one component at a time. */
#include "common/path.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"

#define MAX_SYMLINKS 40 /* same bound as the kernel's MAXSYMLINKS */
#define MAX_DEPTH 256

static bool force_fallback;

void
hull_path_force_fallback (bool on)
{
	force_fallback = on;
}

bool
hull_path_is_clean_absolute (const char *path)
{
	const char *p;

	if (path == NULL || path[0] != '/')
		return false;
	if (strcmp (path, "/") == 0)
		return true;
	for (p = path; *p;) {
		const char *c = p + 1; /* p points at a '/' */
		size_t n = strcspn (c, "/");
		if (n == 0)
			return false; /* "//" or trailing "/" */
		if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		p = c + n;
	}
	return true;
}

static int
try_openat2 (int rootfd, const char *path, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (unsigned long long) (flags | O_CLOEXEC),
		.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd;

	/* An empty path or "/" means the root itself. */
	if (path[0] == '\0')
		path = ".";
	for (int i = 0; i < 16; i++) {
		fd = (int) syscall (SYS_openat2, rootfd, path, &how, sizeof how);
		/* EAGAIN: a concurrent rename raced the walk; the kernel asks us to retry. */
		if (fd >= 0 || errno != EAGAIN)
			return fd;
	}
	return -1;
}

/* Fallback walk. A stack of O_PATH fds, one per depth, lets ".." pop without
 * re-reading anything an attacker could swap. Symlink targets are spliced in
 * front of the remaining path; absolute ones restart at the root. */
struct walk {
	int fds[MAX_DEPTH];
	int depth;
};

static void
walk_reset (struct walk *w)
{
	while (w->depth > 0) {
		w->fds[w->depth] = hull_safe_close (w->fds[w->depth]);
		w->depth--;
	}
}

static int
walk_top (struct walk *w)
{
	return w->fds[w->depth];
}

static int
fallback_open (int rootfd, const char *path, int flags, mode_t mode, bool strict)
{
	struct walk w = { .depth = 0 };
	_cleanup_free_ char *rest = NULL;
	int links = 0, ret = -1;
	char *cur;

	w.fds[0] = rootfd;
	rest = hull_xstrdup (path);
	cur = rest;
	for (;;) {
		struct stat st;
		char *comp, *next;
		bool last;
		int fd;

		while (*cur == '/')
			cur++;
		if (*cur == '\0') {
			/* Path ended on a directory (or was empty): open it with the caller's flags. */
			if (flags & O_CREAT && !(flags & O_DIRECTORY)) {
				errno = EISDIR;
				goto out;
			}
			ret = openat (walk_top (&w), ".",
				      (flags & ~(O_CREAT | O_EXCL)) | O_CLOEXEC);
			goto out;
		}
		comp = cur;
		next = strchr (cur, '/');
		if (next) {
			*next = '\0';
			cur = next + 1;
		} else
			cur += strlen (cur);
		while (*cur == '/')
			cur++;
		last = (*cur == '\0');
		if (strcmp (comp, ".") == 0)
			continue;
		if (strcmp (comp, "..") == 0) {
			/* RESOLVE_IN_ROOT: ".." at the root stays at the root. In strict mode
			 * climbing above it is the error: something meant to escape. */
			if (w.depth == 0 && strict) {
				errno = EXDEV;
				goto out;
			}
			if (w.depth > 0) {
				w.fds[w.depth] = hull_safe_close (w.fds[w.depth]);
				w.depth--;
			}
			continue;
		}
		if (strlen (comp) > NAME_MAX) {
			errno = ENAMETOOLONG;
			goto out;
		}
		if (last) {
			fd = openat (walk_top (&w), comp, flags | O_NOFOLLOW | O_CLOEXEC, mode);
			/* O_PATH|O_NOFOLLOW opens a symlink itself instead of failing with
			 * ELOOP: look, and follow it unless the caller said O_NOFOLLOW. */
			if (fd >= 0 && (flags & O_PATH) && !(flags & O_NOFOLLOW) &&
			    fstat (fd, &st) == 0 && S_ISLNK (st.st_mode))
				fd = hull_safe_close (fd);
			else if (fd >= 0) {
				ret = fd;
				goto out;
			} else if (errno != ELOOP && errno != ENOTDIR && errno != EMLINK)
				goto out;
			else if (flags & O_NOFOLLOW)
				goto out;
		}
		fd = openat (walk_top (&w), comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			goto out;
		if (fstat (fd, &st) < 0) {
			hull_safe_close (fd);
			goto out;
		}
		if (S_ISLNK (st.st_mode)) {
			char target[PATH_MAX];
			ssize_t n = readlinkat (fd, "", target, sizeof target - 1);
			char *joined;

			hull_safe_close (fd);
			if (n < 0)
				goto out;
			target[n] = '\0';
			if (++links > MAX_SYMLINKS) {
				errno = ELOOP;
				goto out;
			}
			if (target[0] == '/')
				walk_reset (&w);
			joined = hull_xasprintf ("%s/%s", target, cur);
			free (rest);
			rest = joined;
			cur = rest;
			continue;
		}
		if (!S_ISDIR (st.st_mode)) {
			hull_safe_close (fd);
			errno = ENOTDIR;
			goto out;
		}
		if (w.depth + 1 >= MAX_DEPTH) {
			hull_safe_close (fd);
			errno = ENAMETOOLONG;
			goto out;
		}
		w.fds[++w.depth] = fd;
	}
out : {
	int saved = errno;
	walk_reset (&w);
	errno = saved;
}
	return ret;
}

int
hull_path_openat_in_root (int rootfd, const char *path, int flags, mode_t mode, hull_error_t *err)
{
	int fd = -1;

	if (path == NULL)
		return hull_error_make (err, EINVAL, "open in root: no path");
	if (!force_fallback) {
		fd = try_openat2 (rootfd, path, flags, mode);
		if (fd >= 0)
			return fd;
		if (errno != ENOSYS && errno != EPERM) /* EPERM: seccomp-filtered openat2 */
			return hull_error_make (err, errno, "open `%s` in container root", path);
	}
	fd = fallback_open (rootfd, path, flags, mode, false);
	if (fd < 0)
		return hull_error_make (err, errno, "open `%s` in container root", path);
	return fd;
}

int
hull_path_check_no_escape (int rootfd, const char *path, hull_error_t *err)
{
	int fd = fallback_open (rootfd, path, O_PATH, 0, true);

	if (fd >= 0) {
		hull_safe_close (fd);
		return 0;
	}
	if (errno == EXDEV)
		return hull_error_make (err, EXDEV,
					"`%s` goes through a symlink that climbs out of the "
					"container root",
					path);
	/* Anything else (ENOENT: not there yet) is for the real open to report. */
	return 0;
}

int
hull_path_mkdirs_in_root (int rootfd, const char *path, mode_t mode, hull_error_t *err)
{
	_cleanup_free_ char *buf = hull_xstrdup (path);
	_cleanup_close_ int cur = -EBADF;
	char *p = buf;

	cur = hull_path_openat_in_root (rootfd, "/", O_PATH | O_DIRECTORY, 0, err);
	if (cur < 0)
		return cur;
	/* Walk one component at a time; each step goes through the resolver relative to
	 * the already-resolved prefix so a symlink component stays inside the root. */
	while (*p) {
		_cleanup_free_ char *prefix = NULL;
		char *slash;
		int next;

		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		slash = strchr (p, '/');
		if (slash)
			*slash = '\0';
		prefix = hull_xstrndup (buf, (size_t) (p - buf) + strlen (p));
		/* `cur` is the resolved parent, so mkdirat on the plain name cannot escape;
		 * EEXIST covers existing directories and symlinks, which the resolution below
		 * follows inside the root. */
		if (strcmp (p, "..") != 0 && strcmp (p, ".") != 0 && mkdirat (cur, p, mode) < 0 &&
		    errno != EEXIST)
			return hull_error_make (err, errno, "mkdir `%s` in container root", prefix);
		if (slash)
			*slash = '/';
		next = hull_path_openat_in_root (rootfd, prefix, O_PATH | O_DIRECTORY, 0, err);
		if (next < 0)
			return next;
		hull_safe_close (cur);
		cur = next;
		p = slash ? slash + 1 : p + strlen (p);
	}
	return TAKE_FD (cur);
}
