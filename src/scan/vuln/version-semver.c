/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Semantic Versioning 2.0.0 (semver.org, sections 2, 9, 10 and 11) for npm, Go and
 * crates.io: MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]. Precedence compares the three
 * numbers numerically (any length, no overflow), then a version with a pre-release
 * sorts before the same version without one, pre-release identifiers compare
 * left to right (numeric ones numerically and before alphanumeric ones, which compare
 * in ASCII order; more identifiers win when all before are equal); build metadata is
 * ignored. A leading "v" is accepted (Go writes v1.2.3), and Go's short forms "v1" and
 * "v1.2" (golang.org/x/mod/semver: v1.0.0 and v1.2.0) are accepted but not valid. */
#include <string.h>

#include "scan/vuln/version.h"

struct span {
	const char *p;
	size_t n;
};

struct semver {
	struct span num[3];
	struct span pre; /* n == 0: no pre-release */
};

static bool
ident_char (char c)
{
	return hull_version_isdigit (c) || hull_version_isalpha (c) || c == '-';
}

/* A numeric identifier: "0" or digits without a leading zero. */
static size_t
numeric_ident (const char *s)
{
	size_t n = strspn (s, "0123456789");

	if (n == 0 || (n > 1 && s[0] == '0'))
		return 0;
	return n;
}

/* Dot-separated identifiers; `strict` refuses numeric ones with a leading zero
 * (pre-release, section 9; build metadata allows them, section 10). Returns the
 * length, or 0 when malformed. */
static size_t
idents (const char *s, bool strict)
{
	size_t i = 0;

	for (;;) {
		size_t start = i;
		bool digits = true;

		while (ident_char (s[i])) {
			digits = digits && hull_version_isdigit (s[i]);
			i++;
		}
		if (i == start || (strict && digits && s[start] == '0' && i - start > 1))
			return 0;
		if (s[i] != '.')
			return i;
		i++;
	}
}

static int
semver_parse (const char *s, struct semver *out)
{
	static const struct span zero = { "0", 1 };
	bool v = *s == 'v';
	size_t n;

	s += v;
	memset (out, 0, sizeof *out);
	for (int k = 0; k < 3; k++) {
		n = numeric_ident (s);
		if (n == 0)
			return HULL_VCHECK_REJECTED;
		out->num[k] = (struct span){ s, n };
		s += n;
		if (k < 2 && *s != '.') {
			/* Go's "v1" and "v1.2", only with the v and nothing after. */
			if (!v || *s)
				return HULL_VCHECK_REJECTED;
			out->num[1] = k < 1 ? zero : out->num[1];
			out->num[2] = zero;
			return HULL_VCHECK_ACCEPTED;
		}
		s += k < 2;
	}
	if (*s == '-') {
		n = idents (++s, true);
		if (n == 0)
			return HULL_VCHECK_REJECTED;
		out->pre = (struct span){ s, n };
		s += n;
	}
	if (*s == '+') {
		n = idents (++s, false);
		if (n == 0)
			return HULL_VCHECK_REJECTED;
		s += n;
	}
	return *s ? HULL_VCHECK_REJECTED : HULL_VCHECK_VALID;
}

int
hull_version_semver_check (const char *v)
{
	struct semver sv;

	return semver_parse (v, &sv);
}

/* Section 11.4: identifier by identifier. */
static int
pre_cmp (struct span a, struct span b)
{
	size_t i = 0, j = 0;

	for (;;) {
		size_t na, nb;
		bool da, db;
		int rc;

		if (i >= a.n || j >= b.n)
			return (i < a.n) - (j < b.n);
		na = strcspn (a.p + i, ".");
		nb = strcspn (b.p + j, ".");
		na = na < a.n - i ? na : a.n - i;
		nb = nb < b.n - j ? nb : b.n - j;
		da = strspn (a.p + i, "0123456789") >= na;
		db = strspn (b.p + j, "0123456789") >= nb;
		if (da && db)
			rc = hull_version_numcmp (a.p + i, na, b.p + j, nb);
		else if (da != db)
			rc = da ? -1 : 1;
		else {
			rc = memcmp (a.p + i, b.p + j, na < nb ? na : nb);
			rc = rc ? rc : (na > nb) - (na < nb);
		}
		if (rc)
			return hull_version_sign (rc);
		i += na + 1;
		j += nb + 1;
	}
}

int
hull_version_semver_cmp (const char *a, const char *b)
{
	struct semver va, vb;
	int rc;

	if (!semver_parse (a, &va) || !semver_parse (b, &vb))
		return hull_version_sign (strcmp (a, b));
	for (int k = 0; k < 3; k++) {
		rc = hull_version_numcmp (va.num[k].p, va.num[k].n, vb.num[k].p, vb.num[k].n);
		if (rc)
			return rc;
	}
	if (!va.pre.n || !vb.pre.n)
		return (va.pre.n == 0) - (vb.pre.n == 0);
	return pre_cmp (va.pre, vb.pre);
}
