/* SPDX-License-Identifier: GPL-2.0-or-later */
/* runtime.md "Operations" on an existing container: start, kill, delete, state, and
 * runc's pause, resume, list and ps. Each takes the container's lock first. */
#include "hull/runtime.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "runtime/hooks.h"
#include "runtime/internal.h"
#include "runtime/linux/cgroup.h"
#include "runtime/state.h"
#include "runtime/sync.h"

#define STOP_WAIT_MS 10000 /* how long delete waits for a killed container to go */

HULL_DEFINE_CLEANUP (struct hull_state, hull_state_free)
HULL_DEFINE_CLEANUP (struct hull_cgroup, hull_cgroup_free)
HULL_DEFINE_CLEANUP (struct hull_oci_config, hull_oci_config_free)

static void
close_dirp (struct hull_state_dir **d)
{
	hull_state_close (*d);
	*d = NULL;
}

/* Open, lock and read a container. */
static int
open_container (const char *root, const char *id, bool exclusive, struct hull_state_dir **dir,
		struct hull_state **st, hull_error_t *err)
{
	*dir = hull_state_open (root, id, exclusive, err);
	if (*dir == NULL)
		return hull_error_ret (err);
	if (hull_state_read (*dir, st, err) < 0) {
		hull_state_close (*dir);
		*dir = NULL;
		return hull_error_ret (err);
	}
	return 0;
}

static struct hull_cgroup *
cgroup_of (const struct hull_state *st, hull_error_t *err)
{
	if (st->cgroup == NULL)
		return NULL;
	return hull_cgroup_load (st->cgroup, err);
}

/* "running" or "paused": a running container whose cgroup is frozen is paused. */
static const char *
status_of (const struct hull_state *st)
{
	const char *s = hull_state_status (st);
	_cleanup_ (hull_cgroup_freep) struct hull_cgroup *cg = NULL;
	hull_error_t ignored;
	bool frozen = false;

	if (strcmp (s, "running") != 0 && strcmp (s, "created") != 0)
		return s;
	cg = cgroup_of (st, &ignored);
	if (cg && hull_cgroup_is_frozen (cg, &frozen, &ignored) == 0 && frozen)
		return "paused";
	return s;
}

static int
connect_start (struct hull_state_dir *dir, hull_error_t *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int s = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		return hull_error_make (err, errno, "start: socket");
	snprintf (sa.sun_path, sizeof sa.sun_path, "/proc/self/fd/%d/start.sock",
		  hull_state_dirfd (dir));
	if (connect (s, (struct sockaddr *) &sa, sizeof sa) < 0)
		return hull_error_make (err, errno, "start: reach the container process");
	return TAKE_FD (s);
}

int
hull_runtime_start (const char *root, const char *id, hull_error_t *err)
{
	_cleanup_ (close_dirp) struct hull_state_dir *dir = NULL;
	_cleanup_ (hull_state_freep) struct hull_state *st = NULL;
	_cleanup_ (hull_oci_config_freep) struct hull_oci_config *cfg = NULL;
	_cleanup_close_ int s = -EBADF;
	_cleanup_free_ char *state = NULL;
	struct hull_sync_msg m;
	const char *status;
	int r;

	if (open_container (root, id, true, &dir, &st, err) < 0)
		return hull_error_ret (err);
	status = hull_state_status (st);
	/* runtime.md "start": an error unless the container is created. */
	if (strcmp (status, "created") != 0)
		return hull_error_make (err, EINVAL, "container `%s` is %s, not created", id,
					status);
	cfg = hull_state_load_config (dir, err);
	if (cfg == NULL)
		return hull_error_wrap (err, "container `%s`", id);
	if ((s = connect_start (dir, err)) < 0)
		return s;
	if (hull_sync_send (s, HULL_SYNC_START, 0, err) < 0)
		return -1;
	/* End-of-file: the process exec'd (the connection was close-on-exec). Before that
	 * it may hand over a seccomp listener (SCMP_ACT_NOTIFY). */
	while ((r = hull_sync_recv (s, &m, err)) == 1 && m.type == HULL_SYNC_SECCOMP)
		if (hull_container_forward_listener (cfg, id, st->bundle, st->pid, s, err) < 0)
			return -1;
	if (r < 0)
		return r;
	if (r == 1 && m.type == HULL_SYNC_ERROR) {
		*err = m.error;
		return hull_error_ret (err);
	}
	hull_state_unlink_start_socket (dir);
	st->phase = HULL_PHASE_RUNNING;
	if (hull_state_save (dir, st, err) < 0)
		return -1;
	if (cfg->hooks.n_poststart) {
		hull_error_t e = { 0 };
		state = hull_container_hook_state (cfg, id, st->bundle, "running", st->pid);
		/* config.md: a failing poststart hook is logged, the container keeps running. */
		if (hull_hooks_run (cfg->hooks.poststart, cfg->hooks.n_poststart, "poststart",
				    state, &e) < 0)
			hull_log (HULL_LOG_WARNING, "%s", e.msg);
	}
	return 0;
}

