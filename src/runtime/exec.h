/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `hull exec`: run one more process inside an existing container (runc/crun's exec). */
#ifndef HULL_RUNTIME_EXEC_H
#define HULL_RUNTIME_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hull/error.h"
#include "hull/oci.h"

struct hull_exec_options {
	const char *state_root; /* --root */
	const char *id;		/* container id, validated by the caller */
	/* The process: --process FILE, or the container's config process with these
	 * replacements and additions (runc's rules). */
	const char *process_path; /* --process FILE (exclusive with args) */
	char *const *args;	  /* ARGS, NULL-terminated; NULL or empty: keep the file's */
	char *const *env;	  /* --env K=V, NULL-terminated; replaces K or appends */
	const char *cwd;	  /* --cwd, absolute */
	bool has_uid, has_gid;	  /* --user UID[:GID] */
	uint32_t uid, gid;
	const uint32_t *additional_gids; /* --additional-gids, appended */
	size_t n_additional_gids;
	char *const *caps;	   /* --cap NAME, NULL-terminated: bounding, effective, permitted */
	bool no_new_privs;	   /* --no-new-privs (only ever turns it on) */
	const char *apparmor;	   /* --apparmor PROFILE */
	const char *process_label; /* --process-label LABEL */
	/* How it runs. */
	bool tty;		    /* -t: a new pty in the container */
	const char *console_socket; /* send the pty master there instead of proxying */
	bool detach;		    /* return once the process has exec'd */
	const char *pid_file;	    /* the process's pid (host pid namespace), atomically */
	unsigned preserve_fds;	    /* fds 3 .. 3+N-1 stay open in the process */
};

/* Run a process in container o->id. The container must be running (or created, as runc
 * allows); its process is verified by start time before anything joins it. In the
 * foreground *status is the process's exit status (128+N for signal N); with o->detach
 * it is 0 once the process has exec'd. Errors: negative with err filled, kind
 * HULL_ERR_EXEC_* when the command is missing or cannot be executed. */
int hull_runtime_exec (const struct hull_exec_options *o, int *status, hull_error_t *err);

/* A standalone runtime-spec process object (`exec --process FILE`), parsed with the
 * same tables as config.json's process (src/oci/process-json.c). These belong in
 * hull/oci.h once the lead moves them. */
int hull_oci_process_parse (const char *text, size_t len, const char *name,
			    struct hull_oci_process *out, hull_error_t *err);
/* Read FILE (regular file, at most HULL_OCI_CONFIG_MAX bytes) and parse it. */
int hull_oci_process_load (const char *path, struct hull_oci_process *out, hull_error_t *err);
/* Free what *p owns and zero it. */
void hull_oci_process_clear (struct hull_oci_process *p);

#endif
