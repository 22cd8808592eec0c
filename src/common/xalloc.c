/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "common/xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void __attribute__ ((noreturn)) oom (void)
{
	static const char msg[] = "hull: out of memory\n";
	/* Nothing sensible can continue without memory: abort, as STYLE.md asks. */
	if (fwrite (msg, 1, sizeof msg - 1, stderr))
		abort ();
	abort ();
}

void *
hull_xmalloc (size_t n)
{
	void *p = malloc (n ? n : 1);
	if (p == NULL)
		oom ();
	return p;
}

void *
hull_xzalloc (size_t n)
{
	return hull_xcalloc (1, n);
}

void *
hull_xcalloc (size_t nmemb, size_t size)
{
	void *p = calloc (nmemb ? nmemb : 1, size ? size : 1);
	if (p == NULL)
		oom ();
	return p;
}

void *
hull_xrealloc (void *p, size_t n)
{
	p = realloc (p, n ? n : 1);
	if (p == NULL)
		oom ();
	return p;
}

void *
hull_xreallocarray (void *p, size_t nmemb, size_t size)
{
	p = reallocarray (p, nmemb ? nmemb : 1, size ? size : 1);
	if (p == NULL)
		oom ();
	return p;
}

char *
hull_xstrdup (const char *s)
{
	char *r = strdup (s);
	if (r == NULL)
		oom ();
	return r;
}

char *
hull_xstrndup (const char *s, size_t n)
{
	char *r = strndup (s, n);
	if (r == NULL)
		oom ();
	return r;
}

char *
hull_xasprintf (const char *fmt, ...)
{
	va_list ap;
	char *r = NULL;
	int n;

	va_start (ap, fmt);
	n = vasprintf (&r, fmt, ap);
	va_end (ap);
	if (n < 0)
		oom ();
	return r;
}
