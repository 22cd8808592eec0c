/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Matching an inventory against the index (docs/vulndb.md "Matching").
 *
 * Per package: its OSV ecosystem ("Debian:12"; the release-less "Debian" applies
 * too), the name advisories use (the source package for deb, the origin for apk,
 * the PEP 503 form for PyPI), then a binary search of the sorted package table and
 * the OSV evaluation of each affected entry's pre-sorted ranges. Hits are merged
 * per (package, canonical id) so a CVE named by several records is reported once. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "scan/vuln/vulndb.h"

const struct hull_vulndb_pkg *
hull_vulndb_lookup (const struct hull_vulndb *db, const char *ecosystem, const char *name)
{
	size_t lo = 0, hi = db->n_pkgs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct hull_vulndb_pkg *p = &db->pkgs[mid];
		int c = strcmp (ecosystem, hull_vulndb_str (db, p->ecosystem));
		if (c == 0)
			c = strcmp (name, hull_vulndb_str (db, p->name));
		if (c == 0)
			return p;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* OSV "BeforeLimits": with limit events, the version must be below one of them
 * ("*" is above every version). */
static bool
before_limits (const struct hull_vulndb *db, const struct hull_vulndb_event *ev, size_t n,
	       enum hull_vscheme s, const char *v)
{
	for (size_t i = 0; i < n; i++) {
		const char *lim = hull_vulndb_str (db, ev[i].version);
		if (ev[i].kind != HULL_OSV_EV_LIMIT)
			continue;
		if (strcmp (lim, "*") == 0 || hull_version_cmp (s, v, lim) < 0)
			return true;
	}
	return false;
}

bool
hull_vulndb_range_affects (const struct hull_vulndb *db, const struct hull_vulndb_range *r,
			   enum hull_vscheme s, const char *v, const char **fixed)
{
	const struct hull_vulndb_event *ev = db->events + r->first_event;
	bool affected = false;
	size_t i;

	*fixed = NULL;
	if (r->has_limit && !before_limits (db, ev, r->n_events, s, v))
		return false;
	/* OSV "IncludedInRanges" over events sorted at import. Once an event is above
	 * the version no later one can change the outcome, so stop there. */
	for (i = 0; i < r->n_events; i++) {
		const char *ver = hull_vulndb_str (db, ev[i].version);
		int c;

		if (ev[i].kind == HULL_OSV_EV_LIMIT)
			continue;
		if (ev[i].kind == HULL_OSV_EV_INTRODUCED && strcmp (ver, "0") == 0) {
			affected = true;
			continue;
		}
		c = hull_version_cmp (s, v, ver);
		if (c < 0)
			break;
		if (ev[i].kind == HULL_OSV_EV_INTRODUCED)
			affected = true;
		else if (ev[i].kind == HULL_OSV_EV_FIXED)
			affected = false;
		else if (ev[i].kind == HULL_OSV_EV_LAST_AFFECTED && c > 0)
			affected = false;
		else if (ev[i].kind == HULL_OSV_EV_LAST_AFFECTED && affected)
			return true; /* v is the segment's last affected version: no fix known */
	}
	/* The fix is the event that ends the version's segment when that is a fixed one; a
	 * segment ending in last_affected has none known, even if a later segment has
	 * one (upgrading into that segment is no fix). */
	for (; affected && i < r->n_events; i++) {
		if (ev[i].kind == HULL_OSV_EV_FIXED)
			*fixed = hull_vulndb_str (db, ev[i].version);
		if (ev[i].kind == HULL_OSV_EV_FIXED || ev[i].kind == HULL_OSV_EV_LAST_AFFECTED)
			break;
	}
	return affected;
}

struct hit {
	size_t pkg;
	const char *canonical;
	uint32_t rec, aff;
	const char *fixed;
};

struct hits {
	struct hit *v;
	size_t n, cap;
};

static void
hit_add (struct hits *h, size_t pkg, const struct hull_vulndb *db, uint32_t aff, const char *fixed)
{
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 64;
		h->v = hull_xreallocarray (h->v, h->cap, sizeof *h->v);
	}
	h->v[h->n++] = (struct hit){ .pkg = pkg,
				     .rec = db->affs[aff].rec,
				     .aff = aff,
				     .canonical = hull_vulndb_str (
					     db, db->recs[db->affs[aff].rec].canonical),
				     .fixed = fixed };
}

