/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The offline OSV index (docs/vulndb.md): import builds one file from OSV records,
 * open maps it read-only and validates it completely before anything uses it.
 *
 * Layout: a fixed header (magic, format version, build time, newest `modified`,
 * counts, section table, SHA-256 of everything after the header), then 8-aligned
 * sections of fixed-size little-endian structs (vulndb.h) and one string table.
 * Ranges are stored pre-parsed with their events already sorted in the ecosystem's
 * version order, so matching reads no JSON and sorts nothing.
 *
 * The file may have been tampered with (it lives in a store others can write to):
 * the checksum catches accidents, and because an attacker can recompute it, open
 * also checks every offset and count against the section it points into. A bad
 * index is an error, never a crash. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/file.h"
#include "common/sha256.h"
#include "common/xalloc.h"
#include "scan/vuln/vulndb.h"

#define DEFAULT_MAX_RECORD (4u << 20)
#define DEFAULT_MAX_RECORDS 10000000u
#define MAX_DEPTH 32
#define MAX_INDEX_BYTES (UINT64_C (4) << 30)

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the index format is little-endian; add byte swapping for this host"
#endif

/* ---- growable arrays ---- */

#define VEC(T)                                                                                     \
	struct {                                                                                   \
		T *v;                                                                              \
		size_t n, cap;                                                                     \
	}

#define VEC_PUSH(vec)                                                                              \
	({                                                                                         \
		if ((vec).n == (vec).cap) {                                                        \
			(vec).cap = (vec).cap ? (vec).cap * 2 : 64;                                \
			(vec).v = hull_xreallocarray ((vec).v, (vec).cap, sizeof *(vec).v);        \
		}                                                                                  \
		memset (&(vec).v[(vec).n], 0, sizeof *(vec).v);                                    \
		&(vec).v[(vec).n++];                                                               \
	})

/* ---- the string table: interned, offset 0 is "" ---- */

struct strtab {
	char *buf;
	size_t len, cap;
	uint32_t *slots; /* open addressing: offset+1, 0 empty */
	size_t n_slots, n_used;
};

static uint64_t
hash_str (const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char) s[i]) * 1099511628211ull;
	return h;
}

static void
strtab_grow_slots (struct strtab *t)
{
	size_t n = t->n_slots ? t->n_slots * 2 : 1u << 16;
	uint32_t *s = hull_xcalloc (n, sizeof *s);

	for (size_t i = 0; i < t->n_slots; i++) {
		if (t->slots[i] == 0)
			continue;
		const char *p = t->buf + t->slots[i] - 1;
		size_t j = hash_str (p, strlen (p)) & (n - 1);
		while (s[j])
			j = (j + 1) & (n - 1);
		s[j] = t->slots[i];
	}
	free (t->slots);
	t->slots = s;
	t->n_slots = n;
}

/* Returns the offset of `s` (NULL or "": 0); -1 when the table would pass 4 GiB. */
static int64_t
strtab_add (struct strtab *t, const char *s)
{
	size_t n, j;

	if (s == NULL || *s == '\0')
		return 0;
	if (t->len == 0) {
		t->cap = 1u << 20;
		t->buf = hull_xmalloc (t->cap);
		t->buf[0] = '\0';
		t->len = 1;
	}
	if ((t->n_used + 1) * 2 > t->n_slots)
		strtab_grow_slots (t);
	n = strlen (s);
	for (j = hash_str (s, n) & (t->n_slots - 1); t->slots[j]; j = (j + 1) & (t->n_slots - 1))
		if (strcmp (t->buf + t->slots[j] - 1, s) == 0)
			return t->slots[j] - 1;
	if (t->len + n + 1 >= UINT32_MAX)
		return -1;
	while (t->len + n + 1 > t->cap) {
		t->cap *= 2;
		t->buf = hull_xrealloc (t->buf, t->cap);
	}
	memcpy (t->buf + t->len, s, n + 1);
	t->slots[j] = (uint32_t) t->len + 1;
	t->n_used++;
	t->len += n + 1;
	return (int64_t) (t->len - n - 1);
}

/* ---- the builder ---- */

struct aff_key {
	uint32_t eco, name;
	struct hull_vulndb_aff aff;
};

struct eco_count {
	uint32_t name;
	uint64_t n;
};

struct builder {
	struct strtab st;
	VEC (struct hull_vulndb_rec) recs;
	VEC (struct aff_key) affs;
	VEC (struct hull_vulndb_range) ranges;
	VEC (struct hull_vulndb_event) events;
	VEC (uint32_t) lists;
	VEC (struct eco_count) ecos;
	time_t newest;
	const struct hull_vulndb_import_opts *o;
	struct hull_vulndb_import_stats *stats;
	bool full; /* the string table reached its limit */
};

