/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The rootfs cache and container layers behind `hull run IMAGE` (docs/run-image.md).
 *
 * STORE/rootfs/KEY      an image's layers applied in order, owned by the mapped ids;
 *                       KEY is the chain id (image-spec config.md "Layer ChainID") and a
 *                       hash of the id maps. Never written once in place.
 * STORE/containers/ID   one container: config.json, `image-rootfs` (the KEY it uses),
 *                       and for a writable container upper/, work/, merged/ (overlayfs).
 *
 * Everything that adds or removes under rootfs/ and containers/ holds the store lock, so
 * prune never removes a rootfs between its lookup and the container recording its use. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <linux/capability.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dirent.h>
#include <jansson.h>

#include "common/cleanup.h"
#include "common/file.h"
#include "common/json.h"
#include "common/path.h"
#include "common/sha256.h"
#include "common/xalloc.h"
#include "hull/image.h"
#include "hull/runtime.h"
#include "image/unpack.h"

#define MARKER "image-rootfs" /* in a container dir: the cache KEY it uses */
#define TMP_PREFIX ".tmp-"

HULL_DEFINE_CLEANUP (struct hull_image_manifest, hull_image_manifest_free)
HULL_DEFINE_CLEANUP (hull_sha256_t, hull_sha256_free)

void
hull_image_resolved_clear (struct hull_image_resolved *r)
{
	free (r->name);
	free (r->manifest_digest);
	free (r->config);
	memset (r, 0, sizeof *r);
}

int
hull_image_chain_id (const char *const *diff_ids, size_t n, char out[HULL_IMAGE_DIGEST_MAX],
		     hull_error_t *err)
{
	uint8_t sum[HULL_SHA256_LEN];
	char hex[HULL_SHA256_HEX_LEN + 1];

	if (n == 0)
		return hull_error_make (err, EINVAL, "rootfs.diff_ids: no layers");
	for (size_t i = 0; i < n; i++)
		if (!hull_image_digest_valid (diff_ids[i]))
			return hull_error_make (err, EINVAL,
						"rootfs.diff_ids[%zu]: not a sha256 digest", i);
	snprintf (out, HULL_IMAGE_DIGEST_MAX, "%s", diff_ids[0]);
	for (size_t i = 1; i < n; i++) {
		_cleanup_free_ char *text = hull_xasprintf ("%s %s", out, diff_ids[i]);
		hull_sha256 (text, strlen (text), sum);
		hull_sha256_hex (sum, hex);
		snprintf (out, HULL_IMAGE_DIGEST_MAX, "sha256:%s", hex);
	}
	return 0;
}

/* The chain id of a config's rootfs.diff_ids (hull_image_config_check ran first). */
static int
config_chain_id (const char *config, size_t len, char out[HULL_IMAGE_DIGEST_MAX], hull_error_t *err)
{
	_cleanup_ (json_decrefp) json_t *root = NULL;
	_cleanup_free_ const char **v = NULL;
	json_t *ids, *x;
	size_t i;

	root = hull_json_parse (config, len, HULL_IMAGE_JSON_MAX, "image config", err);
	if (root == NULL)
		return hull_error_ret (err);
	ids = json_object_get (json_object_get (root, "rootfs"), "diff_ids");
	if (!json_is_array (ids))
		return hull_error_make (err, EINVAL, "image config: rootfs.diff_ids: not an array");
	v = hull_xreallocarray (NULL, json_array_size (ids) + 1, sizeof *v);
	json_array_foreach (ids, i, x) {
		v[i] = json_string_value (x);
		if (v[i] == NULL)
			return hull_error_make (err, EINVAL, "rootfs.diff_ids[%zu]: not a string",
						i);
	}
	return hull_image_chain_id (v, json_array_size (ids), out, err);
}

/* The host platform's manifest under the descriptor `d`, following one index. */
static struct hull_image_manifest *
load_manifest (struct hull_image_store *s, const char *digest, const char *media_type,
	       char **manifest_digest, hull_error_t *err)
{
	_cleanup_ (hull_image_manifest_freep) struct hull_image_manifest *m = NULL;
	_cleanup_free_ char *raw = NULL;
	size_t len;

	if (hull_image_store_get (s, digest, HULL_IMAGE_JSON_MAX, &raw, &len, err) < 0)
		return NULL;
	m = hull_image_manifest_parse (raw, len, media_type, err);
	if (m == NULL)
		return hull_error_wrap (err, "blob %s", digest), NULL;
	if (m->kind == HULL_IMAGE_KIND_INDEX) {
		struct hull_image_platform want;
		const struct hull_image_desc *d;
		struct hull_image_manifest *child;

		if (*manifest_digest != NULL)
			return hull_error_make (err, EINVAL, "blob %s: nested index", digest), NULL;
		hull_image_platform_host (&want);
		d = hull_image_index_select (m, &want, err);
		hull_image_platform_clear (&want);
		if (d == NULL)
			return NULL;
		*manifest_digest = hull_xstrdup (d->digest);
		child = load_manifest (s, d->digest, d->media_type, manifest_digest, err);
		return child;
	}
	if (*manifest_digest == NULL)
		*manifest_digest = hull_xstrdup (digest);
	return TAKE_PTR (m);
}

