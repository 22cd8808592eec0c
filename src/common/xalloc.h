/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Allocation that aborts on out-of-memory (STYLE.md). Sizes from input must be
 * checked against an explicit limit *before* calling these. */
#ifndef HULL_XALLOC_H
#define HULL_XALLOC_H

#include <stddef.h>

void *hull_xmalloc (size_t n);
void *hull_xzalloc (size_t n);
void *hull_xcalloc (size_t nmemb, size_t size);
void *hull_xrealloc (void *p, size_t n);
/* reallocarray semantics: aborts on overflow as well as OOM. */
void *hull_xreallocarray (void *p, size_t nmemb, size_t size);
char *hull_xstrdup (const char *s);
char *hull_xstrndup (const char *s, size_t n);
/* Allocated printf; aborts on OOM. */
char *hull_xasprintf (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

#endif
