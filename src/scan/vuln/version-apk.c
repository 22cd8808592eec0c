/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Alpine version ordering: apk-tools 2.x src/version.c, ported token for token
 * (Gentoo-style {digit}{.digit}...{letter}{_suf{#}}...{-r#}). A version is a run of
 * typed tokens; two versions compare token by token while the types agree, then by the
 * type that follows ("1.0_rc1" < "1.0" < "1.0.1" < "1.0-r1"...). Details kept from
 * apk-tools on purpose, because the matcher must agree with the distro's tool:
 *   - after a '.', a run of leading zeros is its own token with the value -count, so
 *     "1.01" < "1.1" and "1.001" < "1.01";
 *   - suffixes are recognised by prefix: _alpha _beta _pre _rc (before a release),
 *     _cvs _svn _git _hg _p (after it);
 *   - token values are C ints: digit runs too long for 32 bits wrap around as they do
 *     in the apk binary (two's complement), documented in docs/versions.md.
 * Validity is apk_version_validate(); the empty string, which apk also accepts, is
 * ordered (before "0") but not called valid. */
#include <stdint.h>
#include <string.h>

#include "scan/vuln/version.h"

enum tok {
	T_INVALID = -1,
	T_DIGIT_OR_ZERO,
	T_DIGIT,
	T_LETTER,
	T_SUFFIX,
	T_SUFFIX_NO,
	T_REVISION_NO,
	T_END,
};

struct blob {
	const char *p;
	size_t len;
};

static bool
islower_c (char c)
{
	return c >= 'a' && c <= 'z';
}

static void
next_token (int *type, struct blob *b)
{
	int n = T_INVALID;

	if (b->len == 0 || b->p[0] == 0) {
		n = T_END;
	} else if ((*type == T_DIGIT || *type == T_DIGIT_OR_ZERO) && islower_c (b->p[0])) {
		n = T_LETTER;
	} else if (*type == T_LETTER && hull_version_isdigit (b->p[0])) {
		n = T_DIGIT;
	} else if (*type == T_SUFFIX && hull_version_isdigit (b->p[0])) {
		n = T_SUFFIX_NO;
	} else {
		if (b->p[0] == '.') {
			n = T_DIGIT_OR_ZERO;
		} else if (b->p[0] == '_') {
			n = T_SUFFIX;
		} else if (b->p[0] == '-' && b->len > 1 && b->p[1] == 'r') {
			n = T_REVISION_NO;
			b->p++, b->len--;
		}
		b->p++, b->len--;
	}
	if (n < *type && !((n == T_DIGIT_OR_ZERO && *type == T_DIGIT) ||
			   (n == T_SUFFIX && *type == T_SUFFIX_NO) ||
			   (n == T_DIGIT && *type == T_LETTER)))
		n = T_INVALID;
	*type = n;
}

/* apk's suffix tables: pre-release suffixes get negative values, -4..-1. */
static int
suffix_value (const struct blob *b, size_t *len, bool *ok)
{
	static const char *const pre[] = { "alpha", "beta", "pre", "rc" };
	static const char *const post[] = { "cvs", "svn", "git", "hg", "p" };

	*ok = true;
	for (int v = 0; v < 4; v++) {
		*len = strlen (pre[v]);
		if (*len <= b->len && strncmp (pre[v], b->p, *len) == 0)
			return v - 4;
	}
	for (int v = 0; v < 5; v++) {
		*len = strlen (post[v]);
		if (*len <= b->len && strncmp (post[v], b->p, *len) == 0)
			return v;
	}
	*ok = false;
	return -1;
}

/* Digits as apk accumulates them in an int; the wrap is done in unsigned arithmetic
 * (no undefined behaviour here) and converted like gcc's two's complement. */
static int
digits_value (const struct blob *b, size_t *i)
{
	uint32_t v = 0;

	while (*i < b->len && hull_version_isdigit (b->p[*i]))
		v = v * 10u + (uint32_t) (b->p[(*i)++] - '0');
	return (int) (int32_t) v;
}

static int
get_token (int *type, struct blob *b)
{
	int v = 0, nt = T_INVALID;
	size_t i = 0;
	bool ok;

	if (b->len == 0) {
		*type = T_END;
		return 0;
	}
	switch (*type) {
	case T_DIGIT_OR_ZERO:
		if (b->p[0] == '0') {
			while (i < b->len && b->p[i] == '0')
				i++;
			nt = T_DIGIT;
			v = -(int) i;
			break;
		}
		/* fall through */
	case T_DIGIT:
	case T_SUFFIX_NO:
	case T_REVISION_NO:
		v = digits_value (b, &i);
		break;
	case T_LETTER:
		v = b->p[i++];
		break;
	case T_SUFFIX:
		v = suffix_value (b, &i, &ok);
		if (ok)
			break;
		/* fall through */
	default:
		*type = T_INVALID;
		return -1;
	}
	b->p += i;
	b->len -= i;
	if (b->len == 0)
		*type = T_END;
	else if (nt != T_INVALID)
		*type = nt;
	else
		next_token (type, b);
	return v;
}

int
hull_version_apk_check (const char *v)
{
	struct blob b = { v, strlen (v) };
	int t = T_DIGIT;

	while (t != T_END && t != T_INVALID)
		get_token (&t, &b);
	if (t != T_END)
		return HULL_VCHECK_REJECTED;
	return *v ? HULL_VCHECK_VALID : HULL_VCHECK_ACCEPTED;
}

/* apk_version_compare_blob_fuzzy (a, b, FALSE). */
int
hull_version_apk_cmp (const char *a, const char *b)
{
	struct blob x = { a, strlen (a) }, y = { b, strlen (b) };
	int at = T_DIGIT, bt = T_DIGIT, tt;
	int av = 0, bv = 0;

	while (at == bt && at != T_END && at != T_INVALID && av == bv) {
		av = get_token (&at, &x);
		bv = get_token (&bt, &y);
	}
	if (av != bv)
		return av < bv ? -1 : 1;
	if (at == bt)
		return 0;
	/* Equal so far: the longer version is newer unless what follows is a
	 * pre-release suffix. */
	tt = at;
	if (at == T_SUFFIX && get_token (&tt, &x) < 0)
		return -1;
	tt = bt;
	if (bt == T_SUFFIX && get_token (&tt, &y) < 0)
		return 1;
	if (at != bt)
		return at > bt ? -1 : 1;
	return 0;
}