/* Signal the container's init through a pidfd, so a recycled pid is never hit. */
static int
signal_init (const struct hull_state *st, int sig, hull_error_t *err)
{
	_cleanup_close_ int pidfd = (int) syscall (SYS_pidfd_open, st->pid, 0);

	if (pidfd < 0 || !hull_state_alive (st))
		return hull_error_make (err, ESRCH, "container `%s` is not running", st->id);
	if (syscall (SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
		return hull_error_make (err, errno, "kill container `%s` with signal %d", st->id,
					sig);
	return 0;
}

int
hull_runtime_kill (const char *root, const char *id, int sig, bool all, hull_error_t *err)
{
	_cleanup_ (close_dirp) struct hull_state_dir *dir = NULL;
	_cleanup_ (hull_state_freep) struct hull_state *st = NULL;
	_cleanup_ (hull_cgroup_freep) struct hull_cgroup *cg = NULL;
	const char *status;

	if (open_container (root, id, false, &dir, &st, err) < 0)
		return hull_error_ret (err);
	status = hull_state_status (st);
	/* runtime.md "kill": an error unless the container is created or running. */
	if (strcmp (status, "created") != 0 && strcmp (status, "running") != 0)
		return hull_error_make (err, ESRCH, "container `%s` is not running (status: %s)",
					id, status);
	cg = cgroup_of (st, err);
	if (all && cg)
		return hull_cgroup_kill_all (cg, sig, err);
	return signal_init (st, sig, err);
}

static int
wait_gone (const struct hull_state *st, hull_error_t *err)
{
	for (int ms = 0; ms < STOP_WAIT_MS; ms += 10) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		if (!hull_state_alive (st))
			return 0;
		nanosleep (&ts, NULL);
	}
	return hull_error_make (err, ETIMEDOUT, "container `%s` did not stop after SIGKILL",
				st->id);
}

static void
poststop (struct hull_state_dir *dir, const struct hull_state *st)
{
	_cleanup_ (hull_oci_config_freep) struct hull_oci_config *cfg = NULL;
	_cleanup_free_ char *state = NULL;
	hull_error_t e = { 0 };

	cfg = hull_state_load_config (dir, &e);
	if (cfg == NULL || cfg->hooks.n_poststop == 0 || st->phase == HULL_PHASE_CREATING)
		return;
	state = hull_container_hook_state (cfg, st->id, st->bundle, "stopped", 0);
	if (hull_hooks_run (cfg->hooks.poststop, cfg->hooks.n_poststop, "poststop", state, &e) < 0)
		hull_log (HULL_LOG_WARNING, "%s", e.msg);
}

/* A create killed between making its cgroup and recording it: the config copy (saved
 * before the cgroup is made) names the path; claiming it again finds the empty
 * directories, and destroy removes them. No process can be inside: the container
 * process is started only after the cgroup is recorded. */
static struct hull_cgroup *
lost_cgroup (struct hull_state_dir *dir, const char *id)
{
	_cleanup_ (hull_oci_config_freep) struct hull_oci_config *cfg = NULL;
	hull_error_t e = { 0 };

	cfg = hull_state_load_config (dir, &e);
	if (cfg == NULL)
		return NULL;
	return hull_cgroup_create (cfg->linux_.cgroups_path, id, &e);
}

int
hull_runtime_delete (const char *root, const char *id, bool force, hull_error_t *err)
{
	struct hull_state_dir *dir = NULL;
	_cleanup_ (hull_state_freep) struct hull_state *st = NULL;
	_cleanup_ (hull_cgroup_freep) struct hull_cgroup *cg = NULL;
	const char *status;
	hull_error_t e;

	dir = hull_state_open (root, id, true, err);
	/* runc and crun: `delete --force` of a container that is already gone succeeds;
	 * cleanup paths that may run twice (conmon's exit command, a retried podman rm,
	 * containerd's shim) rely on it. */
	if (dir == NULL && force && err->code == ENOENT)
		return 0;
	if (dir == NULL)
		return hull_error_ret (err);
	if (hull_state_read (dir, &st, err) < 0) {
		/* A create killed before its first state.json was written: nothing but the
		 * directory exists yet (the cgroup and the process come after). */
		if (!force) {
			hull_state_close (dir);
			return hull_error_wrap (err, "use delete --force to remove it");
		}
		hull_state_remove (dir);
		return 0;
	}
	status = status_of (st);
	/* runtime.md "delete": deleting a container that is not stopped is an error; like
	 * runc, a created one (its process never ran user code) may go without --force. */
	if (!force && strcmp (status, "stopped") != 0 && strcmp (status, "created") != 0) {
		hull_state_close (dir);
		return hull_error_make (
			err, EBUSY, "container `%s` is %s: stop it first, or use delete --force",
			id, status);
	}
	cg = cgroup_of (st, &e);
	if (cg == NULL && st->phase == HULL_PHASE_CREATING)
		cg = lost_cgroup (dir, id);
	if (cg)
		hull_cgroup_kill_all (cg, SIGKILL, &e);
	if (hull_state_alive (st))
		signal_init (st, SIGKILL, &e);
	if (wait_gone (st, err) < 0) {
		hull_state_close (dir);
		return -1;
	}
	if (cg && hull_cgroup_destroy (cg, err) < 0) {
		hull_state_close (dir);
		return hull_error_wrap (err, "delete `%s`", id);
	}
	poststop (dir, st);
	hull_state_remove (dir);
	return 0;
}

char *
hull_runtime_state (const char *root, const char *id, hull_error_t *err)
{
	_cleanup_ (close_dirp) struct hull_state_dir *dir = NULL;
	_cleanup_ (hull_state_freep) struct hull_state *st = NULL;
	json_t *j;
	char *text;

	if (open_container (root, id, false, &dir, &st, err) < 0)
		return NULL;
	j = json_object ();
	json_object_set_new (j, "ociVersion", json_string ("1.2.0"));
	json_object_set_new (j, "id", json_string (st->id));
	json_object_set_new (j, "status", json_string (status_of (st)));
	/* runtime.md "State": pid is required while the container process exists. */
	json_object_set_new (j, "pid", json_integer (hull_state_alive (st) ? st->pid : 0));
	json_object_set_new (j, "bundle", json_string (st->bundle ? st->bundle : ""));
	json_object_set_new (j, "rootfs", json_string (st->rootfs ? st->rootfs : ""));
	json_object_set_new (j, "created", json_string (st->created ? st->created : ""));
	json_object_set_new (j, "owner", json_string (""));
	json_t *ann = json_object ();
	for (size_t i = 0; i < st->annotations.n; i++)
		json_object_set_new (ann, st->annotations.v[i].key,
				     json_string (st->annotations.v[i].value));
	json_object_set_new (j, "annotations", ann);
	text = json_dumps (j, JSON_INDENT (2));
	json_decref (j);
	return text;
}

int
hull_runtime_pause (const char *root, const char *id, bool pause, hull_error_t *err)
{
	_cleanup_ (close_dirp) struct hull_state_dir *dir = NULL;
	_cleanup_ (hull_state_freep) struct hull_state *st = NULL;
	_cleanup_ (hull_cgroup_freep) struct hull_cgroup *cg = NULL;
	const char *status;

	if (open_container (root, id, true, &dir, &st, err) < 0)
		return hull_error_ret (err);
	status = status_of (st);
	if (strcmp (status, pause ? "running" : "paused") != 0)
		return hull_error_make (err, EINVAL, "container `%s` is %s, not %s", id, status,
					pause ? "running" : "paused");
	cg = cgroup_of (st, err);
	if (cg == NULL)
		return hull_error_make (err, ENOTSUP, "container `%s` has no cgroup to freeze", id);
	return hull_cgroup_freeze (cg, pause, err);
}

static int
cmp_info (const void *a, const void *b)
{
	return strcmp (((const struct hull_container_info *) a)->id,
		       ((const struct hull_container_info *) b)->id);
}

int
hull_runtime_list (const char *root, struct hull_container_info **out, size_t *n, hull_error_t *err)
{
	_cleanup_ (closedirp) DIR *d = opendir (root);
	struct hull_container_info *v = NULL;
	size_t count = 0;
	struct dirent *e;

	*out = NULL;
	*n = 0;
	if (d == NULL)
		return errno == ENOENT ? 0 : hull_error_make (err, errno, "list `%s`", root);
	while ((e = readdir (d)) != NULL) {
		_cleanup_ (hull_state_freep) struct hull_state *st = NULL;
		hull_error_t ignored;

		if (e->d_name[0] == '.' || hull_state_load (root, e->d_name, &st, &ignored) < 0)
			continue;
		v = hull_xreallocarray (v, count + 1, sizeof *v);
		v[count] = (struct hull_container_info){
			.id = hull_xstrdup (st->id),
			.pid = hull_state_alive (st) ? st->pid : 0,
			.status = hull_xstrdup (status_of (st)),
			.bundle = hull_xstrdup (st->bundle ? st->bundle : ""),
			.created = hull_xstrdup (st->created ? st->created : ""),
			.owner = hull_xstrdup ("root"),
		};
		count++;
	}
	if (count)
		qsort (v, count, sizeof *v, cmp_info);
	*out = v;
	*n = count;
	return 0;
}

void
hull_runtime_list_free (struct hull_container_info *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free (v[i].id);
		free (v[i].status);
		free (v[i].bundle);
		free (v[i].created);
		free (v[i].owner);
	}
	free (v);
}

