/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Java archives (jar, war, ear are zip files): Maven writes
 * META-INF/maven/GROUP/ARTIFACT/pom.properties (groupId, artifactId, version) into every
 * artifact it builds; shaded jars carry one per bundled artifact, and wars and ears hold
 * whole jars (WEB-INF/lib/x.jar), read here one level deep. libarchive's streaming zip
 * reader does the decompression (through the dlopen shim, src/image/archive-shim.c); with
 * a seek callback it reads the central directory and skips the entries not wanted by
 * seeking, so a huge entry that is never read costs no decompression.
 * Zip bombs stop at the caps in lang-readers.h: entries per archive, bytes of one
 * pom.properties, bytes of one nested archive, bytes decompressed in total. A nested
 * archive's location is "OUTER!/INNER" (the jar: URL convention). */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "scan/inventory/lang-readers.h"

#define CHUNK (64u << 10)

struct src {
	int fd;
	const uint8_t *mem;
	size_t size, off;
	uint8_t buf[CHUNK];
};

struct jar {
	struct hull_lang_ctx *c;
	const char *location;
	unsigned depth;
	uint64_t *budget; /* bytes still allowed to be decompressed (shared with nested) */
	size_t n_nested;
	bool bomb; /* the decompression budget ran out: the whole archive fails */
};

static la_ssize_t
src_read (struct archive *a, void *data, const void **out)
{
	struct src *s = data;
	ssize_t n;

	if (s->fd < 0) {
		size_t left = s->size - s->off, take = left < CHUNK ? left : CHUNK;
		*out = s->mem + s->off;
		s->off += take;
		return (la_ssize_t) take;
	}
	do
		n = read (s->fd, s->buf, sizeof s->buf);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		archive_set_error (a, errno, "read");
		return -1;
	}
	*out = s->buf;
	return n;
}

static la_int64_t
src_seek (struct archive *a, void *data, la_int64_t offset, int whence)
{
	struct src *s = data;
	int64_t base = whence == SEEK_SET   ? 0
		       : whence == SEEK_CUR ? (int64_t) s->off
					    : (int64_t) s->size;
	off_t r;

	if (s->fd >= 0) {
		r = lseek (s->fd, (off_t) offset, whence);
		if (r < 0)
			archive_set_error (a, errno, "seek");
		else
			s->off = (size_t) r;
		return r < 0 ? ARCHIVE_FATAL : (la_int64_t) r;
	}
	if (offset < -base || offset > (int64_t) s->size - base) {
		archive_set_error (a, EINVAL, "seek out of the archive");
		return ARCHIVE_FATAL;
	}
	s->off = (size_t) (base + offset);
	return (la_int64_t) s->off;
}

HULL_DEFINE_CLEANUP (struct archive, archive_read_free)

/* Read the current entry into a new buffer of at most `max` bytes. */
static uint8_t *
read_entry (struct archive *a, struct jar *j, const char *name, size_t max, size_t *len,
	    hull_error_t *err)
{
	_cleanup_free_ uint8_t *buf = NULL;
	size_t cap = 0;
	la_ssize_t n;

	*len = 0;
	for (;;) {
		if (*len == cap) {
			/* grow up to max + 1: one byte more than allowed says "too big" */
			if (cap > max)
				return hull_error_make (err, EFBIG, "`%s!/%s`: more than %zu bytes",
							j->location, name, max),
				       NULL;
			cap = cap ? cap * 2 : 4096;
			if (cap > max + 1)
				cap = max + 1;
			buf = hull_xrealloc (buf, cap + 1);
		}
		n = archive_read_data (a, buf + *len, cap - *len);
		if (n < 0)
			return hull_error_make (err, archive_errno (a), "`%s!/%s`: %s", j->location,
						name, archive_error_string (a)),
			       NULL;
		if (n == 0)
			break;
		if ((uint64_t) n > *j->budget) {
			j->bomb = true;
			return hull_error_make (
				       err, EFBIG,
				       "`%s`: more than %llu bytes decompressed (zip bomb?)",
				       j->location, (unsigned long long) j->c->jar_budget),
			       NULL;
		}
		*j->budget -= (uint64_t) n;
		*len += (size_t) n;
	}
	if (*len > max)
		return hull_error_make (err, EFBIG, "`%s!/%s`: more than %zu bytes", j->location,
					name, max),
		       NULL;
	buf[*len] = '\0';
	return TAKE_PTR (buf);
}

