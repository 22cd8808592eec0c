/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PEP 440 version ordering (peps.python.org/pep-0440, "Version scheme", "Summary of
 * permitted suffixes and relative ordering" and "Appendix B: Parsing version strings
 * with regular expressions"), as packaging 23 implements it (packaging/version.py
 * VERSION_PATTERN and _cmpkey):
 *   [v][N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local]
 * with the normalisations the regex allows: any case, "alpha"/"beta"/"c"/"pre"/
 * "preview" spellings, '-', '_' or '.' (or nothing) before each part, a missing number
 * meaning 0, "1.0-1" as an implicit post-release, "rev"/"r" for post, surrounding
 * whitespace. Order: epoch, release (trailing zeros ignored), pre-release (a < b < rc <
 * none; a dev release without pre or post goes before every pre-release), post, dev
 * (before none), local (none first; segments numeric above alphanumeric). Numbers have
 * any length (Python ints). */
#include <string.h>

#include "scan/vuln/version.h"

struct span {
	const char *p;
	size_t n;
};

struct pep440 {
	struct span epoch;   /* empty: 0 */
	struct span release; /* "1.2.3" */
	int pre_rank;	     /* -1: none; 0 a, 1 b, 2 rc */
	struct span pre_n;
	bool post, dev;
	struct span post_n, dev_n;
	struct span local; /* empty: none */
};