static void
builder_free (struct builder *b)
{
	free (b->st.buf);
	free (b->st.slots);
	free (b->recs.v);
	free (b->affs.v);
	free (b->ranges.v);
	free (b->events.v);
	free (b->lists.v);
	free (b->ecos.v);
}

static uint32_t
intern (struct builder *b, const char *s)
{
	int64_t o = strtab_add (&b->st, s);
	if (o < 0) {
		b->full = true;
		return 0;
	}
	return (uint32_t) o;
}

static uint32_t
push_list (struct builder *b, char *const *v, size_t n)
{
	uint32_t first = (uint32_t) b->lists.n;
	for (size_t i = 0; i < n; i++)
		*VEC_PUSH (b->lists) = intern (b, v[i]);
	return first;
}

/* OSV schema "Evaluation": events are evaluated in version order; introduced "0" is
 * before every version and limit "*" after every version. Equal versions keep the
 * order introduced, fixed, last_affected, limit. */
static int
event_cmp (const void *pa, const void *pb, void *arg)
{
	const struct hull_osv_event *a = pa, *b = pb;
	enum hull_vscheme s = *(const enum hull_vscheme *) arg;
	bool za = a->kind == HULL_OSV_EV_INTRODUCED && strcmp (a->version, "0") == 0;
	bool zb = b->kind == HULL_OSV_EV_INTRODUCED && strcmp (b->version, "0") == 0;
	bool sa = a->kind == HULL_OSV_EV_LIMIT && strcmp (a->version, "*") == 0;
	bool sb = b->kind == HULL_OSV_EV_LIMIT && strcmp (b->version, "*") == 0;
	int c;

	if (za || zb || sa || sb)
		c = (zb - za) + (sa - sb);
	else
		c = hull_version_cmp (s, a->version, b->version);
	if (c == 0)
		c = (int) a->kind - (int) b->kind;
	return c;
}

static void
add_range (struct builder *b, struct hull_osv_range *r, enum hull_vscheme eco_scheme)
{
	enum hull_vscheme s = r->type == HULL_OSV_RANGE_SEMVER ? HULL_VS_SEMVER : eco_scheme;
	struct hull_vulndb_range *out = VEC_PUSH (b->ranges);

	qsort_r (r->events, r->n_events, sizeof *r->events, event_cmp, &s);
	out->type = r->type;
	out->first_event = (uint32_t) b->events.n;
	out->n_events = (uint32_t) r->n_events;
	for (size_t i = 0; i < r->n_events; i++) {
		struct hull_vulndb_event *e = VEC_PUSH (b->events);
		e->kind = r->events[i].kind;
		e->version = intern (b, r->events[i].version);
		if (e->kind == HULL_OSV_EV_LIMIT)
			out->has_limit = 1;
	}
}

static void
count_ecosystem (struct builder *b, uint32_t eco)
{
	for (size_t i = 0; i < b->ecos.n; i++)
		if (b->ecos.v[i].name == eco) {
			b->ecos.v[i].n++;
			return;
		}
	struct eco_count *c = VEC_PUSH (b->ecos);
	c->name = eco;
	c->n = 1;
}

/* Index the affected entries hull can match; false when none was. */
static bool
add_affected (struct builder *b, struct hull_osv_record *r, uint32_t rec)
{
	uint32_t seen[16];
	size_t n_seen = 0;
	bool any = false;

	for (size_t i = 0; i < r->n_affected; i++) {
		struct hull_osv_affected *a = &r->affected[i];
		enum hull_vscheme s = hull_vscheme_for_ecosystem (a->ecosystem);
		size_t first = b->ranges.n, n = 0;
		_cleanup_free_ char *name = NULL;
		struct aff_key *k;

		if (s == HULL_VS_UNKNOWN)
			continue;
		for (size_t j = 0; j < a->n_ranges; j++)
			if (a->ranges[j].type != HULL_OSV_RANGE_GIT) {
				add_range (b, &a->ranges[j], s);
				n++;
			}
		if (n == 0 && a->versions.n == 0)
			continue;
		name = hull_osv_index_name (a->ecosystem, a->name);
		k = VEC_PUSH (b->affs);
		k->eco = intern (b, a->ecosystem);
		k->name = intern (b, name);
		k->aff.rec = rec;
		k->aff.first_range = (uint32_t) first;
		k->aff.n_ranges = (uint32_t) n;
		k->aff.versions = push_list (b, a->versions.v, a->versions.n);
		k->aff.n_versions = (uint32_t) a->versions.n;
		k->aff.severity = intern (b, a->db_severity);
		any = true;
		bool dup = false;
		for (size_t j = 0; j < n_seen; j++)
			dup |= seen[j] == k->eco;
		if (!dup && n_seen < 16) {
			seen[n_seen++] = k->eco;
			count_ecosystem (b, k->eco);
		}
	}
	return any;
}

