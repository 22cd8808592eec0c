/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The finding list shared by every hull checker (include/hull/scan.h), and the
 * selection and order every reporter output shares (report.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "hull/scan.h"
#include "scan/report/report.h"

struct hull_finding *
hull_findings_add (struct hull_findings *f)
{
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 16;
		f->v = hull_xreallocarray (f->v, cap, sizeof (*f->v));
		f->cap = cap;
	}
	struct hull_finding *x = &f->v[f->n++];
	memset (x, 0, sizeof (*x));
	return x;
}

void
hull_finding_clear (struct hull_finding *x)
{
	if (x == NULL)
		return;
	free (x->id);
	for (size_t i = 0; i < x->n_aliases; i++)
		free (x->aliases[i]);
	free (x->aliases);
	free (x->cvss_vector);
	free (x->title);
	free (x->description);
	free (x->url);
	free (x->pkg_name);
	free (x->pkg_version);
	free (x->pkg_purl);
	free (x->source_name);
	free (x->fixed_version);
	free (x->location);
	free (x->suppressed_by);
	free (x->justification);
	memset (x, 0, sizeof (*x));
}

void
hull_findings_clear (struct hull_findings *f)
{
	if (f == NULL)
		return;
	for (size_t i = 0; i < f->n; i++)
		hull_finding_clear (&f->v[i]);
	free (f->v);
	memset (f, 0, sizeof (*f));
}

/* ---- selection shared by every output ---- */

int
hull_report_parse_severities (const char *s, unsigned *mask, hull_error_t *err)
{
	_cleanup_free_ char *copy = hull_xstrdup (s);
	char *save = NULL;
	unsigned m = 0;

	for (char *tok = strtok_r (copy, ",", &save); tok; tok = strtok_r (NULL, ",", &save)) {
		int sev = hull_severity_parse (tok);
		if (sev < 0)
			return hull_error_make (err, EINVAL,
						"severity `%s`: expected UNKNOWN, LOW, MEDIUM, "
						"HIGH or CRITICAL",
						tok);
		m |= 1u << sev;
	}
	if (m == 0)
		return hull_error_make (err, EINVAL, "severity list `%s` is empty", s);
	*mask = m;
	return 0;
}

static bool
selected (const struct hull_finding *x, const struct hull_report_opts *o)
{
	if (o->severities && !(o->severities & (1u << x->severity)))
		return false;
	return !(o->ignore_unfixed && x->fixed_version == NULL);
}

static int
strcmp0 (const char *a, const char *b)
{
	return strcmp (a ? a : "", b ? b : "");
}

/* Package, then version, then the most severe first, then id: a stable order for
 * every output (docs/scan.md). */
static int
finding_cmp (const void *pa, const void *pb)
{
	const struct hull_finding *a = pa, *b = pb;
	int r;

	if ((r = strcmp0 (a->pkg_name, b->pkg_name)) != 0)
		return r;
	if ((r = strcmp0 (a->pkg_version, b->pkg_version)) != 0)
		return r;
	if (a->severity != b->severity)
		return a->severity > b->severity ? -1 : 1;
	if ((r = strcmp0 (a->id, b->id)) != 0)
		return r;
	return strcmp0 (a->location, b->location);
}

void
hull_report_select (struct hull_findings *f, const struct hull_report_opts *o)
{
	size_t w = 0;

	for (size_t i = 0; i < f->n; i++) {
		if (!selected (&f->v[i], o)) {
			hull_finding_clear (&f->v[i]);
			continue;
		}
		if (w != i)
			f->v[w] = f->v[i];
		w++;
	}
	f->n = w;
	if (f->n > 1)
		qsort (f->v, f->n, sizeof (*f->v), finding_cmp);
}

size_t
hull_report_count_active (const struct hull_findings *f)
{
	size_t n = 0;

	for (size_t i = 0; i < f->n; i++)
		n += !f->v[i].suppressed;
	return n;
}

json_t *
hull_report_json_string (const char *s)
{
	json_t *j;
	char *copy;

	if (s == NULL)
		return json_null ();
	if ((j = json_string (s)) != NULL)
		return j;
	copy = hull_xstrdup (s);
	for (char *p = copy; *p; p++)
		if ((unsigned char) *p >= 0x80)
			*p = '?';
	j = json_string (copy);
	free (copy);
	return j;
}