int
hull_runtime_ps (const char *root, const char *id, pid_t **pids, size_t *n, hull_error_t *err)
{
	_cleanup_ (close_dirp) struct hull_state_dir *dir = NULL;
	_cleanup_ (hull_state_freep) struct hull_state *st = NULL;
	_cleanup_ (hull_cgroup_freep) struct hull_cgroup *cg = NULL;

	*pids = NULL;
	*n = 0;
	if (open_container (root, id, false, &dir, &st, err) < 0)
		return hull_error_ret (err);
	cg = cgroup_of (st, err);
	if (cg)
		return hull_cgroup_pids (cg, pids, n, err);
	if (hull_state_alive (st)) {
		*pids = hull_xmalloc (sizeof (pid_t));
		(*pids)[0] = st->pid;
		*n = 1;
	}
	return 0;
}

int
hull_runtime_update (const char *root, const char *id, const struct hull_oci_resources *r,
		     hull_error_t *err)
{
	_cleanup_ (close_dirp) struct hull_state_dir *dir = NULL;
	_cleanup_ (hull_state_freep) struct hull_state *st = NULL;
	_cleanup_ (hull_cgroup_freep) struct hull_cgroup *cg = NULL;
	const char *status;

	if (open_container (root, id, true, &dir, &st, err) < 0)
		return hull_error_ret (err);
	status = hull_state_status (st);
	if (strcmp (status, "created") != 0 && strcmp (status, "running") != 0)
		return hull_error_make (err, EINVAL, "container `%s` is %s", id, status);
	cg = cgroup_of (st, err);
	if (cg == NULL)
		return err->code
			       ? hull_error_ret (err)
			       : hull_error_make (err, ENOTSUP, "container `%s` has no cgroup", id);
	return hull_cgroup_update (cg, r, err);
}

