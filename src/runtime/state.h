/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Per-container state under --root (runtime.md "State"): one directory per container,
 * <root>/<id>/ holding state.json (written atomically), config.json (the config the
 * container was created with, for exec and poststop hooks), start.sock while the
 * container waits for `start`, and a lock taken with flock on the directory. */
#ifndef HULL_RUNTIME_STATE_H
#define HULL_RUNTIME_STATE_H

#include <stdbool.h>
#include <sys/types.h>

#include "hull/error.h"
#include "hull/oci.h"
#include "hull/runtime.h"

/* Stored phases; the status a reader sees is computed from these and the process. */
enum hull_phase {
	HULL_PHASE_CREATING = 0, /* create in progress (or crashed during it) */
	HULL_PHASE_CREATED,	 /* waiting for start */
	HULL_PHASE_RUNNING,	 /* start released it */
};

struct hull_state {
	char *id;
	enum hull_phase phase;
	pid_t pid;		       /* 0 while unknown */
	unsigned long long start_time; /* /proc/<pid>/stat field 22, guards pid reuse */
	char *bundle;
	char *rootfs;
	char *created; /* RFC 3339 */
	char *cgroup;  /* hull_cgroup_serialize () text, or NULL */
	bool terminal;
	struct hull_kvv annotations;
};

struct hull_state_dir;

/* Create <root>/<id>/ (root made 0711 if missing) and lock it; an existing id is an
 * error. The directory holds state.json with phase creating from the start, so a crash
 * at any later point leaves something `delete --force` can clean up. */
struct hull_state_dir *hull_state_create (const char *root, const char *id, hull_error_t *err);
/* Open and lock (exclusive, or shared for readers) an existing container's directory. */
struct hull_state_dir *hull_state_open (const char *root, const char *id, bool exclusive,
					hull_error_t *err);
/* The directory fd (holding the lock) and the state root's fd of an open state dir. */
int hull_state_dirfd (const struct hull_state_dir *s);
int hull_state_rootfd (const struct hull_state_dir *s);
/* Write st as state.json atomically (temp file + rename). */
int hull_state_save (struct hull_state_dir *s, const struct hull_state *st, hull_error_t *err);
/* Read state.json (size-capped). */
int hull_state_read (struct hull_state_dir *s, struct hull_state **out, hull_error_t *err);
/* Convenience: open shared, read, close. */
int hull_state_load (const char *root, const char *id, struct hull_state **out, hull_error_t *err);
/* Save a copy of the container's config.json text / load it back. */
int hull_state_save_config (struct hull_state_dir *s, const char *bundle, hull_error_t *err);
struct hull_oci_config *hull_state_load_config (struct hull_state_dir *s, hull_error_t *err);
/* Is st->pid still the container's process (alive, same start time, not a zombie)? */
bool hull_state_alive (const struct hull_state *st);
/* "creating", "created", "running", "paused" or "stopped", as runtime.md names them. */
const char *hull_state_status (const struct hull_state *st);
/* The runtime-spec state JSON (ociVersion, id, status, pid, bundle, annotations). */
char *hull_state_oci_json (const struct hull_state *st);
/* Remove start.sock (after start, or when the container never waits for it). */
void hull_state_unlink_start_socket (struct hull_state_dir *s);
/* Remove the directory and everything in it, then free s (NULL is fine). */
void hull_state_remove (struct hull_state_dir *s);
/* Release the lock but keep the directory open: a foreground run holds the lock only
 * while it creates and removes state, not while its container runs. */
void hull_state_unlock (struct hull_state_dir *s);
/* Take the exclusive lock again. 1: the directory is still <root>/<id>; 0: it was
 * removed meanwhile (delete --force), and the id may belong to another container now. */
int hull_state_relock (struct hull_state_dir *s, hull_error_t *err);
/* Unlock and free without removing. */
void hull_state_close (struct hull_state_dir *s);
struct hull_state *hull_state_free (struct hull_state *st);
/* Start time of pid from /proc/<pid>/stat, 0 if gone. */
unsigned long long hull_state_pid_start_time (pid_t pid);

#endif
