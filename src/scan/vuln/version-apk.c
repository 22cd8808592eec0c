/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Alpine version ordering: apk-tools' src/version.c as rewritten for apk-tools 2.12 and
 * kept in 3.x (the 3.x form, which adds the "~hash" token), ported token for token:
 *   digit{.digit}...{letter}{_suffix{#}}...{~hash}{-r#}
 * Tokens compare pairwise while their types agree: numbers numerically (as apk's
 * uint64_t, which wraps beyond 2^64 the way apk_blob_pull_uint does), except that a
 * component after '.' with a leading zero on either side compares as a string
 * ("1.01" < "1.1", the Gentoo rule); a letter by its byte; a suffix by rank (_alpha <
 * _beta < _pre < _rc < none < _cvs < _svn < _git < _hg < _p); a hash as a string. When
 * the types part, a pre-release suffix sorts first, otherwise the side whose token type
 * comes later in the list above sorts first ("1.0" < "1.0-r1" < "1.0.1"...).
 * Validity is apk_version_validate(). apk-tools 2.14 also took "1.0-r", "1.0_" and
 * "1." (an empty number or suffix); 3.x, and hull, refuse them. */
#include <stdint.h>
#include <string.h>

#include "scan/vuln/version.h"

enum tok {
	T_INITIAL_DIGIT,
	T_DIGIT,
	T_LETTER,
	T_SUFFIX,
	T_SUFFIX_NO,
	T_COMMIT_HASH,
	T_REVISION_NO,
	T_END,
	T_INVALID,
};

enum suffix {
	S_INVALID,
	S_ALPHA,
	S_BETA,
	S_PRE,
	S_RC,
	S_NONE,
	S_CVS,
	S_SVN,
	S_GIT,
	S_HG,
	S_P,
};

struct blob {
	const char *p;
	size_t len;
};

struct token {
	enum tok type;
	enum suffix suffix;
	uint64_t number;
	struct blob value;
};

static enum suffix
suffix_value (struct blob s)
{
	static const char *const names[] = {
		[S_ALPHA] = "alpha", [S_BETA] = "beta", [S_PRE] = "pre",
		[S_RC] = "rc",	     [S_CVS] = "cvs",	[S_SVN] = "svn",
		[S_GIT] = "git",     [S_HG] = "hg",	[S_P] = "p",
	};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (names[i] && strlen (names[i]) == s.len && memcmp (names[i], s.p, s.len) == 0)
			return (enum suffix) i;
	}
	return S_INVALID;
}

static struct blob
take_while (struct blob *b, bool (*pred) (char))
{
	struct blob v = { b->p, 0 };

	while (v.len < b->len && pred (b->p[v.len]))
		v.len++;
	b->p += v.len;
	b->len -= v.len;
	return v;
}

static bool
is_digit (char c)
{
	return hull_version_isdigit (c);
}

static bool
is_lower (char c)
{
	return c >= 'a' && c <= 'z';
}

static bool
is_hex (char c)
{
	return is_digit (c) || (c >= 'a' && c <= 'f');
}

/* token_parse_digits(): apk_blob_pull_uint's value, wrapping in uint64_t. */
static void
parse_digits (struct token *t, struct blob *b)
{
	t->value = take_while (b, is_digit);
	t->number = 0;
	for (size_t i = 0; i < t->value.len; i++)
		t->number = t->number * 10u + (uint64_t) (t->value.p[i] - '0');
	if (t->value.len == 0)
		t->type = T_INVALID;
}

static void
token_first (struct token *t, struct blob *b)
{
	t->type = T_INITIAL_DIGIT;
	parse_digits (t, b);
}

static void
token_next (struct token *t, struct blob *b)
{
	char c;

	if (b->len == 0) {
		t->type = T_END;
		return;
	}
	c = b->p[0];
	if (is_lower (c) && t->type <= T_DIGIT) {
		t->value = (struct blob){ b->p, 1 };
		t->type = T_LETTER;
		b->p++, b->len--;
	} else if ((c == '.' && t->type <= T_DIGIT) ||
		   (is_digit (c) && (t->type <= T_DIGIT || t->type == T_SUFFIX))) {
		if (c == '.')
			b->p++, b->len--;
		t->type = t->type == T_SUFFIX ? T_SUFFIX_NO : T_DIGIT;
		parse_digits (t, b);
	} else if (c == '_' && t->type <= T_SUFFIX_NO) {
		b->p++, b->len--;
		t->value = take_while (b, is_lower);
		t->suffix = suffix_value (t->value);
		t->type = t->suffix == S_INVALID ? T_INVALID : T_SUFFIX;
	} else if (c == '~' && t->type < T_COMMIT_HASH) {
		b->p++, b->len--;
		t->value = take_while (b, is_hex);
		t->type = t->value.len ? T_COMMIT_HASH : T_INVALID;
	} else if (c == '-' && t->type < T_REVISION_NO && b->len > 1 && b->p[1] == 'r') {
		b->p += 2, b->len -= 2;
		t->type = T_REVISION_NO;
		parse_digits (t, b);
	} else {
		t->type = T_INVALID;
	}
}

/* apk_blob_sort(): bytes, then length. */
static int
blob_sort (struct blob a, struct blob b)
{
	int rc = memcmp (a.p, b.p, a.len < b.len ? a.len : b.len);

	if (rc)
		return hull_version_sign (rc);
	return (a.len > b.len) - (a.len < b.len);
}

static int
token_cmp (const struct token *ta, const struct token *tb)
{
	uint64_t a, b;

	switch (ta->type) {
	case T_DIGIT:
		/* A leading zero on either side: string order, like Gentoo. */
		if (ta->value.p[0] == '0' || tb->value.p[0] == '0')
			return blob_sort (ta->value, tb->value);
		/* fall through */
	case T_INITIAL_DIGIT:
	case T_SUFFIX_NO:
	case T_REVISION_NO:
		a = ta->number;
		b = tb->number;
		break;
	case T_LETTER:
		a = (unsigned char) ta->value.p[0];
		b = (unsigned char) tb->value.p[0];
		break;
	case T_SUFFIX:
		a = ta->suffix;
		b = tb->suffix;
		break;
	default:
		return blob_sort (ta->value, tb->value);
	}
	return (a > b) - (a < b);
}

int
hull_version_apk_check (const char *v)
{
	struct blob b = { v, strlen (v) };
	struct token t = { 0 };

	for (token_first (&t, &b); t.type < T_END; token_next (&t, &b))
		;
	return t.type == T_END ? HULL_VCHECK_VALID : HULL_VCHECK_REJECTED;
}

/* apk_version_compare_fuzzy (a, b, false). */
int
hull_version_apk_cmp (const char *a, const char *b)
{
	struct blob x = { a, strlen (a) }, y = { b, strlen (b) };
	struct token ta = { 0 }, tb = { 0 };

	for (token_first (&ta, &x), token_first (&tb, &y); ta.type == tb.type && ta.type < T_END;
	     token_next (&ta, &x), token_next (&tb, &y)) {
		int rc = token_cmp (&ta, &tb);

		if (rc)
			return rc;
	}
	if (ta.type == tb.type)
		return 0;
	/* Equal so far: the longer version is newer unless a pre-release suffix
	 * follows. */
	if (ta.type == T_SUFFIX && ta.suffix < S_NONE)
		return -1;
	if (tb.type == T_SUFFIX && tb.suffix < S_NONE)
		return 1;
	return ta.type > tb.type ? -1 : 1;
}
