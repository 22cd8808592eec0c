/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cgroup v2 specifics: cgroup.freeze / cgroup.events and cgroup.kill
 * (Documentation/admin-guide/cgroup-v2.rst "Core Interface Files"). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "runtime/linux/cgroup-internal.h"

#define FREEZE_MS 2000
#define POLL_MS 10

/* Whether cgroup.events says "frozen 1". */
static int
events_frozen (int fd, const char *where, bool *frozen, hull_error_t *err)
{
	_cleanup_free_ char *text = NULL;
	if (hull_cgroup_read_at (fd, "cgroup.events", where, &text, err) < 0)
		return hull_error_ret (err);
	*frozen = strncmp (text, "frozen 1", 8) == 0 || strstr (text, "\nfrozen 1") != NULL;
	return 0;
}

/* cgroup.freeze starts the transition; cgroup.events "frozen" reports it complete and
 * the kernel notifies a change of cgroup.events as POLLPRI (cgroup-v2.rst: "a value
 * change in this file generates a file modified event"). The poll only shortens the
 * wait; the loop re-reads the file in any case. */
int
hull_cgroup_v2_freeze (const struct hull_cgroup_dir *d, bool frozen, hull_error_t *err)
{
	_cleanup_free_ char *where = hull_cgroup_where (d);
	_cleanup_close_ int fd = hull_cgroup_dir_open (d, err);
	_cleanup_close_ int ev = -EBADF;
	bool now = !frozen;

	if (fd < 0)
		return fd;
	ev = openat (fd, "cgroup.events", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (hull_cgroup_write_at (fd, "cgroup.freeze", where, frozen ? "1" : "0", err) < 0)
		return hull_error_ret (err);
	for (int waited = 0; waited <= FREEZE_MS; waited += POLL_MS) {
		if (events_frozen (fd, where, &now, err) < 0)
			return hull_error_ret (err);
		if (now == frozen)
			return 0;
		if (ev >= 0) {
			struct pollfd p = { .fd = ev, .events = POLLPRI };
			char buf[256];
			/* Reading arms the notification; then wait for the next change. */
			if (pread (ev, buf, sizeof buf, 0) >= 0)
				poll (&p, 1, POLL_MS);
		} else {
			struct timespec ts = { 0, POLL_MS * 1000000L };
			nanosleep (&ts, NULL);
		}
	}
	if (frozen) {
		hull_error_t ignored;
		hull_cgroup_write_at (fd, "cgroup.freeze", where, "0", &ignored);
	}
	return hull_error_make (err, ETIMEDOUT, "`cgroup.events` in `%s`: not %s after %d ms",
				where, frozen ? "frozen" : "thawed", FREEZE_MS);
}

int
hull_cgroup_v2_is_frozen (const struct hull_cgroup_dir *d, bool *frozen, hull_error_t *err)
{
	_cleanup_free_ char *where = hull_cgroup_where (d);
	_cleanup_close_ int fd = hull_cgroup_dir_open (d, err);
	if (fd < 0)
		return fd;
	return events_frozen (fd, where, frozen, err);
}

int
hull_cgroup_v2_kill (const struct hull_cgroup_dir *d, hull_error_t *err)
{
	_cleanup_free_ char *where = hull_cgroup_where (d);
	_cleanup_close_ int fd = hull_cgroup_dir_open (d, err);
	if (fd < 0) {
		/* The cgroup itself is gone: nothing to kill. */
		if (err->code == ENOENT)
			hull_error_clear (err);
		return err->code ? fd : 0;
	}
	/* ENOENT here means a kernel without cgroup.kill (before 5.14): the caller signals
	 * each process instead. */
	return hull_cgroup_write_at (fd, "cgroup.kill", where, "1", err);
}
