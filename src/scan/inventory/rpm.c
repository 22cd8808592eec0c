/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RPM distributions: the rpm database in its three on-disk forms, read without librpm.
 *
 * Why not librpm: rpmtsSetRootDir takes a path and librpm then resolves the database
 * path with its own path code, following symlinks planted in the target (an absolute
 * symlink var/lib/rpm -> /var/lib/rpm would read the host's database). Instead each
 * database file is opened through the rootfs resolver, read whole into memory under the
 * size cap, and parsed here:
 *   rpmdb.sqlite  (rpm >= 4.16 default)  SQLite, through libsqlite3 loaded on first use
 *                 and handed the bytes with sqlite3_deserialize (no path, no journal);
 *   Packages.db   (NDB, SUSE)            slot pages + blobs, lib/backend/ndb/rpmpkg.c;
 *   Packages      (BerkeleyDB hash, RHEL <= 8, CentOS, Amazon Linux 2) hash pages with
 *                 the headers on overflow-page chains (libdb dbinc/db_page.h).
 * Every form stores one rpm header blob per package (lib/header.c headerExport: il, dl,
 * il index entries, dl data bytes, big-endian), parsed by hull_inventory_rpm_parse_header
 * with every offset and count checked against the blob. */
#include <dlfcn.h>
#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "scan/inventory/readers.h"

/* lib/header_internal.h: HEADER_TAGS_MAX, HEADER_DATA_MAX. */
#define RPM_TAGS_MAX 0xffffu
#define RPM_DATA_MAX 0x0fffffffu

enum {
	RPMTAG_NAME = 1000,
	RPMTAG_VERSION = 1001,
	RPMTAG_RELEASE = 1002,
	RPMTAG_EPOCH = 1003,
	RPMTAG_LICENSE = 1014,
	RPMTAG_ARCH = 1022,
	RPMTAG_SOURCERPM = 1044,
	RPMTAG_DIRINDEXES = 1116,
	RPMTAG_BASENAMES = 1117,
	RPMTAG_DIRNAMES = 1118,
};

enum {
	RPM_INT32_TYPE = 4,
	RPM_STRING_TYPE = 6,
	RPM_STRING_ARRAY_TYPE = 8,
	RPM_I18NSTRING_TYPE = 9,
};

struct hdr {
	const uint8_t *index; /* il entries of 16 bytes */
	uint32_t il;
	const uint8_t *data;
	uint32_t dl;
};

struct entry {
	uint32_t type, offset, count;
};

static uint32_t
be32 (const uint8_t *p)
{
	return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

static uint32_t
le32 (const uint8_t *p)
{
	return (uint32_t) p[3] << 24 | (uint32_t) p[2] << 16 | (uint32_t) p[1] << 8 | p[0];
}

static uint16_t
le16 (const uint8_t *p)
{
	return (uint16_t) (p[0] | p[1] << 8);
}

static bool
find_tag (const struct hdr *h, uint32_t tag, struct entry *e)
{
	for (uint32_t i = 0; i < h->il; i++) {
		const uint8_t *p = h->index + 16u * i;
		if (be32 (p) != tag)
			continue;
		e->type = be32 (p + 4);
		e->offset = be32 (p + 8);
		e->count = be32 (p + 12);
		return e->offset < h->dl;
	}
	return false;
}

/* The string of a STRING (or the first of an I18NSTRING / STRING_ARRAY) tag; NULL when
 * absent, of another type, or not NUL-terminated inside the data. */
static const char *
get_string (const struct hdr *h, uint32_t tag)
{
	struct entry e;

	if (!find_tag (h, tag, &e) || e.count == 0 ||
	    (e.type != RPM_STRING_TYPE && e.type != RPM_I18NSTRING_TYPE &&
	     e.type != RPM_STRING_ARRAY_TYPE))
		return NULL;
	if (memchr (h->data + e.offset, '\0', h->dl - e.offset) == NULL)
		return NULL;
	return (const char *) h->data + e.offset;
}

/* The strings of a STRING_ARRAY tag into a new array of pointers into the data. */
static int
get_strings (const struct hdr *h, uint32_t tag, const char ***out, uint32_t *n)
{
	struct entry e;
	const char **v;
	uint32_t off;

	*out = NULL;
	*n = 0;
	if (!find_tag (h, tag, &e))
		return 0;
	if (e.type != RPM_STRING_ARRAY_TYPE || e.count > h->dl - e.offset)
		return -1;
	v = hull_xcalloc (e.count ? e.count : 1, sizeof *v);
	off = e.offset;
	for (uint32_t i = 0; i < e.count; i++) {
		const uint8_t *nul = off < h->dl ? memchr (h->data + off, '\0', h->dl - off) : NULL;
		if (nul == NULL) {
			free (v);
			return -1;
		}
		v[i] = (const char *) h->data + off;
		off = (uint32_t) (nul - h->data) + 1;
	}
	*out = v;
	*n = e.count;
	return 0;
}

static int
get_int32s (const struct hdr *h, uint32_t tag, const uint8_t **out, uint32_t *n)
{
	struct entry e;

	*out = NULL;
	*n = 0;
	if (!find_tag (h, tag, &e))
		return 0;
	if (e.type != RPM_INT32_TYPE || e.count > (h->dl - e.offset) / 4)
		return -1;
	*out = h->data + e.offset;
	*n = e.count;
	return 0;
}

/* Files: DIRNAMES[DIRINDEXES[i]] + BASENAMES[i] (rpm "compressed file lists"). */
static int
rpm_files (const struct hdr *h, struct hull_pkg *p, const char *location, hull_error_t *err)
{
	_cleanup_free_ const char **base = NULL, **dirs = NULL;
	const uint8_t *idx;
	uint32_t nb, nd, ni;

	if (get_strings (h, RPMTAG_BASENAMES, &base, &nb) < 0 ||
	    get_strings (h, RPMTAG_DIRNAMES, &dirs, &nd) < 0 ||
	    get_int32s (h, RPMTAG_DIRINDEXES, &idx, &ni) < 0 || ni != nb)
		return hull_error_make (err, EINVAL, "`%s`: package `%s`: malformed file list",
					location, p->name);
	if (nb > HULL_INV_MAX_FILES_PER_PKG)
		return hull_error_make (err, E2BIG, "`%s`: package `%s` lists more than %u files",
					location, p->name, HULL_INV_MAX_FILES_PER_PKG);
	for (uint32_t i = 0; i < nb; i++) {
		uint32_t d = be32 (idx + 4u * i);
		_cleanup_free_ char *f = NULL;
		if (d >= nd)
			return hull_error_make (
				err, EINVAL, "`%s`: package `%s`: file %u names directory %u of %u",
				location, p->name, i, d, nd);
		f = hull_xasprintf ("%s%s", dirs[d], base[i]);
		hull_strv_push (&p->files, &p->n_files, f);
	}
	return 0;
}

/* "bash-5.1.8-6.el9.src.rpm" -> name "bash", version "5.1.8-6.el9". */
static void
set_source (struct hull_pkg *p, const char *srpm, const char *vr)
{
	static const char *const suffixes[] = { ".src.rpm", ".nosrc.rpm" };
	_cleanup_free_ char *s = hull_xstrdup (srpm);
	size_t n = strlen (s);
	char *rel, *ver;

	for (size_t i = 0; i < 2; i++) {
		size_t k = strlen (suffixes[i]);
		if (n > k && strcmp (s + n - k, suffixes[i]) == 0)
			s[n - k] = '\0';
	}
	rel = strrchr (s, '-');
	if (rel == NULL)
		return;
	*rel = '\0';
	ver = strrchr (s, '-');
	if (ver == NULL || ver == s)
		return;
	*ver = '\0';
	*rel = '-';
	p->source_name = hull_xstrdup (s);
	if (strcmp (ver + 1, vr) != 0)
		p->source_version = hull_xstrdup (ver + 1);
}

static char *
rpm_purl (const struct hull_pkg *p, const char *vr, const char *epoch, const struct hull_os *os)
{
	_cleanup_free_ char *ns = NULL, *distro = NULL;
	const char *quals[7] = { "arch", p->arch, "distro", NULL, "epoch", epoch, NULL };

	/* purl-spec rpm: version is version-release, epoch a qualifier, name case-kept. */
	if (os && os->id) {
		ns = hull_inventory_lower (os->id);
		if (os->version_id)
			distro = hull_xasprintf ("%s-%s", ns, os->version_id);
	}
	quals[3] = distro;
	return hull_purl_make ("rpm", ns, p->name, vr, quals);
}

static int
header_open (const uint8_t *blob, size_t len, struct hdr *h)
{
	if (len < 8)
		return -1;
	h->il = be32 (blob);
	h->dl = be32 (blob + 4);
	if (h->il < 1 || h->il > RPM_TAGS_MAX || h->dl > RPM_DATA_MAX ||
	    8 + 16 * (uint64_t) h->il + h->dl > len)
		return -1;
	h->index = blob + 8;
	h->data = blob + 8 + 16u * h->il;
	return 0;
}

int
hull_inventory_rpm_parse_header (const uint8_t *blob, size_t len, const char *location,
				 const struct hull_os *os, const struct hull_inventory_opts *opts,
				 struct hull_inventory *inv, hull_error_t *err)
{
	struct hull_inventory_opts o = hull_inventory_opts_resolve (opts);
	const char *name, *version, *release, *srpm, *lic;
	_cleanup_free_ char *vr = NULL, *epoch = NULL;
	struct hull_pkg p = { 0 }, *slot;
	const uint8_t *ep;
	uint32_t ne;
	struct hdr h;

	if (header_open (blob, len, &h) < 0)
		return hull_error_make (err, EINVAL, "`%s`: malformed rpm header (%zu bytes)",
					location, len);
	name = get_string (&h, RPMTAG_NAME);
	version = get_string (&h, RPMTAG_VERSION);
	release = get_string (&h, RPMTAG_RELEASE);
	if (name == NULL || version == NULL || *name == '\0' || *version == '\0')
		return hull_error_make (err, EINVAL, "`%s`: rpm header without name or version",
					location);
	/* Imported signing keys are stored as pseudo-packages, not software. */
	if (strcmp (name, "gpg-pubkey") == 0)
		return 0;
	if (inv->n_pkgs >= o.max_packages)
		return hull_error_make (err, E2BIG, "`%s`: more than %llu packages", location,
					(unsigned long long) o.max_packages);
	vr = release && *release ? hull_xasprintf ("%s-%s", version, release)
				 : hull_xstrdup (version);
	if (get_int32s (&h, RPMTAG_EPOCH, &ep, &ne) == 0 && ne == 1)
		epoch = hull_xasprintf ("%u", be32 (ep));
	p.type = HULL_PKG_RPM;
	p.name = hull_xstrdup (name);
	p.version = epoch ? hull_xasprintf ("%s:%s", epoch, vr) : hull_xstrdup (vr);
	if (get_string (&h, RPMTAG_ARCH))
		p.arch = hull_xstrdup (get_string (&h, RPMTAG_ARCH));
	if ((srpm = get_string (&h, RPMTAG_SOURCERPM)) != NULL)
		set_source (&p, srpm, vr);
	if ((lic = get_string (&h, RPMTAG_LICENSE)) != NULL && *lic)
		hull_strv_push (&p.licenses, &p.n_licenses, lic);
	if (!o.skip_files && rpm_files (&h, &p, location, err) < 0) {
		hull_pkg_clear (&p);
		return -1;
	}
	p.location = hull_xasprintf ("/%s", location);
	p.purl = rpm_purl (&p, vr, epoch, os);
	slot = hull_inventory_add (inv);
	*slot = p;
	return 0;
}

/* ---- SQLite: rpmdb.sqlite, table Packages (hnum INTEGER PRIMARY KEY, blob BLOB) ---- */

static struct {
	bool tried, ok;
	__typeof__ (sqlite3_open_v2) *open_v2;
	__typeof__ (sqlite3_close) *close;
	__typeof__ (sqlite3_deserialize) *deserialize;
	__typeof__ (sqlite3_db_config) *db_config;
	__typeof__ (sqlite3_prepare_v2) *prepare_v2;
	__typeof__ (sqlite3_step) *step;
	__typeof__ (sqlite3_column_blob) *column_blob;
	__typeof__ (sqlite3_column_bytes) *column_bytes;
	__typeof__ (sqlite3_column_int64) *column_int64;
	__typeof__ (sqlite3_finalize) *finalize;
	__typeof__ (sqlite3_errmsg) *errmsg;
	__typeof__ (sqlite3_progress_handler) *progress_handler;
	__typeof__ (sqlite3_limit) *limit;
} sq;

/* libsqlite3 loaded on first use, as libarchive is (src/image/archive-shim.c): linked,
 * it would be mapped by every container start that never scans anything. */
static int
sqlite_load (hull_error_t *err)
{
	static const struct {
		const char *name;
		size_t off;
	} syms[] = {
#define S(f, n) { "sqlite3_" #n, offsetof (__typeof__ (sq), f) }
		S (open_v2, open_v2),
		S (close, close),
		S (deserialize, deserialize),
		S (db_config, db_config),
		S (prepare_v2, prepare_v2),
		S (step, step),
		S (column_blob, column_blob),
		S (column_bytes, column_bytes),
		S (column_int64, column_int64),
		S (finalize, finalize),
		S (errmsg, errmsg),
		S (progress_handler, progress_handler),
		S (limit, limit),
#undef S
	};
	void *lib;

	if (!sq.tried) {
		sq.tried = true;
		lib = dlopen ("libsqlite3.so.0", RTLD_NOW | RTLD_LOCAL);
		sq.ok = lib != NULL;
		for (size_t i = 0; sq.ok && i < sizeof syms / sizeof syms[0]; i++) {
			void *f = dlsym (lib, syms[i].name);
			memcpy ((char *) &sq + syms[i].off, &f, sizeof f);
			sq.ok = f != NULL;
		}
	}
	if (!sq.ok)
		return hull_error_make (
			err, ENOSYS,
			"libsqlite3.so.0 (needed for rpmdb.sqlite) could not be loaded");
	return 0;
}

/* A hostile schema could make Packages a view over a recursive query: stop any
 * statement after this many virtual-machine steps (x1000). */
#define SQLITE_MAX_PROGRESS 200000

static int
sqlite_progress (void *arg)
{
	unsigned *n = arg;
	return ++*n > SQLITE_MAX_PROGRESS;
}

static void
sqlite_closep (sqlite3 **db)
{
	if (*db != NULL)
		sq.close (*db);
}

static int
sqlite_read (uint8_t *buf, size_t len, const char *location, const struct hull_os *os,
	     const struct hull_inventory_opts *o, struct hull_inventory *inv, hull_error_t *err)
{
	_cleanup_ (sqlite_closep) sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	unsigned steps = 0;
	int rc, r = 0;

	if (sqlite_load (err) < 0)
		return -1;
	/* The file header's read/write versions 2 mean WAL, which an in-memory database
	 * cannot open; the bytes are our copy, so mark it rollback-journal (sqlite file
	 * format section 1.3.4). */
	if (len >= 100 && buf[18] == 2 && buf[19] == 2)
		buf[18] = buf[19] = 1;
	if (sq.open_v2 (":memory:", &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		return hull_error_make (err, ENOMEM, "`%s`: sqlite: cannot open", location);
	/* Settings the SQLite documentation gives for untrusted database files
	 * ("Defense Against The Dark Arts", section 1.2). */
	sq.db_config (db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sq.db_config (db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	sq.limit (db, SQLITE_LIMIT_LENGTH, (int) (len < RPM_DATA_MAX ? len + 1 : RPM_DATA_MAX));
	sq.progress_handler (db, 1000, sqlite_progress, &steps);
	if (sq.deserialize (db, "main", buf, (sqlite3_int64) len, (sqlite3_int64) len,
			    SQLITE_DESERIALIZE_READONLY) != SQLITE_OK)
		return hull_error_make (err, EINVAL, "`%s`: not an SQLite database", location);
	rc = sq.prepare_v2 (db,
			    "SELECT hnum, blob FROM main.Packages WHERE (SELECT type FROM "
			    "main.sqlite_schema WHERE name = 'Packages') = 'table' ORDER BY hnum",
			    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return hull_error_make (err, EINVAL, "`%s`: sqlite: %s", location, sq.errmsg (db));
	while (r == 0 && (rc = sq.step (st)) == SQLITE_ROW) {
		const void *blob = sq.column_blob (st, 1);
		int n = sq.column_bytes (st, 1);
		_cleanup_free_ char *where =
			hull_xasprintf ("%s#%lld", location, (long long) sq.column_int64 (st, 0));
		if (blob == NULL || n <= 0)
			r = hull_error_make (err, EINVAL, "`%s`: empty header blob", where);
		else
			r = hull_inventory_rpm_parse_header (blob, (size_t) n, where, os, o, inv,
							     err);
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = hull_error_make (err, EINVAL, "`%s`: sqlite: %s", location, sq.errmsg (db));
	sq.finalize (st);
	return r;
}

/* ---- NDB: Packages.db (lib/backend/ndb/rpmpkg.c) ---- */

#define NDB_PAGE 4096u
#define NDB_BLK 16u

static uint32_t
adler32 (const uint8_t *p, size_t n)
{
	uint32_t a = 1, b = 0;

	for (size_t i = 0; i < n; i++) {
		a = (a + p[i]) % 65521;
		b = (b + a) % 65521;
	}
	return b << 16 | a;
}

/* One slot's blob: "BlbS" pkgidx tstamp bloblen | blob | pad | adler32 bloblen "BlbE". */
static int
ndb_blob (const uint8_t *buf, size_t len, uint32_t pkgidx, uint32_t blkoff, uint32_t blkcnt,
	  const uint8_t **blob, uint32_t *bloblen)
{
	uint64_t start = (uint64_t) blkoff * NDB_BLK, size = (uint64_t) blkcnt * NDB_BLK;
	const uint8_t *p, *tail;
	uint32_t bl;

	if (size < 28 || start + size > len)
		return -1;
	p = buf + start;
	bl = le32 (p + 12);
	if (memcmp (p, "BlbS", 4) != 0 || le32 (p + 4) != pkgidx ||
	    blkcnt != (16 + (uint64_t) bl + 12 + NDB_BLK - 1) / NDB_BLK)
		return -1;
	tail = p + size - 12;
	if (le32 (tail + 4) != bl || memcmp (tail + 8, "BlbE", 4) != 0 ||
	    le32 (tail) != adler32 (p, size - 12))
		return -1;
	*blob = p + 16;
	*bloblen = bl;
	return 0;
}

static int
ndb_read (const uint8_t *buf, size_t len, const char *location, const struct hull_os *os,
	  const struct hull_inventory_opts *o, struct hull_inventory *inv, hull_error_t *err)
{
	uint32_t npages;

	if (len < 32 || memcmp (buf, "RpmP", 4) != 0 || le32 (buf + 4) != 0)
		return hull_error_make (err, EINVAL, "`%s`: not an rpm NDB package database",
					location);
	npages = le32 (buf + 12);
	if (npages == 0 || (uint64_t) npages * NDB_PAGE > len)
		return hull_error_make (err, EINVAL, "`%s`: %u slot pages in %zu bytes", location,
					npages, len);
	for (uint64_t off = 32; off < (uint64_t) npages * NDB_PAGE; off += 16) {
		const uint8_t *s = buf + off, *blob;
		uint32_t pkgidx = le32 (s + 4), blkoff = le32 (s + 8), bloblen;
		_cleanup_free_ char *where = NULL;
		if (memcmp (s, "Slot", 4) != 0)
			return hull_error_make (err, EINVAL, "`%s`: bad slot at offset %llu",
						location, (unsigned long long) off);
		if (blkoff == 0)
			continue; /* free slot */
		where = hull_xasprintf ("%s#%u", location, pkgidx);
		if (blkoff < npages * (NDB_PAGE / NDB_BLK) ||
		    ndb_blob (buf, len, pkgidx, blkoff, le32 (s + 12), &blob, &bloblen) < 0)
			return hull_error_make (err, EINVAL, "`%s`: bad package blob", where);
		if (hull_inventory_rpm_parse_header (blob, bloblen, where, os, o, inv, err) < 0)
			return -1;
	}
	return 0;
}

/* ---- BerkeleyDB hash: Packages (libdb src/dbinc/db_page.h) ---- */

#define BDB_HASHMAGIC 0x061561u
#define BDB_P_HASH_UNSORTED 2
#define BDB_P_OVERFLOW 7
#define BDB_P_HASHMETA 8
#define BDB_P_HASH 13
#define BDB_H_OFFPAGE 3
#define BDB_PAGE_HDR 26u

struct bdb {
	const uint8_t *buf;
	size_t len;
	uint32_t pagesize, last;
	bool swapped;
};

static uint32_t
bdb32 (const struct bdb *b, const uint8_t *p)
{
	return b->swapped ? be32 (p) : le32 (p);
}

static uint16_t
bdb16 (const struct bdb *b, const uint8_t *p)
{
	return b->swapped ? (uint16_t) (p[0] << 8 | p[1]) : le16 (p);
}

static const uint8_t *
bdb_page (const struct bdb *b, uint32_t pgno)
{
	if (pgno > b->last || ((uint64_t) pgno + 1) * b->pagesize > b->len)
		return NULL;
	return b->buf + (size_t) pgno * b->pagesize;
}

/* Concatenate an overflow chain of `tlen` bytes starting at page `pgno`: each page's
 * data length is its hf_offset field (OV_LEN). */
static uint8_t *
bdb_overflow (const struct bdb *b, uint32_t pgno, uint32_t tlen)
{
	_cleanup_free_ uint8_t *out = hull_xmalloc (tlen ? tlen : 1);
	uint32_t got = 0;

	for (uint32_t hops = 0; pgno != 0 && hops <= b->last; hops++) {
		const uint8_t *pg = bdb_page (b, pgno);
		uint16_t n;
		if (pg == NULL || pg[25] != BDB_P_OVERFLOW)
			return NULL;
		n = bdb16 (b, pg + 22);
		if (n > b->pagesize - BDB_PAGE_HDR || n > tlen - got)
			return NULL;
		memcpy (out + got, pg + BDB_PAGE_HDR, n);
		got += n;
		pgno = bdb32 (b, pg + 16);
	}
	if (pgno != 0 || got != tlen)
		return NULL;
	return TAKE_PTR (out);
}

static int
bdb_open (struct bdb *b, const uint8_t *buf, size_t len)
{
	uint32_t ps;

	if (len < 512)
		return -1;
	b->buf = buf;
	b->len = len;
	b->swapped = be32 (buf + 12) == BDB_HASHMAGIC;
	if (!b->swapped && le32 (buf + 12) != BDB_HASHMAGIC)
		return -1;
	ps = bdb32 (b, buf + 20);
	if (ps < 512 || ps > 65536 || (ps & (ps - 1)) != 0 || buf[24] != 0 ||
	    buf[25] != BDB_P_HASHMETA)
		return -1;
	b->pagesize = ps;
	b->last = bdb32 (b, buf + 32);
	return 0;
}

static int
bdb_page_items (const struct bdb *b, const uint8_t *pg, uint32_t pgno, const char *location,
		const struct hull_os *os, const struct hull_inventory_opts *o,
		struct hull_inventory *inv, hull_error_t *err)
{
	uint16_t n = bdb16 (b, pg + 20);

	if ((n & 1) || BDB_PAGE_HDR + 2u * n > b->pagesize)
		return hull_error_make (err, EINVAL, "`%s`: page %u: bad entry count %u", location,
					pgno, n);
	/* Index entries are key, value pairs; the values are the headers. */
	for (uint16_t i = 1; i < n; i += 2) {
		uint16_t off = bdb16 (b, pg + BDB_PAGE_HDR + 2u * i);
		_cleanup_free_ uint8_t *blob = NULL;
		_cleanup_free_ char *where = NULL;
		uint32_t tlen;
		if (off < BDB_PAGE_HDR || (uint32_t) off + 12 > b->pagesize)
			return hull_error_make (err, EINVAL, "`%s`: page %u: bad item offset",
						location, pgno);
		/* Small values are stored in the page (H_KEYDATA): rpm's own record 0 (the
		 * next instance number) is one; headers always go to overflow pages. */
		if (pg[off] != BDB_H_OFFPAGE)
			continue;
		tlen = bdb32 (b, pg + off + 8);
		where = hull_xasprintf ("%s@page%u", location, pgno);
		if (tlen > b->len ||
		    (blob = bdb_overflow (b, bdb32 (b, pg + off + 4), tlen)) == NULL)
			return hull_error_make (err, EINVAL, "`%s`: broken overflow chain", where);
		if (hull_inventory_rpm_parse_header (blob, tlen, where, os, o, inv, err) < 0)
			return -1;
	}
	return 0;
}

static int
bdb_read (const uint8_t *buf, size_t len, const char *location, const struct hull_os *os,
	  const struct hull_inventory_opts *o, struct hull_inventory *inv, hull_error_t *err)
{
	struct bdb b = { 0 };

	if (bdb_open (&b, buf, len) < 0)
		return hull_error_make (err, EINVAL, "`%s`: not a BerkeleyDB hash database",
					location);
	for (uint32_t pgno = 1; pgno <= b.last; pgno++) {
		const uint8_t *pg = bdb_page (&b, pgno);
		if (pg == NULL)
			return hull_error_make (err, EINVAL, "`%s`: truncated at page %u", location,
						pgno);
		if (pg[25] != BDB_P_HASH && pg[25] != BDB_P_HASH_UNSORTED)
			continue;
		if (bdb_page_items (&b, pg, pgno, location, os, o, inv, err) < 0)
			return -1;
	}
	return 0;
}

/* ---- finding the database ---- */

int
hull_inventory_rpm_parse_db (uint8_t *buf, size_t len, const char *location,
			     const struct hull_os *os, const struct hull_inventory_opts *opts,
			     struct hull_inventory *inv, hull_error_t *err)
{
	struct hull_inventory_opts o = hull_inventory_opts_resolve (opts);

	if (len >= 16 && memcmp (buf, "SQLite format 3", 16) == 0)
		return sqlite_read (buf, len, location, os, &o, inv, err);
	if (len >= 4 && memcmp (buf, "RpmP", 4) == 0)
		return ndb_read (buf, len, location, os, &o, inv, err);
	if (len >= 16 && (le32 (buf + 12) == BDB_HASHMAGIC || be32 (buf + 12) == BDB_HASHMAGIC))
		return bdb_read (buf, len, location, os, &o, inv, err);
	return hull_error_make (err, EINVAL, "`%s`: not an rpm database (SQLite, NDB, BerkeleyDB)",
				location);
}

/* In rpm's order of preference; the first present is the database (a leftover
 * Packages next to rpmdb.sqlite after a conversion is not read twice). usr/lib/sysimage/rpm
 * is the newer location (Fedora >= 36, openSUSE), var/lib/rpm often a symlink to it. */
static const struct {
	const char *path;
} rpm_dbs[] = {
	{ "usr/lib/sysimage/rpm/rpmdb.sqlite" }, { "usr/lib/sysimage/rpm/Packages.db" },
	{ "usr/lib/sysimage/rpm/Packages" },	 { "var/lib/rpm/rpmdb.sqlite" },
	{ "var/lib/rpm/Packages.db" },		 { "var/lib/rpm/Packages" },
};

int
hull_inventory_rpm_scan (int rootfd, const struct hull_inventory_opts *opts,
			 struct hull_inventory *inv, hull_error_t *err)
{
	struct hull_inventory_opts o = hull_inventory_opts_resolve (opts);

	for (size_t i = 0; i < sizeof rpm_dbs / sizeof rpm_dbs[0]; i++) {
		_cleanup_free_ char *buf = NULL;
		hull_error_t local = { 0 };
		size_t len = 0;
		buf = hull_inventory_read_in_root (rootfd, rpm_dbs[i].path, o.max_file_bytes, &len,
						   &local);
		if (buf == NULL && (local.code == ENOENT || local.code == ENOTDIR))
			continue;
		if (buf == NULL) {
			if (err != NULL)
				*err = local;
			return hull_error_wrap (err, "rpm");
		}
		if (hull_inventory_rpm_parse_db ((uint8_t *) buf, len, rpm_dbs[i].path, &inv->os,
						 &o, inv, err) < 0)
			return hull_error_wrap (err, "rpm");
		return 0;
	}
	return 0;
}