/* META-INF/maven/G/A/pom.properties: exactly five components. */
static bool
is_pom_properties (const char *name)
{
	const char *g, *a, *f;

	if (strncmp (name, "META-INF/maven/", 15) != 0)
		return false;
	g = name + 15;
	a = strchr (g, '/');
	if (a == NULL || a == g)
		return false;
	f = strchr (a + 1, '/');
	return f != NULL && f != a + 1 && strcmp (f + 1, "pom.properties") == 0;
}

static bool
is_archive_name (const char *name)
{
	static const char *const ext[] = { ".jar", ".war", ".ear" };
	size_t n = strlen (name);
	for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++)
		if (n > 4 && strcasecmp (name + n - 4, ext[i]) == 0)
			return true;
	return false;
}

static int read_archive (struct jar *j, struct src *s, hull_error_t *err);

/* An entry too big to hold (or unreadable) is skipped with a warning; the rest of the
 * archive is still read, unless the total decompression budget is gone. */
static int
skip_entry (struct jar *j, hull_error_t *err)
{
	if (j->bomb || j->c->full)
		return -1;
	hull_lang_warn (j->c->inv, "%s", err->msg);
	hull_error_clear (err);
	return 0;
}

static int
nested (struct jar *j, struct archive *a, const char *name, hull_error_t *err)
{
	_cleanup_free_ uint8_t *buf = NULL;
	_cleanup_free_ char *loc = NULL;
	_cleanup_free_ struct src *s = NULL;
	struct jar sub = { j->c, NULL, j->depth + 1, j->budget, 0, false };
	size_t len, before = j->c->inv->n_pkgs;

	if (++j->n_nested > HULL_LANG_JAR_MAX_NESTED)
		return hull_error_make (err, E2BIG, "`%s`: more than %u nested archives",
					j->location, HULL_LANG_JAR_MAX_NESTED);
	buf = read_entry (a, j, name, HULL_LANG_JAR_MAX_NESTED_BYTES, &len, err);
	if (buf == NULL)
		return skip_entry (j, err);
	loc = hull_xasprintf ("%s!/%s", j->location, name);
	sub.location = loc;
	s = hull_xzalloc (sizeof *s);
	*s = (struct src){ .fd = -1, .mem = buf, .size = len };
	if (read_archive (&sub, s, err) >= 0)
		return 0;
	/* A bad nested archive is skipped with its reason; the outer one goes on. */
	while (j->c->inv->n_pkgs > before)
		hull_pkg_clear (&j->c->inv->pkgs[--j->c->inv->n_pkgs]);
	if (j->c->full || sub.bomb)
		return -1;
	hull_lang_warn (j->c->inv, "%s", err->msg);
	hull_error_clear (err);
	return 0;
}

static int
entry (struct jar *j, struct archive *a, struct archive_entry *e, hull_error_t *err)
{
	const char *name = archive_entry_pathname (e);
	_cleanup_free_ uint8_t *buf = NULL;
	size_t len;

	if (name == NULL || archive_entry_filetype (e) != AE_IFREG)
		return 0;
	if (is_pom_properties (name)) {
		buf = read_entry (a, j, name, HULL_LANG_JAR_MAX_PROPS, &len, err);
		if (buf == NULL)
			return skip_entry (j, err);
		/* The package's location is the archive; a bad pom.properties is skipped
		 * with its reason, the rest of the archive still read. */
		if (hull_lang_pom_properties_parse (j->c, (const char *) buf, len, j->location,
						    err) >= 0 ||
		    j->c->full)
			return j->c->full ? -1 : 0;
		hull_lang_warn (j->c->inv, "%s!/%s: %s", j->location, name, err->msg);
		hull_error_clear (err);
		return 0;
	}
	if (j->depth == 0 && is_archive_name (name))
		return nested (j, a, name, err);
	return 0;
}