static const char *
first_vector (struct hull_osv_record *r, const char *type)
{
	for (size_t i = 0; i < r->n_severity; i++)
		if (strcmp (r->severity[i].type, type) == 0)
			return r->severity[i].score;
	for (size_t i = 0; i < r->n_affected; i++)
		for (size_t j = 0; j < r->affected[i].n_severity; j++)
			if (strcmp (r->affected[i].severity[j].type, type) == 0)
				return r->affected[i].severity[j].score;
	return NULL;
}

/* The id findings are keyed by: the CVE among id and aliases when there is one,
 * else the CVE a distro record says it is the downstream of (`upstream`, the form
 * of OSV's DEBIAN-CVE-* records), else the id itself. */
static const char *
canonical_id (struct hull_osv_record *r)
{
	if (strncmp (r->id, "CVE-", 4) == 0)
		return r->id;
	for (size_t i = 0; i < r->aliases.n; i++)
		if (strncmp (r->aliases.v[i], "CVE-", 4) == 0)
			return r->aliases.v[i];
	for (size_t i = 0; r->upstream.n == 1 && i < r->upstream.n; i++)
		if (strncmp (r->upstream.v[i], "CVE-", 4) == 0)
			return r->upstream.v[i];
	return r->id;
}

static const char *
primary_url (struct hull_osv_record *r)
{
	for (size_t i = 0; i < r->n_references; i++)
		if (strcmp (r->references[i].type, "ADVISORY") == 0)
			return r->references[i].url;
	return r->n_references ? r->references[0].url : NULL;
}

static int
add_record (struct builder *b, struct hull_osv_record *r, const char *name, hull_error_t *err)
{
	uint64_t max = b->o && b->o->max_records ? b->o->max_records : DEFAULT_MAX_RECORDS;
	struct hull_vulndb_rec *x;
	size_t mark_affs = b->affs.n;

	if (r->modified_time > b->newest)
		b->newest = r->modified_time;
	/* Withdrawn records are no longer valid (schema "withdrawn"). */
	if (r->withdrawn) {
		b->stats->withdrawn++;
		return 0;
	}
	if (b->recs.n >= max || b->recs.n >= UINT32_MAX - 1)
		return hull_error_make (err, E2BIG, "%s: more than %" PRIu64 " records", name, max);
	if (!add_affected (b, r, (uint32_t) b->recs.n)) {
		b->affs.n = mark_affs;
		b->stats->skipped++;
		return 0;
	}
	x = VEC_PUSH (b->recs);
	x->id = intern (b, r->id);
	x->canonical = intern (b, canonical_id (r));
	x->summary = intern (b, r->summary);
	x->details = intern (b, r->details);
	x->url = intern (b, primary_url (r));
	x->cvss_v3 = intern (b, first_vector (r, "CVSS_V3"));
	x->cvss_v4 = intern (b, first_vector (r, "CVSS_V4"));
	/* Ubuntu's records carry their priority as a severity of type "Ubuntu". */
	x->severity = intern (b, r->db_severity ? r->db_severity : first_vector (r, "Ubuntu"));
	x->aliases = push_list (b, r->aliases.v, r->aliases.n);
	x->n_aliases = (uint32_t) r->aliases.n;
	b->stats->records++;
	if (b->full || b->lists.n >= UINT32_MAX || b->events.n >= UINT32_MAX ||
	    b->ranges.n >= UINT32_MAX)
		return hull_error_make (err, E2BIG, "%s: the index would pass its 4 GiB limits",
					name);
	return 0;
}

static int
import_text (struct builder *b, const char *text, size_t len, const char *name, hull_error_t *err)
{
	uint64_t max = b->o && b->o->max_record_bytes ? b->o->max_record_bytes : DEFAULT_MAX_RECORD;
	uint64_t max_files = b->o && b->o->max_records ? b->o->max_records : DEFAULT_MAX_RECORDS;
	struct hull_osv_record r;
	int ret;

	/* One record per file: withdrawn and skipped ones count against the cap too. */
	if (++b->stats->files > max_files)
		return hull_error_make (err, E2BIG, "%s: more than %" PRIu64 " record files", name,
					max_files);
	ret = hull_osv_parse (text, len, max, name, &r, err);
	if (ret == 0)
		ret = add_record (b, &r, name, err);
	hull_osv_record_clear (&r);
	if (ret == 0 && b->o && b->o->progress && b->stats->files % 4096 == 0)
		b->o->progress (b->o->progress_arg, b->stats->files, b->stats->records);
	return ret;
}

