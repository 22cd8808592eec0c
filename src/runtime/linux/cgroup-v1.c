/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cgroup v1 specifics: the freezer (Documentation/admin-guide/cgroup-v1/freezer-subsystem.rst)
 * and priming a new cpuset (cgroup-v1/cpusets.rst). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "runtime/linux/cgroup-internal.h"

#define FREEZE_MS 2000
#define POLL_MS 5

static bool
blank (const char *s)
{
	return s[strspn (s, " \t\n")] == '\0';
}

static int
inherit_one (int parentfd, int fd, const char *file, const char *where, hull_error_t *err)
{
	_cleanup_free_ char *mine = NULL, *theirs = NULL;
	if (hull_cgroup_read_at (fd, file, where, &mine, err) < 0)
		return hull_error_ret (err);
	if (!blank (mine))
		return 0;
	if (hull_cgroup_read_at (parentfd, file, where, &theirs, err) < 0)
		return hull_error_wrap (err, "parent of `%s`", where);
	return hull_cgroup_write_at (fd, file, where, theirs, err);
}

/* A new cpuset has empty cpus and mems (unless the parent set cgroup.clone_children) and
 * "cannot have tasks attached" until both are set, so copy them from the parent. */
int
hull_cgroup_v1_cpuset_inherit (int parentfd, int fd, const char *where, hull_error_t *err)
{
	if (inherit_one (parentfd, fd, "cpuset.cpus", where, err) < 0)
		return hull_error_ret (err);
	return inherit_one (parentfd, fd, "cpuset.mems", where, err);
}

static int
read_state (int fd, const char *where, char state[16], hull_error_t *err)
{
	_cleanup_free_ char *text = NULL;
	size_t n;
	if (hull_cgroup_read_at (fd, "freezer.state", where, &text, err) < 0)
		return hull_error_ret (err);
	n = strcspn (text, "\n");
	if (n >= 16)
		n = 15;
	memcpy (state, text, n);
	state[n] = '\0';
	return 0;
}

/* Writing FROZEN starts freezing; the state reads FREEZING until every task (of every
 * descendant) is frozen, and writing FROZEN again retries the tasks that were busy
 * (freezer-subsystem.rst). Bounded: a task stuck in uninterruptible sleep keeps a cgroup
 * FREEZING, and then pause fails and thaws instead of leaving it half frozen. */
int
hull_cgroup_v1_freeze (const struct hull_cgroup_dir *d, bool frozen, hull_error_t *err)
{
	const char *want = frozen ? "FROZEN" : "THAWED";
	_cleanup_free_ char *where = hull_cgroup_where (d);
	_cleanup_close_ int fd = hull_cgroup_dir_open (d, err);
	char state[16];

	if (fd < 0)
		return fd;
	for (int waited = 0; waited <= FREEZE_MS; waited += POLL_MS) {
		struct timespec ts = { 0, POLL_MS * 1000000L };
		if (hull_cgroup_write_at (fd, "freezer.state", where, want, err) < 0)
			return hull_error_ret (err);
		if (read_state (fd, where, state, err) < 0)
			return hull_error_ret (err);
		if (strcmp (state, want) == 0)
			return 0;
		nanosleep (&ts, NULL);
	}
	if (frozen) {
		hull_error_t ignored;
		hull_cgroup_write_at (fd, "freezer.state", where, "THAWED", &ignored);
	}
	return hull_error_make (err, ETIMEDOUT, "`freezer.state` in `%s` still %s after %d ms",
				where, state, FREEZE_MS);
}

int
hull_cgroup_v1_is_frozen (const struct hull_cgroup_dir *d, bool *frozen, hull_error_t *err)
{
	_cleanup_free_ char *where = hull_cgroup_where (d);
	_cleanup_close_ int fd = hull_cgroup_dir_open (d, err);
	char state[16];

	if (fd < 0)
		return fd;
	if (read_state (fd, where, state, err) < 0)
		return hull_error_ret (err);
	/* FREEZING is a pause in progress or failed: not paused yet. */
	*frozen = strcmp (state, "FROZEN") == 0;
	return 0;
}
