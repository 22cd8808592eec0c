/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Import from and export to OCI image layouts (image-spec image-layout.md).
 *
 * A layout is untrusted input: every file is opened through the path resolver
 * (a symlinked blob cannot reach outside the layout), every descriptor is checked
 * by the manifest parser before it is followed, and every blob is copied into the
 * store with its digest and size checked while it streams. Tars (a layout's, or
 * docker-archive) are read with libarchive and never extracted. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/path.h"
#include "common/xalloc.h"
#include "hull/image.h"
#include "image/unpack.h"

#define OCI_LAYOUT_MAX 4096
#define DEPTH_MAX 4 /* index -> index -> manifest is already unusual */
#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define REF_NAME "org.opencontainers.image.ref.name"

HULL_DEFINE_CLEANUP (struct hull_image_manifest, hull_image_manifest_free)

static int
read_layout_file (int dfd, const char *name, size_t max, char **out, size_t *len, hull_error_t *err)
{
	_cleanup_close_ int fd = hull_path_openat_in_root (dfd, name, O_RDONLY, 0, err);
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	size_t off = 0;

	if (fd < 0)
		return fd;
	if (fstat (fd, &st) < 0)
		return hull_error_make (err, errno, "%s: fstat", name);
	if (!S_ISREG (st.st_mode) || (uint64_t) st.st_size > max)
		return hull_error_make (err, EFBIG, "%s: not a regular file of at most %zu bytes",
					name, max);
	buf = hull_xmalloc ((size_t) st.st_size + 1);
	while (off < (size_t) st.st_size) {
		ssize_t n = read (fd, buf + off, (size_t) st.st_size - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return hull_error_make (err, n < 0 ? errno : 0, "%s: read", name);
		off += (size_t) n;
	}
	buf[off] = '\0';
	*len = off;
	*out = TAKE_PTR (buf);
	return 0;
}

static int
check_oci_layout_buf (const char *buf, size_t len, hull_error_t *err)
{
	_cleanup_ (json_decrefp) json_t *root = NULL;
	const char *v;

	root = hull_json_parse (buf, len, OCI_LAYOUT_MAX, "oci-layout", err);
	if (root == NULL)
		return -EINVAL;
	v = json_string_value (json_object_get (root, "imageLayoutVersion"));
	if (v == NULL || strncmp (v, "1.", 2) != 0)
		return hull_error_make (err, 0, "oci-layout: unsupported imageLayoutVersion");
	return 0;
}

static int
check_oci_layout (int dfd, hull_error_t *err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;

	if (read_layout_file (dfd, "oci-layout", OCI_LAYOUT_MAX, &buf, &len, err) < 0)
		return -EINVAL;
	return check_oci_layout_buf (buf, len, err);
}

static int import_desc (struct hull_image_store *s, int dfd, const struct hull_image_desc *d,
			int depth, hull_error_t *err);

/* An archive's blobs are in the store already (under the digest of their content):
 * the descriptor's blob must be there, intact, and of the size it claims. */
static int
check_stored (struct hull_image_store *s, const struct hull_image_desc *d, hull_error_t *err)
{
	_cleanup_close_ int fd = hull_image_store_open_blob (s, d->digest, err);
	struct stat st;

	if (fd < 0)
		return fd;
	if (fstat (fd, &st) < 0)
		return hull_error_make (err, errno, "blob %s: fstat", d->digest);
	if (st.st_size != d->size)
		return hull_error_make (err, 0, "blob %s: %lld bytes, expected %lld", d->digest,
					(long long) st.st_size, (long long) d->size);
	return 0;
}

/* Copy one blob from the layout (dfd; < 0: an archive already in the store) into the
 * store, checked while streaming. */
static int
copy_blob (struct hull_image_store *s, int dfd, const struct hull_image_desc *d, uint64_t max,
	   hull_error_t *err)
{
	_cleanup_free_ char *path = hull_xasprintf ("blobs/sha256/%s", d->digest + 7);
	_cleanup_close_ int fd = -EBADF;

	if (max && (uint64_t) d->size > max)
		return hull_error_make (err, EFBIG, "blob %s: %lld bytes, more than %llu",
					d->digest, (long long) d->size, (unsigned long long) max);
	if (dfd < 0)
		return check_stored (s, d, err);
	fd = hull_path_openat_in_root (dfd, path, O_RDONLY | O_NOFOLLOW, 0, err);
	if (fd < 0)
		return fd;
	return hull_image_store_put_fd (s, fd, d->digest, d->size, max, NULL, err);
}

static int
import_manifest (struct hull_image_store *s, int dfd, const struct hull_image_manifest *m,
		 int depth, hull_error_t *err)
{
	_cleanup_free_ char *cfg = NULL;
	size_t len;

	if (m->kind == HULL_IMAGE_KIND_INDEX) {
		for (size_t i = 0; i < m->n_manifests; i++)
			if (import_desc (s, dfd, &m->manifests[i], depth + 1, err) < 0)
				return -EINVAL;
		return 0;
	}
	if (copy_blob (s, dfd, &m->config, HULL_IMAGE_JSON_MAX, err) < 0 ||
	    hull_image_store_get (s, m->config.digest, HULL_IMAGE_JSON_MAX, &cfg, &len, err) < 0)
		return -EINVAL;
	if (hull_image_config_check (cfg, len, m->n_layers, err) < 0)
		return hull_error_wrap (err, "blob %s", m->config.digest);
	for (size_t i = 0; i < m->n_layers; i++)
		if (copy_blob (s, dfd, &m->layers[i], 0, err) < 0)
			return -EINVAL;
	return 0;
}

static int
import_desc (struct hull_image_store *s, int dfd, const struct hull_image_desc *d, int depth,
	     hull_error_t *err)
{
	_cleanup_ (hull_image_manifest_freep) struct hull_image_manifest *m = NULL;
	_cleanup_free_ char *buf = NULL;
	size_t len;

	if (depth > DEPTH_MAX)
		return hull_error_make (err, 0, "blob %s: indexes nested too deeply", d->digest);
	if (copy_blob (s, dfd, d, HULL_IMAGE_JSON_MAX, err) < 0 ||
	    hull_image_store_get (s, d->digest, HULL_IMAGE_JSON_MAX, &buf, &len, err) < 0)
		return -EINVAL;
	m = hull_image_manifest_parse (buf, len, d->media_type, err);
	if (m == NULL)
		return hull_error_wrap (err, "blob %s", d->digest);
	return import_manifest (s, dfd, m, depth, err);
}

static int
tag_desc (struct hull_image_store *s, const char *name, const struct hull_image_desc *d,
	  hull_error_t *err)
{
	struct hull_image_ref ref;
	_cleanup_free_ char *full = NULL;
	int r;

	if (hull_image_ref_parse (name, HULL_DEFAULT_REGISTRY, &ref, err) < 0)
		return -EINVAL;
	if (ref.digest) {
		hull_image_ref_clear (&ref);
		return hull_error_make (err, 0, "name `%s`: a digest cannot name an import", name);
	}
	full = hull_image_ref_format (&ref);
	hull_image_ref_clear (&ref);
	r = hull_image_store_tag (s, full, d->digest, d->media_type, d->size, err);
	return r;
}

/* Import every image the layout's index.json (buf) lists, and name it. */
static int
import_index (struct hull_image_store *s, int dfd, const char *buf, size_t len, const char *name,
	      hull_error_t *err)
{
	_cleanup_ (hull_image_manifest_freep) struct hull_image_manifest *idx = NULL;

	idx = hull_image_manifest_parse (buf, len, NULL, err);
	if (idx == NULL)
		return hull_error_wrap (err, "index.json");
	if (idx->kind != HULL_IMAGE_KIND_INDEX || idx->n_manifests == 0)
		return hull_error_make (err, 0, "index.json: not an index of at least one image");
	if (name && idx->n_manifests != 1)
		return hull_error_make (err, 0, "index.json: %zu images; --name needs exactly one",
					idx->n_manifests);
	for (size_t i = 0; i < idx->n_manifests; i++)
		if (!name && !idx->manifests[i].ref_name)
			return hull_error_make (err, 0,
						"index.json: manifests[%zu] has no %s "
						"annotation; name the image with --name",
						i, REF_NAME);
	for (size_t i = 0; i < idx->n_manifests; i++) {
		const struct hull_image_desc *d = &idx->manifests[i];
		if (import_desc (s, dfd, d, 0, err) < 0 ||
		    tag_desc (s, name ? name : d->ref_name, d, err) < 0)
			return -EINVAL;
	}
	return 0;
}

static int
import_layout (struct hull_image_store *s, int dfd, const char *name, hull_error_t *err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;

	if (check_oci_layout (dfd, err) < 0 ||
	    read_layout_file (dfd, "index.json", HULL_IMAGE_JSON_MAX, &buf, &len, err) < 0)
		return -EINVAL;
	return import_index (s, dfd, buf, len, name, err);
}

/* The layout's index.json is the store blob `digest` (an archive's). */
static int
import_layout_index (struct hull_image_store *s, int dfd, const char *digest, const char *name,
		     hull_error_t *err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;

	if (hull_image_store_get (s, digest, HULL_IMAGE_JSON_MAX, &buf, &len, err) < 0)
		return hull_error_wrap (err, "index.json");
	return import_index (s, dfd, buf, len, name, err);
}

int
hull_image_import_oci_dir (struct hull_image_store *s, const char *dir, const char *name,
			   hull_error_t *err)
{
	_cleanup_close_ int dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (dfd < 0)
		return hull_error_make (err, errno, "open `%s`", dir);
	/* Held throughout so that a concurrent prune cannot remove blobs written here
	 * before the name that keeps them is in the index. */
	r = hull_image_store_lock (s, err);
	if (r < 0)
		return r;
	r = import_layout (s, dfd, name, err);
	hull_image_store_unlock (s);
	if (r < 0)
		return hull_error_wrap (err, "import `%s`", dir);
	return 0;
}

/* ---- export ---- */

static int
copy_fd (int in, int out, hull_error_t *err)
{
	char buf[65536];

	for (;;) {
		ssize_t n = read (in, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hull_error_make (err, errno, "read");
		if (n == 0)
			return 0;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write (out, buf + off, (size_t) (n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return hull_error_make (err, errno, "write");
			off += w;
		}
	}
}

static int
export_blob (struct hull_image_store *s, int bfd, const char *digest, hull_error_t *err)
{
	_cleanup_close_ int in = hull_image_store_open_blob (s, digest, err);
	_cleanup_close_ int out = -EBADF;

	if (in < 0)
		return in;
	out = openat (bfd, digest + 7, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (out < 0 && errno == EEXIST)
		return 0; /* shared by two platforms */
	if (out < 0)
		return hull_error_make (err, errno, "export blob %s", digest);
	if (copy_fd (in, out, err) < 0 || fsync (out) < 0)
		return hull_error_wrap (err, "export blob %s", digest);
	return 0;
}

static int
export_tree (struct hull_image_store *s, int bfd, const char *digest, const char *media_type,
	     int depth, hull_error_t *err)
{
	_cleanup_ (hull_image_manifest_freep) struct hull_image_manifest *m = NULL;
	_cleanup_free_ char *buf = NULL;
	size_t len;

	if (depth > DEPTH_MAX)
		return hull_error_make (err, 0, "blob %s: indexes nested too deeply", digest);
	if (export_blob (s, bfd, digest, err) < 0 ||
	    hull_image_store_get (s, digest, HULL_IMAGE_JSON_MAX, &buf, &len, err) < 0)
		return -EINVAL;
	m = hull_image_manifest_parse (buf, len, media_type, err);
	if (m == NULL)
		return hull_error_wrap (err, "blob %s", digest);
	if (m->kind == HULL_IMAGE_KIND_INDEX) {
		for (size_t i = 0; i < m->n_manifests; i++)
			if (export_tree (s, bfd, m->manifests[i].digest, m->manifests[i].media_type,
					 depth + 1, err) < 0)
				return -EINVAL;
		return 0;
	}
	if (export_blob (s, bfd, m->config.digest, err) < 0)
		return -EINVAL;
	for (size_t i = 0; i < m->n_layers; i++)
		if (export_blob (s, bfd, m->layers[i].digest, err) < 0)
			return -EINVAL;
	return 0;
}

static int
write_json_file (int dfd, const char *name, json_t *v, hull_error_t *err)
{
	_cleanup_free_ char *text = json_dumps (v, JSON_SORT_KEYS | JSON_INDENT (2));
	_cleanup_close_ int fd =
		openat (dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	size_t len = strlen (text), off = 0;

	if (fd < 0)
		return hull_error_make (err, errno, "create `%s`", name);
	while (off < len) {
		ssize_t w = write (fd, text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return hull_error_make (err, errno, "write `%s`", name);
		off += (size_t) w;
	}
	return fsync (fd) < 0 ? hull_error_make (err, errno, "fsync `%s`", name) : 0;
}

static int
open_export_dir (const char *dir, int *bfd, hull_error_t *err)
{
	_cleanup_close_ int dfd = -EBADF, blobs = -EBADF;

	if (mkdir (dir, 0755) < 0 && errno != EEXIST)
		return hull_error_make (err, errno, "mkdir `%s`", dir);
	dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return hull_error_make (err, errno, "open `%s`", dir);
	/* Refuse a non-empty target: mkdirat fails on an existing blobs/ and the layout
	 * files are created O_EXCL, so nothing of someone else's is overwritten. */
	if (mkdirat (dfd, "blobs", 0755) < 0 ||
	    (blobs = openat (dfd, "blobs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    mkdirat (blobs, "sha256", 0755) < 0 ||
	    (*bfd = openat (blobs, "sha256", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return hull_error_make (err, errno, "export `%s`: create blobs/sha256", dir);
	return TAKE_FD (dfd);
}

int
hull_image_export_oci_dir (struct hull_image_store *s, const char *ref, const char *dir,
			   hull_error_t *err)
{
	struct hull_image_entry e;
	_cleanup_close_ int dfd = -EBADF, bfd = -EBADF;
	_cleanup_ (json_decrefp) json_t *layout = NULL, *index = NULL;
	int r;

	if (hull_image_store_resolve (s, ref, &e, err) < 0)
		return -EINVAL;
	dfd = open_export_dir (dir, &bfd, err);
	r = dfd < 0 ? dfd : export_tree (s, bfd, e.digest, e.media_type, 0, err);
	if (r == 0) {
		layout = json_pack ("{s:s}", "imageLayoutVersion", "1.0.0");
		index = json_pack ("{s:i,s:s,s:[{s:s,s:s,s:I,s:{s:s}}]}", "schemaVersion", 2,
				   "mediaType", MT_OCI_INDEX, "manifests", "mediaType",
				   e.media_type, "digest", e.digest, "size", (json_int_t) e.size,
				   "annotations", REF_NAME, e.name);
		r = write_json_file (dfd, "oci-layout", layout, err);
		if (r == 0)
			r = write_json_file (dfd, "index.json", index, err);
	}
	hull_image_entry_clear (&e);
	if (r < 0)
		return hull_error_wrap (err, "export `%s`", ref);
	return 0;
}

/* ---- archives: an OCI layout's tar, and docker-archive (`docker save`) ----
 *
 * The archive is read once, front to back, by libarchive; every regular file goes
 * straight into the store under the digest computed while it streams, and only a
 * map of entry name -> digest stays in memory. Nothing is extracted to disk, so
 * entry names (absolute, `..`, links) are only keys here and cannot reach a path. */

#define ENTRIES_MAX 100000
#define ENTRY_NAME_MAX 4096
#define DOCKER_IMAGES_MAX 64
#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"

HULL_DEFINE_CLEANUP (struct archive, archive_read_free)

/* "./a/b" -> "a/b"; `..` and `.` components resolved lexically (docker-archive links
 * duplicate layers as "../<id>/layer.tar"). */
static char *
clean_name (const char *dir, const char *name)
{
	_cleanup_free_ char *joined =
		dir ? hull_xasprintf ("%s/%s", dir, name) : hull_xstrdup (name);
	char *out = hull_xzalloc (strlen (joined) + 1), *save = NULL;
	size_t len = 0;

	for (char *c = strtok_r (joined, "/", &save); c; c = strtok_r (NULL, "/", &save)) {
		if (strcmp (c, ".") == 0)
			continue;
		if (strcmp (c, "..") == 0) {
			char *slash = len ? memrchr (out, '/', len) : NULL;
			len = slash ? (size_t) (slash - out) : 0;
			out[len] = '\0';
			continue;
		}
		if (len)
			out[len++] = '/';
		memcpy (out + len, c, strlen (c) + 1);
		len += strlen (c);
	}
	return out;
}

static const char *
layer_media_type (const unsigned char *m, size_t n)
{
	if (n >= 2 && m[0] == 0x1f && m[1] == 0x8b)
		return "application/vnd.oci.image.layer.v1.tar+gzip";
	if (n >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
		return "application/vnd.oci.image.layer.v1.tar+zstd";
	return "application/vnd.oci.image.layer.v1.tar";
}

/* Stream the current entry into the store; records {digest, size, mediaType}. */
static int
store_entry (struct hull_image_store *s, struct archive *a, const char *name, json_t *files,
	     hull_error_t *err)
{
	struct hull_image_blob_writer *w = hull_image_store_begin (s, 0, err);
	_cleanup_free_ unsigned char *buf = hull_xmalloc (65536);
	unsigned char magic[4];
	char digest[HULL_IMAGE_DIGEST_MAX];
	size_t nmagic = 0;
	int64_t total = 0;

	if (w == NULL)
		return -EINVAL;
	for (;;) {
		la_ssize_t n = archive_read_data (a, buf, 65536);
		if (n < 0) {
			hull_image_store_abort (w);
			return hull_error_make (err, 0, "`%s`: %s", name, archive_error_string (a));
		}
		if (n == 0)
			break;
		for (; nmagic < sizeof magic && nmagic < (size_t) total + (size_t) n; nmagic++)
			magic[nmagic] = buf[nmagic - (size_t) total];
		total += n;
		if (hull_image_store_write (w, buf, (size_t) n, err) < 0) {
			hull_image_store_abort (w);
			return hull_error_wrap (err, "`%s`", name);
		}
	}
	if (hull_image_store_commit (w, NULL, total, digest, err) < 0)
		return hull_error_wrap (err, "`%s`", name);
	json_object_set_new (files, name,
			     json_pack ("{s:s,s:I,s:s}", "digest", digest, "size",
					(json_int_t) total, "mediaType",
					layer_media_type (magic, nmagic)));
	return 0;
}

static int
read_archive (struct hull_image_store *s, const char *path, json_t *files, json_t *links,
	      hull_error_t *err)
{
	_cleanup_ (archive_read_freep) struct archive *a = archive_read_new ();
	struct archive_entry *e;
	size_t count = 0;
	int r;

	if (archive_read_support_format_tar (a) != ARCHIVE_OK ||
	    archive_read_support_filter_gzip (a) != ARCHIVE_OK ||
	    archive_read_open_filename (a, path, 65536) != ARCHIVE_OK)
		return hull_error_make (err, 0, "open `%s`: %s", path, archive_error_string (a));
	while ((r = archive_read_next_header (a, &e)) == ARCHIVE_OK) {
		const char *raw = archive_entry_pathname (e);
		_cleanup_free_ char *name = NULL, *dir = NULL;

		if (++count > ENTRIES_MAX || raw == NULL || strlen (raw) > ENTRY_NAME_MAX)
			return hull_error_make (err, 0, "`%s`: too many entries or a bad name",
						path);
		name = clean_name (NULL, raw);
		if (archive_entry_filetype (e) == AE_IFREG) {
			if (store_entry (s, a, name, files, err) < 0)
				return -EINVAL;
		} else if (archive_entry_filetype (e) == AE_IFLNK && archive_entry_symlink (e)) {
			char *slash = strrchr (name, '/');
			dir = slash ? hull_xstrndup (name, (size_t) (slash - name)) : NULL;
			_cleanup_free_ char *target = clean_name (dir, archive_entry_symlink (e));
			json_object_set_new (links, name, json_string (target));
		}
	}
	if (r != ARCHIVE_EOF)
		return hull_error_make (err, 0, "read `%s`: %s", path, archive_error_string (a));
	return 0;
}

/* The {digest, size, mediaType} of entry `name`, through one symlink at most. */
static json_t *
lookup (json_t *files, json_t *links, const char *name, hull_error_t *err)
{
	_cleanup_free_ char *clean = clean_name (NULL, name);
	json_t *f = json_object_get (files, clean);
	const char *target;

	if (f == NULL && (target = json_string_value (json_object_get (links, clean))))
		f = json_object_get (files, target);
	if (f == NULL)
		hull_error_make (err, ENOENT, "archive has no file `%s`", name);
	return f;
}

static const char *
file_digest (json_t *f)
{
	return json_string_value (json_object_get (f, "digest"));
}

/* An OCI layout's tar: blobs/sha256/<hex> must hash to <hex>; then the layout's
 * index is walked in the store (import_desc with no layout directory). */
static int
import_oci_archive (struct hull_image_store *s, json_t *files, json_t *links, const char *name,
		    hull_error_t *err)
{
	_cleanup_free_ char *buf = NULL;
	const char *key;
	size_t len;
	json_t *f;

	json_object_foreach (files, key, f) {
		if (strncmp (key, "blobs/sha256/", 13) != 0)
			continue;
		if (strcmp (key + 13, file_digest (f) + 7) != 0)
			return hull_error_make (err, 0, "`%s`: content has digest %s", key,
						file_digest (f));
	}
	if ((f = lookup (files, links, "oci-layout", err)) == NULL ||
	    hull_image_store_get (s, file_digest (f), OCI_LAYOUT_MAX, &buf, &len, err) < 0 ||
	    check_oci_layout_buf (buf, len, err) < 0 ||
	    (f = lookup (files, links, "index.json", err)) == NULL)
		return -EINVAL;
	return import_layout_index (s, -EBADF, file_digest (f), name, err);
}

static int
tag_all (struct hull_image_store *s, json_t *tags, const char *name,
	 const struct hull_image_desc *d, hull_error_t *err)
{
	size_t i;
	json_t *t;

	if (name)
		return tag_desc (s, name, d, err);
	if (json_array_size (tags) == 0)
		return hull_error_make (err, 0, "image %s has no RepoTags; name it with --name",
					d->digest);
	json_array_foreach (tags, i, t) {
		if (!json_is_string (t))
			return hull_error_make (err, 0,
						"manifest.json: RepoTags[%zu] is not a string", i);
		if (tag_desc (s, json_string_value (t), d, err) < 0)
			return -EINVAL;
	}
	return 0;
}

/* A docker-archive has no manifest digests: the config's rootfs.diff_ids are what ties
 * each layer file to the image (image-spec config.md "rootfs"), so each layer's
 * uncompressed digest is checked against its diff_id before the image gets a name. A
 * plain tar's diff_id is its blob digest; a compressed one is decompressed under the
 * unpacker's size and ratio limits. */
static int
check_layer_diff_id (struct hull_image_store *s, json_t *f, json_t *ids, size_t i,
		     const char *lname, hull_error_t *err)
{
	const char *digest = file_digest (f);
	const char *mt = json_string_value (json_object_get (f, "mediaType"));
	const char *want = json_string_value (json_array_get (ids, i));
	char hex[HULL_SHA256_HEX_LEN + 1];
	_cleanup_close_ int fd = -EBADF;

	if (strcmp (mt, "application/vnd.oci.image.layer.v1.tar") == 0) {
		snprintf (hex, sizeof hex, "%s", digest + 7);
	} else {
		fd = hull_image_store_open_blob (s, digest, err);
		if (fd < 0 || hull_image_layer_diff_id (fd, NULL, hex, err) < 0)
			return hull_error_wrap (err, "manifest.json: Layers[%zu] `%s`", i, lname);
	}
	if (want == NULL || strcmp (hex, want + 7) != 0)
		return hull_error_make (
			err, EBADMSG,
			"manifest.json: Layers[%zu] `%s`: uncompressed content "
			"has digest sha256:%s, but the config's rootfs.diff_ids[%zu] "
			"is %s",
			i, lname, hex, i, want ? want : "missing");
	return 0;
}

/* The config's rootfs.diff_ids (checked by hull_image_config_check). */
static json_t *
config_diff_ids (const char *cfg, size_t len, hull_error_t *err)
{
	_cleanup_ (json_decrefp) json_t *root =
		hull_json_parse (cfg, len, HULL_IMAGE_JSON_MAX, "config", err);

	if (root == NULL)
		return NULL;
	return json_incref (json_object_get (json_object_get (root, "rootfs"), "diff_ids"));
}

/* The OCI manifest for one docker-archive image: config and layers as stored. */
static json_t *
docker_manifest (struct hull_image_store *s, json_t *files, json_t *links, json_t *img,
		 hull_error_t *err)
{
	_cleanup_ (json_decrefp) json_t *layers = json_array (), *ids = NULL;
	_cleanup_free_ char *cfg = NULL;
	json_t *list = json_object_get (img, "Layers"), *c, *v;
	const char *cname = json_string_value (json_object_get (img, "Config"));
	size_t i, len;

	if (cname == NULL || !json_is_array (list) || json_array_size (list) > 1024) {
		hull_error_make (err, 0, "manifest.json: an entry needs Config and Layers");
		return NULL;
	}
	if ((c = lookup (files, links, cname, err)) == NULL ||
	    hull_image_store_get (s, file_digest (c), HULL_IMAGE_JSON_MAX, &cfg, &len, err) < 0 ||
	    hull_image_config_check (cfg, len, json_array_size (list), err) < 0 ||
	    (ids = config_diff_ids (cfg, len, err)) == NULL)
		return NULL;
	json_array_foreach (list, i, v) {
		json_t *f = json_is_string (v) ? lookup (files, links, json_string_value (v), err)
					       : NULL;
		if (f == NULL) {
			hull_error_make (err, 0, "manifest.json: Layers[%zu] not found", i);
			return NULL;
		}
		if (check_layer_diff_id (s, f, ids, i, json_string_value (v), err) < 0)
			return NULL;
		json_array_append_new (layers, json_pack ("{s:O,s:O,s:O}", "mediaType",
							  json_object_get (f, "mediaType"),
							  "digest", json_object_get (f, "digest"),
							  "size", json_object_get (f, "size")));
	}
	return json_pack ("{s:i,s:s,s:{s:s,s:O,s:O},s:O}", "schemaVersion", 2, "mediaType",
			  MT_OCI_MANIFEST, "config", "mediaType", MT_OCI_CONFIG, "digest",
			  json_object_get (c, "digest"), "size", json_object_get (c, "size"),
			  "layers", layers);
}

static int
import_docker_image (struct hull_image_store *s, json_t *files, json_t *links, json_t *img,
		     const char *name, hull_error_t *err)
{
	_cleanup_ (json_decrefp) json_t *m = docker_manifest (s, files, links, img, err);
	_cleanup_free_ char *text = NULL;
	char digest[HULL_IMAGE_DIGEST_MAX];
	struct hull_image_desc d = { 0 };

	if (m == NULL)
		return -EINVAL;
	text = json_dumps (m, JSON_COMPACT);
	if (hull_image_store_put_buf (s, text, strlen (text), NULL, digest, err) < 0)
		return -EINVAL;
	d.media_type = (char *) MT_OCI_MANIFEST;
	d.digest = digest;
	d.size = (int64_t) strlen (text);
	return tag_all (s, json_object_get (img, "RepoTags"), name, &d, err);
}

static int
import_docker_archive (struct hull_image_store *s, json_t *files, json_t *links, const char *name,
		       hull_error_t *err)
{
	_cleanup_ (json_decrefp) json_t *root = NULL;
	_cleanup_free_ char *buf = NULL;
	json_t *f = lookup (files, links, "manifest.json", err), *img;
	size_t i, len;

	if (f == NULL ||
	    hull_image_store_get (s, file_digest (f), HULL_IMAGE_JSON_MAX, &buf, &len, err) < 0 ||
	    (root = hull_json_parse (buf, len, HULL_IMAGE_JSON_MAX, "manifest.json", err)) == NULL)
		return -EINVAL;
	if (!json_is_array (root) || json_array_size (root) == 0 ||
	    json_array_size (root) > DOCKER_IMAGES_MAX)
		return hull_error_make (err, 0, "manifest.json: expected 1 to %d images",
					DOCKER_IMAGES_MAX);
	if (name && json_array_size (root) != 1)
		return hull_error_make (err, 0,
					"manifest.json: %zu images; --name needs exactly one",
					json_array_size (root));
	json_array_foreach (root, i, img) {
		if (!json_is_object (img) ||
		    import_docker_image (s, files, links, img, name, err) < 0)
			return hull_error_wrap (err, "manifest.json: image %zu", i);
	}
	return 0;
}

int
hull_image_import_archive (struct hull_image_store *s, const char *path, const char *name,
			   hull_error_t *err)
{
	_cleanup_ (json_decrefp) json_t *files = json_object (), *links = json_object ();
	int r = hull_image_store_lock (s, err);

	if (r < 0)
		return r;
	r = read_archive (s, path, files, links, err);
	if (r == 0 && json_object_get (files, "oci-layout"))
		r = import_oci_archive (s, files, links, name, err);
	else if (r == 0 && json_object_get (files, "manifest.json"))
		r = import_docker_archive (s, files, links, name, err);
	else if (r == 0)
		r = hull_error_make (err, 0,
				     "neither an OCI layout (oci-layout) nor a "
				     "docker-archive (manifest.json)");
	hull_image_store_unlock (s);
	if (r < 0)
		return hull_error_wrap (err, "import `%s`", path);
	return 0;
}