/* ---- inputs: directories of *.json, zip archives of them ---- */

static bool
is_json (const char *name)
{
	size_t n = strlen (name);
	return n > 5 && strcmp (name + n - 5, ".json") == 0;
}

HULL_DEFINE_CLEANUP (struct archive, archive_read_free)

static int
import_zip (struct builder *b, const char *path, hull_error_t *err)
{
	uint64_t max = b->o && b->o->max_record_bytes ? b->o->max_record_bytes : DEFAULT_MAX_RECORD;
	_cleanup_ (archive_read_freep) struct archive *a = archive_read_new ();
	_cleanup_free_ char *buf = NULL;
	struct archive_entry *e;
	int r;

	if (archive_read_support_format_zip (a) != ARCHIVE_OK ||
	    archive_read_open_filename (a, path, 65536) != ARCHIVE_OK)
		return hull_error_make (err, 0, "open `%s`: %s", path, archive_error_string (a));
	buf = hull_xmalloc (max + 1);
	while ((r = archive_read_next_header (a, &e)) == ARCHIVE_OK) {
		const char *member = archive_entry_pathname (e);
		_cleanup_free_ char *name = NULL;
		size_t len = 0;
		la_ssize_t n;

		if (member == NULL || archive_entry_filetype (e) != AE_IFREG || !is_json (member))
			continue;
		name = hull_xasprintf ("%s:%s", path, member);
		if (archive_entry_size (e) < 0 || (uint64_t) archive_entry_size (e) > max)
			return hull_error_make (err, EFBIG, "%s: more than %" PRIu64 " bytes", name,
						max);
		/* The declared size is only a hint: read at most max+1 bytes. */
		while ((n = archive_read_data (a, buf + len, max + 1 - len)) > 0)
			if ((len += (size_t) n) > max)
				return hull_error_make (
					err, EFBIG, "%s: more than %" PRIu64 " bytes", name, max);
		if (n < 0)
			return hull_error_make (err, 0, "%s: %s", name, archive_error_string (a));
		if (import_text (b, buf, len, name, err) < 0)
			return -EINVAL;
	}
	if (r != ARCHIVE_EOF)
		return hull_error_make (err, 0, "read `%s`: %s", path, archive_error_string (a));
	return 0;
}

/* oflags: O_NOFOLLOW inside a directory walk (a symlink there is not followed);
 * 0 for a path the user named. */
static int
import_file_at (struct builder *b, int dirfd, const char *file, const char *name, int oflags,
		hull_error_t *err)
{
	uint64_t max = b->o && b->o->max_record_bytes ? b->o->max_record_bytes : DEFAULT_MAX_RECORD;
	_cleanup_free_ char *text = NULL;
	size_t len;

	text = hull_file_read_capped (dirfd, file, oflags, max, &len, err);
	if (text == NULL)
		return -EINVAL;
	return import_text (b, text, len, name, err);
}

