/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The parent/child sync protocol over a SOCK_SEQPACKET socketpair.
 * Each message is one packet: a type byte, then a fixed payload. An error raised
 * in the child travels to the parent as a message and is reported there
 * (STYLE.md); a successful execve closes the child's end (close-on-exec), which
 * the parent sees as end-of-file. */
#ifndef HULL_RUNTIME_SYNC_H
#define HULL_RUNTIME_SYNC_H

#include <stdint.h>
#include <sys/types.h>

#include "hull/error.h"

enum hull_sync_type {
	HULL_SYNC_GO = 'G',	  /* parent -> child: ids mapped, carry on */
	HULL_SYNC_PID = 'P',	  /* intermediate -> parent: pid of the container process */
	HULL_SYNC_ERROR = 'E',	  /* child -> parent: an hull_error_t */
	HULL_SYNC_READY = 'R',	  /* child -> parent: created, now waiting for start */
	HULL_SYNC_TERMINAL = 'T', /* child -> parent: the pty master follows (SCM_RIGHTS) */
	HULL_SYNC_START = 'S',	  /* `hull start` -> container process: go ahead */
	HULL_SYNC_SECCOMP = 'L',  /* child -> runtime: a seccomp listener fd follows */
};

struct hull_sync_msg {
	uint8_t type;
	int32_t value;	    /* pid for HULL_SYNC_PID */
	hull_error_t error; /* for HULL_SYNC_ERROR */
};

/* Create the pair: fds[0] for the parent, fds[1] for the child. */
int hull_sync_pair (int fds[2], hull_error_t *err);
int hull_sync_send (int fd, uint8_t type, int32_t value, hull_error_t *err);
/* Send err itself to the parent (best effort: the child is about to _exit). */
void hull_sync_send_error (int fd, const hull_error_t *e);
/* Receive one message. Returns 1 on a message, 0 on end-of-file. */
int hull_sync_recv (int fd, struct hull_sync_msg *msg, hull_error_t *err);

#endif
