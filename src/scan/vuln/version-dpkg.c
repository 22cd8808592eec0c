/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Debian version ordering, deb-version(7) as dpkg 1.21 implements it
 * (lib/dpkg/parsehelp.c parseversion, lib/dpkg/version.c verrevcmp):
 * [epoch:]upstream[-revision]; epoch numeric; revision after the last '-'; each part
 * compared as alternating non-digit and digit runs, non-digits by order() ('~' before
 * the end, the end before letters, letters before everything else), digits
 * numerically. Strings dpkg parses with only a warning (a version not starting with a
 * digit, odd characters) are ordered as dpkg orders them but are not valid. */
#include <limits.h>
#include <string.h>

#include "scan/vuln/version.h"

struct dpkg_ver {
	long epoch;
	const char *ver, *ver_end;
	const char *rev, *rev_end;
};

static bool
is_blank (char c)
{
	return c == ' ' || c == '\t';
}

/* C isspace(): what strtol() skips before the epoch (dpkg parses it with strtol). */
static bool
is_space (char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* The epoch as strtol (string, &end, 10) reads it, with dpkg's checks: digits, not
 * negative, at most INT_MAX. */
static int
parse_epoch (const char *s, const char *colon, long *out)
{
	bool neg = false;
	long v = 0;

	while (s < colon && is_space (*s))
		s++;
	if (s < colon && (*s == '+' || *s == '-'))
		neg = *s++ == '-';
	if (s == colon)
		return -1; /* "epoch in version is empty" */
	for (; s < colon; s++) {
		if (!hull_version_isdigit (*s))
			return -1; /* "epoch in version is not number" */
		v = v * 10 + (*s - '0');
		if (v > INT_MAX)
			return -1; /* "too big" (or "negative": -v < INT_MIN) */
	}
	if (neg && v != 0)
		return -1; /* "epoch in version is negative" */
	*out = v;
	return 0;
}

static bool
chars_ok (const char *p, const char *end, const char *extra)
{
	for (; p < end; p++) {
		if (!hull_version_isdigit (*p) && !hull_version_isalpha (*p) && !strchr (extra, *p))
			return false;
	}
	return true;
}

/* parseversion(): returns HULL_VCHECK_* and fills *out unless rejected. */
static int
dpkg_parse (const char *s, struct dpkg_ver *out)
{
	const char *start = s, *end, *p, *colon, *hyphen = NULL;
	bool trimmed;

	while (*start && is_blank (*start))
		start++;
	if (!*start)
		return HULL_VCHECK_REJECTED; /* "version string is empty" */
	for (end = start; *end && !is_blank (*end); end++)
		;
	for (p = end; *p && is_blank (*p); p++)
		;
	if (*p)
		return HULL_VCHECK_REJECTED; /* "embedded spaces" */
	trimmed = start != s || *end;
	out->epoch = 0;
	colon = memchr (start, ':', (size_t) (end - start));
	if (colon) {
		if (parse_epoch (start, colon, &out->epoch) < 0 || colon + 1 == end)
			return HULL_VCHECK_REJECTED;
		start = colon + 1;
	}
	for (p = start; p < end; p++) {
		if (*p == '-')
			hyphen = p;
	}
	out->ver = start;
	out->ver_end = hyphen ? hyphen : end;
	out->rev = hyphen ? hyphen + 1 : end;
	out->rev_end = end;
	if ((hyphen && out->rev == end) || out->ver == out->ver_end)
		return HULL_VCHECK_REJECTED; /* "revision/version number is empty" */
	/* dpkg only warns from here on. */
	if (!hull_version_isdigit (*out->ver) || !chars_ok (out->ver, out->ver_end, ".-+~:") ||
	    !chars_ok (out->rev, out->rev_end, ".+~"))
		return HULL_VCHECK_ACCEPTED;
	/* A leading epoch written "+1:" or " 1:" is accepted but not canonical. */
	if (trimmed || (colon && !hull_version_isdigit (*s)))
		return HULL_VCHECK_ACCEPTED;
	return HULL_VCHECK_VALID;
}

/* dpkg's order(): the character is a plain (signed on dpkg's platforms) char, so bytes
 * >= 0x80 land between the letters and the other ASCII characters. */
static int
order (const char *p, const char *end)
{
	int c = p < end ? (signed char) *p : 0;

	if (hull_version_isdigit (c))
		return 0;
	if (hull_version_isalpha (c))
		return c;
	if (c == '~')
		return -1;
	if (c)
		return c + 256;
	return 0;
}

static bool
digit_at (const char *p, const char *end)
{
	return p < end && hull_version_isdigit (*p);
}

static int
verrevcmp (const char *a, const char *ae, const char *b, const char *be)
{
	while (a < ae || b < be) {
		int first_diff = 0;

		while ((a < ae && !digit_at (a, ae)) || (b < be && !digit_at (b, be))) {
			int ac = order (a, ae), bc = order (b, be);

			if (ac != bc)
				return ac - bc;
			a++, b++;
		}
		while (a < ae && *a == '0')
			a++;
		while (b < be && *b == '0')
			b++;
		while (digit_at (a, ae) && digit_at (b, be)) {
			if (!first_diff)
				first_diff = *a - *b;
			a++, b++;
		}
		if (digit_at (a, ae))
			return 1;
		if (digit_at (b, be))
			return -1;
		if (first_diff)
			return first_diff;
	}
	return 0;
}

int
hull_version_dpkg_check (const char *v)
{
	struct dpkg_ver d;

	return dpkg_parse (v, &d);
}

int
hull_version_dpkg_cmp (const char *a, const char *b)
{
	struct dpkg_ver va, vb;
	int rc;

	if (dpkg_parse (a, &va) == HULL_VCHECK_REJECTED ||
	    dpkg_parse (b, &vb) == HULL_VCHECK_REJECTED)
		return hull_version_sign (strcmp (a, b));
	if (va.epoch != vb.epoch)
		return va.epoch < vb.epoch ? -1 : 1;
	rc = verrevcmp (va.ver, va.ver_end, vb.ver, vb.ver_end);
	if (rc)
		return rc;
	return verrevcmp (va.rev, va.rev_end, vb.rev, vb.rev_end);
}