/* The index entry `arg` names: by tag, or by digest among its repository's names. */
static int
lookup (struct hull_image_store *s, const char *arg, struct hull_image_entry *out,
	hull_error_t *err)
{
	struct hull_image_ref ref;
	_cleanup_free_ char *name = NULL;
	struct hull_image_entry *v = NULL;
	size_t n = 0, nl;
	int r = -ENOENT;

	if (hull_image_ref_parse (arg, HULL_DEFAULT_REGISTRY, &ref, err) < 0)
		return hull_error_ret (err);
	name = hull_image_ref_name (&ref);
	if (ref.tag) {
		_cleanup_free_ char *key = hull_xasprintf ("%s:%s", name, ref.tag);
		r = hull_image_store_resolve (s, key, out, err);
		if (r == 0 && ref.digest && strcmp (ref.digest, out->digest) != 0) {
			hull_image_entry_clear (out);
			r = hull_error_make (err, ENOENT, "image `%s`: `%s` names %s", arg, key,
					     ref.digest);
		}
		hull_image_ref_clear (&ref);
		return r < 0 ? hull_error_make (err, ENOENT, "image `%s`: not in the store", arg)
			     : 0;
	}
	nl = strlen (name);
	if (hull_image_store_list (s, &v, &n, err) == 0)
		for (size_t i = 0; i < n && r < 0; i++)
			if (strncmp (v[i].name, name, nl) == 0 && v[i].name[nl] == ':' &&
			    strcmp (v[i].digest, ref.digest) == 0) {
				*out = v[i];
				memset (&v[i], 0, sizeof v[i]);
				r = 0;
			}
	if (r < 0)
		r = hull_error_make (err, ENOENT, "image `%s`: not in the store", arg);
	hull_image_entries_free (v, n);
	hull_image_ref_clear (&ref);
	return r;
}

int
hull_image_resolve (struct hull_image_store *s, const char *ref, struct hull_image_resolved *out,
		    hull_error_t *err)
{
	_cleanup_ (hull_image_manifest_freep) struct hull_image_manifest *m = NULL;
	struct hull_image_entry e = { 0 };

	memset (out, 0, sizeof *out);
	if (lookup (s, ref, &e, err) < 0)
		return hull_error_ret (err);
	out->name = TAKE_PTR (e.name);
	m = load_manifest (s, e.digest, e.media_type, &out->manifest_digest, err);
	hull_image_entry_clear (&e);
	if (m == NULL ||
	    hull_image_store_get (s, m->config.digest, HULL_IMAGE_JSON_MAX, &out->config,
				  &out->config_len, err) < 0 ||
	    hull_image_config_check (out->config, out->config_len, m->n_layers, err) < 0 ||
	    config_chain_id (out->config, out->config_len, out->chain_id, err) < 0) {
		hull_image_resolved_clear (out);
		return hull_error_wrap (err, "image `%s`", ref);
	}
	return 0;
}

char *
hull_image_rootfs_key (const char *chain_id, const struct hull_oci_idmap *uid_map, size_t n_uid,
		       const struct hull_oci_idmap *gid_map, size_t n_gid)
{
	_cleanup_ (hull_sha256_freep) hull_sha256_t *h = NULL;
	uint8_t sum[HULL_SHA256_LEN];
	char hex[HULL_SHA256_HEX_LEN + 1];
	const char *chain_hex = strchr (chain_id, ':') ? strchr (chain_id, ':') + 1 : chain_id;

	if (n_uid == 0 && n_gid == 0)
		return hull_xstrdup (chain_hex);
	h = hull_sha256_new ();
	for (size_t k = 0; k < 2; k++) {
		const struct hull_oci_idmap *m = k == 0 ? uid_map : gid_map;
		for (size_t i = 0; i < (k == 0 ? n_uid : n_gid); i++) {
			char line[64];
			int len = snprintf (line, sizeof line, "%c %u %u %u\n", k ? 'g' : 'u',
					    m[i].container_id, m[i].host_id, m[i].size);
			hull_sha256_update (h, line, (size_t) len);
		}
	}
	hull_sha256_final (h, sum);
	hull_sha256_hex (sum, hex);
	return hull_xasprintf ("%s-%.16s", chain_hex, hex);
}