static int
import_dir (struct builder *b, int fd, const char *path, int depth, hull_error_t *err)
{
	_cleanup_ (closedirp) DIR *d = NULL;
	struct dirent *de;

	if (depth > MAX_DEPTH)
		return hull_error_make (err, ELOOP, "`%s`: more than %d directory levels", path,
					MAX_DEPTH);
	d = fdopendir (fd);
	if (d == NULL) {
		hull_safe_close (fd);
		return hull_error_make (err, errno, "read directory `%s`", path);
	}
	while ((errno = 0, de = readdir (d)) != NULL) {
		_cleanup_free_ char *sub = NULL;
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		sub = hull_xasprintf ("%s/%s", path, de->d_name);
		if (fstatat (dirfd (d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return hull_error_make (err, errno, "stat `%s`", sub);
		if (S_ISDIR (st.st_mode)) {
			int sfd = openat (dirfd (d), de->d_name,
					  O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sfd < 0)
				return hull_error_make (err, errno, "open `%s`", sub);
			if (import_dir (b, sfd, sub, depth + 1, err) < 0)
				return -EINVAL;
		} else if (S_ISREG (st.st_mode) && is_json (de->d_name)) {
			if (import_file_at (b, dirfd (d), de->d_name, sub, O_NOFOLLOW, err) < 0)
				return -EINVAL;
		}
	}
	if (errno != 0)
		return hull_error_make (err, errno, "read directory `%s`", path);
	return 0;
}

static int
import_path (struct builder *b, const char *path, hull_error_t *err)
{
	struct stat st;
	size_t n = strlen (path);

	if (stat (path, &st) < 0)
		return hull_error_make (err, errno, "`%s`", path);
	if (S_ISDIR (st.st_mode)) {
		int fd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return hull_error_make (err, errno, "open `%s`", path);
		return import_dir (b, fd, path, 0, err);
	}
	if (!S_ISREG (st.st_mode))
		return hull_error_make (err, EINVAL, "`%s`: not a directory, zip or JSON file",
					path);
	if (n > 4 && strcmp (path + n - 4, ".zip") == 0)
		return import_zip (b, path, err);
	return import_file_at (b, AT_FDCWD, path, path, 0, err);
}

/* ---- writing the file ---- */

static int
aff_cmp (const void *pa, const void *pb, void *arg)
{
	const struct builder *sort_b = arg;
	const struct aff_key *a = pa, *b = pb;
	int c = strcmp (sort_b->st.buf + a->eco, sort_b->st.buf + b->eco);

	if (c == 0)
		c = strcmp (sort_b->st.buf + a->name, sort_b->st.buf + b->name);
	if (c == 0)
		c = a->aff.rec < b->aff.rec ? -1 : a->aff.rec > b->aff.rec;
	return c;
}

static int
eco_cmp (const void *pa, const void *pb, void *arg)
{
	const struct builder *sort_b = arg;
	const struct eco_count *a = pa, *b = pb;
	return strcmp (sort_b->st.buf + a->name, sort_b->st.buf + b->name);
}

static size_t
align8 (size_t n)
{
	return (n + 7) & ~(size_t) 7;
}

/* Sort the affected entries by (ecosystem, name) and group them into the package
 * table; the flat arrays of the affected and ecosystem sections come out too. */
static void
group (struct builder *b, struct hull_vulndb_pkg **pkgs, size_t *n_pkgs,
       struct hull_vulndb_aff **affs, struct hull_vulndb_eco **ecos)
{
	VEC (struct hull_vulndb_pkg) p = { 0 };

	if (b->affs.n > 1)
		qsort_r (b->affs.v, b->affs.n, sizeof *b->affs.v, aff_cmp, b);
	if (b->ecos.n > 1)
		qsort_r (b->ecos.v, b->ecos.n, sizeof *b->ecos.v, eco_cmp, b);
	*affs = hull_xcalloc (b->affs.n + 1, sizeof **affs);
	for (size_t i = 0; i < b->affs.n; i++) {
		struct aff_key *k = &b->affs.v[i];
		if (p.n == 0 || p.v[p.n - 1].ecosystem != k->eco || p.v[p.n - 1].name != k->name) {
			struct hull_vulndb_pkg *x = VEC_PUSH (p);
			x->ecosystem = k->eco;
			x->name = k->name;
			x->first_aff = (uint32_t) i;
		}
		p.v[p.n - 1].n_aff++;
		(*affs)[i] = k->aff;
	}
	*ecos = hull_xcalloc (b->ecos.n + 1, sizeof **ecos);
	for (size_t i = 0; i < b->ecos.n; i++)
		(*ecos)[i] = (struct hull_vulndb_eco){ .name = b->ecos.v[i].name,
						       .n_records = b->ecos.v[i].n };
	*pkgs = p.v;
	*n_pkgs = p.n;
}

/* Lay the whole file out in memory: it is a few tens of MiB for every published
 * ecosystem together, and one buffer makes the checksum a single pass. */
static uint8_t *
serialize (struct builder *b, size_t *size_out)
{
	struct hull_vulndb_header h = { 0 };
	_cleanup_free_ struct hull_vulndb_pkg *pkgs = NULL;
	_cleanup_free_ struct hull_vulndb_aff *affs = NULL;
	_cleanup_free_ struct hull_vulndb_eco *ecos = NULL;
	size_t n_pkgs, off;
	uint8_t *buf;

	group (b, &pkgs, &n_pkgs, &affs, &ecos);
	if (b->st.len == 0)
		intern (b, "-"); /* an empty import still has the "" at offset 0 */
	const struct {
		const void *src;
		size_t count, size;
	} sec[HULL_VULNDB_S_MAX] = {
		[HULL_VULNDB_S_STRINGS] = { b->st.buf, b->st.len, 1 },
		[HULL_VULNDB_S_RECORDS] = { b->recs.v, b->recs.n, sizeof *b->recs.v },
		[HULL_VULNDB_S_PACKAGES] = { pkgs, n_pkgs, sizeof *pkgs },
		[HULL_VULNDB_S_AFFECTED] = { affs, b->affs.n, sizeof *affs },
		[HULL_VULNDB_S_RANGES] = { b->ranges.v, b->ranges.n, sizeof *b->ranges.v },
		[HULL_VULNDB_S_EVENTS] = { b->events.v, b->events.n, sizeof *b->events.v },
		[HULL_VULNDB_S_LISTS] = { b->lists.v, b->lists.n, sizeof *b->lists.v },
		[HULL_VULNDB_S_ECOSYSTEMS] = { ecos, b->ecos.n, sizeof *ecos },
	};
	off = align8 (sizeof h);
	for (int s = 0; s < HULL_VULNDB_S_MAX; s++) {
		h.s[s].off = off;
		h.s[s].count = sec[s].count;
		off = align8 (off + sec[s].count * sec[s].size);
	}
	buf = hull_xzalloc (off);
	for (int s = 0; s < HULL_VULNDB_S_MAX; s++)
		if (sec[s].count)
			memcpy (buf + h.s[s].off, sec[s].src, sec[s].count * sec[s].size);
	memcpy (h.magic, HULL_VULNDB_MAGIC, sizeof h.magic);
	h.format_version = HULL_VULNDB_FORMAT;
	h.header_size = (uint32_t) align8 (sizeof h);
	h.file_size = off;
	h.built = (int64_t) time (NULL);
	h.newest_modified = (int64_t) b->newest;
	h.n_records = b->recs.n;
	h.n_affected = b->affs.n;
	hull_sha256 (buf + h.header_size, off - h.header_size, h.sha256);
	memcpy (buf, &h, sizeof h);
	*size_out = off;
	return buf;
}

static int
write_atomic (const char *out_path, const uint8_t *buf, size_t size, hull_error_t *err)
{
	_cleanup_free_ char *tmp = hull_xasprintf ("%s.tmp.XXXXXX", out_path);
	_cleanup_free_ char *dir = hull_xstrdup (out_path);
	_cleanup_close_ int fd = mkostemp (tmp, O_CLOEXEC);
	_cleanup_close_ int dfd = -EBADF;
	char *slash;
	size_t done = 0;

	if (fd < 0)
		return hull_error_make (err, errno, "create `%s`", tmp);
	while (done < size) {
		ssize_t n = write (fd, buf + done, size - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;
			unlink (tmp);
			return hull_error_make (err, e, "write `%s`", tmp);
		}
		done += (size_t) n;
	}
	/* fsync before rename: after a crash the name points at the old index or the
	 * complete new one, never at a torn file. */
	if (fchmod (fd, 0644) < 0 || fsync (fd) < 0 || rename (tmp, out_path) < 0) {
		int e = errno;
		unlink (tmp);
		return hull_error_make (err, e, "write `%s`", out_path);
	}
	slash = strrchr (dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	dfd = open (slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0)
		(void) fsync (dfd);
	return 0;
}

int
hull_vulndb_import (const char *const *paths, size_t n_paths, const char *out_path,
		    const struct hull_vulndb_import_opts *o, struct hull_vulndb_import_stats *st,
		    hull_error_t *err)
{
	struct hull_vulndb_import_stats local = { 0 };
	struct builder b = { .o = o, .stats = st ? st : &local };
	_cleanup_free_ uint8_t *buf = NULL;
	size_t size;
	int r = 0;

	memset (b.stats, 0, sizeof *b.stats);
	for (size_t i = 0; i < n_paths && r == 0; i++)
		r = import_path (&b, paths[i], err);
	if (r == 0) {
		buf = serialize (&b, &size);
		if (o && o->progress)
			o->progress (o->progress_arg, b.stats->files, b.stats->records);
		r = write_atomic (out_path, buf, size, err);
	}
	builder_free (&b);
	return r < 0 ? hull_error_wrap (err, "import into `%s`", out_path) : 0;
}

/* ---- opening: every offset checked before use ---- */

static int
bad (hull_error_t *err, const char *path, const char *what)
{
	return hull_error_make (err, EINVAL, "vulnerability database `%s`: %s", path, what);
}

static bool
span_ok (uint64_t first, uint64_t n, size_t total)
{
	return first <= total && n <= total - first;
}

static int
map_sections (struct hull_vulndb *db, const char *path, hull_error_t *err)
{
	static const size_t sizes[HULL_VULNDB_S_MAX] = {
		1,
		sizeof (struct hull_vulndb_rec),
		sizeof (struct hull_vulndb_pkg),
		sizeof (struct hull_vulndb_aff),
		sizeof (struct hull_vulndb_range),
		sizeof (struct hull_vulndb_event),
		sizeof (uint32_t),
		sizeof (struct hull_vulndb_eco),
	};
	const struct hull_vulndb_header *h = db->h;
	const void *p[HULL_VULNDB_S_MAX];

	for (int s = 0; s < HULL_VULNDB_S_MAX; s++) {
		uint64_t off = h->s[s].off, n = h->s[s].count;
		if (off % 8 || off < h->header_size || off > db->size ||
		    n > (db->size - off) / sizes[s] || n > UINT32_MAX)
			return bad (err, path, "a section lies outside the file");
		p[s] = db->map + off;
	}
	db->strings = p[HULL_VULNDB_S_STRINGS];
	db->n_strings = h->s[HULL_VULNDB_S_STRINGS].count;
	db->recs = p[HULL_VULNDB_S_RECORDS];
	db->n_recs = h->s[HULL_VULNDB_S_RECORDS].count;
	db->pkgs = p[HULL_VULNDB_S_PACKAGES];
	db->n_pkgs = h->s[HULL_VULNDB_S_PACKAGES].count;
	db->affs = p[HULL_VULNDB_S_AFFECTED];
	db->n_affs = h->s[HULL_VULNDB_S_AFFECTED].count;
	db->ranges = p[HULL_VULNDB_S_RANGES];
	db->n_ranges = h->s[HULL_VULNDB_S_RANGES].count;
	db->events = p[HULL_VULNDB_S_EVENTS];
	db->n_events = h->s[HULL_VULNDB_S_EVENTS].count;
	db->lists = p[HULL_VULNDB_S_LISTS];
	db->n_lists = h->s[HULL_VULNDB_S_LISTS].count;
	db->ecos = p[HULL_VULNDB_S_ECOSYSTEMS];
	db->n_ecos = h->s[HULL_VULNDB_S_ECOSYSTEMS].count;
	/* Offset 0 is "" and the table ends in NUL: every in-bounds offset is a string. */
	if (db->n_strings == 0 || db->strings[0] != '\0' || db->strings[db->n_strings - 1] != '\0')
		return bad (err, path, "malformed string table");
	return 0;
}

#define STR_OK(db, o) ((o) < (db)->n_strings)

static bool
recs_ok (const struct hull_vulndb *db)
{
	for (size_t i = 0; i < db->n_recs; i++) {
		const struct hull_vulndb_rec *r = &db->recs[i];
		if (!STR_OK (db, r->id) || r->id == 0 || !STR_OK (db, r->canonical) ||
		    r->canonical == 0 || !STR_OK (db, r->summary) || !STR_OK (db, r->details) ||
		    !STR_OK (db, r->url) || !STR_OK (db, r->cvss_v3) || !STR_OK (db, r->cvss_v4) ||
		    !STR_OK (db, r->severity) || !span_ok (r->aliases, r->n_aliases, db->n_lists))
			return false;
	}
	for (size_t i = 0; i < db->n_lists; i++)
		if (!STR_OK (db, db->lists[i]))
			return false;
	for (size_t i = 0; i < db->n_ecos; i++)
		if (!STR_OK (db, db->ecos[i].name))
			return false;
	return true;
}

static bool
affs_ok (const struct hull_vulndb *db)
{
	for (size_t i = 0; i < db->n_pkgs; i++) {
		const struct hull_vulndb_pkg *p = &db->pkgs[i];
		if (!STR_OK (db, p->ecosystem) || !STR_OK (db, p->name) ||
		    !span_ok (p->first_aff, p->n_aff, db->n_affs))
			return false;
		/* Sorted, or the binary search would miss entries. */
		if (i > 0) {
			int c = strcmp (hull_vulndb_str (db, db->pkgs[i - 1].ecosystem),
					hull_vulndb_str (db, p->ecosystem));
			if (c > 0 || (c == 0 && strcmp (hull_vulndb_str (db, db->pkgs[i - 1].name),
							hull_vulndb_str (db, p->name)) >= 0))
				return false;
		}
	}
	for (size_t i = 0; i < db->n_affs; i++) {
		const struct hull_vulndb_aff *a = &db->affs[i];
		if (a->rec >= db->n_recs || !span_ok (a->first_range, a->n_ranges, db->n_ranges) ||
		    !span_ok (a->versions, a->n_versions, db->n_lists) || !STR_OK (db, a->severity))
			return false;
	}
	for (size_t i = 0; i < db->n_ranges; i++) {
		const struct hull_vulndb_range *r = &db->ranges[i];
		if (r->type >= HULL_OSV_RANGE_GIT ||
		    !span_ok (r->first_event, r->n_events, db->n_events))
			return false;
	}
	for (size_t i = 0; i < db->n_events; i++)
		if (db->events[i].kind >= HULL_OSV_EV_MAX || !STR_OK (db, db->events[i].version))
			return false;
	return true;
}

static int
check_header (struct hull_vulndb *db, const char *path, hull_error_t *err)
{
	const struct hull_vulndb_header *h = db->h;
	uint8_t digest[HULL_SHA256_LEN];

	if (memcmp (h->magic, HULL_VULNDB_MAGIC, sizeof h->magic) != 0)
		return bad (err, path, "not a hull vulnerability index (bad magic)");
	if (h->format_version != HULL_VULNDB_FORMAT)
		return hull_error_make (err, EINVAL,
					"vulnerability database `%s`: format version %u, this hull "
					"reads %u; run `hull db import` again",
					path, h->format_version, HULL_VULNDB_FORMAT);
	if (h->header_size < sizeof *h || h->header_size > db->size || h->header_size % 8)
		return bad (err, path, "bad header size");
	if (h->file_size != db->size)
		return bad (err, path, "truncated or extended (size differs from its header)");
	hull_sha256 (db->map + h->header_size, db->size - h->header_size, digest);
	if (memcmp (digest, h->sha256, sizeof digest) != 0)
		return bad (err, path, "checksum mismatch (corrupted)");
	if (map_sections (db, path, err) < 0)
		return -EINVAL;
	if (h->n_records != db->n_recs || h->n_affected != db->n_affs)
		return bad (err, path, "counts disagree with the sections");
	if (!recs_ok (db) || !affs_ok (db))
		return bad (err, path, "an offset points outside its section");
	return 0;
}

struct hull_vulndb *
hull_vulndb_open (const char *path, hull_error_t *err)
{
	_cleanup_close_ int fd = open (path, O_RDONLY | O_CLOEXEC);
	struct hull_vulndb *db;
	struct stat st;
	void *map;

	if (fd < 0)
		return hull_error_make (err, errno, "open vulnerability database `%s`", path), NULL;
	if (fstat (fd, &st) < 0)
		return hull_error_make (err, errno, "stat `%s`", path), NULL;
	if (!S_ISREG (st.st_mode))
		return bad (err, path, "not a regular file"), NULL;
	if ((uint64_t) st.st_size < sizeof (struct hull_vulndb_header))
		return bad (err, path, "truncated (shorter than its header)"), NULL;
	if ((uint64_t) st.st_size > MAX_INDEX_BYTES)
		return bad (err, path, "larger than 4 GiB"), NULL;
	map = mmap (NULL, (size_t) st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		return hull_error_make (err, errno, "map `%s`", path), NULL;
	db = hull_xzalloc (sizeof *db);
	db->map = map;
	db->size = (size_t) st.st_size;
	db->h = map;
	if (check_header (db, path, err) < 0)
		return hull_vulndb_close (db);
	return db;
}

struct hull_vulndb *
hull_vulndb_close (struct hull_vulndb *db)
{
	if (db == NULL)
		return NULL;
	if (db->map)
		munmap ((void *) db->map, db->size);
	free (db);
	return NULL;
}

int
hull_vulndb_get_info (struct hull_vulndb *db, struct hull_vulndb_info *out, hull_error_t *err)
{
	memset (out, 0, sizeof *out);
	out->format_version = db->h->format_version;
	out->n_records = db->h->n_records;
	out->n_affected = db->h->n_affected;
	out->newest_modified = (time_t) db->h->newest_modified;
	out->built = (time_t) db->h->built;
	out->n_ecosystems = db->n_ecos;
	out->ecosystems = hull_xcalloc (db->n_ecos + 1, sizeof *out->ecosystems);
	out->n_per_ecosystem = hull_xcalloc (db->n_ecos + 1, sizeof *out->n_per_ecosystem);
	for (size_t i = 0; i < db->n_ecos; i++) {
		out->ecosystems[i] = hull_xstrdup (hull_vulndb_str (db, db->ecos[i].name));
		out->n_per_ecosystem[i] = db->ecos[i].n_records;
	}
	return 0;
}

void
hull_vulndb_info_clear (struct hull_vulndb_info *i)
{
	if (i == NULL)
		return;
	for (size_t k = 0; i->ecosystems && k < i->n_ecosystems; k++)
		free (i->ecosystems[k]);
	free (i->ecosystems);
	free (i->n_per_ecosystem);
	memset (i, 0, sizeof *i);
}
