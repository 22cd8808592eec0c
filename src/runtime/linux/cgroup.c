/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The cgroup manager (DESIGN.md "Cgroups"): host detection, the container's directories,
 * enter, pids, kill and destroy for v2, v1 and hybrid hosts. The freezer lives in
 * cgroup-v1.c / cgroup-v2.c.
 *
 * The cgroupfs itself is trusted, but the cgroup path comes from config.json (and, for
 * `delete`, from state.json): every directory is reached by openat from the hierarchy's
 * root fd, one component at a time, with O_NOFOLLOW, and ".." is refused up front. */
#include "runtime/linux/cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/parse.h"
#include "common/xalloc.h"
#include "runtime/linux/cgroup-internal.h"

#define FILE_MAX (16u << 20) /* cgroup.procs of a cgroup with every possible pid */
#define PATH_DEPTH_MAX 64
#define NEST_MAX 32	/* depth of child cgroups walked by pids and destroy */
#define KILL_ROUNDS 32	/* kill_all passes before giving up on a fork storm */
#define DESTROY_MS 5000 /* how long destroy waits for the processes to go */

/* Backoff for the short waits of destroy: an exiting task usually leaves its cgroup
 * within microseconds, so start small (a fixed 10 ms added that much to every `run`). */
static void
backoff (long *us)
{
	struct timespec ts = { 0, *us * 1000L };
	nanosleep (&ts, NULL);
	if (*us < 10000)
		*us *= 2;
}

/* ---- files ---- */

char *
hull_cgroup_where (const struct hull_cgroup_dir *d)
{
	return hull_xasprintf ("%s%s", d->mount, strcmp (d->path, "/") == 0 ? "" : d->path);
}