static int
read_archive (struct jar *j, struct src *s, hull_error_t *err)
{
	_cleanup_ (archive_read_freep) struct archive *a = archive_read_new ();
	struct archive_entry *e;
	size_t n = 0;
	int r;

	if (archive_read_support_format_zip (a) != ARCHIVE_OK ||
	    archive_read_set_seek_callback (a, src_seek) != ARCHIVE_OK ||
	    archive_read_open (a, s, NULL, src_read, NULL) != ARCHIVE_OK)
		return hull_error_make (err, EINVAL, "`%s`: not a zip archive: %s", j->location,
					archive_error_string (a));
	while ((r = archive_read_next_header (a, &e)) != ARCHIVE_EOF) {
		if (r < ARCHIVE_WARN)
			return hull_error_make (err, EINVAL, "`%s`: %s", j->location,
						archive_error_string (a));
		if (++n > HULL_LANG_JAR_MAX_ENTRIES)
			return hull_error_make (err, E2BIG, "`%s`: more than %u entries",
						j->location, HULL_LANG_JAR_MAX_ENTRIES);
		if (entry (j, a, e, err) < 0)
			return -1;
	}
	return 0;
}

int
hull_lang_jar_read (struct hull_lang_ctx *c, int fd, const uint8_t *mem, size_t size,
		    const char *location, hull_error_t *err)
{
	_cleanup_free_ struct src *s = hull_xzalloc (sizeof *s);
	uint64_t budget = c->jar_budget;
	struct jar j = { c, location, 0, &budget, 0, false };

	*s = (struct src){ .fd = fd, .mem = mem, .size = size };
	return read_archive (&j, s, err);
}

/* ---- pom.properties (java.util.Properties text; Maven writes plain key=value) ---- */

struct props {
	char *group, *artifact, *version;
};

static void
prop_line (struct props *p, const char *s, size_t n)
{
	const char *sep, *v;
	size_t kn, vn;

	while (n > 0 && (*s == ' ' || *s == '\t'))
		s++, n--;
	if (n == 0 || *s == '#' || *s == '!')
		return;
	sep = s;
	while (sep < s + n && *sep != '=' && *sep != ':')
		sep++;
	if (sep == s + n)
		return;
	kn = (size_t) (sep - s);
	while (kn > 0 && (s[kn - 1] == ' ' || s[kn - 1] == '\t'))
		kn--;
	v = sep + 1;
	vn = n - (size_t) (v - s);
	while (vn > 0 && (*v == ' ' || *v == '\t'))
		v++, vn--;
	while (vn > 0 && (v[vn - 1] == ' ' || v[vn - 1] == '\t' || v[vn - 1] == '\r'))
		vn--;
	if (kn == 7 && memcmp (s, "groupId", 7) == 0 && p->group == NULL)
		p->group = hull_xstrndup (v, vn);
	else if (kn == 10 && memcmp (s, "artifactId", 10) == 0 && p->artifact == NULL)
		p->artifact = hull_xstrndup (v, vn);
	else if (kn == 7 && memcmp (s, "version", 7) == 0 && p->version == NULL)
		p->version = hull_xstrndup (v, vn);
}

int
hull_lang_pom_properties_parse (struct hull_lang_ctx *c, const char *buf, size_t len,
				const char *location, hull_error_t *err)
{
	struct props p = { 0 };
	const char *s = buf, *end = buf + len;
	_cleanup_free_ char *name = NULL;
	int r = 0;

	if (hull_lang_has_nul (buf, len))
		return hull_error_make (err, EINVAL, "`%s`: NUL byte", location);
	while (s < end) {
		const char *nl = memchr (s, '\n', (size_t) (end - s));
		size_t n = nl ? (size_t) (nl - s) : (size_t) (end - s);
		prop_line (&p, s, n);
		s = nl ? nl + 1 : end;
	}
	if (p.group == NULL || p.artifact == NULL || p.version == NULL || !p.group[0] ||
	    !p.artifact[0] || !p.version[0])
		r = hull_error_make (err, EINVAL, "`%s`: no groupId, artifactId and version",
				     location);
	else if (strchr (p.group, ':') != NULL || strchr (p.artifact, ':') != NULL)
		r = hull_error_make (err, EINVAL, "`%s`: `:` in groupId or artifactId", location);
	if (r == 0) {
		name = hull_xasprintf ("%s:%s", p.group, p.artifact);
		if (hull_lang_add (c, HULL_PKG_MAVEN, name, p.version, location, err) == NULL)
			r = -1;
	}
	free (p.group);
	free (p.artifact);
	free (p.version);
	return r;
}
