/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "runtime/state.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"

struct hull_state_dir {
	int dirfd;
	int rootfd;
	char *id;
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

struct hull_state_dir *
hull_state_create (const char *root, const char *id, hull_error_t *err)
{
	_cleanup_close_ int rootfd = -EBADF;
	struct hull_state_dir *s;
	int dirfd;

	if (mkdir_p (root, 0711) < 0) {
		hull_error_make (err, errno, "state root `%s`", root);
		return NULL;
	}
	rootfd = open (root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		hull_error_make (err, errno, "open state root `%s`", root);
		return NULL;
	}
	/* mkdir is the atomic claim on the id: two runs with one id cannot both win. */
	if (mkdirat (rootfd, id, 0700) < 0) {
		if (errno == EEXIST)
			hull_error_make (err, EEXIST, "container `%s` already exists in `%s`", id,
					 root);
		else
			hull_error_make (err, errno, "create state for `%s` in `%s`", id, root);
		return NULL;
	}
	dirfd = openat (rootfd, id, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0) {
		hull_error_make (err, errno, "open state for `%s`", id);
		unlinkat (rootfd, id, AT_REMOVEDIR);
		return NULL;
	}
	s = hull_xzalloc (sizeof *s);
	s->dirfd = dirfd;
	s->rootfd = TAKE_FD (rootfd);
	s->id = hull_xstrdup (id);
	return s;
}

int
hull_state_set_running (struct hull_state_dir *s, const struct hull_oci_config *cfg,
			const struct hull_run_options *opts, pid_t pid)
{
	json_t *j = json_object ();
	json_t *ann = json_object ();
	_cleanup_close_ int fd = -EBADF;
	char *text;
	size_t len;
	int r = -1;

	json_object_set_new (j, "ociVersion", json_string ("1.2.0"));
	json_object_set_new (j, "id", json_string (opts->id));
	json_object_set_new (j, "status", json_string ("running"));
	json_object_set_new (j, "pid", json_integer (pid));
	json_object_set_new (j, "bundle", json_string (opts->bundle));
	for (size_t i = 0; i < cfg->annotations.n; i++)
		json_object_set_new (ann, cfg->annotations.v[i].key,
				     json_string (cfg->annotations.v[i].value));
	json_object_set_new (j, "annotations", ann);
	text = json_dumps (j, JSON_COMPACT);
	json_decref (j);
	if (text == NULL)
		return -1;
	len = strlen (text);
	/* Temp file + rename: a reader never sees a half-written state.json. */
	fd = openat (s->dirfd, "state.json.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0 && write (fd, text, len) == (ssize_t) len &&
	    renameat (s->dirfd, "state.json.tmp", s->dirfd, "state.json") == 0)
		r = 0;
	free (text);
	return r;
}

void
hull_state_remove (struct hull_state_dir *s)
{
	if (s == NULL)
		return;
	unlinkat (s->dirfd, "state.json", 0);
	unlinkat (s->dirfd, "state.json.tmp", 0);
	unlinkat (s->rootfd, s->id, AT_REMOVEDIR);
	hull_safe_close (s->dirfd);
	hull_safe_close (s->rootfd);
	free (s->id);
	free (s);
}
