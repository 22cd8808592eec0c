/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RPM version ordering as rpm 4.18 implements it: rpmvercmp() (rpmio/rpmvercmp.c) on
 * each of epoch, version and release, the EVR split by parseEVR() (lib/rpmver.c):
 * leading digits followed by ':' are the epoch (missing: 0), the text after the last
 * '-' is the release, and a missing release sorts before any release (rpmverCmp's
 * compare_values; rpm's dependency matching, which ignores a missing release, is a
 * different question from "which package is newer"). rpmvercmp compares alternating runs of ASCII letters and digits,
 * skipping every other byte as a separator: digits numerically and newer than letters,
 * letters by byte value; '~' sorts before everything, even the end of the string
 * ("1.0~rc1" < "1.0"), and '^' after the end but before anything else
 * ("1.0" < "1.0^git1" < "1.0.1"). rpm accepts any non-empty string; hull calls valid
 * only those made of letters, digits and ._+~^ (what rpmbuild allows in a version). */
#include <string.h>

#include "scan/vuln/version.h"

struct evr {
	const char *e, *e_end; /* e == NULL: no epoch */
	const char *v, *v_end;
	const char *r, *r_end; /* r == NULL: no release */
};

static bool
isalnum_ascii (char c)
{
	return hull_version_isdigit (c) || hull_version_isalpha (c);
}

static bool
at (const char *p, const char *end)
{
	return p < end;
}

static bool
is_sep (const char *p, const char *end)
{
	return at (p, end) && !isalnum_ascii (*p) && *p != '~' && *p != '^';
}

/* One alphabetic or numeric segment of rpmvercmp(); *done set when it decided. */
static int
segment_cmp (const char **pa, const char *ae, const char **pb, const char *be, bool *done)
{
	const char *one = *pa, *two = *pb, *s1 = one, *s2 = two;
	bool isnum = hull_version_isdigit (*one);
	bool (*in_seg) (int) = isnum ? hull_version_isdigit : hull_version_isalpha;
	int rc;

	while (at (s1, ae) && in_seg (*s1))
		s1++;
	while (at (s2, be) && in_seg (*s2))
		s2++;
	*done = true;
	/* Different types: numeric segments are newer than alphabetic ones. */
	if (two == s2)
		return isnum ? 1 : -1;
	if (isnum) {
		rc = hull_version_numcmp (one, (size_t) (s1 - one), two, (size_t) (s2 - two));
	} else {
		size_t n1 = (size_t) (s1 - one), n2 = (size_t) (s2 - two);

		rc = memcmp (one, two, n1 < n2 ? n1 : n2);
		rc = rc ? rc : (n1 > n2) - (n1 < n2);
	}
	if (rc)
		return hull_version_sign (rc);
	*done = false;
	*pa = s1;
	*pb = s2;
	return 0;
}

static int
rpmvercmp (const char *one, const char *ae, const char *two, const char *be)
{
	while (at (one, ae) || at (two, be)) {
		bool done;
		int rc;

		while (is_sep (one, ae))
			one++;
		while (is_sep (two, be))
			two++;
		/* '~' sorts before everything else. */
		if ((at (one, ae) && *one == '~') || (at (two, be) && *two == '~')) {
			if (!at (one, ae) || *one != '~')
				return 1;
			if (!at (two, be) || *two != '~')
				return -1;
			one++, two++;
			continue;
		}
		/* '^' is like '~' except that the end of a string sorts before it. */
		if ((at (one, ae) && *one == '^') || (at (two, be) && *two == '^')) {
			if (!at (one, ae))
				return -1;
			if (!at (two, be))
				return 1;
			if (*one != '^')
				return 1;
			if (*two != '^')
				return -1;
			one++, two++;
			continue;
		}
		if (!at (one, ae) || !at (two, be))
			break;
		rc = segment_cmp (&one, ae, &two, be, &done);
		if (done)
			return rc;
	}
	if (!at (one, ae) && !at (two, be))
		return 0;
	return at (one, ae) ? 1 : -1;
}

static int
evr_parse (const char *s, struct evr *out)
{
	const char *end = s + strlen (s), *p = s, *hyphen;

	if (!*s)
		return HULL_VCHECK_REJECTED;
	while (hull_version_isdigit (*p))
		p++;
	hyphen = strrchr (p, '-');
	memset (out, 0, sizeof *out);
	if (*p == ':') {
		/* "1:2" has epoch "1"; ":2" epoch "0" (parseEVR). */
		out->e = p == s ? "0" : s;
		out->e_end = p == s ? out->e + 1 : p;
		out->v = p + 1;
	} else {
		out->v = s;
	}
	out->v_end = hyphen ? hyphen : end;
	if (hyphen) {
		out->r = hyphen + 1;
		out->r_end = end;
	}
	for (p = s; *p; p++) {
		if (!isalnum_ascii (*p) && !strchr ("._+~^:-", *p))
			return HULL_VCHECK_ACCEPTED;
	}
	return HULL_VCHECK_VALID;
}

int
hull_version_rpm_check (const char *v)
{
	struct evr e;

	return evr_parse (v, &e);
}

int
hull_version_rpm_cmp (const char *a, const char *b)
{
	static const char zero[] = "0";
	struct evr x, y;
	int rc;

	if (!evr_parse (a, &x) || !evr_parse (b, &y))
		return hull_version_sign (strcmp (a, b));
	if (!x.e)
		x.e = zero, x.e_end = zero + 1;
	if (!y.e)
		y.e = zero, y.e_end = zero + 1;
	rc = rpmvercmp (x.e, x.e_end, y.e, y.e_end);
	if (!rc)
		rc = rpmvercmp (x.v, x.v_end, y.v, y.v_end);
	if (rc)
		return rc;
	if (!x.r || !y.r)
		return (x.r != NULL) - (y.r != NULL);
	return rpmvercmp (x.r, x.r_end, y.r, y.r_end);
}
