/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "common/parse.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>

int
hull_parse_u64 (const char *s, int base, uint64_t *out, const char *what, hull_error_t *err)
{
	unsigned long long v;
	char *end = NULL;

	if (s == NULL || *s == '\0')
		return hull_error_make (err, EINVAL, "%s: empty number", what);
	/* strtoull accepts leading spaces and a minus sign (wrapping the value); refuse both. */
	if (!(*s >= '0' && *s <= '9'))
		return hull_error_make (err, EINVAL, "%s: invalid number `%s`", what, s);
	errno = 0;
	v = strtoull (s, &end, base);
	if (errno == ERANGE)
		return hull_error_make (err, ERANGE, "%s: number `%s` out of range", what, s);
	if (errno != 0 || end == s || *end != '\0')
		return hull_error_make (err, EINVAL, "%s: invalid number `%s`", what, s);
	*out = v;
	return 0;
}

int
hull_parse_u32 (const char *s, int base, uint32_t *out, const char *what, hull_error_t *err)
{
	uint64_t v;
	int r = hull_parse_u64 (s, base, &v, what, err);
	if (r < 0)
		return r;
	if (v > UINT32_MAX)
		return hull_error_make (err, ERANGE, "%s: number `%s` out of range", what, s);
	*out = (uint32_t) v;
	return 0;
}

int
hull_parse_i64 (const char *s, int64_t *out, const char *what, hull_error_t *err)
{
	long long v;
	char *end = NULL;

	if (s == NULL || *s == '\0')
		return hull_error_make (err, EINVAL, "%s: empty number", what);
	if (!((*s >= '0' && *s <= '9') || (*s == '-' && s[1] >= '0' && s[1] <= '9')))
		return hull_error_make (err, EINVAL, "%s: invalid number `%s`", what, s);
	errno = 0;
	v = strtoll (s, &end, 10);
	if (errno == ERANGE)
		return hull_error_make (err, ERANGE, "%s: number `%s` out of range", what, s);
	if (errno != 0 || end == s || *end != '\0')
		return hull_error_make (err, EINVAL, "%s: invalid number `%s`", what, s);
	*out = v;
	return 0;
}

int
hull_parse_int (const char *s, int *out, const char *what, hull_error_t *err)
{
	int64_t v;
	int r = hull_parse_i64 (s, &v, what, err);
	if (r < 0)
		return r;
	if (v < INT_MIN || v > INT_MAX)
		return hull_error_make (err, ERANGE, "%s: number `%s` out of range", what, s);
	*out = (int) v;
	return 0;
}
