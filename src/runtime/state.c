/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "runtime/state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/file.h"
#include "common/json.h"
#include "common/parse.h"
#include "common/xalloc.h"

#define STATE_MAX (1024 * 1024) /* bytes of state.json we accept */

struct hull_state_dir {
	int dirfd; /* O_RDONLY|O_DIRECTORY: flock needs a real open file */
	int rootfd;
	char *id;
	char *root;
};

static const char *const phase_names[] = {
	[HULL_PHASE_CREATING] = "creating",
	[HULL_PHASE_CREATED] = "created",
	[HULL_PHASE_RUNNING] = "running",
};

static int
mkdir_p (const char *path, mode_t mode)
{
	_cleanup_free_ char *buf = hull_xstrdup (path);

	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir (buf, 0755) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir (buf, mode) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

static struct hull_state_dir *
dir_new (int rootfd, int dirfd, const char *root, const char *id)
{
	struct hull_state_dir *s = hull_xzalloc (sizeof *s);

	s->rootfd = rootfd;
	s->dirfd = dirfd;
	s->root = hull_xstrdup (root);
	s->id = hull_xstrdup (id);
	return s;
}

static int
lock_dir (int dirfd, bool exclusive, const char *id, hull_error_t *err)
{
	/* Serialises commands on one container: create, start, kill and delete never
	 * interleave on the same id (runtime.md leaves this to the runtime). */
	while (flock (dirfd, exclusive ? LOCK_EX : LOCK_SH) < 0)
		if (errno != EINTR)
			return hull_error_make (err, errno, "lock container `%s`", id);
	return 0;
}

struct hull_state_dir *
hull_state_create (const char *root, const char *id, hull_error_t *err)
{
	_cleanup_close_ int rootfd = -EBADF;
	_cleanup_close_ int dirfd = -EBADF;

	if (mkdir_p (root, 0711) < 0) {
		hull_error_make (err, errno, "state root `%s`", root);
		return NULL;
	}
	rootfd = open (root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		hull_error_make (err, errno, "open state root `%s`", root);
		return NULL;
	}
	/* mkdir is the atomic claim on the id: two creates of one id cannot both win. */
	if (mkdirat (rootfd, id, 0700) < 0) {
		if (errno == EEXIST)
			hull_error_make (err, EEXIST, "container `%s` already exists", id);
		else
			hull_error_make (err, errno, "create state for `%s` in `%s`", id, root);
		return NULL;
	}
	dirfd = openat (rootfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0 || lock_dir (dirfd, true, id, err) < 0) {
		if (dirfd < 0)
			hull_error_make (err, errno, "open state for `%s`", id);
		unlinkat (rootfd, id, AT_REMOVEDIR);
		return NULL;
	}
	return dir_new (TAKE_FD (rootfd), TAKE_FD (dirfd), root, id);
}

struct hull_state_dir *
hull_state_open (const char *root, const char *id, bool exclusive, hull_error_t *err)
{
	_cleanup_close_ int rootfd = open (root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int dirfd = -EBADF;

	if (rootfd >= 0)
		dirfd = openat (rootfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0) {
		if (errno == ENOENT)
			hull_error_make (err, ENOENT, "container `%s` does not exist", id);
		else
			hull_error_make (err, errno, "open state of `%s` in `%s`", id, root);
		return NULL;
	}
	if (lock_dir (dirfd, exclusive, id, err) < 0)
		return NULL;
	return dir_new (TAKE_FD (rootfd), TAKE_FD (dirfd), root, id);
}

int
hull_state_dirfd (const struct hull_state_dir *s)
{
	return s->dirfd;
}

int
hull_state_rootfd (const struct hull_state_dir *s)
{
	return s->rootfd;
}

static int
write_atomic (int dirfd, const char *name, const char *text, size_t len, hull_error_t *err)
{
	_cleanup_free_ char *tmp = hull_xasprintf (".%s.tmp", name);
	_cleanup_close_ int fd = -EBADF;

	fd = openat (dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return hull_error_make (err, errno, "write `%s`", name);
	/* No fsync: the state root is /run (tmpfs), which does not outlive a reboot, and
	 * rename alone is atomic for every reader and for a crash of hull itself. */
	if (write (fd, text, len) != (ssize_t) len) {
		int e = errno;
		unlinkat (dirfd, tmp, 0);
		return hull_error_make (err, e, "write `%s`", name);
	}
	/* Temp file + rename: a reader (or a crash) never sees a half-written file. */
	if (renameat (dirfd, tmp, dirfd, name) < 0)
		return hull_error_make (err, errno, "rename `%s`", name);
	return 0;
}

static json_t *
kvv_to_json (const struct hull_kvv *kv)
{
	json_t *o = json_object ();

	for (size_t i = 0; i < kv->n; i++)
		json_object_set_new (o, kv->v[i].key, json_string (kv->v[i].value));
	return o;
}

int
hull_state_save (struct hull_state_dir *s, const struct hull_state *st, hull_error_t *err)
{
	json_t *j = json_object ();
	_cleanup_free_ char *text = NULL;

	json_object_set_new (j, "ociVersion", json_string ("1.2.0"));
	json_object_set_new (j, "id", json_string (st->id));
	json_object_set_new (j, "phase", json_string (phase_names[st->phase]));
	json_object_set_new (j, "pid", json_integer (st->pid));
	json_object_set_new (j, "startTime", json_integer ((json_int_t) st->start_time));
	json_object_set_new (j, "bundle", json_string (st->bundle ? st->bundle : ""));
	json_object_set_new (j, "rootfs", json_string (st->rootfs ? st->rootfs : ""));
	json_object_set_new (j, "created", json_string (st->created ? st->created : ""));
	if (st->cgroup)
		json_object_set_new (j, "cgroup", json_string (st->cgroup));
	json_object_set_new (j, "terminal", json_boolean (st->terminal));
	json_object_set_new (j, "annotations", kvv_to_json (&st->annotations));
	text = json_dumps (j, JSON_COMPACT);
	json_decref (j);
	if (text == NULL)
		return hull_error_make (err, ENOMEM, "encode state of `%s`", st->id);
	return write_atomic (s->dirfd, "state.json", text, strlen (text), err);
}

static char *
read_small (int dirfd, const char *name, size_t max, size_t *len, hull_error_t *err)
{
	/* O_NOFOLLOW: these are files hull wrote itself; a symlink there is tampering. */
	return hull_file_read_capped (dirfd, name, O_NOFOLLOW, max, len, err);
}

static char *
jstr (json_t *j, const char *key)
{
	const char *v = json_string_value (json_object_get (j, key));
	return v && v[0] ? hull_xstrdup (v) : NULL;
}

static int
parse_state (json_t *j, struct hull_state *st, hull_error_t *err)
{
	const char *phase = json_string_value (json_object_get (j, "phase"));
	json_t *ann = json_object_get (j, "annotations");
	json_int_t pid = json_integer_value (json_object_get (j, "pid"));
	const char *k;
	json_t *v;

	st->id = jstr (j, "id");
	if (st->id == NULL || phase == NULL || pid < 0 || pid > 4194304)
		return hull_error_make (err, EINVAL, "state.json: missing or bad id, phase or pid");
	st->phase = HULL_PHASE_CREATING;
	for (size_t i = 0; i < sizeof phase_names / sizeof phase_names[0]; i++)
		if (strcmp (phase, phase_names[i]) == 0)
			st->phase = (enum hull_phase) i;
	st->pid = (pid_t) pid;
	st->start_time = (unsigned long long) json_integer_value (json_object_get (j, "startTime"));
	st->bundle = jstr (j, "bundle");
	st->rootfs = jstr (j, "rootfs");
	st->created = jstr (j, "created");
	st->cgroup = jstr (j, "cgroup");
	st->terminal = json_is_true (json_object_get (j, "terminal"));
	if (json_is_object (ann)) {
		st->annotations.v =
			hull_xcalloc (json_object_size (ann) + 1, sizeof (struct hull_kv));
		json_object_foreach (ann, k, v) {
			if (!json_is_string (v))
				continue;
			st->annotations.v[st->annotations.n].key = hull_xstrdup (k);
			st->annotations.v[st->annotations.n++].value =
				hull_xstrdup (json_string_value (v));
		}
	}
	return 0;
}

int
hull_state_read (struct hull_state_dir *s, struct hull_state **out, hull_error_t *err)
{
	_cleanup_free_ char *text = NULL;
	struct hull_state *st;
	size_t len = 0;
	json_t *j;
	int r;

	text = read_small (s->dirfd, "state.json", STATE_MAX, &len, err);
	if (text == NULL)
		return hull_error_wrap (err, "container `%s`", s->id);
	j = hull_json_parse (text, len, STATE_MAX, "state.json", err);
	if (j == NULL)
		return hull_error_wrap (err, "container `%s`", s->id);
	st = hull_xzalloc (sizeof *st);
	r = parse_state (j, st, err);
	json_decref (j);
	if (r < 0) {
		hull_state_free (st);
		return hull_error_wrap (err, "container `%s`", s->id);
	}
	*out = st;
	return 0;
}

int
hull_state_load (const char *root, const char *id, struct hull_state **out, hull_error_t *err)
{
	struct hull_state_dir *s = hull_state_open (root, id, false, err);
	int r;

	if (s == NULL)
		return hull_error_ret (err);
	r = hull_state_read (s, out, err);
	hull_state_close (s);
	return r;
}

int
hull_state_save_config (struct hull_state_dir *s, const char *bundle, hull_error_t *err)
{
	_cleanup_close_ int bfd = open (bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ char *text = NULL;
	size_t len = 0;

	if (bfd < 0)
		return hull_error_make (err, errno, "bundle `%s`", bundle);
	text = read_small (bfd, "config.json", HULL_OCI_CONFIG_MAX, &len, err);
	if (text == NULL)
		return hull_error_ret (err);
	return write_atomic (s->dirfd, "config.json", text, len, err);
}

struct hull_oci_config *
hull_state_load_config (struct hull_state_dir *s, hull_error_t *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;

	text = read_small (s->dirfd, "config.json", HULL_OCI_CONFIG_MAX, &len, err);
	if (text == NULL)
		return NULL;
	return hull_oci_config_parse (text, len, "config.json", NULL, err);
}

unsigned long long
hull_state_pid_start_time (pid_t pid)
{
	char path[64], buf[1024];
	_cleanup_close_ int fd = -EBADF;
	unsigned long long v = 0;
	char *p, *save = NULL;
	ssize_t n;

	snprintf (path, sizeof path, "/proc/%d/stat", pid);
	fd = open (path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || (n = read (fd, buf, sizeof buf - 1)) <= 0)
		return 0;
	buf[n] = '\0';
	/* proc(5): the comm field may contain spaces and parentheses; fields resume after
	 * the last ')'. Field 3 is the state, 22 the start time. */
	p = strrchr (buf, ')');
	if (p == NULL)
		return 0;
	p += 2;
	if (*p == 'Z' || *p == 'X')
		return 0; /* a zombie has exited: the container is stopped */
	for (int field = 3; (p = strtok_r (field == 3 ? p : NULL, " ", &save)); field++) {
		if (field == 22) {
			uint64_t t;
			if (hull_parse_u64 (p, 10, &t, "start time", NULL) == 0)
				v = t;
			break;
		}
	}
	return v;
}

bool
hull_state_alive (const struct hull_state *st)
{
	return st->pid > 0 && st->start_time != 0 &&
	       hull_state_pid_start_time (st->pid) == st->start_time;
}

const char *
hull_state_status (const struct hull_state *st)
{
	if (!hull_state_alive (st))
		return st->phase == HULL_PHASE_CREATING ? "creating" : "stopped";
	if (st->phase == HULL_PHASE_RUNNING && st->cgroup) {
		/* paused is a frozen running container: asked of the cgroup by the caller */
	}
	return phase_names[st->phase];
}

char *
hull_state_oci_json (const struct hull_state *st)
{
	json_t *j = json_object ();
	const char *status = hull_state_status (st);
	char *text;

	json_object_set_new (j, "ociVersion", json_string ("1.2.0"));
	json_object_set_new (j, "id", json_string (st->id));
	json_object_set_new (j, "status", json_string (status));
	/* runtime.md: pid is REQUIRED when status is created or running. */
	if (strcmp (status, "stopped") != 0)
		json_object_set_new (j, "pid", json_integer (st->pid));
	json_object_set_new (j, "bundle", json_string (st->bundle ? st->bundle : ""));
	json_object_set_new (j, "annotations", kvv_to_json (&st->annotations));
	text = json_dumps (j, JSON_INDENT (2));
	json_decref (j);
	if (text == NULL)
		abort ();
	return text;
}

void
hull_state_unlink_start_socket (struct hull_state_dir *s)
{
	unlinkat (s->dirfd, "start.sock", 0);
}

void
hull_state_remove (struct hull_state_dir *s)
{
	_cleanup_ (closedirp) DIR *d = NULL;
	int fd;

	if (s == NULL)
		return;
	/* Only plain files live here; remove them, then the directory. */
	fd = openat (s->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0 && (d = fdopendir (fd)) != NULL) {
		struct dirent *e;
		while ((e = readdir (d)) != NULL)
			if (strcmp (e->d_name, ".") != 0 && strcmp (e->d_name, "..") != 0)
				unlinkat (s->dirfd, e->d_name, 0);
	} else
		hull_safe_close (fd);
	unlinkat (s->rootfd, s->id, AT_REMOVEDIR);
	hull_state_close (s);
}

void
hull_state_unlock (struct hull_state_dir *s)
{
	/* LOCK_UN acts on the open file description: copies of dirfd, if any, lose it too. */
	flock (s->dirfd, LOCK_UN);
}

int
hull_state_relock (struct hull_state_dir *s, hull_error_t *err)
{
	struct stat held, named;

	if (lock_dir (s->dirfd, true, s->id, err) < 0)
		return -1;
	if (fstat (s->dirfd, &held) < 0)
		return hull_error_make (err, errno, "state of `%s`", s->id);
	/* The open fd keeps the removed directory's inode alive, so a directory made
	 * again under the same id cannot share its device and inode number. */
	if (held.st_nlink == 0 || fstatat (s->rootfd, s->id, &named, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	return held.st_dev == named.st_dev && held.st_ino == named.st_ino;
}

void
hull_state_close (struct hull_state_dir *s)
{
	if (s == NULL)
		return;
	hull_safe_close (s->dirfd);
	hull_safe_close (s->rootfd);
	free (s->id);
	free (s->root);
	free (s);
}

struct hull_state *
hull_state_free (struct hull_state *st)
{
	if (st == NULL)
		return NULL;
	free (st->id);
	free (st->bundle);
	free (st->rootfs);
	free (st->created);
	free (st->cgroup);
	for (size_t i = 0; i < st->annotations.n; i++) {
		free (st->annotations.v[i].key);
		free (st->annotations.v[i].value);
	}
	free (st->annotations.v);
	free (st);
	return NULL;
}
