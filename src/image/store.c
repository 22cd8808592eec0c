/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The content-addressed image store (DESIGN.md "Images and trust"):
 *
 *   ROOT/blobs/sha256/<hex>   content, named by its SHA-256
 *   ROOT/tmp/                 blobs being written (same file system: rename is atomic)
 *   ROOT/index.json           {"images": {"<reference>": {digest, mediaType, size}}}
 *   ROOT/lock                 flock(2) held over index updates, imports and prune
 *
 * A blob becomes visible only once its digest and size were checked while it was
 * streamed and it was fsynced; readers check the digest again before any byte is
 * used, so a blob corrupted on disk is reported by digest and never trusted. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/sha256.h"
#include "common/xalloc.h"
#include "hull/image.h"

#define INDEX_MAX (64u * 1024 * 1024) /* index.json */
#define CHUNK (64 * 1024)
#define TMP_STALE_SECONDS 3600 /* temp files older than this belong to dead writers */

struct hull_image_store {
	char *root;
	int dirfd, blobs_fd, tmp_fd, lock_fd;
	unsigned lock_depth;
};

HULL_DEFINE_CLEANUP (hull_sha256_t, hull_sha256_free)

static int
open_subdir (int at, const char *name, const char *root, hull_error_t *err)
{
	int fd;

	if (mkdirat (at, name, 0700) < 0 && errno != EEXIST)
		return hull_error_make (err, errno, "store `%s`: mkdir `%s`", root, name);
	fd = openat (at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return hull_error_make (err, errno, "store `%s`: open `%s`", root, name);
	return fd;
}

struct hull_image_store *
hull_image_store_open (const char *root, hull_error_t *err)
{
	struct hull_image_store *s = hull_xzalloc (sizeof *s);
	_cleanup_close_ int blobs = -EBADF;

	s->root = hull_xstrdup (root);
	s->dirfd = s->blobs_fd = s->tmp_fd = s->lock_fd = -EBADF;
	if (mkdir (root, 0700) < 0 && errno != EEXIST) {
		hull_error_make (err, errno, "store: mkdir `%s`", root);
		return hull_image_store_free (s);
	}
	s->dirfd = open (root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0) {
		hull_error_make (err, errno, "store: open `%s`", root);
		return hull_image_store_free (s);
	}
	blobs = open_subdir (s->dirfd, "blobs", root, err);
	if (blobs < 0 || (s->blobs_fd = open_subdir (blobs, "sha256", root, err)) < 0 ||
	    (s->tmp_fd = open_subdir (s->dirfd, "tmp", root, err)) < 0)
		return hull_image_store_free (s);
	s->lock_fd = openat (s->dirfd, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (s->lock_fd < 0) {
		hull_error_make (err, errno, "store `%s`: open `lock`", root);
		return hull_image_store_free (s);
	}
	return s;
}

struct hull_image_store *
hull_image_store_free (struct hull_image_store *s)
{
	if (s == NULL)
		return NULL;
	hull_safe_close (s->dirfd);
	hull_safe_close (s->blobs_fd);
	hull_safe_close (s->tmp_fd);
	hull_safe_close (s->lock_fd);
	free (s->root);
	free (s);
	return NULL;
}

int
hull_image_store_lock (struct hull_image_store *s, hull_error_t *err)
{
	if (s->lock_depth == 0) {
		int r;
		do
			r = flock (s->lock_fd, LOCK_EX);
		while (r < 0 && errno == EINTR);
		if (r < 0)
			return hull_error_make (err, errno, "store `%s`: lock", s->root);
	}
	s->lock_depth++;
	return 0;
}

void
hull_image_store_unlock (struct hull_image_store *s)
{
	if (s->lock_depth > 0 && --s->lock_depth == 0)
		flock (s->lock_fd, LOCK_UN);
}

static const char *
hex_of (const char *digest)
{
	return digest + strlen ("sha256:");
}

static void
digest_string (hull_sha256_t *h, char out[HULL_IMAGE_DIGEST_MAX])
{
	uint8_t md[HULL_SHA256_LEN];
	char hex[HULL_SHA256_HEX_LEN + 1];

	hull_sha256_final (h, md);
	hull_sha256_hex (md, hex);
	snprintf (out, HULL_IMAGE_DIGEST_MAX, "sha256:%s", hex);
}

/* Read fd to the end, hashing; write each chunk to `to` when >= 0. Refuses more
 * than `max` bytes (0: no cap) as soon as they arrive. */
static int
stream_hash (int fd, int to, uint64_t max, char digest[HULL_IMAGE_DIGEST_MAX], uint64_t *total,
	     hull_error_t *err)
{
	_cleanup_ (hull_sha256_freep) hull_sha256_t *h = hull_sha256_new ();
	_cleanup_free_ char *buf = hull_xmalloc (CHUNK);

	*total = 0;
	for (;;) {
		ssize_t n = read (fd, buf, CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hull_error_make (err, errno, "read");
		if (n == 0)
			break;
		*total += (uint64_t) n;
		if (max && *total > max)
			return hull_error_make (err, EFBIG, "more than %llu bytes",
						(unsigned long long) max);
		hull_sha256_update (h, buf, (size_t) n);
		for (ssize_t off = 0; to >= 0 && off < n;) {
			ssize_t w = write (to, buf + off, (size_t) (n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return hull_error_make (err, errno, "write");
			off += w;
		}
	}
	digest_string (h, digest);
	return 0;
}

static int
open_tmp (struct hull_image_store *s, char name[64], hull_error_t *err)
{
	uint64_t rnd;
	int fd;

	if (getrandom (&rnd, sizeof rnd, 0) != sizeof rnd)
		return hull_error_make (err, errno, "getrandom");
	snprintf (name, 64, "blob-%016llx", (unsigned long long) rnd);
	fd = openat (s->tmp_fd, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return hull_error_make (err, errno, "store `%s`: create temp file", s->root);
	return fd;
}

/* Verify an existing blob by streaming it; 0 if it is what its name says. */
static int
verify_blob (struct hull_image_store *s, const char *digest, hull_error_t *err)
{
	_cleanup_close_ int fd = hull_image_store_open_blob (s, digest, err);

	return fd < 0 ? fd : 0;
}

/* Make a fully written, fsynced temp file visible as blobs/sha256/<hex>. An existing
 * blob is never replaced unless it fails its own digest (a repair: the new bytes
 * were checked, the old ones were not what their name says). */
static int
publish (struct hull_image_store *s, const char *tmpname, const char *digest, hull_error_t *err)
{
	hull_error_t ignored = { 0 };

	if (renameat2 (s->tmp_fd, tmpname, s->blobs_fd, hex_of (digest), RENAME_NOREPLACE) == 0)
		return fsync (s->blobs_fd) < 0 ? hull_error_make (err, errno, "fsync blobs") : 0;
	if (errno != EEXIST)
		return hull_error_make (err, errno, "store: rename blob %s", digest);
	if (verify_blob (s, digest, &ignored) == 0) {
		unlinkat (s->tmp_fd, tmpname, 0);
		return 0;
	}
	if (renameat (s->tmp_fd, tmpname, s->blobs_fd, hex_of (digest)) < 0)
		return hull_error_make (err, errno, "store: replace corrupted blob %s", digest);
	return fsync (s->blobs_fd) < 0 ? hull_error_make (err, errno, "fsync blobs") : 0;
}

static int
check_expected (const char *got, uint64_t total, const char *digest, int64_t size,
		hull_error_t *err)
{
	if (size >= 0 && total != (uint64_t) size)
		return hull_error_make (err, 0, "blob %s: %llu bytes, expected %lld",
					digest ? digest : got, (unsigned long long) total,
					(long long) size);
	if (digest && strcmp (got, digest) != 0)
		return hull_error_make (err, 0, "blob %s: content has digest %s", digest, got);
	return 0;
}

int
hull_image_store_put_fd (struct hull_image_store *s, int fd, const char *digest, int64_t size,
			 uint64_t max, char out_digest[HULL_IMAGE_DIGEST_MAX], hull_error_t *err)
{
	char tmpname[64], got[HULL_IMAGE_DIGEST_MAX];
	_cleanup_close_ int tfd = -EBADF;
	uint64_t total;
	int r;

	if (digest && !hull_image_digest_valid (digest))
		return hull_error_make (err, 0, "invalid digest `%s`", digest);
	/* The expected size is the tightest cap: stop reading one byte after it. */
	if (size >= 0 && (max == 0 || (uint64_t) size < max))
		max = (uint64_t) size + 1;
	tfd = open_tmp (s, tmpname, err);
	if (tfd < 0)
		return tfd;
	r = stream_hash (fd, tfd, max, got, &total, err);
	if (r < 0)
		hull_error_wrap (err, "blob %s", digest ? digest : "(new)");
	if (r == 0)
		r = check_expected (got, total, digest, size, err);
	if (r == 0 && fsync (tfd) < 0)
		r = hull_error_make (err, errno, "fsync blob %s", got);
	if (r == 0)
		r = publish (s, tmpname, got, err);
	if (r < 0) {
		unlinkat (s->tmp_fd, tmpname, 0);
		return r;
	}
	if (out_digest)
		memcpy (out_digest, got, HULL_IMAGE_DIGEST_MAX);
	return 0;
}

struct hull_image_blob_writer {
	struct hull_image_store *s;
	hull_sha256_t *h;
	int fd;
	uint64_t total, max;
	char tmpname[64];
};

struct hull_image_blob_writer *
hull_image_store_begin (struct hull_image_store *s, uint64_t max, hull_error_t *err)
{
	struct hull_image_blob_writer *w = hull_xzalloc (sizeof *w);

	w->s = s;
	w->max = max;
	w->fd = open_tmp (s, w->tmpname, err);
	if (w->fd < 0) {
		free (w);
		return NULL;
	}
	w->h = hull_sha256_new ();
	return w;
}

int
hull_image_store_write (struct hull_image_blob_writer *w, const void *buf, size_t len,
			hull_error_t *err)
{
	w->total += len;
	if (w->max && w->total > w->max)
		return hull_error_make (err, EFBIG, "blob: more than %llu bytes",
					(unsigned long long) w->max);
	hull_sha256_update (w->h, buf, len);
	for (size_t off = 0; off < len;) {
		ssize_t n = write (w->fd, (const char *) buf + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hull_error_make (err, errno, "write blob");
		off += (size_t) n;
	}
	return 0;
}

uint64_t
hull_image_store_written (const struct hull_image_blob_writer *w)
{
	return w->total;
}

struct hull_image_blob_writer *
hull_image_store_abort (struct hull_image_blob_writer *w)
{
	if (w == NULL)
		return NULL;
	hull_safe_close (w->fd);
	unlinkat (w->s->tmp_fd, w->tmpname, 0);
	hull_sha256_free (w->h);
	free (w);
	return NULL;
}

int
hull_image_store_commit (struct hull_image_blob_writer *w, const char *digest, int64_t size,
			 char out_digest[HULL_IMAGE_DIGEST_MAX], hull_error_t *err)
{
	char got[HULL_IMAGE_DIGEST_MAX];
	int r;

	digest_string (w->h, got);
	r = check_expected (got, w->total, digest, size, err);
	if (r == 0 && fsync (w->fd) < 0)
		r = hull_error_make (err, errno, "fsync blob %s", got);
	if (r == 0)
		r = publish (w->s, w->tmpname, got, err);
	if (r == 0 && out_digest)
		memcpy (out_digest, got, HULL_IMAGE_DIGEST_MAX);
	hull_image_store_abort (w); /* after publish the temp name is gone: unlink is a no-op */
	return r;
}

int
hull_image_store_put_buf (struct hull_image_store *s, const void *buf, size_t len,
			  const char *digest, char out_digest[HULL_IMAGE_DIGEST_MAX],
			  hull_error_t *err)
{
	_cleanup_close_ int fd = memfd_create ("hull-blob", MFD_CLOEXEC);

	if (fd < 0)
		return hull_error_make (err, errno, "memfd_create");
	for (size_t off = 0; off < len;) {
		ssize_t w = write (fd, (const char *) buf + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return hull_error_make (err, errno, "write memfd");
		off += (size_t) w;
	}
	if (lseek (fd, 0, SEEK_SET) < 0)
		return hull_error_make (err, errno, "lseek memfd");
	return hull_image_store_put_fd (s, fd, digest, (int64_t) len, 0, out_digest, err);
}

static int
open_blob_raw (struct hull_image_store *s, const char *digest, hull_error_t *err)
{
	int fd;

	if (!hull_image_digest_valid (digest))
		return hull_error_make (err, 0, "invalid digest `%s`", digest);
	fd = openat (s->blobs_fd, hex_of (digest), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return hull_error_make (err, errno, "blob %s", digest);
	return fd;
}

int
hull_image_store_open_blob (struct hull_image_store *s, const char *digest, hull_error_t *err)
{
	_cleanup_close_ int fd = open_blob_raw (s, digest, err);
	char got[HULL_IMAGE_DIGEST_MAX];
	uint64_t total;

	if (fd < 0)
		return fd;
	if (stream_hash (fd, -EBADF, 0, got, &total, err) < 0)
		return hull_error_wrap (err, "blob %s", digest);
	if (strcmp (got, digest) != 0)
		return hull_error_make (err, 0, "blob %s is corrupted (its content hashes to %s)",
					digest, got);
	if (lseek (fd, 0, SEEK_SET) < 0)
		return hull_error_make (err, errno, "blob %s: lseek", digest);
	return TAKE_FD (fd);
}

static int
read_all (int fd, size_t max, const char *what, char **out, size_t *len, hull_error_t *err)
{
	struct stat st;
	_cleanup_free_ char *buf = NULL;
	size_t off = 0;

	if (fstat (fd, &st) < 0)
		return hull_error_make (err, errno, "%s: fstat", what);
	/* Cap before allocating (STYLE.md); the read loop also stops at the cap. */
	if (!S_ISREG (st.st_mode) || (uint64_t) st.st_size > max)
		return hull_error_make (err, EFBIG, "%s: not a regular file of at most %zu bytes",
					what, max);
	buf = hull_xmalloc ((size_t) st.st_size + 1);
	while (off <= (size_t) st.st_size) {
		ssize_t n = read (fd, buf + off, (size_t) st.st_size + 1 - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hull_error_make (err, errno, "%s: read", what);
		if (n == 0)
			break;
		off += (size_t) n;
	}
	if (off != (size_t) st.st_size)
		return hull_error_make (err, 0, "%s: changed while being read", what);
	buf[off] = '\0';
	*len = off;
	*out = TAKE_PTR (buf);
	return 0;
}

int
hull_image_store_get (struct hull_image_store *s, const char *digest, size_t max, char **out,
		      size_t *len, hull_error_t *err)
{
	_cleanup_close_ int fd = open_blob_raw (s, digest, err);
	_cleanup_free_ char *buf = NULL;
	uint8_t md[HULL_SHA256_LEN];
	char hex[HULL_SHA256_HEX_LEN + 1];
	size_t n;

	if (fd < 0 || read_all (fd, max, digest, &buf, &n, err) < 0)
		return -EINVAL;
	hull_sha256 (buf, n, md);
	hull_sha256_hex (md, hex);
	if (strcmp (hex, hex_of (digest)) != 0)
		return hull_error_make (err, 0,
					"blob %s is corrupted (its content hashes to sha256:%s)",
					digest, hex);
	*out = TAKE_PTR (buf);
	*len = n;
	return 0;
}

bool
hull_image_store_has (struct hull_image_store *s, const char *digest)
{
	return hull_image_digest_valid (digest) &&
	       faccessat (s->blobs_fd, hex_of (digest), F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

/* ---- index.json ---- */

static int
index_check (json_t *images, hull_error_t *err)
{
	const char *key;
	json_t *v;

	if (!json_is_object (images))
		return hull_error_make (err, 0, "index.json: `images` is not an object");
	json_object_foreach (images, key, v) {
		if (!hull_image_digest_valid (json_string_value (json_object_get (v, "digest"))) ||
		    !json_is_string (json_object_get (v, "mediaType")) ||
		    !json_is_integer (json_object_get (v, "size")))
			return hull_error_make (err, 0, "index.json: entry `%s` is malformed", key);
	}
	return 0;
}

/* The `images` object of index.json (a new reference); empty when there is none. */
static json_t *
index_read (struct hull_image_store *s, hull_error_t *err)
{
	_cleanup_close_ int fd = openat (s->dirfd, "index.json", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_ (json_decrefp) json_t *root = NULL;
	_cleanup_free_ char *buf = NULL;
	json_t *images;
	size_t len;

	if (fd < 0 && errno == ENOENT)
		return json_object ();
	if (fd < 0) {
		hull_error_make (err, errno, "store `%s`: open index.json", s->root);
		return NULL;
	}
	if (read_all (fd, INDEX_MAX, "index.json", &buf, &len, err) < 0)
		return NULL;
	root = hull_json_parse (buf, len, INDEX_MAX, "index.json", err);
	if (root == NULL)
		return NULL;
	images = json_object_get (root, "images");
	if (index_check (images, err) < 0)
		return NULL;
	return json_incref (images);
}

/* Replace index.json atomically: temp file, fsync, rename, fsync the directory. */
static int
index_write (struct hull_image_store *s, json_t *images, hull_error_t *err)
{
	_cleanup_ (json_decrefp) json_t *root =
		json_pack ("{s:i,s:O}", "version", 1, "images", images);
	_cleanup_free_ char *text = json_dumps (root, JSON_SORT_KEYS | JSON_INDENT (2));
	_cleanup_close_ int fd = -EBADF;
	size_t len = strlen (text);

	fd = openat (s->dirfd, "index.json.tmp",
		     O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return hull_error_make (err, errno, "store `%s`: create index.json.tmp", s->root);
	for (size_t off = 0; off < len;) {
		ssize_t w = write (fd, text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return hull_error_make (err, errno, "write index.json.tmp");
		off += (size_t) w;
	}
	if (fsync (fd) < 0 || renameat (s->dirfd, "index.json.tmp", s->dirfd, "index.json") < 0 ||
	    fsync (s->dirfd) < 0)
		return hull_error_make (err, errno, "store `%s`: update index.json", s->root);
	return 0;
}

typedef int (*index_edit_fn) (json_t *images, void *data, hull_error_t *err);

/* Read, edit and write the index under the lock. */
static int
index_update (struct hull_image_store *s, index_edit_fn fn, void *data, hull_error_t *err)
{
	_cleanup_ (json_decrefp) json_t *images = NULL;
	int r = hull_image_store_lock (s, err);

	if (r < 0)
		return r;
	images = index_read (s, err);
	r = images ? fn (images, data, err) : -EINVAL;
	if (r == 0)
		r = index_write (s, images, err);
	hull_image_store_unlock (s);
	return r;
}

struct tag_args {
	const char *ref, *digest, *media_type;
	int64_t size;
};

static int
edit_tag (json_t *images, void *data, hull_error_t *err)
{
	struct tag_args *a = data;

	json_object_set_new (images, a->ref,
			     json_pack ("{s:s,s:s,s:I}", "digest", a->digest, "mediaType",
					a->media_type, "size", (json_int_t) a->size));
	return 0;
}

int
hull_image_store_tag (struct hull_image_store *s, const char *ref, const char *digest,
		      const char *media_type, int64_t size, hull_error_t *err)
{
	struct tag_args a = { ref, digest, media_type, size };

	if (!hull_image_digest_valid (digest))
		return hull_error_make (err, 0, "invalid digest `%s`", digest);
	return index_update (s, edit_tag, &a, err);
}

static int
edit_untag (json_t *images, void *data, hull_error_t *err)
{
	if (json_object_del (images, data) < 0)
		return hull_error_make (err, ENOENT, "image `%s`", (const char *) data);
	return 0;
}

int
hull_image_store_untag (struct hull_image_store *s, const char *ref, hull_error_t *err)
{
	return index_update (s, edit_untag, (void *) ref, err);
}

static void
entry_fill (struct hull_image_entry *e, const char *name, json_t *v)
{
	e->name = hull_xstrdup (name);
	e->digest = hull_xstrdup (json_string_value (json_object_get (v, "digest")));
	e->media_type = hull_xstrdup (json_string_value (json_object_get (v, "mediaType")));
	e->size = json_integer_value (json_object_get (v, "size"));
}

int
hull_image_store_resolve (struct hull_image_store *s, const char *ref, struct hull_image_entry *out,
			  hull_error_t *err)
{
	_cleanup_ (json_decrefp) json_t *images = index_read (s, err);
	json_t *v;

	memset (out, 0, sizeof *out);
	if (images == NULL)
		return -EINVAL;
	v = json_object_get (images, ref);
	if (v == NULL)
		return hull_error_make (err, ENOENT, "image `%s`", ref);
	entry_fill (out, ref, v);
	return 0;
}

int
hull_image_store_list (struct hull_image_store *s, struct hull_image_entry **out, size_t *n,
		       hull_error_t *err)
{
	_cleanup_ (json_decrefp) json_t *images = index_read (s, err);
	const char *key;
	json_t *v;
	size_t i = 0;

	*out = NULL;
	*n = 0;
	if (images == NULL)
		return -EINVAL;
	*out = hull_xcalloc (json_object_size (images) + 1, sizeof **out);
	json_object_foreach (images, key, v)
		entry_fill (&(*out)[i++], key, v);
	*n = i;
	return 0;
}

void
hull_image_entry_clear (struct hull_image_entry *e)
{
	free (e->name);
	free (e->digest);
	free (e->media_type);
	memset (e, 0, sizeof *e);
}

void
hull_image_entries_free (struct hull_image_entry *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		hull_image_entry_clear (&v[i]);
	free (v);
}

/* ---- prune ---- */

HULL_DEFINE_CLEANUP (struct hull_image_manifest, hull_image_manifest_free)

/* Mark digest and everything it reaches. A manifest that cannot be read makes prune
 * fail: deleting blobs on a guess is how images get lost. */
static int
mark (struct hull_image_store *s, json_t *live, const char *digest, const char *media_type,
      int depth, hull_error_t *err)
{
	_cleanup_ (hull_image_manifest_freep) struct hull_image_manifest *m = NULL;
	_cleanup_free_ char *buf = NULL;
	enum hull_image_kind kind = hull_image_media_kind (media_type);
	size_t len;

	json_object_set_new (live, digest, json_true ());
	if ((kind != HULL_IMAGE_KIND_MANIFEST && kind != HULL_IMAGE_KIND_INDEX) ||
	    !hull_image_store_has (s, digest))
		return 0;
	if (depth > 4)
		return hull_error_make (err, 0, "blob %s: indexes nested too deeply", digest);
	if (hull_image_store_get (s, digest, HULL_IMAGE_JSON_MAX, &buf, &len, err) < 0)
		return -EINVAL;
	m = hull_image_manifest_parse (buf, len, media_type, err);
	if (m == NULL)
		return hull_error_wrap (err, "blob %s", digest);
	if (m->kind == HULL_IMAGE_KIND_MANIFEST) {
		json_object_set_new (live, m->config.digest, json_true ());
		for (size_t i = 0; i < m->n_layers; i++)
			json_object_set_new (live, m->layers[i].digest, json_true ());
		return 0;
	}
	for (size_t i = 0; i < m->n_manifests; i++)
		if (mark (s, live, m->manifests[i].digest, m->manifests[i].media_type, depth + 1,
			  err) < 0)
			return -EINVAL;
	return 0;
}

static void
remove_stale_tmp (struct hull_image_store *s)
{
	int fd = openat (s->tmp_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir (fd) : NULL;
	time_t now = time (NULL);
	struct dirent *e;
	struct stat st;

	if (d == NULL) {
		hull_safe_close (fd);
		return;
	}
	while ((e = readdir (d)) != NULL)
		if (e->d_name[0] != '.' &&
		    fstatat (s->tmp_fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    st.st_mtime + TMP_STALE_SECONDS < now)
			unlinkat (s->tmp_fd, e->d_name, 0);
	closedir (d);
}

static int
sweep (struct hull_image_store *s, json_t *live, size_t *removed, hull_error_t *err)
{
	int fd = openat (s->blobs_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir (fd) : NULL;
	struct dirent *e;

	if (d == NULL) {
		hull_safe_close (fd);
		return hull_error_make (err, errno, "store `%s`: open blobs", s->root);
	}
	while ((e = readdir (d)) != NULL) {
		_cleanup_free_ char *digest = hull_xasprintf ("sha256:%s", e->d_name);
		if (e->d_name[0] == '.' || json_object_get (live, digest))
			continue;
		if (unlinkat (s->blobs_fd, e->d_name, 0) == 0)
			(*removed)++;
	}
	closedir (d);
	return 0;
}

int
hull_image_store_prune (struct hull_image_store *s, size_t *removed, hull_error_t *err)
{
	_cleanup_ (json_decrefp) json_t *images = NULL;
	_cleanup_ (json_decrefp) json_t *live = json_object ();
	const char *key;
	json_t *v;
	int r;

	*removed = 0;
	r = hull_image_store_lock (s, err);
	if (r < 0)
		return r;
	images = index_read (s, err);
	r = images ? 0 : -EINVAL;
	json_object_foreach (images, key, v) {
		r = mark (s, live, json_string_value (json_object_get (v, "digest")),
			  json_string_value (json_object_get (v, "mediaType")), 0, err);
		if (r < 0) {
			hull_error_wrap (err, "image `%s`", key);
			break;
		}
	}
	if (r == 0)
		r = sweep (s, live, removed, err);
	if (r == 0)
		remove_stale_tmp (s);
	hull_image_store_unlock (s);
	return r;
}