/* Whether one affected entry covers `v`; *fixed as for range_affects (the lowest). */
static bool
aff_affects (const struct hull_vulndb *db, const struct hull_vulndb_aff *a, enum hull_vscheme s,
	     const char *v, const char **fixed)
{
	bool hit = false;

	*fixed = NULL;
	for (uint32_t i = 0; i < a->n_versions; i++)
		if (strcmp (hull_vulndb_str (db, db->lists[a->versions + i]), v) == 0)
			hit = true;
	for (uint32_t i = 0; i < a->n_ranges; i++) {
		const struct hull_vulndb_range *r = &db->ranges[a->first_range + i];
		enum hull_vscheme rs = r->type == HULL_OSV_RANGE_SEMVER ? HULL_VS_SEMVER : s;
		const char *f;
		if (!hull_vulndb_range_affects (db, r, rs, v, &f))
			continue;
		hit = true;
		if (f && (*fixed == NULL || hull_version_cmp (rs, f, *fixed) < 0))
			*fixed = f;
	}
	return hit;
}

/* The name advisories use for this package: deb by source package, apk by origin. */
static const char *
advisory_name (const struct hull_pkg *p)
{
	if ((p->type == HULL_PKG_DEB || p->type == HULL_PKG_APK) && p->source_name &&
	    *p->source_name)
		return p->source_name;
	return p->name;
}

static const char *
advisory_version (const struct hull_pkg *p)
{
	if (p->type == HULL_PKG_DEB && p->source_version && *p->source_version)
		return p->source_version;
	return p->version;
}

static void
match_entries (const struct hull_vulndb *db, const struct hull_vulndb_pkg *e, size_t pkg,
	       enum hull_vscheme s, const char *v, struct hits *h)
{
	for (uint32_t i = 0; e && i < e->n_aff; i++) {
		const char *fixed;
		if (aff_affects (db, &db->affs[e->first_aff + i], s, v, &fixed))
			hit_add (h, pkg, db, e->first_aff + i, fixed);
	}
}

static void
match_pkg (const struct hull_vulndb *db, const struct hull_inventory *inv, size_t i, struct hits *h)
{
	const struct hull_pkg *p = &inv->pkgs[i];
	_cleanup_free_ char *eco = hull_pkg_osv_ecosystem (p, &inv->os);
	_cleanup_free_ char *name = NULL;
	const char *v = advisory_version (p);
	enum hull_vscheme s;
	char *colon;

	if (eco == NULL || v == NULL || advisory_name (p) == NULL)
		return;
	s = hull_vscheme_for_ecosystem (eco);
	name = hull_osv_index_name (eco, advisory_name (p));
	match_entries (db, hull_vulndb_lookup (db, eco, name), i, s, v, h);
	/* OSV's Ubuntu records name an LTS release "Ubuntu:22.04:LTS" (OSV ecosystems
	 * list); os-release says "22.04". Ubuntu Pro ("Ubuntu:Pro:...") is not matched:
	 * its fixes need a subscription the image may not have. */
	if (strncmp (eco, "Ubuntu:", 7) == 0) {
		_cleanup_free_ char *lts = hull_xasprintf ("%s:LTS", eco);
		match_entries (db, hull_vulndb_lookup (db, lts, name), i, s, v, h);
	}
	/* "Debian" without a release applies to every release (OSV ecosystems list). */
	if ((colon = strchr (eco, ':')) != NULL) {
		*colon = '\0';
		match_entries (db, hull_vulndb_lookup (db, eco, name), i, s, v, h);
	}
}

static int
hit_cmp (const void *pa, const void *pb)
{
	const struct hit *a = pa, *b = pb;
	int c;

	if (a->pkg != b->pkg)
		return a->pkg < b->pkg ? -1 : 1;
	if ((c = strcmp (a->canonical, b->canonical)) != 0)
		return c;
	return a->rec < b->rec ? -1 : a->rec > b->rec;
}

/* Severity names of GHSA (database_specific.severity), RustSec, Red Hat and Debian's
 * security tracker urgency (docs/vulndb.md "Severity"). */