int
hull_cgroup_read_at (int dfd, const char *file, const char *where, char **out, hull_error_t *err)
{
	_cleanup_close_ int fd = openat (dfd, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;

	if (fd < 0)
		return hull_error_make (err, errno, "open `%s` in `%s`", file, where);
	for (;;) {
		ssize_t r;
		if (cap - len < 4096) {
			if (cap >= FILE_MAX)
				return hull_error_make (err, EFBIG, "read `%s` in `%s`", file,
							where);
			cap = cap ? cap * 2 : 8192;
			buf = hull_xrealloc (buf, cap + 1);
		}
		r = read (fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return hull_error_make (err, errno, "read `%s` in `%s`", file, where);
		if (r == 0)
			break;
		len += (size_t) r;
	}
	buf[len] = '\0';
	*out = TAKE_PTR (buf);
	return 0;
}

int
hull_cgroup_write_at (int dfd, const char *file, const char *where, const char *text,
		      hull_error_t *err)
{
	_cleanup_close_ int fd = openat (dfd, file, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	size_t len = strlen (text);
	ssize_t r;

	if (fd < 0)
		return hull_error_make (err, errno, "open `%s` in `%s`", file, where);
	/* cgroup files take one value per write(2); a short write is an error. */
	do
		r = write (fd, text, len);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return hull_error_make (err, errno, "write `%s` in `%s`", file, where);
	if ((size_t) r != len)
		return hull_error_make (err, EIO, "write `%s` in `%s`: short write", file, where);
	return 0;
}

static bool
is_cgroupfs (int fd)
{
	struct statfs sfs;
	if (fstatfs (fd, &sfs) < 0)
		return false;
	return sfs.f_type == CGROUP_SUPER_MAGIC || sfs.f_type == CGROUP2_SUPER_MAGIC;
}

/* The hierarchy root, checked to be a cgroupfs: the mount point comes from mountinfo or
 * from state.json, and destroy must never rmdir anywhere else. */
static int
open_root (const char *mount, hull_error_t *err)
{
	_cleanup_close_ int fd = open (mount, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return hull_error_make (err, errno, "open cgroup hierarchy `%s`", mount);
	if (!is_cgroupfs (fd))
		return hull_error_make (err, EXDEV, "`%s` is not a cgroup file system", mount);
	return TAKE_FD (fd);
}

/* Next component of a clean path; *p advances past it. Returns its length, 0 at the end. */
static size_t
next_component (const char **p, char name[NAME_MAX + 1])
{
	size_t n;
	while (**p == '/')
		(*p)++;
	n = strcspn (*p, "/");
	if (n > NAME_MAX)
		n = NAME_MAX; /* paths are checked by clean_path; cannot happen */
	memcpy (name, *p, n);
	name[n] = '\0';
	*p += n;
	return n;
}

static size_t
path_depth (const char *path)
{
	char name[NAME_MAX + 1];
	size_t n = 0;
	while (next_component (&path, name) > 0)
		n++;
	return n;
}

/* Walk path from rootfd; with `create`, mkdir what is missing (and prime cpuset on v1).
 * *made is the number of trailing components this call created. */
static int
walk (int rootfd, const struct hull_cgroup_dir *d, bool create, uint32_t *made, hull_error_t *err)
{
	_cleanup_close_ int fd = fcntl (rootfd, F_DUPFD_CLOEXEC, 3);
	bool cpuset = create && d->controllers && strstr (d->controllers, "cpuset") != NULL;
	char name[NAME_MAX + 1];
	const char *p = d->path;
	size_t depth = path_depth (d->path), i = 0;
	_cleanup_free_ char *where = hull_cgroup_where (d);

	if (made)
		*made = 0;
	if (fd < 0)
		return hull_error_make (err, errno, "dup cgroup root fd");
	while (next_component (&p, name) > 0) {
		int next;
		i++;
		if (create && mkdirat (fd, name, 0755) == 0) {
			if (made && *made == 0)
				*made = (uint32_t) (depth - i + 1);
		} else if (create && errno != EEXIST) {
			return hull_error_make (err, errno, "mkdir `%s` in cgroup `%s`", name,
						where);
		}
		next = openat (fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0)
			return hull_error_make (err, errno, "open cgroup `%s` (at `%s`)", where,
						name);
		/* A child cpuset starts with empty cpus/mems unless cgroup.clone_children is
		 * set, and the kernel refuses tasks then (cgroup-v1/cpusets.rst 2.1). Levels
		 * that existed are primed too: a pre-created empty parent would leave the
		 * container's cpuset empty. Only empty values are written. */
		if (cpuset && hull_cgroup_v1_cpuset_inherit (fd, next, where, err) < 0) {
			close (next);
			return hull_error_ret (err);
		}
		close (fd);
		fd = next;
	}
	if (!is_cgroupfs (fd))
		return hull_error_make (err, EXDEV, "cgroup `%s` is not on a cgroup file system",
					where);
	return TAKE_FD (fd);
}

int
hull_cgroup_dir_open (const struct hull_cgroup_dir *d, hull_error_t *err)
{
	_cleanup_close_ int rootfd = -EBADF;

	if (d->fd_plus1 > 0) {
		int fd = fcntl (d->fd_plus1 - 1, F_DUPFD_CLOEXEC, 3);
		if (fd < 0)
			return hull_error_make (err, errno, "cgroup `%s`: dup", d->path);
		return fd;
	}
	rootfd = open_root (d->mount, err);
	if (rootfd < 0)
		return rootfd;
	return walk (rootfd, d, false, NULL, err);
}

/* ---- paths ---- */

/* Normalise `in` to "/a/b": empty components dropped, "." and ".." refused (a config must
 * not climb out of the hierarchy it names), bounded length and depth. */
static int
clean_path (const char *in, char **out, hull_error_t *err)
{
	_cleanup_free_ char *buf = hull_xmalloc (strlen (in) + 2);
	const char *p = in;
	size_t len = 0, depth = 0, n;

	if (strlen (in) >= PATH_MAX)
		return hull_error_make (err, ENAMETOOLONG, "cgroup path `%.64s...`", in);
	for (;;) {
		while (*p == '/')
			p++;
		n = strcspn (p, "/");
		if (n == 0)
			break;
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return hull_error_make (
				err, EINVAL, "cgroup path `%s`: `.` and `..` are not allowed", in);
		if (n > NAME_MAX || ++depth > PATH_DEPTH_MAX)
			return hull_error_make (err, ENAMETOOLONG, "cgroup path `%s`", in);
		buf[len++] = '/';
		memcpy (buf + len, p, n);
		len += n;
		p += n;
	}
	if (len == 0)
		buf[len++] = '/';
	buf[len] = '\0';
	*out = TAKE_PTR (buf);
	return 0;
}

/* The runtime's own cgroup in hierarchy h, from /proc/self/cgroup ("ID:CONTROLLERS:PATH").
 * v1 lines match when their controller set equals h's (the order may differ). */
static bool
same_controllers (const char *a, size_t alen, const char *b)
{
	size_t count_a = 0, count_b = 0;
	for (const char *p = a; p < a + alen;) {
		size_t n = strcspn (p, ",:");
		const char *q = b;
		bool found = false;
		if (n > (size_t) (a + alen - p))
			n = (size_t) (a + alen - p);
		while (*q) {
			size_t m = strcspn (q, ",");
			if (m == n && strncmp (p, q, n) == 0)
				found = true;
			q += m + (q[m] == ',');
		}
		if (!found)
			return false;
		count_a++;
		p += n + 1;
	}
	for (const char *q = b; *q; q += strcspn (q, ",") + (q[strcspn (q, ",")] == ','))
		count_b++;
	return count_a == count_b;
}

static int
self_cgroup_path (const char *text, const struct hull_cgroup_hier *h, char **out, hull_error_t *err)
{
	for (const char *line = text; *line;) {
		size_t len = strcspn (line, "\n");
		const char *c1 = memchr (line, ':', len), *c2;
		if (c1 && (c2 = memchr (c1 + 1, ':', len - (size_t) (c1 + 1 - line)))) {
			size_t clen = (size_t) (c2 - c1 - 1);
			bool match = h->controllers[0] == '\0'
					     ? clen == 0 && c1 - line == 1 && line[0] == '0'
					     : clen > 0 && same_controllers (c1 + 1, clen,
									     h->controllers);
			if (match) {
				_cleanup_free_ char *p =
					hull_xstrndup (c2 + 1, len - (size_t) (c2 + 1 - line));
				size_t rl = strlen (h->root);
				/* A mount showing a subtree (mountinfo root) sees the cgroup
				 * relative to it. */
				if (strcmp (h->root, "/") != 0) {
					if (strncmp (p, h->root, rl) != 0 ||
					    (p[rl] && p[rl] != '/'))
						return hull_error_make (
							err, ENOENT,
							"own cgroup `%s` is not visible under `%s`",
							p, h->mount);
					memmove (p, p + rl, strlen (p + rl) + 1);
				}
				return clean_path (p, out, err);
			}
		}
		line += len + (line[len] == '\n');
	}
	return hull_error_make (err, ENOENT, "own cgroup for `%s` not in /proc/self/cgroup",
				h->mount);
}

/* The cgroup path in h for the config's linux.cgroupsPath (already checked). */
static int
dir_path (const struct hull_cgroup_hier *h, const char *self, const char *path, const char *id,
	  char **out, hull_error_t *err)
{
	_cleanup_free_ char *own = NULL, *joined = NULL, *dflt = NULL;

	/* runc's semantics: absolute paths as given, relative ones below the caller's own
	 * cgroup; the default `hull/<id>` is relative too, so a runtime confined to a
	 * delegated subtree (a systemd unit, a nested container) stays inside it. */
	if (path == NULL)
		path = dflt = hull_xasprintf ("hull/%s", id);
	if (path[0] == '/')
		return clean_path (path, out, err);
	if (self_cgroup_path (self, h, &own, err) < 0)
		return hull_error_ret (err);
	joined = hull_xasprintf ("%s/%s", own, path);
	return clean_path (joined, out, err);
}

static int
check_spec (const char *path, const char *id, hull_error_t *err)
{
	_cleanup_free_ char *tmp = NULL;
	if (path == NULL) {
		if (id == NULL || id[0] == '\0' || strchr (id, '/') || strcmp (id, ".") == 0 ||
		    strcmp (id, "..") == 0)
			return hull_error_make (err, EINVAL,
						"container id `%s` cannot name a cgroup",
						id ? id : "");
		return 0;
	}
	/* runc and crun read "slice:prefix:name" as a systemd unit under --systemd-cgroup. */
	if (path[0] != '/' && strchr (path, ':'))
		return hull_error_make (err, ENOTSUP,
					"linux.cgroupsPath `%s`: systemd cgroup paths need "
					"--systemd-cgroup, which hull does not support yet",
					path);
	if (path[0] == '\0')
		return hull_error_make (err, EINVAL, "linux.cgroupsPath is empty");
	if (clean_path (path, &tmp, err) < 0)
		return hull_error_wrap (err, "linux.cgroupsPath");
	return 0;
}

/* ---- processes ---- */

struct pidv {
	pid_t *v;
	size_t n, cap;
};

static void
pidv_push (struct pidv *v, pid_t pid)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 64;
		v->v = hull_xreallocarray (v->v, v->cap, sizeof *v->v);
	}
	v->v[v->n++] = pid;
}

static int
parse_procs (const char *text, const char *where, struct pidv *v, hull_error_t *err)
{
	for (const char *line = text; *line;) {
		size_t len = strcspn (line, "\n");
		if (len > 0) {
			char num[16];
			int pid;
			if (len >= sizeof num)
				return hull_error_make (err, EINVAL, "bad pid in `%s`", where);
			memcpy (num, line, len);
			num[len] = '\0';
			if (hull_parse_int (num, &pid, "pid in cgroup.procs", err) < 0)
				return hull_error_wrap (err, "%s", where);
			/* kill (0 or -1, ...) would signal far more than the container. */
			if (pid <= 0)
				return hull_error_make (err, EINVAL, "pid %d in `%s`", pid, where);
			pidv_push (v, pid);
		}
		line += len + (line[len] == '\n');
	}
	return 0;
}

typedef int (*child_fn) (int parentfd, const char *name, const char *where, int depth, void *data,
			 hull_error_t *err);

/* Call fn for each child cgroup (a subdirectory) of dfd. */
static int
for_each_child (int dfd, const char *where, int depth, child_fn fn, void *data, hull_error_t *err)
{
	int fd = openat (dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir;
	struct dirent *e;
	int r = 0;

	if (depth >= NEST_MAX)
		return hull_error_make (err, ELOOP, "cgroup `%s`: nested too deep", where);
	if (fd < 0)
		return hull_error_make (err, errno, "open cgroup `%s`", where);
	dir = fdopendir (fd);
	if (dir == NULL) {
		close (fd);
		return hull_error_make (err, errno, "read cgroup `%s`", where);
	}
	while (r == 0 && (e = readdir (dir)) != NULL) {
		if (e->d_type != DT_DIR || strcmp (e->d_name, ".") == 0 ||
		    strcmp (e->d_name, "..") == 0)
			continue;
		_cleanup_free_ char *sub = hull_xasprintf ("%s/%s", where, e->d_name);
		r = fn (dfd, e->d_name, sub, depth + 1, data, err);
	}
	closedir (dir);
	return r;
}

static int collect_pids (int dfd, const char *where, int depth, struct pidv *v, hull_error_t *err);

static int
collect_child (int parentfd, const char *name, const char *where, int depth, void *data,
	       hull_error_t *err)
{
	_cleanup_close_ int fd =
		openat (parentfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0
				       : hull_error_make (err, errno, "open cgroup `%s`", where);
	return collect_pids (fd, where, depth, data, err);
}

static int
collect_pids (int dfd, const char *where, int depth, struct pidv *v, hull_error_t *err)
{
	_cleanup_free_ char *text = NULL;
	if (hull_cgroup_read_at (dfd, "cgroup.procs", where, &text, err) < 0)
		return hull_error_ret (err);
	if (parse_procs (text, where, v, err) < 0)
		return hull_error_ret (err);
	return for_each_child (dfd, where, depth, collect_child, v, err);
}

/* The directory whose cgroup.procs lists the container: v2 the one tree; v1 the freezer
 * (what pause acts on), else pids, else any controller hierarchy. */
static const struct hull_cgroup_dir *
procs_dir (const struct hull_cgroup *cg)
{
	static const char *const prefer[] = { "freezer", "pids" };
	if (cg->mode == HULL_CGROUP_V2)
		return cg->n ? &cg->d[0] : NULL;
	for (size_t k = 0; k < sizeof prefer / sizeof prefer[0]; k++)
		for (size_t i = 0; i < cg->n; i++)
			if (same_controllers (prefer[k], strlen (prefer[k]), cg->d[i].controllers))
				return &cg->d[i];
	for (size_t i = 0; i < cg->n; i++)
		if (cg->d[i].required)
			return &cg->d[i];
	return NULL;
}

static const struct hull_cgroup_dir *
freezer_dir (const struct hull_cgroup *cg, hull_error_t *err)
{
	const struct hull_cgroup_dir *d = procs_dir (cg);
	if (d == NULL || (cg->mode == HULL_CGROUP_V1 && strcmp (d->controllers, "freezer") != 0)) {
		hull_error_make (err, ENOTSUP, "no freezer cgroup hierarchy is mounted");
		return NULL;
	}
	return d;
}

/* pids of cg; a missing directory is an error with code ENOENT. */
static int
cg_pids (const struct hull_cgroup *cg, struct pidv *v, hull_error_t *err)
{
	const struct hull_cgroup_dir *d = procs_dir (cg);
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *where = NULL;

	if (d == NULL)
		return hull_error_make (err, ENOENT, "cgroup has no hierarchy to list processes");
	fd = hull_cgroup_dir_open (d, err);
	if (fd < 0)
		return fd;
	where = hull_cgroup_where (d);
	return collect_pids (fd, where, 0, v, err);
}

int
hull_cgroup_pids (struct hull_cgroup *cg, pid_t **pids, size_t *n, hull_error_t *err)
{
	struct pidv v = { 0 };
	if (cg_pids (cg, &v, err) < 0) {
		free (v.v);
		return hull_error_ret (err);
	}
	*pids = v.v ? v.v : hull_xzalloc (sizeof (pid_t));
	*n = v.n;
	return 0;
}

/* ---- create, enter ---- */

/* The first n components of path, and component n+1 in name. */
static char *
path_prefix (const char *path, size_t n, char name[NAME_MAX + 1])
{
	const char *p = path;
	size_t end = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i == n)
			end = (size_t) (p - path);
		next_component (&p, name);
	}
	return end ? hull_xstrndup (path, end) : hull_xstrdup ("/");
}

static int remove_tree (int parentfd, const char *name, const char *where, int depth, void *data,
			hull_error_t *err);

static int
remove_children (int parentfd, const char *name, const char *where, int depth, hull_error_t *err)
{
	_cleanup_close_ int fd =
		openat (parentfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0
				       : hull_error_make (err, errno, "open cgroup `%s`", where);
	return for_each_child (fd, where, depth, remove_tree, NULL, err);
}

/* rmdir a cgroup and its child cgroups, deepest first (a cgroup directory holds only the
 * kernel's interface files, which rmdir takes with it). */
static int
remove_tree (int parentfd, const char *name, const char *where, int depth, void *data,
	     hull_error_t *err)
{
	(void) data;
	if (remove_children (parentfd, name, where, depth, err) < 0)
		return hull_error_ret (err);
	if (unlinkat (parentfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return hull_error_make (err, errno, "rmdir cgroup `%s`", where);
	return 0;
}

/* Remove the container's directory, then the parents create made (never a parent that
 * existed before: podman and systemd own those). A made parent that is still in use (the
 * shared "/hull" of other containers) stays. Missing directories are fine. */
static int
remove_dir (const struct hull_cgroup_dir *d, hull_error_t *err)
{
	size_t depth = path_depth (d->path);
	uint32_t count = d->made ? d->made : 1;

	for (size_t k = 0; k < count && k < depth; k++) {
		char name[NAME_MAX + 1];
		_cleanup_free_ char *ppath = path_prefix (d->path, depth - 1 - k, name);
		struct hull_cgroup_dir parent = *d;
		_cleanup_close_ int fd = -EBADF;
		_cleanup_free_ char *where = NULL;

		parent.path = ppath;
		parent.fd_plus1 = 0; /* the copy names another directory */
		fd = hull_cgroup_dir_open (&parent, err);
		if (fd < 0 && err->code == ENOENT)
			continue;
		if (fd < 0)
			return fd;
		where = hull_xasprintf ("%s/%s", strcmp (ppath, "/") ? ppath : "", name);
		if (k == 0) {
			if (remove_tree (fd, name, where, 0, NULL, err) < 0)
				return hull_error_ret (err);
		} else if (unlinkat (fd, name, AT_REMOVEDIR) < 0) {
			if (errno == EBUSY || errno == ENOTEMPTY)
				break;
			if (errno != ENOENT)
				return hull_error_make (err, errno, "rmdir cgroup `%s%s`", d->mount,
							where);
		}
	}
	return 0;
}

/* mkdir -p the container's directory in one hierarchy. An existing directory is reused
 * only when no process is in it (runc and crun refuse a populated cgroup as well: two
 * containers sharing one would kill each other on delete). */
static int
make_dir (struct hull_cgroup_dir *d, hull_error_t *err)
{
	_cleanup_close_ int rootfd = open_root (d->mount, err);
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *where = hull_cgroup_where (d);
	struct pidv v = { 0 };
	int r;

	if (rootfd < 0)
		return rootfd;
	fd = walk (rootfd, d, true, &d->made, err);
	if (fd < 0) {
		hull_error_t ignored;
		if (d->made)
			remove_dir (d, &ignored);
		return fd;
	}
	if (!d->made) {
		r = collect_pids (fd, where, 0, &v, err);
		free (v.v);
		if (r < 0)
			return r;
		if (v.n > 0)
			return hull_error_make (err, EBUSY, "cgroup `%s` is in use (`%s`)", d->path,
						where);
	}
	d->fd_plus1 = TAKE_FD (fd) + 1;
	return 0;
}

static void
dir_clear (struct hull_cgroup_dir *d)
{
	if (d->fd_plus1 > 0)
		hull_safe_close (d->fd_plus1 - 1);
	free (d->controllers);
	free (d->mount);
	free (d->path);
	memset (d, 0, sizeof *d);
}

static void
rollback (struct hull_cgroup *cg)
{
	hull_error_t ignored;
	for (size_t i = 0; i < cg->n; i++)
		if (cg->d[i].made)
			remove_dir (&cg->d[i], &ignored);
}

struct hull_cgroup *
hull_cgroup_create_in (const struct hull_cgroup_layout *l, const char *self, const char *path,
		       const char *id, hull_error_t *err)
{
	struct hull_cgroup *cg;

	if (check_spec (path, id, err) < 0)
		return NULL;
	cg = hull_xzalloc (sizeof *cg);
	cg->mode = l->mode;
	cg->d = hull_xcalloc (l->n ? l->n : 1, sizeof *cg->d);
	for (size_t i = 0; i < l->n; i++) {
		const struct hull_cgroup_hier *h = &l->h[i];
		struct hull_cgroup_dir *d = &cg->d[cg->n];
		int r;

		d->controllers = hull_xstrdup (h->controllers);
		d->mount = hull_xstrdup (h->mount);
		d->required = h->required || l->mode == HULL_CGROUP_V2;
		r = dir_path (h, self, path, id, &d->path, err);
		if (r == 0)
			r = make_dir (d, err);
		if (r == 0) {
			cg->n++;
			continue;
		}
		dir_clear (d);
		if (h->required || l->mode == HULL_CGROUP_V2) {
			rollback (cg);
			hull_cgroup_free (cg);
			return NULL;
		}
		/* A named v1 hierarchy or the hybrid cgroup2 tree only lets tools see the
		 * container (systemd, a cgroup namespace); nothing hull enforces lives there,
		 * so a failure (a read-only or delegated mount) is not worth refusing for. */
		hull_debug ("cgroup: skipping `%s`: %s", h->mount, err->msg);
		hull_error_clear (err);
	}
	return cg;
}

int
hull_cgroup_v2_fd (struct hull_cgroup *cg)
{
	hull_error_t err = { 0 };
	int fd;

	/* Only the whole of a pure v2 layout: on hybrid hosts the cgroup2 tree is one of
	 * several directories and the v1 ones must be entered by pid anyway. */
	if (cg->mode != HULL_CGROUP_V2 || cg->n != 1 || cg->d[0].controllers[0] != '\0')
		return -1;
	fd = hull_cgroup_dir_open (&cg->d[0], &err);
	if (fd < 0) {
		hull_debug ("cgroup: no directory fd for CLONE_INTO_CGROUP: %s", err.msg);
		hull_error_clear (&err);
		return -1;
	}
	return fd;
}

int
hull_cgroup_enter (struct hull_cgroup *cg, pid_t pid, hull_error_t *err)
{
	char num[32];
	snprintf (num, sizeof num, "%d", (int) pid);
	for (size_t i = 0; i < cg->n; i++) {
		const struct hull_cgroup_dir *d = &cg->d[i];
		_cleanup_free_ char *where = hull_cgroup_where (d);
		_cleanup_close_ int fd = hull_cgroup_dir_open (d, err);
		int r = fd < 0 ? fd : hull_cgroup_write_at (fd, "cgroup.procs", where, num, err);
		if (r < 0 && d->required)
			return hull_error_wrap (err, "move pid %d into its cgroup", (int) pid);
		if (r < 0) {
			hull_debug ("cgroup: pid %d not moved into `%s`: %s", (int) pid, where,
				    err->msg);
			hull_error_clear (err);
		}
	}
	return 0;
}

/* ---- freeze, kill, destroy ---- */

int
hull_cgroup_freeze (struct hull_cgroup *cg, bool frozen, hull_error_t *err)
{
	const struct hull_cgroup_dir *d = freezer_dir (cg, err);
	if (d == NULL)
		return hull_error_ret (err);
	return cg->mode == HULL_CGROUP_V2 ? hull_cgroup_v2_freeze (d, frozen, err)
					  : hull_cgroup_v1_freeze (d, frozen, err);
}

int
hull_cgroup_is_frozen (struct hull_cgroup *cg, bool *frozen, hull_error_t *err)
{
	const struct hull_cgroup_dir *d = freezer_dir (cg, err);
	if (d == NULL)
		return hull_error_ret (err);
	return cg->mode == HULL_CGROUP_V2 ? hull_cgroup_v2_is_frozen (d, frozen, err)
					  : hull_cgroup_v1_is_frozen (d, frozen, err);
}

static int
cmp_pid (const void *a, const void *b)
{
	pid_t x = *(const pid_t *) a, y = *(const pid_t *) b;
	return (x > y) - (x < y);
}

/* Signal every pid listed, again and again until a pass finds no pid it has not
 * signalled: a process may fork between the read of cgroup.procs and the kill. */
static int
signal_rounds (struct hull_cgroup *cg, int sig, hull_error_t *err)
{
	struct pidv done = { 0 };
	int r = 0;

	for (int round = 0; round < KILL_ROUNDS; round++) {
		struct pidv v = { 0 };
		size_t fresh = 0;

		r = cg_pids (cg, &v, err);
		if (r < 0 && err->code == ENOENT) {
			hull_error_clear (err); /* gone: nothing left to signal */
			r = 0;
		}
		for (size_t i = 0; r == 0 && i < v.n; i++) {
			if (done.n && bsearch (&v.v[i], done.v, done.n, sizeof (pid_t), cmp_pid))
				continue;
			if (kill (v.v[i], sig) < 0 && errno != ESRCH)
				r = hull_error_make (err, errno, "kill pid %d", (int) v.v[i]);
			pidv_push (&done, v.v[i]);
			fresh++;
		}
		free (v.v);
		if (r < 0 || fresh == 0) {
			free (done.v);
			return r;
		}
		qsort (done.v, done.n, sizeof (pid_t), cmp_pid);
	}
	free (done.v);
	return hull_error_make (err, EAGAIN, "signal cgroup: processes keep appearing");
}

int
hull_cgroup_kill_all (struct hull_cgroup *cg, int sig, hull_error_t *err)
{
	hull_error_t ignored;
	const struct hull_cgroup_dir *fz = freezer_dir (cg, &ignored);
	struct pidv none = { 0 };
	bool frozen = false;
	int r;

	/* Nothing to signal (the usual case at delete): skip the freeze/thaw round trip. */
	if (cg_pids (cg, &none, &ignored) == 0 && none.n == 0) {
		free (none.v);
		return 0;
	}
	free (none.v);

	/* cgroup.kill kills the whole subtree atomically, forks included
	 * (Documentation/admin-guide/cgroup-v2.rst "cgroup.kill"). */
	if (cg->mode == HULL_CGROUP_V2 && sig == SIGKILL) {
		r = hull_cgroup_v2_kill (&cg->d[0], err);
		if (r == 0 || err->code != ENOENT)
			return r;
		hull_error_clear (err);
	}
	if (fz && hull_cgroup_is_frozen (cg, &frozen, &ignored) < 0)
		fz = NULL; /* the directory is gone or has no freezer: plain signals */
	if (fz && sig == SIGKILL) {
		/* Freeze, kill, thaw: frozen tasks neither fork nor exit, so the pid list is
		 * complete and no pid is recycled under us (runc does the same). A v1 frozen
		 * task only dies once thawed (cgroup-v1/freezer-subsystem.rst), so a paused
		 * container is thawed at the end as well. */
		if (!frozen && hull_cgroup_freeze (cg, true, &ignored) < 0)
			hull_debug ("cgroup: freeze before kill: %s", ignored.msg);
	} else if (fz && frozen && sig == SIGTERM) {
		/* Stays pending on a frozen task otherwise; `kill` of a paused container
		 * with SIGTERM means stop it (runc thaws as well). */
		if (hull_cgroup_freeze (cg, false, err) < 0)
			return hull_error_ret (err);
		fz = NULL;
	} else {
		/* Other signals stay pending while paused and arrive on resume. */
		fz = NULL;
	}
	r = signal_rounds (cg, sig, err);
	if (fz && hull_cgroup_freeze (cg, false, &ignored) < 0 && r == 0) {
		*err = ignored;
		return hull_error_ret (err);
	}
	return r;
}

static long
now_ms (void)
{
	struct timespec ts;
	clock_gettime (CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Wait until no process is left; true when empty (or gone). */
static bool
wait_empty (struct hull_cgroup *cg, long deadline, size_t *left)
{
	long us = 50;

	for (;;) {
		struct pidv v = { 0 };
		hull_error_t e;
		int r = cg_pids (cg, &v, &e);
		free (v.v);
		*left = v.n;
		if (r < 0 || v.n == 0)
			return true;
		if (now_ms () > deadline)
			return false;
		backoff (&us);
	}
}

int
hull_cgroup_destroy (struct hull_cgroup *cg, hull_error_t *err)
{
	long deadline = now_ms () + DESTROY_MS;
	hull_error_t e;
	size_t left = 0;
	int ret = 0;

	if (hull_cgroup_kill_all (cg, SIGKILL, &e) < 0)
		hull_debug ("cgroup: kill before destroy: %s", e.msg);
	if (!wait_empty (cg, deadline, &left))
		return hull_error_make (err, EBUSY,
					"cgroup `%s`: %zu processes still there after %d ms",
					cg->n ? cg->d[0].path : "?", left, DESTROY_MS);
	for (size_t i = 0; i < cg->n; i++) {
		long us = 50;
		int r;
		/* Exiting tasks may keep a v1 cgroup busy for a moment after cgroup.procs
		 * reads empty. */
		while ((r = remove_dir (&cg->d[i], &e)) < 0 && e.code == EBUSY &&
		       now_ms () < deadline)
			backoff (&us);
		if (r < 0 && cg->d[i].required && ret == 0) {
			*err = e;
			ret = r;
		} else if (r < 0) {
			hull_debug ("cgroup: %s", e.msg);
		}
	}
	return ret;
}

struct hull_cgroup *
hull_cgroup_free (struct hull_cgroup *cg)
{
	if (cg == NULL)
		return NULL;
	for (size_t i = 0; i < cg->n; i++)
		dir_clear (&cg->d[i]);
	free (cg->d);
	free (cg);
	return NULL;
}