/* One look at the container: its cgroup, and whether it still runs. NULL with err
 * clear when the container is gone. */
static struct hull_cgroup *
events_cgroup (const char *root, const char *id, bool *stopped, hull_error_t *err)
{
	_cleanup_ (close_dirp) struct hull_state_dir *dir = NULL;
	_cleanup_ (hull_state_freep) struct hull_state *st = NULL;
	struct hull_cgroup *cg;

	if (open_container (root, id, false, &dir, &st, err) < 0)
		return NULL;
	*stopped = strcmp (hull_state_status (st), "stopped") == 0;
	cg = cgroup_of (st, err);
	if (cg == NULL && err->code == 0)
		hull_error_make (err, ENOTSUP, "container `%s` has no cgroup", id);
	return cg;
}

static int
emit_stats (struct hull_cgroup *cg, const char *id, hull_event_fn fn, void *data, hull_error_t *err)
{
	_cleanup_free_ char *stats = hull_cgroup_stats (cg, err), *line = NULL;
	if (stats == NULL)
		return hull_error_ret (err);
	/* ids are [A-Za-z0-9_.-]: nothing to escape. */
	line = hull_xasprintf ("{\"type\":\"stats\",\"id\":\"%s\",\"data\":%s}", id, stats);
	return fn (line, data) ? 1 : 0;
}

#define EVENTS_TICK_MS 100

int
hull_runtime_events (const char *root, const char *id, unsigned int interval_ms, bool once,
		     hull_event_fn fn, void *data, hull_error_t *err)
{
	uint64_t seen = 0, now;
	unsigned int since = interval_ms;
	bool first = true;

	for (;;) {
		bool stopped = false;
		_cleanup_ (hull_cgroup_freep) struct hull_cgroup *cg =
			events_cgroup (root, id, &stopped, err);
		int r;
		if (cg == NULL)
			return first ? hull_error_ret (err) : 0; /* gone: the stream ends */
		if (once)
			return emit_stats (cg, id, fn, data, err) < 0 ? hull_error_ret (err) : 0;
		if (hull_cgroup_oom_kills (cg, &now, err) == 0) {
			_cleanup_free_ char *line =
				hull_xasprintf ("{\"type\":\"oom\",\"id\":\"%s\"}", id);
			if (!first && now > seen && fn (line, data))
				return 0;
			seen = now;
		}
		hull_error_clear (err);
		if (stopped)
			return 0;
		if (since >= interval_ms) {
			since = 0;
			if ((r = emit_stats (cg, id, fn, data, err)) != 0)
				return r < 0 ? r : 0;
		}
		first = false;
		usleep (EVENTS_TICK_MS * 1000);
		since += EVENTS_TICK_MS;
	}
}
