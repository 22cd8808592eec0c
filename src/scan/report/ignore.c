/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The .hullignore file (docs/scan.md "Ignore file"): one entry per line,
 *     ID [pkg=NAME] [exp=YYYY-MM-DD] [# reason]
 * An entry stops applying the day after its expiry date, so accepted risks are
 * revisited rather than forgotten. Hostile input: capped, strict, errors name the
 * line. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/file.h"
#include "common/parse.h"
#include "common/xalloc.h"
#include "scan/report/report.h"

#define ID_MAX 256
#define REASON_MAX 1024

static bool
id_char (char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       strchr ("-_.:+/", c) != NULL;
}

static bool
valid_token (const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!id_char (s[n]))
			return false;
	return n > 0 && n <= ID_MAX;
}

/* YYYY-MM-DD with a real month and day (leap years included) -> YYYYMMDD. */
static int
parse_date (const char *s, int *out)
{
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	uint32_t y, m, d;
	char buf[5];

	if (strlen (s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return -1;
	memcpy (buf, s, 4), buf[4] = '\0';
	if (hull_parse_u32 (buf, 10, &y, "year", NULL) < 0)
		return -1;
	m = (uint32_t) (s[5] - '0') * 10 + (uint32_t) (s[6] - '0');
	d = (uint32_t) (s[8] - '0') * 10 + (uint32_t) (s[9] - '0');
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > (uint32_t) mdays[m - 1])
		return -1;
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return -1;
	*out = (int) (y * 10000 + m * 100 + d);
	return 0;
}

static int
parse_field (struct hull_ignore_entry *e, char *tok, const char *name, unsigned line,
	     hull_error_t *err)
{
	if (strncmp (tok, "pkg=", 4) == 0 && e->pkg == NULL && valid_token (tok + 4)) {
		e->pkg = hull_xstrdup (tok + 4);
		return 0;
	}
	if (strncmp (tok, "exp=", 4) == 0 && e->expires == 0) {
		if (parse_date (tok + 4, &e->expires) == 0)
			return 0;
		return hull_error_make (err, EINVAL, "%s:%u: `%s`: expected exp=YYYY-MM-DD", name,
					line, tok);
	}
	return hull_error_make (err, EINVAL,
				"%s:%u: `%s`: expected pkg=NAME, exp=YYYY-MM-DD or # reason", name,
				line, tok);
}

/* One line (NUL-terminated, modified in place) into *e; returns 1 for an entry, 0 for
 * a blank or comment line. */
static int
parse_line (char *s, const char *name, unsigned line, struct hull_ignore_entry *e,
	    hull_error_t *err)
{
	char *hash = strchr (s, '#'), *save = NULL, *tok;

	if (hash) {
		*hash++ = '\0';
		hash += strspn (hash, " \t");
		if (strlen (hash) > REASON_MAX)
			return hull_error_make (err, EINVAL, "%s:%u: reason longer than %d bytes",
						name, line, REASON_MAX);
	}
	for (char *p = s; *p; p++)
		if ((unsigned char) *p < 0x20 && *p != '\t')
			return hull_error_make (err, EINVAL, "%s:%u: control character", name,
						line);
	if ((tok = strtok_r (s, " \t", &save)) == NULL)
		return 0;
	if (!valid_token (tok))
		return hull_error_make (err, EINVAL, "%s:%u: `%.64s` is not a vulnerability id",
					name, line, tok);
	e->id = hull_xstrdup (tok);
	e->line = line;
	while ((tok = strtok_r (NULL, " \t", &save)) != NULL)
		if (parse_field (e, tok, name, line, err) < 0)
			return -EINVAL;
	if (hash && *hash)
		e->reason = hull_xstrdup (hash);
	return 1;
}

static void
entry_clear (struct hull_ignore_entry *e)
{
	free (e->id);
	free (e->pkg);
	free (e->reason);
	memset (e, 0, sizeof (*e));
}

int
hull_ignore_parse (const char *text, size_t len, const char *name, struct hull_ignore *out,
		   hull_error_t *err)
{
	_cleanup_free_ char *buf = NULL;
	char *line, *next;
	unsigned lineno = 0;

	memset (out, 0, sizeof (*out));
	out->name = hull_xstrdup (name);
	if (len > HULL_IGNORE_MAX_BYTES || memchr (text, '\0', len) != NULL) {
		hull_ignore_clear (out);
		return hull_error_make (err, EINVAL, "%s: %s", name,
					len > HULL_IGNORE_MAX_BYTES ? "file too large"
								    : "NUL byte in text");
	}
	buf = hull_xstrndup (text, len);
	for (line = buf; line; line = next) {
		struct hull_ignore_entry e = { 0 };
		int r;
		if ((next = strchr (line, '\n')) != NULL)
			*next++ = '\0';
		lineno++;
		line[strcspn (line, "\r")] = '\0';
		if ((r = parse_line (line, name, lineno, &e, err)) <= 0) {
			entry_clear (&e);
			if (r == 0)
				continue;
			hull_ignore_clear (out);
			return r;
		}
		if (out->n >= HULL_IGNORE_MAX_ENTRIES) {
			entry_clear (&e);
			hull_ignore_clear (out);
			return hull_error_make (err, EINVAL, "%s: more than %u entries", name,
						HULL_IGNORE_MAX_ENTRIES);
		}
		out->v = hull_xreallocarray (out->v, out->n + 1, sizeof (*out->v));
		out->v[out->n++] = e;
	}
	return 0;
}

int
hull_ignore_load (const char *path, struct hull_ignore *out, hull_error_t *err)
{
	size_t len = 0;
	_cleanup_free_ char *text =
		hull_file_read_capped (AT_FDCWD, path, 0, HULL_IGNORE_MAX_BYTES, &len, err);

	if (text == NULL)
		return hull_error_wrap (err, "ignore file");
	return hull_ignore_parse (text, len, path, out, err);
}

void
hull_ignore_clear (struct hull_ignore *ig)
{
	if (ig == NULL)
		return;
	for (size_t i = 0; i < ig->n; i++)
		entry_clear (&ig->v[i]);
	free (ig->v);
	free (ig->name);
	memset (ig, 0, sizeof (*ig));
}

int
hull_ignore_today (time_t t)
{
	struct tm tm;

	if (gmtime_r (&t, &tm) == NULL)
		return 0;
	return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

bool
hull_ignore_expired (const struct hull_ignore_entry *e, int today)
{
	return e->expires != 0 && today > e->expires;
}

static bool
names_finding (const struct hull_ignore_entry *e, const struct hull_finding *x)
{
	bool id = x->id && strcmp (e->id, x->id) == 0;

	for (size_t i = 0; !id && i < x->n_aliases; i++)
		id = x->aliases[i] && strcmp (e->id, x->aliases[i]) == 0;
	if (!id)
		return false;
	return e->pkg == NULL || (x->pkg_name && strcmp (e->pkg, x->pkg_name) == 0) ||
	       (x->source_name && strcmp (e->pkg, x->source_name) == 0);
}

size_t
hull_ignore_apply (const struct hull_ignore *ig, int today, struct hull_findings *f)
{
	size_t n = 0;

	for (size_t i = 0; i < ig->n; i++) {
		const struct hull_ignore_entry *e = &ig->v[i];
		if (hull_ignore_expired (e, today))
			continue;
		for (size_t j = 0; j < f->n; j++) {
			struct hull_finding *x = &f->v[j];
			if (x->suppressed || !names_finding (e, x))
				continue;
			x->suppressed = true;
			x->suppressed_by = hull_xstrdup (ig->name ? ig->name : ".hullignore");
			x->justification = e->reason ? hull_xstrdup (e->reason) : NULL;
			n++;
		}
	}
	return n;
}
