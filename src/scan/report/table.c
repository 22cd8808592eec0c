/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The human output: an aligned table of the unsuppressed findings, grouped by
 * package (the package and version are printed once per group), and a summary. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "scan/report/report.h"

#define TITLE_MAX 60 /* bytes of the title column; the rest is cut with "..." */
#define CELL_MAX 200 /* bytes of any other cell */

/* ANSI SGR colours per severity (index: enum hull_severity). */
static const char *const sev_color[HULL_SEV_MAX] = {
	[HULL_SEV_UNKNOWN] = "\033[2m",	    [HULL_SEV_LOW] = "\033[34m",
	[HULL_SEV_MEDIUM] = "\033[33m",	    [HULL_SEV_HIGH] = "\033[31m",
	[HULL_SEV_CRITICAL] = "\033[1;31m",
};
#define COLOR_RESET "\033[0m"

enum { C_PKG, C_VER, C_ID, C_SEV, C_FIX, C_N };

static const char *const headers[C_N] = { "PACKAGE", "VERSION", "VULNERABILITY", "SEVERITY",
					  "FIXED IN" };

static const char *
nz (const char *s, const char *dflt)
{
	return s && *s ? s : dflt;
}

static const char *
cell (const struct hull_finding *x, int c)
{
	switch (c) {
	case C_PKG:
		return nz (x->pkg_name, "-");
	case C_VER:
		return nz (x->pkg_version, "-");
	case C_ID:
		return nz (x->id, "-");
	case C_SEV:
		return hull_severity_name (x->severity);
	default:
		return nz (x->fixed_version, "-");
	}
}

static bool
same_pkg (const struct hull_finding *a, const struct hull_finding *b)
{
	return strcmp (nz (a->pkg_name, ""), nz (b->pkg_name, "")) == 0 &&
	       strcmp (nz (a->pkg_version, ""), nz (b->pkg_version, "")) == 0;
}

/* Print at most `max` bytes of s with control characters (hostile advisory or SBOM
 * text: a terminal escape sequence) replaced by '?'; returns the bytes printed. */
static size_t
put_clean (FILE *out, const char *s, size_t max)
{
	size_t n = 0;

	for (; s && s[n] && n < max; n++)
		fputc ((unsigned char) s[n] < 0x20 || s[n] == 0x7f ? '?' : s[n], out);
	return n;
}

static void
put_row (FILE *out, const struct hull_finding *x, bool first, const int *w, bool color)
{
	for (int c = 0; c < C_N; c++) {
		const char *s = (c <= C_VER && !first) ? "" : cell (x, c);
		bool col = color && c == C_SEV;
		size_t n;
		fputs (col ? sev_color[x->severity] : "", out);
		n = put_clean (out, s, CELL_MAX);
		fprintf (out, "%s%*s  ", col ? COLOR_RESET : "", w[c] - (int) n, "");
	}
	if (put_clean (out, x->title, TITLE_MAX) == TITLE_MAX && x->title[TITLE_MAX])
		fputs ("...", out);
	fputc ('\n', out);
}

static void
put_summary (FILE *out, const struct hull_findings *f)
{
	size_t by[HULL_SEV_MAX] = { 0 }, active = 0, supp = 0;

	for (size_t i = 0; i < f->n; i++) {
		if (f->v[i].suppressed) {
			supp++;
			continue;
		}
		by[f->v[i].severity]++;
		active++;
	}
	fprintf (out, "%zu vulnerabilit%s (", active, active == 1 ? "y" : "ies");
	for (int s = HULL_SEV_CRITICAL; s >= HULL_SEV_UNKNOWN; s--)
		fprintf (out, "%s%s: %zu", s == HULL_SEV_CRITICAL ? "" : ", ",
			 hull_severity_name (s), by[s]);
	fprintf (out, ")");
	if (supp)
		fprintf (out, ", %zu suppressed", supp);
	fputc ('\n', out);
}

int
hull_report_table (FILE *out, const struct hull_inventory *inv, const struct hull_findings *f,
		   const struct hull_report_opts *o, hull_error_t *err)
{
	int w[C_N];
	const struct hull_finding *prev = NULL;

	for (int c = 0; c < C_N; c++)
		w[c] = (int) strlen (headers[c]);
	for (size_t i = 0; i < f->n; i++)
		for (int c = 0; c < C_N && !f->v[i].suppressed; c++) {
			size_t l = strlen (cell (&f->v[i], c));
			if (l > (size_t) w[c])
				w[c] = l > CELL_MAX ? CELL_MAX : (int) l;
		}
	if (inv && inv->target) {
		put_clean (out, inv->target, CELL_MAX);
		fputs (" (", out);
		put_clean (out, nz (inv->os.id, "unknown os"), CELL_MAX);
		fputs (inv->os.version_id ? " " : "", out);
		put_clean (out, nz (inv->os.version_id, ""), CELL_MAX);
		fputs (")\n\n", out);
	}
	if (hull_report_count_active (f) > 0) {
		for (int c = 0; c < C_N; c++)
			fprintf (out, "%-*s  ", w[c], headers[c]);
		fputs ("TITLE\n", out);
	}
	for (size_t i = 0; i < f->n; i++) {
		const struct hull_finding *x = &f->v[i];
		if (x->suppressed)
			continue;
		put_row (out, x, prev == NULL || !same_pkg (prev, x), w, o && o->color);
		prev = x;
	}
	if (prev)
		fputc ('\n', out);
	put_summary (out, f);
	if (fflush (out) != 0 || ferror (out))
		return hull_error_make (err, errno, "write the table");
	return 0;
}
