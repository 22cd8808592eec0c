/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Maven version ordering: org.apache.maven.artifact.versioning.ComparableVersion as
 * Maven 3.8.7 implements it (maven-artifact). The lower-cased version is split into
 * items at '.', '-' and at every digit/letter transition; a '-' (and a transition) opens
 * a nested list, so every version is a chain of lists, each some items followed by at
 * most one sub-list. Trailing "null" items (0, "", "ga", "final", "release") and empty
 * sub-lists are removed. Items compare as:
 *   number vs number: numerically (any length); number > string, number > list;
 *   string vs string: known qualifiers alpha < beta < milestone < rc = cr < snapshot <
 *     "" = ga = final = release < sp, then unknown ones in lexical order; "a1", "b1",
 *     "m1" mean alpha-1, beta-1, milestone-1 (only when a digit follows);
 *   list vs list: item by item, a missing item compared as "null" (a number 0 equals
 *     null, a qualifier against "", a list by its first item that differs from null).
 * Maven takes any string; hull orders any ASCII string as Maven does and calls valid
 * the non-empty ones of printable characters. Strings with bytes >= 0x80 are refused
 * (Java's Unicode digits and case mapping are not reproduced). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "scan/vuln/version.h"

enum { I_NUM, I_STR };

/* Known qualifiers; index 5 ("") is the release itself. */
enum { Q_RELEASE = 5, Q_UNKNOWN = 7 };

struct item {
	uint8_t kind, rank; /* rank: qualifier index, Q_UNKNOWN for others */
	const char *p;	    /* number digits (leading zeros stripped) or unknown qualifier */
	size_t n;
};

struct list {
	size_t first, count;
};

struct mvn {
	struct item *items;
	struct list *lists;
	size_t n_items, n_lists;
};

static char
lower (char c)
{
	return c >= 'A' && c <= 'Z' ? (char) (c - 'A' + 'a') : c;
}

static bool
span_is (const char *p, size_t n, const char *w)
{
	if (strlen (w) != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (lower (p[i]) != w[i])
			return false;
	}
	return true;
}

/* StringItem's constructor: the one-letter shorthands, the aliases, the rank. */
static struct item
string_item (const char *p, size_t n, bool followed_by_digit)
{
	static const char *const quals[] = { "alpha",	 "beta", "milestone", "rc",
					     "snapshot", "",	 "sp" };
	static const struct {
		const char *alias;
		uint8_t rank;
	} aliases[] = {
		{ "ga", Q_RELEASE }, { "final", Q_RELEASE }, { "release", Q_RELEASE }, { "cr", 3 }
	};
	struct item it = { I_STR, Q_UNKNOWN, p, n };

	if (followed_by_digit && n == 1) {
		if (lower (*p) == 'a')
			it.rank = 0;
		else if (lower (*p) == 'b')
			it.rank = 1;
		else if (lower (*p) == 'm')
			it.rank = 2;
		if (it.rank != Q_UNKNOWN)
			return it;
	}
	for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++) {
		if (span_is (p, n, aliases[i].alias))
			it.rank = aliases[i].rank;
	}
	for (uint8_t i = 0; it.rank == Q_UNKNOWN && i < Q_UNKNOWN; i++) {
		if (span_is (p, n, quals[i]))
			it.rank = i;
	}
	return it;
}

static struct item
parse_item (bool is_digit, const char *p, size_t n)
{
	if (!is_digit)
		return string_item (p, n, false);
	while (n > 0 && *p == '0')
		p++, n--;
	return (struct item){ I_NUM, 0, p, n };
}

static void
add (struct mvn *v, struct item it)
{
	v->items[v->n_items++] = it;
	v->lists[v->n_lists - 1].count++;
}

static void
open_list (struct mvn *v)
{
	v->lists[v->n_lists++] = (struct list){ v->n_items, 0 };
}

static bool
cur_empty (const struct mvn *v)
{
	return v->lists[v->n_lists - 1].count == 0;
}

static bool
item_null (const struct item *it)
{
	return it->kind == I_NUM ? it->n == 0 : it->rank == Q_RELEASE;
}

/* ListItem.normalize() over the chain, innermost first. */
static void
normalize (struct mvn *v)
{
	for (size_t l = v->n_lists; l-- > 0;) {
		struct list *li = &v->lists[l];

		if (l + 1 < v->n_lists && v->lists[l + 1].count == 0 && l + 2 >= v->n_lists)
			v->n_lists = l + 1; /* an empty trailing sub-list is removed */
		while (li->count > 0 && item_null (&v->items[li->first + li->count - 1]))
			li->count--;
	}
}

