/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Scope-bound ownership (STYLE.md "Ownership and cleanup"). */
#ifndef HULL_CLEANUP_H
#define HULL_CLEANUP_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void
hull_freep (void *p)
{
	free (*(void **) p);
}

/* Close fd (if valid), preserving errno; returns -EBADF, the empty fd. */
static inline int
hull_safe_close (int fd)
{
	if (fd >= 0) {
		int saved = errno;
		close (fd);
		errno = saved;
	}
	return -EBADF;
}

static inline void
hull_closep (int *fd)
{
	*fd = hull_safe_close (*fd);
}

static inline void
hull_fclosep (FILE **f)
{
	if (*f)
		fclose (*f);
	*f = NULL;
}

static inline void
closedirp (DIR **d)
{
	if (*d)
		closedir (*d);
	*d = NULL;
}

#define _cleanup_(x) __attribute__ ((cleanup (x)))
#define _cleanup_free_ _cleanup_ (hull_freep)
#define _cleanup_close_ _cleanup_ (hull_closep)
#define _cleanup_fclose_ _cleanup_ (hull_fclosep)

#define TAKE_PTR(p)                                                                                \
	({                                                                                         \
		__typeof__ (p) _tp = (p);                                                          \
		(p) = NULL;                                                                        \
		_tp;                                                                               \
	})

#define TAKE_FD(fd)                                                                                \
	({                                                                                         \
		int _tf = (fd);                                                                    \
		(fd) = -EBADF;                                                                     \
		_tf;                                                                               \
	})

/* Declare a `name##p` helper calling `func` on *p, for _cleanup_(name##p). */
#define HULL_DEFINE_CLEANUP(type, func)                                                            \
	static inline void func##p (type **p)                                                      \
	{                                                                                          \
		if (*p)                                                                            \
			func (*p);                                                                 \
		*p = NULL;                                                                         \
	}

#endif