static bool
is_space (char c)
{
	/* Python's \s on str, ASCII part: also the separators 0x1c-0x1f. */
	return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

static bool
is_sep (char c)
{
	return c == '-' || c == '_' || c == '.';
}

static char
lower (char c)
{
	return c >= 'A' && c <= 'Z' ? (char) (c - 'A' + 'a') : c;
}

/* Case-insensitive prefix match; returns the length matched or 0. */
static size_t
word (const char *s, const char *w)
{
	size_t i;

	for (i = 0; w[i]; i++) {
		if (lower (s[i]) != w[i])
			return 0;
	}
	return i;
}

static struct span
digits (const char **s)
{
	struct span d = { *s, strspn (*s, "0123456789") };

	*s += d.n;
	return d;
}

/* `[-_.]? (words) [-_.]? N?`, the shape of the pre, post and dev parts. The longest
 * spelling is tried first; a shorter one never completes a match the longer one
 * could not ("a" leaves "lpha", which nothing else can start with). */
static int
part (const char **s, const char *const *words, const int *ranks, size_t n_words, struct span *num)
{
	const char *p = *s + is_sep (**s);

	for (size_t i = 0; i < n_words; i++) {
		size_t len = word (p, words[i]);

		if (len == 0)
			continue;
		p += len;
		/* Greedy like the regex: a separator is consumed even with no number
		 * after it ("1.0a." is valid). */
		p += is_sep (*p);
		*num = digits (&p);
		*s = p;
		return ranks[i];
	}
	return -1;
}

static bool
local_part (const char **s, struct span *local)
{
	const char *p = *s + 1, *start = p;

	for (;;) {
		size_t n = 0;

		while (hull_version_isdigit (p[n]) || hull_version_isalpha (p[n]))
			n++;
		if (n == 0)
			return false;
		p += n;
		if (!is_sep (*p) || !(hull_version_isdigit (p[1]) || hull_version_isalpha (p[1])))
			break;
		p++;
	}
	*local = (struct span){ start, (size_t) (p - start) };
	*s = p;
	return true;
}

static int
pep440_parse (const char *s, struct pep440 *v)
{
	static const char *const pre_w[] = {
		"preview", "alpha", "beta", "pre", "rc", "a", "b", "c"
	};
	static const int pre_r[] = { 2, 0, 1, 2, 2, 0, 1, 2 };
	static const char *const post_w[] = { "post", "rev", "r" };
	static const char *const dev_w[] = { "dev" };
	static const int zero_r[] = { 0, 0, 0 };
	const char *start = s, *p;
	struct span d;

	memset (v, 0, sizeof *v);
	while (is_space (*s))
		s++;
	s += lower (*s) == 'v';
	p = s;
	d = digits (&p);
	if (d.n && *p == '!') {
		v->epoch = d;
		s = p + 1;
	}
	v->release.p = s;
	if (!digits (&s).n)
		return HULL_VCHECK_REJECTED;
	while (*s == '.' && hull_version_isdigit (s[1])) {
		s++;
		digits (&s);
	}
	v->release.n = (size_t) (s - v->release.p);
	v->pre_rank = part (&s, pre_w, pre_r, 8, &v->pre_n);
	if (s[0] == '-' && hull_version_isdigit (s[1])) {
		s++;
		v->post = true;
		v->post_n = digits (&s);
	} else {
		v->post = part (&s, post_w, zero_r, 3, &v->post_n) == 0;
	}
	v->dev = part (&s, dev_w, zero_r, 1, &v->dev_n) == 0;
	if (*s == '+' && !local_part (&s, &v->local))
		return HULL_VCHECK_REJECTED;
	p = s;
	while (is_space (*s))
		s++;
	if (*s)
		return HULL_VCHECK_REJECTED;
	return is_space (*start) || p != s ? HULL_VCHECK_ACCEPTED : HULL_VCHECK_VALID;
}

int
hull_version_pep440_check (const char *v)
{
	struct pep440 x;

	return pep440_parse (v, &x);
}

/* Next numeric segment of a dot-separated release, or zero past the end. */
static struct span
next_seg (struct span *r)
{
	struct span seg = { r->p, strspn (r->p, "0123456789") };

	if (seg.n > r->n)
		seg.n = r->n;
	r->p += seg.n;
	r->n -= seg.n;
	if (r->n > 0)
		r->p++, r->n--;
	return seg;
}

static int
release_cmp (struct span a, struct span b)
{
	while (a.n > 0 || b.n > 0) {
		struct span x = next_seg (&a), y = next_seg (&b);
		int rc = hull_version_numcmp (x.p, x.n, y.p, y.n);

		if (rc)
			return rc;
	}
	return 0;
}

/* A local segment: length of the alphanumeric run. */
static size_t
local_seg (const char *p, size_t n, bool *numeric)
{
	size_t i = 0;

	*numeric = true;
	while (i < n && !is_sep (p[i])) {
		*numeric = *numeric && hull_version_isdigit (p[i]);
		i++;
	}
	return i;
}

static int
local_cmp (struct span a, struct span b)
{
	if (!a.n || !b.n)
		return (a.n > 0) - (b.n > 0);
	for (;;) {
		bool na, nb;
		size_t la, lb;
		int rc = 0;

		if (!a.n || !b.n)
			return (a.n > 0) - (b.n > 0);
		la = local_seg (a.p, a.n, &na);
		lb = local_seg (b.p, b.n, &nb);
		if (na && nb) {
			rc = hull_version_numcmp (a.p, la, b.p, lb);
		} else if (na != nb) {
			rc = na ? 1 : -1; /* alphanumeric segments sort first */
		} else {
			for (size_t i = 0; !rc && i < la && i < lb; i++)
				rc = lower (a.p[i]) - lower (b.p[i]);
			rc = rc ? rc : (la > lb) - (la < lb);
		}
		if (rc)
			return hull_version_sign (rc);
		a.p += la, a.n -= la;
		b.p += lb, b.n -= lb;
		if (a.n)
			a.p++, a.n--;
		if (b.n)
			b.p++, b.n--;
	}
}

/* _cmpkey's pre-release slot: -1 for a bare dev release, 3 for no pre-release. */
static int
pre_slot (const struct pep440 *v)
{
	if (v->pre_rank < 0)
		return !v->post && v->dev ? -1 : 3;
	return v->pre_rank;
}

int
hull_version_pep440_cmp (const char *a, const char *b)
{
	struct pep440 x, y;
	int rc;

	if (!pep440_parse (a, &x) || !pep440_parse (b, &y))
		return hull_version_sign (strcmp (a, b));
	if ((rc = hull_version_numcmp (x.epoch.p, x.epoch.n, y.epoch.p, y.epoch.n)))
		return rc;
	if ((rc = release_cmp (x.release, y.release)))
		return rc;
	if (pre_slot (&x) != pre_slot (&y))
		return pre_slot (&x) < pre_slot (&y) ? -1 : 1;
	if (x.pre_rank >= 0 &&
	    (rc = hull_version_numcmp (x.pre_n.p, x.pre_n.n, y.pre_n.p, y.pre_n.n)))
		return rc;
	if (x.post != y.post)
		return x.post ? 1 : -1;
	if (x.post && (rc = hull_version_numcmp (x.post_n.p, x.post_n.n, y.post_n.p, y.post_n.n)))
		return rc;
	if (x.dev != y.dev)
		return x.dev ? -1 : 1;
	if (x.dev && (rc = hull_version_numcmp (x.dev_n.p, x.dev_n.n, y.dev_n.p, y.dev_n.n)))
		return rc;
	return local_cmp (x.local, y.local);
}