/* Open (creating 0711: others may pass through to a rootfs, never list) STORE/name. */
static int
open_dir (const char *store_root, const char *name, hull_error_t *err)
{
	_cleanup_close_ int top = -EBADF;
	int fd;

	top = open (store_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (top < 0)
		return hull_error_make (err, errno, "store `%s`", store_root);
	/* The container's processes run as the mapped ids, which are not root on the host:
	 * they must be able to traverse the store to reach their rootfs. Search permission
	 * only; blobs/ and tmp/ stay 0700. */
	if (fchmod (top, 0711) < 0)
		return hull_error_make (err, errno, "store `%s`: chmod", store_root);
	if (mkdirat (top, name, 0711) < 0 && errno != EEXIST)
		return hull_error_make (err, errno, "store `%s`: mkdir `%s`", store_root, name);
	fd = openat (top, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return hull_error_make (err, errno, "store `%s`: open `%s`", store_root, name);
	return fd;
}

static size_t
to_unpack_map (const struct hull_oci_idmap *m, size_t n, struct hull_unpack_idmap **out)
{
	*out = n ? hull_xreallocarray (NULL, n, sizeof **out) : NULL;
	for (size_t i = 0; i < n; i++)
		(*out)[i] =
			(struct hull_unpack_idmap){ m[i].container_id, m[i].host_id, m[i].size };
	return n;
}

/* The host id container id 0 maps to (0 without a map, -1 when 0 is unmapped). */
static int64_t
map_root (const struct hull_oci_idmap *m, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (m[i].container_id == 0 && m[i].size > 0)
			return m[i].host_id;
	return -1;
}

static void
random_name (char *buf, size_t len, const char *prefix)
{
	uint8_t r[8] = { 0 };

	if (getrandom (r, sizeof r, 0) != (ssize_t) sizeof r)
		memset (r, (int) getpid (), sizeof r);
	snprintf (buf, len, "%s%02x%02x%02x%02x%02x%02x%02x%02x", prefix, r[0], r[1], r[2], r[3],
		  r[4], r[5], r[6], r[7]);
}

/* The mount points of `hull spec`'s default mounts, made now so that the runtime never
 * has to create anything in a shared, read-only cache. Existing entries (even
 * symlinks) are left to the runtime's own checks. */
static int
add_mountpoints (int rootfd, int64_t ru, int64_t rg, hull_error_t *err)
{
	static const char *const dirs[] = { "proc", "dev", "sys", "tmp", "run" };

	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		if (mkdirat (rootfd, dirs[i], 0755) < 0) {
			if (errno == EEXIST)
				continue;
			return hull_error_make (err, errno, "rootfs cache: mkdir `/%s`", dirs[i]);
		}
		if (fchownat (rootfd, dirs[i], (uid_t) ru, (gid_t) rg, AT_SYMLINK_NOFOLLOW) < 0)
			return hull_error_make (err, errno, "rootfs cache: chown `/%s`", dirs[i]);
	}
	return 0;
}

/* ---- unpacking in a confined child (docs/unpack.md "Confinement") ---- */

#define UNPACK_CPU_SECONDS 3600u	     /* far above any real image's unpack */
#define UNPACK_TIMEOUT_MS (2u * 3600 * 1000) /* wall clock, then the child is killed */

struct layers {
	struct hull_image_manifest *m;
	json_t *diff_ids; /* the config's rootfs.diff_ids, one per layer */
	int *fds;	  /* each layer blob, digest checked, at offset 0 */
};

static void
layers_clear (struct layers *l)
{
	for (size_t i = 0; l->m && l->fds && i < l->m->n_layers; i++)
		hull_safe_close (l->fds[i]);
	free (l->fds);
	json_decref (l->diff_ids);
	hull_image_manifest_free (l->m);
}

/* The manifest, its config's diff_ids and every layer blob opened: all read and
 * checked here, so that the child gets nothing but open files. */
static int
open_layers (struct hull_image_store *s, const char *digest, struct layers *l, hull_error_t *err)
{
	_cleanup_free_ char *buf = NULL, *cfg = NULL;
	_cleanup_ (json_decrefp) json_t *root = NULL;
	size_t len;

	if (hull_image_store_get (s, digest, HULL_IMAGE_JSON_MAX, &buf, &len, err) < 0)
		return -1;
	if ((l->m = hull_image_manifest_parse (buf, len, NULL, err)) == NULL)
		return hull_error_wrap (err, "manifest %s", digest);
	if (l->m->kind != HULL_IMAGE_KIND_MANIFEST)
		return hull_error_make (err, EINVAL,
					"manifest %s: an index, not an image manifest (select a "
					"platform first)",
					digest);
	if (hull_image_store_get (s, l->m->config.digest, HULL_IMAGE_JSON_MAX, &cfg, &len, err) < 0)
		return hull_error_wrap (err, "manifest %s: config", digest);
	if (hull_image_config_check (cfg, len, l->m->n_layers, err) < 0)
		return hull_error_wrap (err, "config %s", l->m->config.digest);
	if ((root = hull_json_parse (cfg, len, HULL_IMAGE_JSON_MAX, "config", err)) == NULL)
		return -1;
	l->diff_ids = json_incref (json_object_get (json_object_get (root, "rootfs"), "diff_ids"));
	l->fds = hull_xcalloc (l->m->n_layers ? l->m->n_layers : 1, sizeof *l->fds);
	for (size_t i = 0; i < l->m->n_layers; i++)
		l->fds[i] = -EBADF;
	for (size_t i = 0; i < l->m->n_layers; i++) {
		const struct hull_image_desc *d = &l->m->layers[i];

		/* tar, tar+gzip, tar+zstd only (media-types.md); the rest is refused. */
		if (hull_image_media_kind (d->media_type) != HULL_IMAGE_KIND_LAYER)
			return hull_error_make (err, ENOTSUP,
						"layer %s: unsupported media type `%s`", d->digest,
						d->media_type ? d->media_type : "");
		if ((l->fds[i] = hull_image_store_open_blob (s, d->digest, err)) < 0)
			return hull_error_wrap (err, "layer %s", d->digest);
	}
	return 0;
}

struct unpack_call {
	const struct layers *l;
	const struct hull_unpack_opts *o;
	int rootfd;
};

/* In the child: apply each layer, one struct hull_unpack_stats per layer out. */
static int
unpack_child (void *arg, int out_fd, hull_error_t *err)
{
	const struct unpack_call *c = arg;

	for (size_t i = 0; i < c->l->m->n_layers; i++) {
		struct hull_unpack_opts lo = *c->o;
		struct hull_unpack_stats st = { 0 };

		lo.diff_id = json_string_value (json_array_get (c->l->diff_ids, i));
		if (hull_image_unpack_layer (c->rootfd, c->l->fds[i], &lo, &st, err) < 0)
			return hull_error_wrap (err, "layer %s", c->l->m->layers[i].digest);
		if (hull_confine_write (out_fd, &st, sizeof st, err) < 0)
			return -1;
	}
	return 0;
}

/* The child's report, checked: one record per layer, each with its diff_id. */
static int
sum_stats (const struct layers *l, const char *out, size_t len, struct hull_unpack_stats *total,
	   hull_error_t *err)
{
	struct hull_unpack_stats st;

	if (len != l->m->n_layers * sizeof st)
		return hull_error_make (err, EPROTO,
					"unpack: the child reported %zu bytes for %zu layers", len,
					l->m->n_layers);
	memset (total, 0, sizeof *total);
	for (size_t i = 0; i < l->m->n_layers; i++) {
		const char *want = json_string_value (json_array_get (l->diff_ids, i));

		memcpy (&st, out + i * sizeof st, sizeof st);
		st.diff_id[sizeof st.diff_id - 1] = '\0';
		if (strncmp (want, "sha256:", 7) == 0)
			want += 7;
		if (strcmp (st.diff_id, want) != 0)
			return hull_error_make (err, EBADMSG,
						"layer %s: the child reported diff_id %s",
						l->m->layers[i].digest, st.diff_id);
		total->entries += st.entries;
		total->files += st.files;
		total->dirs += st.dirs;
		total->symlinks += st.symlinks;
		total->hardlinks += st.hardlinks;
		total->whiteouts += st.whiteouts;
		total->opaque_dirs += st.opaque_dirs;
		total->skipped_devices += st.skipped_devices;
		total->cleared_setid += st.cleared_setid;
		total->dropped_xattrs += st.dropped_xattrs;
		total->compressed_bytes += st.compressed_bytes;
		total->uncompressed_bytes += st.uncompressed_bytes;
	}
	return 0;
}

/* The hull binary loads libarchive (archive-shim.c) and libcrypto (sha256.c, the
 * diff_id) on first use; the child cannot read the library directories once
 * confined. */
static const char *const unpack_preload[] = { "libarchive.so.13", "libcrypto.so.3" };

void
hull_image_unpack_confine_opts (const struct hull_unpack_opts *o, int rootfd,
				struct hull_confine_opts *c)
{
	memset (c, 0, sizeof *c);
	c->writable = true;
	c->write_fd = rootfd;
	/* Owners (chown), writing into the directories it made read-only and setting
	 * their modes and times (DAC override, fowner), keeping setgid on files whose
	 * group is not its own (fsetid); device nodes and file capabilities only when the
	 * caller allows them. */
	c->keep_caps = (1ULL << CAP_CHOWN) | (1ULL << CAP_DAC_OVERRIDE) | (1ULL << CAP_FOWNER) |
		       (1ULL << CAP_FSETID);
	if (o->allow_devices)
		c->keep_caps |= 1ULL << CAP_MKNOD;
	if (o->allow_xattrs)
		c->keep_caps |= 1ULL << CAP_SETFCAP;
	c->allow_threads = true;
	c->preload = unpack_preload;
	c->n_preload = sizeof unpack_preload / sizeof unpack_preload[0];
	c->max_fsize =
		o->max_total_bytes ? o->max_total_bytes : HULL_UNPACK_DEFAULT_MAX_TOTAL_BYTES;
	c->cpu_seconds = UNPACK_CPU_SECONDS;
	c->timeout_ms = UNPACK_TIMEOUT_MS;
	/* Unprivileged callers where user namespaces are off: the filter and Landlock
	 * still apply, and such a caller has no privilege to shed. */
	c->namespaces_optional = true;
}

int
hull_image_unpack_image_confined (struct hull_image_store *s, const char *manifest_digest,
				  int rootfd, const struct hull_unpack_opts *o,
				  struct hull_unpack_stats *total, hull_error_t *err)
{
	static const struct hull_unpack_opts defaults;
	struct layers l = { 0 };
	struct hull_confine_opts co;
	struct unpack_call c = { .l = &l, .o = o ? o : &defaults, .rootfd = rootfd };
	struct hull_unpack_stats sum;
	_cleanup_free_ char *out = NULL;
	size_t len = 0;
	int r = open_layers (s, manifest_digest, &l, err);

	if (r == 0) {
		hull_image_unpack_confine_opts (c.o, rootfd, &co);
		co.pass_fds = l.fds;
		co.n_pass_fds = l.m->n_layers;
		r = hull_confine_call (&co, unpack_child, &c, &out, &len,
				       l.m->n_layers * sizeof sum + 1, err);
	}
	if (r == 0)
		r = sum_stats (&l, out, len, &sum, err);
	if (r == 0 && total)
		*total = sum;
	layers_clear (&l);
	return r < 0 ? hull_error_ret (err) : 0;
}

/* Unpack img into a new temporary directory of rootfs_dir and rename it to `key`. */
static int
build_rootfs (struct hull_image_store *s, int rootfs_dir, const char *key,
	      const struct hull_image_resolved *img, const struct hull_oci_idmap *uid_map,
	      size_t n_uid, const struct hull_oci_idmap *gid_map, size_t n_gid, hull_error_t *err)
{
	_cleanup_free_ struct hull_unpack_idmap *um = NULL, *gm = NULL;
	struct hull_unpack_opts o = { 0 };
	_cleanup_close_ int fd = -EBADF;
	int64_t ru = map_root (uid_map, n_uid), rg = map_root (gid_map, n_gid);
	char tmp[64];
	hull_error_t ignore = { 0 };

	if (ru < 0 || rg < 0)
		return hull_error_make (err, EINVAL, "id maps: container id 0 is not mapped");
	o.n_uid_map = to_unpack_map (uid_map, n_uid, &um);
	o.n_gid_map = to_unpack_map (gid_map, n_gid, &gm);
	o.uid_map = um;
	o.gid_map = gm;
	random_name (tmp, sizeof tmp, TMP_PREFIX);
	if (mkdirat (rootfs_dir, tmp, 0755) < 0)
		return hull_error_make (err, errno, "rootfs cache: mkdir `%s`", tmp);
	fd = openat (rootfs_dir, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	/* The root directory belongs to the container's root unless a layer says otherwise. */
	if (fd < 0 || fchown (fd, (uid_t) ru, (gid_t) rg) < 0 || fchmod (fd, 0755) < 0) {
		hull_error_make (err, errno, "rootfs cache: prepare `%s`", tmp);
		goto fail;
	}
	if (hull_image_unpack_image_confined (s, img->manifest_digest, fd, &o, NULL, err) < 0) {
		hull_error_wrap (err, "unpack `%s`", img->name);
		goto fail;
	}
	if (add_mountpoints (fd, ru, rg, err) < 0)
		goto fail;
	if (renameat (rootfs_dir, tmp, rootfs_dir, key) < 0) {
		hull_error_make (err, errno, "rootfs cache: rename to `%s`", key);
		goto fail;
	}
	return 0;
fail:
	hull_image_remove_tree (rootfs_dir, tmp, &ignore);
	return hull_error_ret (err);
}

char *
hull_image_rootfs_get (struct hull_image_store *s, const char *store_root,
		       const struct hull_image_resolved *img, const struct hull_oci_idmap *uid_map,
		       size_t n_uid, const struct hull_oci_idmap *gid_map, size_t n_gid,
		       hull_error_t *err)
{
	_cleanup_free_ char *key =
		hull_image_rootfs_key (img->chain_id, uid_map, n_uid, gid_map, n_gid);
	_cleanup_close_ int dir = -EBADF;
	struct stat st;
	int r;

	/* The key names a directory: only ever the hex of a checked digest. */
	if (!hull_image_digest_valid (img->chain_id))
		return hull_error_make (err, EINVAL,
					"rootfs cache: chain id `%s`: not a sha256 digest",
					img->chain_id),
		       NULL;
	if (hull_image_store_lock (s, err) < 0)
		return NULL;
	dir = open_dir (store_root, "rootfs", err);
	if (dir < 0) {
		hull_image_store_unlock (s);
		return NULL;
	}
	if (fstatat (dir, key, &st, AT_SYMLINK_NOFOLLOW) == 0)
		r = S_ISDIR (st.st_mode)
			    ? 0
			    : hull_error_make (err, ENOTDIR, "rootfs cache `%s/rootfs/%s`",
					       store_root, key);
	else if (errno == ENOENT)
		r = build_rootfs (s, dir, key, img, uid_map, n_uid, gid_map, n_gid, err);
	else
		r = hull_error_make (err, errno, "rootfs cache `%s/rootfs/%s`", store_root, key);
	hull_image_store_unlock (s);
	if (r < 0)
		return NULL;
	return hull_xasprintf ("%s/rootfs/%s", store_root, key);
}

/* Whether containers/NAME/image-rootfs records a use of `key`. */
static bool
key_used (int containers, const char *key)
{
	struct dirent *de;
	_cleanup_ (closedirp) DIR *d = NULL;
	int fd = openat (containers, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || (d = fdopendir (fd)) == NULL) {
		if (fd >= 0)
			close (fd);
		return true; /* unknown: keep */
	}
	while ((de = readdir (d)) != NULL) {
		_cleanup_free_ char *path = NULL, *text = NULL;
		size_t len;
		hull_error_t ignore = { 0 };

		if (de->d_name[0] == '.')
			continue;
		path = hull_xasprintf ("%s/" MARKER, de->d_name);
		text = hull_file_read_capped (containers, path, O_NOFOLLOW, 256, &len, &ignore);
		if (text && strcmp (text, key) == 0)
			return true;
	}
	return false;
}

int
hull_image_rootfs_prune (struct hull_image_store *s, const char *store_root, size_t *removed,
			 hull_error_t *err)
{
	_cleanup_close_ int dir = -EBADF, containers = -EBADF;
	_cleanup_ (closedirp) DIR *d = NULL;
	struct dirent *de;
	int r = 0, fd;

	*removed = 0;
	if (hull_image_store_lock (s, err) < 0)
		return hull_error_ret (err);
	if ((dir = open_dir (store_root, "rootfs", err)) < 0 ||
	    (containers = open_dir (store_root, "containers", err)) < 0 ||
	    (fd = openat (dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    (d = fdopendir (fd)) == NULL) {
		hull_image_store_unlock (s);
		return dir < 0 || containers < 0 ? hull_error_ret (err)
						 : hull_error_make (err, errno, "rootfs cache");
	}
	while (r == 0 && (de = readdir (d)) != NULL) {
		bool tmp = strncmp (de->d_name, TMP_PREFIX, strlen (TMP_PREFIX)) == 0;

		if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0 ||
		    (!tmp && key_used (containers, de->d_name)))
			continue;
		r = hull_image_remove_tree (dir, de->d_name, err);
		if (r == 0 && !tmp)
			(*removed)++;
	}
	hull_image_store_unlock (s);
	return r;
}

void
hull_image_container_clear (struct hull_image_container *c)
{
	free (c->dir);
	free (c->rootfs);
	memset (c, 0, sizeof *c);
}

bool
hull_image_container_is (const char *dir)
{
	_cleanup_close_ int dfd = open (dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_close_ int store = -EBADF;
	struct stat st, owner;

	/* Release removes the whole directory: be sure it is ours. A marker file alone
	 * could be planted in any bundle; the directory must also sit in `containers/` of
	 * an image store (blobs/, lock), be root-owned like everything hull makes there,
	 * and hold a regular, root-owned marker. */
	if (dfd < 0 || fstat (dfd, &owner) < 0 || owner.st_uid != geteuid () ||
	    fstatat (dfd, MARKER, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG (st.st_mode) ||
	    st.st_uid != geteuid ())
		return false;
	store = openat (dfd, "../..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return store >= 0 && fstatat (store, "blobs/sha256", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISDIR (st.st_mode) && fstatat (store, "lock", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       fstatat (dfd, "../../containers", &owner, AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISDIR (owner.st_mode);
}

/* Move every entry of directory `sub` out: subdirectories are renamed into `top` under
 * fresh names, everything else is unlinked. */
static int
hoist_children (int top, int sub, unsigned *counter, hull_error_t *err)
{
	_cleanup_ (closedirp) DIR *d = NULL;
	int fd = fcntl (sub, F_DUPFD_CLOEXEC, 3);
	struct dirent *de;

	if (fd < 0 || (d = fdopendir (fd)) == NULL) {
		if (fd >= 0)
			close (fd);
		return hull_error_make (err, errno, "read directory");
	}
	while ((errno = 0, de = readdir (d)) != NULL) {
		char fresh[32];
		int r;

		if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
			continue;
		if (unlinkat (sub, de->d_name, 0) == 0 || errno == ENOENT)
			continue;
		if (errno != EISDIR)
			return hull_error_make (err, errno, "remove `%s`", de->d_name);
		do {
			snprintf (fresh, sizeof fresh, ".rm-%u", (*counter)++);
			r = renameat2 (sub, de->d_name, top, fresh, RENAME_NOREPLACE);
		} while (r < 0 && errno == EEXIST);
		if (r < 0)
			return hull_error_make (err, errno, "move `%s`", de->d_name);
		errno = 0;
	}
	return errno ? hull_error_make (err, errno, "read directory") : 0;
}

/* Remove dirfd/name and everything under it with two directory fds open at a time and
 * no recursion: the tree below a container directory is the container's own (its
 * writable layer), and may be deeper than any fd or stack budget. Nested directories
 * are flattened into the top one and emptied there; nothing is followed. */
static int
remove_flat (int dirfd, const char *name, hull_error_t *err)
{
	_cleanup_close_ int top = -EBADF;
	unsigned counter = 0;
	bool again = true;

	top = openat (dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (top < 0)
		return errno == ENOENT ? 0 : hull_error_make (err, errno, "open `%s`", name);
	while (again) {
		_cleanup_ (closedirp) DIR *d = NULL;
		int fd = fcntl (top, F_DUPFD_CLOEXEC, 3);
		struct dirent *de;

		if (fd < 0 || (d = fdopendir (fd)) == NULL) {
			if (fd >= 0)
				close (fd);
			return hull_error_make (err, errno, "read `%s`", name);
		}
		rewinddir (d); /* the dup shares the offset the last pass left at the end */
		again = false;
		while ((de = readdir (d)) != NULL) {
			_cleanup_close_ int sub = -EBADF;

			if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
				continue;
			again = true;
			if (unlinkat (top, de->d_name, 0) == 0 || errno == ENOENT)
				continue;
			if (errno != EISDIR)
				return hull_error_make (err, errno, "remove `%s`", de->d_name);
			sub = openat (top, de->d_name,
				      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0 || hoist_children (top, sub, &counter, err) < 0)
				return sub < 0 ? hull_error_make (err, errno, "open `%s`",
								  de->d_name)
					       : hull_error_wrap (err, "`%s`", name);
			if (unlinkat (top, de->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT &&
			    errno != ENOTEMPTY)
				return hull_error_make (err, errno, "remove `%s`", de->d_name);
		}
	}
	if (unlinkat (dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return hull_error_make (err, errno, "remove `%s`", name);
	return 0;
}

int
hull_image_container_release (const char *dir, hull_error_t *err)
{
	_cleanup_free_ char *merged = hull_xasprintf ("%s/merged", dir);
	_cleanup_free_ char *parent = hull_xstrdup (dir);
	_cleanup_close_ int pfd = -EBADF;
	char *slash = strrchr (parent, '/');
	struct stat st, mst;

	if (lstat (dir, &st) < 0)
		return errno == ENOENT ? 0 : hull_error_make (err, errno, "`%s`", dir);
	if (slash == NULL || slash == parent || slash[1] == '\0' || !hull_image_container_is (dir))
		return hull_error_make (err, EINVAL, "`%s`: not a container directory", dir);
	/* Only a mounted merged/ (another device than its directory) is unmounted: a copy
	 * or a read-only container has nothing to unmount, and may be unprivileged. */
	if (stat (merged, &mst) == 0 && mst.st_dev != st.st_dev &&
	    umount2 (merged, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL)
		return hull_error_make (err, errno, "unmount `%s`", merged);
	*slash = '\0';
	pfd = open (parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0)
		return hull_error_make (err, errno, "open `%s`", parent);
	if (remove_flat (pfd, slash + 1, err) < 0)
		return hull_error_wrap (err, "remove `%s`", dir);
	return 0;
}

static int
write_marker (int cdir, const char *key, hull_error_t *err)
{
	_cleanup_close_ int fd = -EBADF;
	size_t len = strlen (key);

	fd = openat (cdir, MARKER, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 || write (fd, key, len) != (ssize_t) len)
		return hull_error_make (err, errno ? errno : EIO, "write `%s`", MARKER);
	return 0;
}

static bool force_copy;

void
hull_image_container_force_copy (bool on)
{
	force_copy = on;
}

#define COPY_MAX_DEPTH 256u

static int copy_dir (int src, int dst, unsigned depth, hull_error_t *err);

static int
copy_data (int in, int out, const char *name, hull_error_t *err)
{
	char buf[65536];
	ssize_t n;

	for (;;) {
		n = copy_file_range (in, NULL, out, NULL, 1u << 30, 0);
		if (n == 0)
			return 0;
		if (n < 0)
			break;
	}
	if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
		return hull_error_make (err, errno, "copy `%s`", name);
	while ((n = read (in, buf, sizeof buf)) > 0)
		if (write (out, buf, (size_t) n) != n)
			return hull_error_make (err, errno ? errno : EIO, "copy `%s`", name);
	return n < 0 ? hull_error_make (err, errno, "copy `%s`", name) : 0;
}

/* One entry of a directory: created in dst with the same type, content, owner, mode
 * and mtime. Symlinks are copied as links, never followed; devices and sockets (the
 * unpacker never makes them for the cache) are skipped. */
static int
copy_entry (int src, int dst, const char *name, unsigned depth, hull_error_t *err)
{
	_cleanup_close_ int in = -EBADF, out = -EBADF;
	struct timespec times[2];
	struct stat st;
	char target[PATH_MAX];
	ssize_t n;
	int r = 0;

	if (fstatat (src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return hull_error_make (err, errno, "stat `%s`", name);
	if (S_ISDIR (st.st_mode)) {
		if (mkdirat (dst, name, 0700) < 0 ||
		    (in = openat (src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) <
			    0 ||
		    (out = openat (dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
			return hull_error_make (err, errno, "copy directory `%s`", name);
		r = copy_dir (in, out, depth + 1, err);
	} else if (S_ISREG (st.st_mode)) {
		in = openat (src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		out = openat (dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			      0600);
		if (in < 0 || out < 0)
			return hull_error_make (err, errno, "copy `%s`", name);
		r = copy_data (in, out, name, err);
	} else if (S_ISLNK (st.st_mode)) {
		n = readlinkat (src, name, target, sizeof target - 1);
		if (n < 0 || (target[n] = '\0', symlinkat (target, dst, name)) < 0)
			return hull_error_make (err, errno, "copy symlink `%s`", name);
	} else if (S_ISFIFO (st.st_mode)) {
		if (mknodat (dst, name, S_IFIFO | 0600, 0) < 0)
			return hull_error_make (err, errno, "copy fifo `%s`", name);
	} else
		return 0;
	if (r < 0)
		return r;
	/* Owner first: chown clears setid bits that chmod then restores. */
	if (fchownat (dst, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 ||
	    (!S_ISLNK (st.st_mode) && fchmodat (dst, name, st.st_mode & 07777, 0) < 0))
		return hull_error_make (err, errno, "copy `%s`: owner and mode", name);
	times[0] = st.st_atim;
	times[1] = st.st_mtim;
	utimensat (dst, name, times, AT_SYMLINK_NOFOLLOW);
	return 0;
}

static int
copy_dir (int src, int dst, unsigned depth, hull_error_t *err)
{
	_cleanup_ (closedirp) DIR *d = NULL;
	struct dirent *de;
	int fd;

	if (depth > COPY_MAX_DEPTH)
		return hull_error_make (err, ELOOP, "copy: deeper than %u directories",
					COPY_MAX_DEPTH);
	fd = openat (src, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || (d = fdopendir (fd)) == NULL) {
		if (fd >= 0)
			close (fd);
		return hull_error_make (err, errno, "copy: read directory");
	}
	while ((errno = 0, de = readdir (d)) != NULL) {
		if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
			continue;
		if (copy_entry (src, dst, de->d_name, depth, err) < 0)
			return hull_error_wrap (err, "%s", de->d_name);
	}
	return errno ? hull_error_make (err, errno, "copy: read directory") : 0;
}

/* merged/ becomes a full copy of the cached rootfs (owner and mode of its root too). */
static int
copy_rootfs (const char *lower, int cdir, hull_error_t *err)
{
	_cleanup_close_ int src = -EBADF, dst = -EBADF;
	struct stat st;

	src = open (lower, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	dst = openat (cdir, "merged", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (src < 0 || dst < 0 || fstat (src, &st) < 0)
		return hull_error_make (err, errno, "open `%s`", lower);
	if (copy_dir (src, dst, 0, err) < 0)
		return hull_error_ret (err);
	if (fchown (dst, st.st_uid, st.st_gid) < 0 || fchmod (dst, st.st_mode & 07777) < 0)
		return hull_error_make (err, errno, "copy: owner and mode of `/`");
	return 0;
}

/* Mount the overlay on DIR/merged through the new mount API (the target opened as an
 * O_PATH fd from the container directory, STYLE.md), or mount(2) on kernels without
 * it. Returns 0, or -1 with errno set. */
static int
overlay_mount (int cdir, const char *merged, const char *lower, const char *dir, const char *data)
{
	_cleanup_free_ char *upper = hull_xasprintf ("%s/upper", dir);
	_cleanup_free_ char *work = hull_xasprintf ("%s/work", dir);
	_cleanup_close_ int fs = -EBADF, mnt = -EBADF, target = -EBADF;

	fs = fsopen ("overlay", FSOPEN_CLOEXEC);
	if (fs < 0 && errno == ENOSYS)
		return mount ("overlay", merged, "overlay", MS_NODEV, data);
	target = openat (cdir, "merged", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fs < 0 || target < 0 || fsconfig (fs, FSCONFIG_SET_STRING, "lowerdir", lower, 0) < 0 ||
	    fsconfig (fs, FSCONFIG_SET_STRING, "upperdir", upper, 0) < 0 ||
	    fsconfig (fs, FSCONFIG_SET_STRING, "workdir", work, 0) < 0 ||
	    fsconfig (fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return -1;
	mnt = fsmount (fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NODEV);
	if (mnt < 0)
		return -1;
	return move_mount (mnt, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
}

/* upper/ and work/ owned by the container's root, upper/ with the rootfs root's mode so
 * the merged root looks like the image's; then the overlay on merged/. Paths with ','
 * or ':' would be misread in the mount data: refused. */
static int
mount_overlay (int cdir, const char *dir, const char *lower, int64_t ru, int64_t rg,
	       hull_error_t *err)
{
	_cleanup_free_ char *data = NULL, *merged = NULL;
	_cleanup_close_ int up = -EBADF, wk = -EBADF;
	struct stat st;

	if (strpbrk (dir, ",:\\") || strpbrk (lower, ",:\\"))
		return hull_error_make (err, EINVAL,
					"store path `%s`: ',', ':' or '\\' cannot be passed to "
					"overlayfs",
					dir);
	if (stat (lower, &st) < 0)
		return hull_error_make (err, errno, "rootfs `%s`", lower);
	if (mkdirat (cdir, "upper", 0755) < 0 || mkdirat (cdir, "work", 0700) < 0 ||
	    mkdirat (cdir, "merged", 0755) < 0 ||
	    (up = openat (cdir, "upper", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    (wk = openat (cdir, "work", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    fchown (up, (uid_t) ru, (gid_t) rg) < 0 || fchown (wk, (uid_t) ru, (gid_t) rg) < 0 ||
	    fchmod (up, st.st_mode & 07777) < 0)
		return hull_error_make (err, errno, "container `%s`: writable layer", dir);
	data = hull_xasprintf ("lowerdir=%s,upperdir=%s/upper,workdir=%s/work", lower, dir, dir);
	merged = hull_xasprintf ("%s/merged", dir);
	if (!force_copy && overlay_mount (cdir, merged, lower, dir, data) == 0)
		return 0;
	/* No overlayfs here (ENODEV: not built; EPERM, EINVAL: not allowed on this
	 * filesystem or in this namespace): the container gets a private copy instead. */
	if (!force_copy && errno != ENODEV && errno != EPERM && errno != EINVAL && errno != ENOTSUP)
		return hull_error_make (err, errno, "mount overlayfs on `%s`", merged);
	if (copy_rootfs (lower, cdir, err) < 0)
		return hull_error_wrap (err, "container `%s`: copy of the rootfs", dir);
	return 1;
}

/* Whether the container needs an overlay: it writes, or a mount point is missing. */
static bool
needs_overlay (const char *rootfs, const struct hull_image_container_opts *o)
{
	_cleanup_close_ int rootfd = -EBADF;

	if (o->writable)
		return true;
	rootfd = open (rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	for (size_t i = 0; i < o->n_mountpoints; i++) {
		hull_error_t ignore = { 0 };
		_cleanup_close_ int fd = -EBADF;

		fd = hull_path_openat_in_root (rootfd, o->mountpoints[i], O_PATH, 0, &ignore);
		if (fd < 0)
			return true;
	}
	return false;
}

static int
container_setup (struct hull_image_store *s, const char *store_root, const char *id,
		 const struct hull_image_resolved *img, const struct hull_image_container_opts *o,
		 struct hull_image_container *out, hull_error_t *err)
{
	_cleanup_free_ char *key =
		hull_image_rootfs_key (img->chain_id, o->uid_map, o->n_uid, o->gid_map, o->n_gid);
	_cleanup_close_ int containers = -EBADF, cdir = -EBADF;
	int r;

	containers = open_dir (store_root, "containers", err);
	if (containers < 0)
		return hull_error_ret (err);
	if (faccessat (containers, id, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return hull_error_make (err, EEXIST, "container `%s`: the name is in use", id);
	/* The rootfs first (a first run may unpack for minutes), then the container
	 * directory: a hull killed while unpacking (^C) leaves only a `.tmp-` build, which
	 * prune removes, never a container directory nothing would delete. Both under the
	 * store lock, so prune cannot take the rootfs before the marker names it. */
	out->rootfs = hull_image_rootfs_get (s, store_root, img, o->uid_map, o->n_uid, o->gid_map,
					     o->n_gid, err);
	if (out->rootfs == NULL)
		return hull_error_ret (err);
	if (mkdirat (containers, id, 0711) < 0)
		return hull_error_make (err, errno, "container `%s`%s", id,
					errno == EEXIST ? ": the name is in use" : "");
	out->dir = hull_xasprintf ("%s/containers/%s", store_root, id);
	cdir = openat (containers, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (cdir < 0)
		return hull_error_make (err, errno, "open `%s`", out->dir);
	/* Only root and the container's own root group may traverse: the writable layer
	 * below holds files the container made, setuid ones included, owned by its mapped
	 * ids. Reachable by every local user (0711), one could run such a file, become the
	 * mapped root and rewrite every cached rootfs of that mapping (Docker's userns-remap
	 * uses 0710 root:<remapped gid> for the same reason). */
	if (fchown (cdir, 0, (gid_t) map_root (o->gid_map, o->n_gid)) < 0 ||
	    fchmod (cdir, 0710) < 0)
		return hull_error_make (err, errno, "`%s`: chown/chmod", out->dir);
	if (write_marker (cdir, key, err) < 0)
		return hull_error_ret (err);
	if (!needs_overlay (out->rootfs, o))
		return 0;
	r = mount_overlay (cdir, out->dir, out->rootfs, map_root (o->uid_map, o->n_uid),
			   map_root (o->gid_map, o->n_gid), err);
	if (r < 0)
		return r;
	free (out->rootfs);
	out->rootfs = hull_xasprintf ("%s/merged", out->dir);
	out->mounted = r == 0;
	out->copied = r == 1;
	return 0;
}

int
hull_image_container_create (struct hull_image_store *s, const char *store_root, const char *id,
			     const struct hull_image_resolved *img,
			     const struct hull_image_container_opts *o,
			     struct hull_image_container *out, hull_error_t *err)
{
	hull_error_t ignore = { 0 };
	int r;

	memset (out, 0, sizeof *out);
	if (strchr (id, '/') || id[0] == '.' || id[0] == '\0')
		return hull_error_make (err, EINVAL, "container id `%s`", id);
	if (map_root (o->uid_map, o->n_uid) < 0 || map_root (o->gid_map, o->n_gid) < 0)
		return hull_error_make (err, EINVAL, "id maps: container id 0 is not mapped");
	if (hull_image_store_lock (s, err) < 0)
		return hull_error_ret (err);
	r = container_setup (s, store_root, id, img, o, out, err);
	if (r < 0 && out->dir && hull_image_container_is (out->dir))
		hull_image_container_release (out->dir, &ignore);
	else if (r < 0 && out->dir) {
		/* The marker was not written: remove the bare directory. */
		_cleanup_close_ int c = open_dir (store_root, "containers", &ignore);
		if (c >= 0)
			hull_image_remove_tree (c, id, &ignore);
	}
	hull_image_store_unlock (s);
	if (r < 0)
		hull_image_container_clear (out);
	return r;
}
