/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hull: errors travel as values (STYLE.md "Errors travel as values"). */
#ifndef HULL_ERROR_H
#define HULL_ERROR_H

#include <stddef.h>

#define HULL_ERROR_MSG_MAX 1024

/* Categories decide the CLI's exit code: 125 for hull's own errors,
 * 126 "cannot execute", 127 "not found" (podman convention, DESIGN.md). */
enum hull_error_kind {
	HULL_ERR_GENERIC = 0,
	HULL_ERR_EXEC_NOT_FOUND = 127,
	HULL_ERR_EXEC_DENIED = 126,
};

typedef struct hull_error {
	int code; /* errno value, 0 when not an OS error */
	int kind; /* enum hull_error_kind */
	char msg[HULL_ERROR_MSG_MAX];
} hull_error_t;

/* Fill *err with "<formatted message>: strerror(errnum)" (the suffix only when
 * errnum != 0) and return a negative value (-errnum, or -1). err may be NULL. */
int hull_error_make (hull_error_t *err, int errnum, const char *fmt, ...)
	__attribute__ ((format (printf, 3, 4)));

/* Prefix the existing message with "<context>: " and return the negative value
 * the original error carried, so callers can `return hull_error_wrap (...)`. */
int hull_error_wrap (hull_error_t *err, const char *fmt, ...)
	__attribute__ ((format (printf, 2, 3)));

/* Set the exit category of an error already made; returns the negative value. */
int hull_error_set_kind (hull_error_t *err, int kind);

/* Reset to "no error". */
void hull_error_clear (hull_error_t *err);

/* The negative return value that corresponds to err. */
int hull_error_ret (const hull_error_t *err);

#endif
