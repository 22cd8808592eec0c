/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "hull/error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int
hull_error_ret (const hull_error_t *err)
{
	if (err == NULL || err->code == 0)
		return -1;
	return -err->code;
}

int
hull_error_make (hull_error_t *err, int errnum, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (errnum < 0)
		errnum = -errnum;
	if (err == NULL)
		return errnum ? -errnum : -1;
	err->code = errnum;
	err->kind = HULL_ERR_GENERIC;
	va_start (ap, fmt);
	vsnprintf (err->msg, sizeof err->msg, fmt, ap);
	va_end (ap);
	if (errnum != 0) {
		n = strlen (err->msg);
		snprintf (err->msg + n, sizeof err->msg - n, ": %s", strerror (errnum));
	}
	return errnum ? -errnum : -1;
}

int
hull_error_wrap (hull_error_t *err, const char *fmt, ...)
{
	char prefix[HULL_ERROR_MSG_MAX];
	char old[HULL_ERROR_MSG_MAX];
	va_list ap;

	if (err == NULL)
		return -1;
	va_start (ap, fmt);
	vsnprintf (prefix, sizeof prefix, fmt, ap);
	va_end (ap);
	memcpy (old, err->msg, sizeof old);
	/* Truncation is acceptable for a message; build it in two bounded steps. */
	size_t n = strnlen (prefix, sizeof err->msg - 3);
	memcpy (err->msg, prefix, n);
	memcpy (err->msg + n, ": ", 2);
	n += 2;
	size_t m = strnlen (old, sizeof err->msg - n - 1);
	memcpy (err->msg + n, old, m);
	err->msg[n + m] = '\0';
	return hull_error_ret (err);
}

int
hull_error_set_kind (hull_error_t *err, int kind)
{
	if (err != NULL)
		err->kind = kind;
	return hull_error_ret (err);
}

void
hull_error_clear (hull_error_t *err)
{
	if (err == NULL)
		return;
	err->code = 0;
	err->kind = 0;
	err->msg[0] = '\0';
}
