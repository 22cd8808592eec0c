/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RubyGems version ordering: Gem::Version (rubygems 3.3, lib/rubygems/version.rb).
 * Valid: /\A\s*([0-9]+(?>\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?)?\s*\z/
 * (blank means "0"). Each '-' reads as ".pre.", then the version is the list of digit
 * runs (integers) and letter runs (strings) in it; a letter anywhere makes a
 * prerelease. Comparison uses the canonical segments: the numeric part before the
 * first string and the rest from it, each without trailing zeros; then segment by
 * segment, a missing one counting as 0, a string before a number, strings bytewise
 * ("1.0.a" < "1.0" < "1.0.1"; "1.0.0.pre" == "1.pre"). */
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "scan/vuln/version.h"

struct seg {
	const char *p; /* NULL: the "pre" that a '-' stands for */
	size_t n;
	bool num;
};

struct gem {
	struct seg *segs;
	size_t n;
};

static bool
is_space (char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static bool
alnum (char c)
{
	return hull_version_isdigit (c) || hull_version_isalpha (c);
}

/* Runs of [0-9A-Za-z] (and '-' when `dash`) separated by single dots. */
static const char *
dotted (const char *s, bool dash)
{
	for (;;) {
		const char *start = s;

		while (alnum (*s) || (dash && *s == '-'))
			s++;
		if (s == start)
			return NULL;
		if (*s != '.' || !(alnum (s[1]) || (dash && s[1] == '-')))
			return s;
		s++;
	}
}

static int
gem_check (const char *v)
{
	const char *s = v, *body;

	while (is_space (*s))
		s++;
	body = s;
	if (hull_version_isdigit (*s)) {
		s += strspn (s, "0123456789");
		if (*s == '.' && alnum (s[1]))
			s = dotted (s + 1, false);
		if (*s == '-' && !(s = dotted (s + 1, true)))
			return HULL_VCHECK_REJECTED;
	}
	while (is_space (*s))
		s++;
	if (*s)
		return HULL_VCHECK_REJECTED;
	return s == body || body != v || is_space (s[-1]) ? HULL_VCHECK_ACCEPTED
							  : HULL_VCHECK_VALID;
}

static void
add (struct gem *g, const char *p, size_t n, bool num)
{
	g->segs[g->n++] = (struct seg){ p, n, num };
}

/* @version.scan (/[0-9]+|[a-z]+/i) after gsub ("-", ".pre."). */
static void
gem_segments (const char *s, struct gem *g)
{
	size_t len = strlen (s);

	g->segs = hull_xcalloc (len + 1, sizeof *g->segs);
	g->n = 0;
	while (*s) {
		size_t n = strspn (s, "0123456789");

		if (n == 0) {
			while (alnum (s[n]) && !hull_version_isdigit (s[n]))
				n++;
		}
		if (n > 0)
			add (g, s, n, hull_version_isdigit (*s));
		else if (*s == '-')
			add (g, NULL, 3, false);
		s += n ? n : 1;
	}
}

static bool
seg_zero (const struct seg *x)
{
	return x->num && strspn (x->p, "0") >= x->n;
}

/* canonical_segments: drop trailing zeros of the numeric head and of the rest. */
static void
canonical (struct gem *g)
{
	size_t first_str = 0, out = 0, end;

	while (first_str < g->n && g->segs[first_str].num)
		first_str++;
	end = first_str;
	while (end > 0 && seg_zero (&g->segs[end - 1]))
		end--;
	out = end;
	end = g->n;
	while (end > first_str && seg_zero (&g->segs[end - 1]))
		end--;
	memmove (&g->segs[out], &g->segs[first_str], (end - first_str) * sizeof *g->segs);
	g->n = out + end - first_str;
}

static int
seg_cmp (const struct seg *x, const struct seg *y)
{
	static const struct seg zero = { "0", 1, true };
	const char *px, *py;
	int rc;

	x = x ? x : &zero;
	y = y ? y : &zero;
	if (x->num != y->num)
		return x->num ? 1 : -1;
	if (x->num)
		return hull_version_numcmp (x->p, x->n, y->p, y->n);
	px = x->p ? x->p : "pre";
	py = y->p ? y->p : "pre";
	rc = memcmp (px, py, x->n < y->n ? x->n : y->n);
	return rc ? hull_version_sign (rc) : (x->n > y->n) - (x->n < y->n);
}

int
hull_version_gem_check (const char *v)
{
	return gem_check (v);
}

int
hull_version_gem_cmp (const char *a, const char *b)
{
	struct gem x, y;
	int rc = 0;

	gem_segments (a, &x);
	gem_segments (b, &y);
	canonical (&x);
	canonical (&y);
	for (size_t i = 0; !rc && (i < x.n || i < y.n); i++)
		rc = seg_cmp (i < x.n ? &x.segs[i] : NULL, i < y.n ? &y.segs[i] : NULL);
	free (x.segs);
	free (y.segs);
	return rc;
}