static const struct {
	const char *name;
	enum hull_severity sev;
} sev_names[] = {
	{ "critical", HULL_SEV_CRITICAL }, { "high", HULL_SEV_HIGH },
	{ "important", HULL_SEV_HIGH },	   { "moderate", HULL_SEV_MEDIUM },
	{ "medium", HULL_SEV_MEDIUM },	   { "low", HULL_SEV_LOW },
	{ "unimportant", HULL_SEV_LOW },   { "negligible", HULL_SEV_LOW },
};

static enum hull_severity
severity_of_name (const char *s)
{
	size_t n = strlen (s);

	/* Debian marks tracker-assigned urgencies with trailing '*' ("low**"). */
	while (n > 0 && s[n - 1] == '*')
		n--;
	for (size_t i = 0; i < sizeof sev_names / sizeof sev_names[0]; i++)
		if (strlen (sev_names[i].name) == n && strncasecmp (s, sev_names[i].name, n) == 0)
			return sev_names[i].sev;
	return HULL_SEV_UNKNOWN;
}

struct sev {
	enum hull_severity sev;
	double score;
	const char *vector;
};

static struct sev
hit_severity (const struct hull_vulndb *db, const struct hit *h)
{
	const struct hull_vulndb_rec *r = &db->recs[h->rec];
	const struct hull_vulndb_aff *a = &db->affs[h->aff];
	const char *named =
		a->severity ? hull_vulndb_str (db, a->severity) : hull_vulndb_str (db, r->severity);
	struct sev out = { HULL_SEV_UNKNOWN, 0, NULL };
	hull_error_t err = { 0 };
	double score;

	if (r->cvss_v3 &&
	    hull_cvss3_base_score (hull_vulndb_str (db, r->cvss_v3), &score, &err) == 0) {
		out.sev = hull_severity_from_score (score);
		out.score = score;
		out.vector = hull_vulndb_str (db, r->cvss_v3);
		return out;
	}
	/* CVSS v4 vectors are kept as given; hull does not compute v4 scores. */
	if (r->cvss_v4)
		out.vector = hull_vulndb_str (db, r->cvss_v4);
	out.sev = severity_of_name (named);
	return out;
}

static void
add_alias (struct hull_finding *f, const char *a)
{
	if (*a == '\0' || strcmp (a, f->id) == 0)
		return;
	for (size_t i = 0; i < f->n_aliases; i++)
		if (strcmp (f->aliases[i], a) == 0)
			return;
	f->aliases = hull_xreallocarray (f->aliases, f->n_aliases + 1, sizeof *f->aliases);
	f->aliases[f->n_aliases++] = hull_xstrdup (a);
}

static char *
dup_or_null (const char *s)
{
	return s && *s ? hull_xstrdup (s) : NULL;
}

/* One finding from the run of hits [h, h + n) (same package, same canonical id). */
static void
emit (const struct hull_vulndb *db, const struct hull_inventory *inv, const struct hit *h, size_t n,
      struct hull_findings *out)
{
	const struct hull_pkg *p = &inv->pkgs[h->pkg];
	struct hull_finding *f = hull_findings_add (out);
	const char *fixed = NULL, *name = advisory_name (p);
	enum hull_vscheme s = hull_pkg_type_vscheme (p->type);

	f->id = hull_xstrdup (h->canonical);
	for (size_t i = 0; i < n; i++) {
		const struct hull_vulndb_rec *r = &db->recs[h[i].rec];
		struct sev sv = hit_severity (db, &h[i]);

		add_alias (f, hull_vulndb_str (db, r->id));
		for (uint32_t k = 0; k < r->n_aliases; k++)
			add_alias (f, hull_vulndb_str (db, db->lists[r->aliases + k]));
		if (f->title == NULL)
			f->title = dup_or_null (hull_vulndb_str (db, r->summary));
		if (f->description == NULL)
			f->description = dup_or_null (hull_vulndb_str (db, r->details));
		if (f->url == NULL)
			f->url = dup_or_null (hull_vulndb_str (db, r->url));
		/* The highest severity the records give wins, with its vector. */
		if (sv.sev > f->severity || (sv.sev == f->severity && sv.score > f->score)) {
			f->severity = sv.sev;
			f->score = sv.score;
			free (f->cvss_vector);
			f->cvss_vector = NULL;
		}
		if (f->cvss_vector == NULL && sv.vector && sv.sev == f->severity)
			f->cvss_vector = dup_or_null (sv.vector);
		if (h[i].fixed && (fixed == NULL || hull_version_cmp (s, h[i].fixed, fixed) < 0))
			fixed = h[i].fixed;
	}
	f->pkg_name = dup_or_null (p->name);
	f->pkg_version = dup_or_null (p->version);
	f->pkg_purl = dup_or_null (p->purl);
	if (strcmp (name, p->name) != 0)
		f->source_name = dup_or_null (name);
	f->fixed_version = dup_or_null (fixed);
	f->location = dup_or_null (p->location);
}