static void
mvn_parse (const char *s, struct mvn *v)
{
	size_t len = strlen (s), start = 0;
	bool is_digit = false;

	/* Bounds: every item but the last ends at a distinct byte (a separator or a
	 * transition), so at most len + 1 items; each byte opens at most two lists
	 * (the qualifier-before-digits case), plus the root. */
	v->items = hull_xcalloc (len + 2, sizeof *v->items);
	v->lists = hull_xcalloc (2 * len + 2, sizeof *v->lists);
	v->n_items = v->n_lists = 0;
	open_list (v);
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (c == '.' || c == '-') {
			add (v, i == start ? (struct item){ I_NUM, 0, s + i, 0 }
					   : parse_item (is_digit, s + start, i - start));
			start = i + 1;
			if (c == '-')
				open_list (v);
		} else if (hull_version_isdigit (c)) {
			if (!is_digit && i > start) {
				/* "1.0.X1" < "1.0.0-X2": a qualifier before digits opens a list */
				if (!cur_empty (v))
					open_list (v);
				add (v, string_item (s + start, i - start, true));
				start = i;
				open_list (v);
			}
			is_digit = true;
		} else {
			if (is_digit && i > start) {
				add (v, parse_item (true, s + start, i - start));
				start = i;
				open_list (v);
			}
			is_digit = false;
		}
	}
	if (len > start) {
		if (!is_digit && !cur_empty (v))
			open_list (v);
		add (v, parse_item (is_digit, s + start, len - start));
	}
	normalize (v);
}

/* One item of a list seen from the comparison: an item, the sub-list, or nothing. */
enum { N_NULL, N_NUM, N_STR, N_LIST };

struct node {
	int kind;
	const struct item *it; /* N_NUM, N_STR */
	size_t list;	       /* N_LIST: index in the chain */
};

static size_t
list_size (const struct mvn *v, size_t l)
{
	return v->lists[l].count + (l + 1 < v->n_lists);
}

static struct node
node_at (const struct mvn *v, size_t l, size_t pos)
{
	const struct list *li = &v->lists[l];

	if (pos < li->count) {
		const struct item *it = &v->items[li->first + pos];

		return (struct node){ it->kind == I_NUM ? N_NUM : N_STR, it, 0 };
	}
	if (pos == li->count && l + 1 < v->n_lists)
		return (struct node){ N_LIST, NULL, l + 1 };
	return (struct node){ N_NULL, NULL, 0 };
}

/* comparableQualifier (a).compareTo (comparableQualifier (b)): known qualifiers by
 * rank, unknown ones ("7-" + value) after them in lexical order. */
static int
qual_cmp (const struct item *a, const struct item *b)
{
	size_t n = a->n < b->n ? a->n : b->n;

	if (a->rank != Q_UNKNOWN || b->rank != Q_UNKNOWN)
		return (a->rank > b->rank) - (a->rank < b->rank);
	for (size_t i = 0; i < n; i++) {
		if (lower (a->p[i]) != lower (b->p[i]))
			return lower (a->p[i]) < lower (b->p[i]) ? -1 : 1;
	}
	return (a->n > n) - (b->n > n);
}

static int node_cmp (const struct mvn *a, struct node x, const struct mvn *b, struct node y);

/* Item.compareTo (null). */
static int
null_cmp (const struct mvn *a, struct node x)
{
	switch (x.kind) {
	case N_NUM:
		return x.it->n != 0;
	case N_STR:
		return x.it->rank == Q_UNKNOWN
			       ? 1
			       : (x.it->rank > Q_RELEASE) - (x.it->rank < Q_RELEASE);
	case N_LIST:
		for (size_t pos = 0; pos < list_size (a, x.list); pos++) {
			int rc = null_cmp (a, node_at (a, x.list, pos));

			if (rc)
				return rc;
		}
		return 0;
	default:
		return 0;
	}
}

static int
list_cmp (const struct mvn *a, size_t la, const struct mvn *b, size_t lb)
{
	size_t na = list_size (a, la), nb = list_size (b, lb);

	for (size_t pos = 0; pos < na || pos < nb; pos++) {
		int rc = node_cmp (a, node_at (a, la, pos), b, node_at (b, lb, pos));

		if (rc)
			return rc;
	}
	return 0;
}

/* The type matrix of IntItem, StringItem and ListItem.compareTo. */
static int
node_cmp (const struct mvn *a, struct node x, const struct mvn *b, struct node y)
{
	if (y.kind == N_NULL)
		return null_cmp (a, x);
	if (x.kind == N_NULL)
		return -null_cmp (b, y);
	if (x.kind != y.kind) {
		/* number > list > string */
		static const int weight[] = { [N_NUM] = 2, [N_LIST] = 1, [N_STR] = 0 };

		return weight[x.kind] > weight[y.kind] ? 1 : -1;
	}
	if (x.kind == N_NUM)
		return hull_version_numcmp (x.it->p, x.it->n, y.it->p, y.it->n);
	if (x.kind == N_STR)
		return qual_cmp (x.it, y.it);
	return list_cmp (a, x.list, b, y.list);
}

int
hull_version_maven_check (const char *v)
{
	bool printable = *v != 0;

	for (; *v; v++) {
		if ((unsigned char) *v >= 0x80)
			return HULL_VCHECK_REJECTED;
		printable = printable && *v > ' ' && *v != 0x7f;
	}
	return printable ? HULL_VCHECK_VALID : HULL_VCHECK_ACCEPTED;
}

int
hull_version_maven_cmp (const char *a, const char *b)
{
	struct mvn x, y;
	int rc;

	mvn_parse (a, &x);
	mvn_parse (b, &y);
	rc = list_cmp (&x, 0, &y, 0);
	free (x.items);
	free (x.lists);
	free (y.items);
	free (y.lists);
	return rc;
}