/* The record's id or one of its aliases. */
static const char *
rec_id (const struct hull_vulndb *db, uint32_t rec, uint32_t k)
{
	const struct hull_vulndb_rec *r = &db->recs[rec];

	return hull_vulndb_str (db, k == 0 ? r->id : db->lists[r->aliases + k - 1]);
}

/* Whether two records share an id; *budget bounds the comparisons a hostile index
 * (thousands of CVE-less records of one package, 1,024 aliases each) can cost. */
static bool
share_id (const struct hull_vulndb *db, uint32_t a, uint32_t b, uint64_t *budget)
{
	for (uint32_t i = 0; i <= db->recs[a].n_aliases; i++)
		for (uint32_t k = 0; k <= db->recs[b].n_aliases && *budget > 0; k++, --*budget)
			if (strcmp (rec_id (db, a, i), rec_id (db, b, k)) == 0)
				return true;
	return false;
}

/* Which of two canonical ids names a merged finding: a CVE, else the smaller. */
static bool
better_id (const char *a, const char *b)
{
	bool ca = strncmp (a, "CVE-", 4) == 0, cb = strncmp (b, "CVE-", 4) == 0;

	return ca != cb ? ca : strcmp (a, b) < 0;
}

/* Hits of one package whose canonical id is no CVE take the canonical id of any hit
 * they share an id with (RUSTSEC-2021-0003 and GHSA-43w2-9j62-hq99 name each other and
 * no CVE). Each change moves an id down a total order, so this ends; it costs only
 * for records without a CVE. */
static void
merge_aliases (const struct hull_vulndb *db, struct hit *v, size_t n, uint64_t *budget)
{
	bool changed = true;

	while (changed) {
		changed = false;
		for (size_t x = 0; x < n && budget[0] > 0; x++) {
			if (strncmp (v[x].canonical, "CVE-", 4) == 0)
				continue;
			for (size_t y = 0; y < n; y++)
				if (strcmp (v[x].canonical, v[y].canonical) != 0 &&
				    better_id (v[y].canonical, v[x].canonical) &&
				    share_id (db, v[x].rec, v[y].rec, budget)) {
					v[x].canonical = v[y].canonical;
					changed = true;
				}
		}
	}
	qsort (v, n, sizeof *v, hit_cmp);
}

int
hull_vulndb_match (struct hull_vulndb *db, const struct hull_inventory *inv,
		   struct hull_findings *out, hull_error_t *err)
{
	struct hits h = { 0 };
	uint64_t budget = UINT64_C (1) << 28; /* about a second of strcmp, then no merging */

	for (size_t i = 0; i < inv->n_pkgs; i++)
		match_pkg (db, inv, i, &h);
	if (h.n > 1)
		qsort (h.v, h.n, sizeof *h.v, hit_cmp);
	for (size_t i = 0, j; i < h.n; i = j) {
		for (j = i + 1; j < h.n && h.v[j].pkg == h.v[i].pkg; j++)
			;
		merge_aliases (db, &h.v[i], j - i, &budget);
	}
	for (size_t i = 0, j; i < h.n; i = j) {
		for (j = i + 1; j < h.n && h.v[j].pkg == h.v[i].pkg &&
				strcmp (h.v[j].canonical, h.v[i].canonical) == 0;
		     j++)
			;
		emit (db, inv, &h.v[i], j - i, out);
	}
	free (h.v);
	return 0;
}
