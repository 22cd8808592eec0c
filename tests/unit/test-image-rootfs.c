/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The rootfs cache and container layers (src/image/rootfs.c): chain ids against
 * vectors computed independently (Python hashlib), then a real store holding a
 * two-layer image made here with libarchive: resolve, unpack with an id map (owners
 * mapped), reuse, prune, and containers with and without an overlayfs. Ownership and
 * mounts need root; the suite runs as root and skips those parts otherwise. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/sha256.h"
#include "common/xalloc.h"
#include "hull/image.h"
#include "image/unpack.h"

#define A64 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define B64 "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define C64 "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

static void
test_chain_id (void **state)
{
	const char *ids[] = { "sha256:" A64, "sha256:" B64, "sha256:" C64 };
	char out[HULL_IMAGE_DIGEST_MAX];
	hull_error_t err = { 0 };

	assert_int_equal (hull_image_chain_id (ids, 1, out, &err), 0);
	assert_string_equal (out, ids[0]);
	assert_int_equal (hull_image_chain_id (ids, 2, out, &err), 0);
	assert_string_equal (
		out, "sha256:ccd722928bd92476ba1745586fed6e45a102504185ad88cd89e01ff116fd146c");
	assert_int_equal (hull_image_chain_id (ids, 3, out, &err), 0);
	assert_string_equal (
		out, "sha256:c1377126441fb2f5ec2c21ae2a60255331d639e830f0ee1b40a36e52d4c40588");
	assert_true (hull_image_chain_id (ids, 0, out, &err) < 0);
	ids[1] = "sha256:XYZ";
	assert_true (hull_image_chain_id (ids, 2, out, &err) < 0);
	assert_non_null (strstr (err.msg, "diff_ids[1]"));
}

static void
test_rootfs_key (void **state)
{
	struct hull_oci_idmap m1 = { 0, 100000, 65536 }, m2 = { 0, 200000, 65536 };
	_cleanup_free_ char *k0 = hull_image_rootfs_key ("sha256:" A64, NULL, 0, NULL, 0);
	_cleanup_free_ char *k1 = hull_image_rootfs_key ("sha256:" A64, &m1, 1, &m1, 1);
	_cleanup_free_ char *k1b = hull_image_rootfs_key ("sha256:" A64, &m1, 1, &m1, 1);
	_cleanup_free_ char *k2 = hull_image_rootfs_key ("sha256:" A64, &m1, 1, &m2, 1);

	assert_string_equal (k0, A64);
	assert_int_equal (strlen (k1), 64 + 1 + 16);
	assert_memory_equal (k1, A64 "-", 65);
	assert_string_equal (k1, k1b);
	assert_string_not_equal (k1, k2);
}

/* ---- a store with a real image ---- */

struct ent {
	const char *name;
	unsigned type; /* AE_IFREG, AE_IFDIR */
	const char *data;
	int uid;
};

struct fx {
	char dir[128], store[160];
	struct hull_image_store *s;
	char diff[2][HULL_IMAGE_DIGEST_MAX];
};

static struct fx fx;

/* A plain tar of ents; its digest (the diff id) in diff, stored as a blob. */
static void
put_layer (const struct ent *ents, size_t n, char diff[HULL_IMAGE_DIGEST_MAX],
	   char blob[HULL_IMAGE_DIGEST_MAX])
{
	size_t cap = 1 << 20, used = 0;
	_cleanup_free_ char *buf = hull_xzalloc (cap);
	struct archive *a = archive_write_new ();
	hull_error_t err = { 0 };

	assert_int_equal (archive_write_set_format_pax_restricted (a), ARCHIVE_OK);
	assert_int_equal (archive_write_open_memory (a, buf, cap, &used), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *ae = archive_entry_new ();
		size_t size = ents[i].data ? strlen (ents[i].data) : 0;

		archive_entry_set_pathname (ae, ents[i].name);
		archive_entry_set_filetype (ae, ents[i].type);
		archive_entry_set_perm (ae, ents[i].type == AE_IFDIR ? 0755 : 0644);
		archive_entry_set_uid (ae, ents[i].uid);
		archive_entry_set_gid (ae, ents[i].uid);
		if (ents[i].type == AE_IFLNK) {
			archive_entry_set_symlink (ae, ents[i].data);
			size = 0;
		}
		archive_entry_set_size (ae, (la_int64_t) size);
		assert_int_equal (archive_write_header (a, ae), ARCHIVE_OK);
		if (size)
			assert_int_equal (archive_write_data (a, ents[i].data, size),
					  (la_ssize_t) size);
		archive_entry_free (ae);
	}
	assert_int_equal (archive_write_close (a), ARCHIVE_OK);
	archive_write_free (a);
	assert_int_equal (hull_image_store_put_buf (fx.s, buf, used, NULL, diff, &err), 0);
	snprintf (blob, HULL_IMAGE_DIGEST_MAX, "%s", diff); /* uncompressed: blob = diff */
}

static void
put_image (const char *ref)
{
	static const struct ent l1[] = {
		{ "etc", AE_IFDIR, NULL, 0 },
		{ "etc/passwd", AE_IFREG, "root:x:0:0:root:/root:/bin/sh\n", 0 },
		{ "home", AE_IFDIR, NULL, 0 },
		{ "home/user", AE_IFREG, "one\n", 1000 },
	};
	static const struct ent l2[] = {
		{ "home/user", AE_IFREG, "two\n", 1000 },
		{ "etc/link", AE_IFLNK, "/etc/passwd", 0 },
	};
	char b1[HULL_IMAGE_DIGEST_MAX], b2[HULL_IMAGE_DIGEST_MAX], cd[HULL_IMAGE_DIGEST_MAX];
	char md[HULL_IMAGE_DIGEST_MAX];
	_cleanup_free_ char *config = NULL, *manifest = NULL;
	hull_error_t err = { 0 };

	put_layer (l1, 4, fx.diff[0], b1);
	put_layer (l2, 2, fx.diff[1], b2);
	config = hull_xasprintf ("{\"os\":\"linux\",\"architecture\":\"amd64\",\"config\":{},"
				 "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"%s\",\"%s\"]}}",
				 fx.diff[0], fx.diff[1]);
	assert_int_equal (hull_image_store_put_buf (fx.s, config, strlen (config), NULL, cd, &err),
			  0);
	/* Sizes must be right: read them back from the store. */
	{
		struct stat st1, st2;
		_cleanup_free_ char *p1 = hull_xasprintf ("%s/blobs/sha256/%s", fx.store, b1 + 7);
		_cleanup_free_ char *p2 = hull_xasprintf ("%s/blobs/sha256/%s", fx.store, b2 + 7);
		assert_int_equal (stat (p1, &st1), 0);
		assert_int_equal (stat (p2, &st2), 0);
		free (manifest);
		manifest = hull_xasprintf (
			"{\"schemaVersion\":2,\"mediaType\":"
			"\"application/vnd.oci.image.manifest.v1+json\","
			"\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
			"\"digest\":\"%s\",\"size\":%zu},\"layers\":["
			"{\"mediaType\":\"application/"
			"vnd.oci.image.layer.v1.tar\",\"digest\":\"%s\","
			"\"size\":%lld},"
			"{\"mediaType\":\"application/"
			"vnd.oci.image.layer.v1.tar\",\"digest\":\"%s\","
			"\"size\":%lld}]}",
			cd, strlen (config), b1, (long long) st1.st_size, b2,
			(long long) st2.st_size);
	}
	assert_int_equal (
		hull_image_store_put_buf (fx.s, manifest, strlen (manifest), NULL, md, &err), 0);
	assert_int_equal (hull_image_store_tag (fx.s, ref, md,
						"application/vnd.oci.image.manifest.v1+json",
						(int64_t) strlen (manifest), &err),
			  0);
}

static int
setup (void **state)
{
	hull_error_t err = { 0 };

	snprintf (fx.dir, sizeof fx.dir, "/tmp/hull-test-rootfs.XXXXXX");
	if (mkdtemp (fx.dir) == NULL)
		return -1;
	snprintf (fx.store, sizeof fx.store, "%s/store", fx.dir);
	fx.s = hull_image_store_open (fx.store, &err);
	if (fx.s == NULL)
		return -1;
	put_image ("localhost/test:1");
	return 0;
}

static int
teardown (void **state)
{
	hull_error_t err = { 0 };
	_cleanup_close_ int fd = open ("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	hull_image_store_free (fx.s);
	return hull_image_remove_tree (fd, fx.dir + 5, &err);
}

static const struct hull_oci_idmap map = { 0, 100000, 65536 };

static void
test_resolve (void **state)
{
	struct hull_image_resolved img;
	const char *ids[2] = { fx.diff[0], fx.diff[1] };
	char want[HULL_IMAGE_DIGEST_MAX];
	hull_error_t err = { 0 };

	assert_int_equal (hull_image_resolve (fx.s, "localhost/test:1", &img, &err), 0);
	assert_string_equal (img.name, "localhost/test:1");
	assert_int_equal (hull_image_chain_id (ids, 2, want, &err), 0);
	assert_string_equal (img.chain_id, want);
	assert_non_null (strstr (img.config, "diff_ids"));
	hull_image_resolved_clear (&img);
	assert_true (hull_image_resolve (fx.s, "localhost/nope:1", &img, &err) < 0);
	assert_non_null (strstr (err.msg, "localhost/nope:1"));
}

static void
test_rootfs_cache (void **state)
{
	struct hull_image_resolved img;
	_cleanup_free_ char *p1 = NULL, *p2 = NULL, *f = NULL;
	hull_error_t err = { 0 };
	struct stat st1, st2;
	char buf[16] = { 0 };
	size_t removed = 9;
	bool root = geteuid () == 0;

	assert_int_equal (hull_image_resolve (fx.s, "localhost/test:1", &img, &err), 0);
	p1 = hull_image_rootfs_get (fx.s, fx.store, &img, root ? &map : NULL, root,
				    root ? &map : NULL, root, &err);
	assert_non_null (p1);
	f = hull_xasprintf ("%s/home/user", p1);
	/* The upper layer won, and the owner went through the map. */
	{
		_cleanup_close_ int fd = open (f, O_RDONLY | O_CLOEXEC);
		assert_true (fd >= 0);
		assert_int_equal (read (fd, buf, sizeof buf - 1), 4);
		assert_string_equal (buf, "two\n");
	}
	assert_int_equal (stat (f, &st1), 0);
	if (root)
		assert_int_equal (st1.st_uid, 101000);
	assert_int_equal (stat (p1, &st1), 0);
	if (root)
		assert_int_equal (st1.st_uid, 100000);
	p2 = hull_image_rootfs_get (fx.s, fx.store, &img, root ? &map : NULL, root,
				    root ? &map : NULL, root, &err);
	assert_string_equal (p1, p2);
	assert_int_equal (stat (p2, &st2), 0);
	assert_int_equal (st1.st_ino, st2.st_ino); /* reused, not rebuilt */
	assert_int_equal (hull_image_rootfs_prune (fx.s, fx.store, &removed, &err), 0);
	assert_int_equal (removed, 1);
	assert_true (stat (p1, &st1) < 0 && errno == ENOENT);
	/* The chain id names a directory: anything but a sha256 digest is refused. */
	{
		_cleanup_free_ char *esc = hull_xasprintf ("%s/x-escape", fx.dir);
		snprintf (img.chain_id, sizeof img.chain_id, "sha256:../../x-escape");
		assert_null (hull_image_rootfs_get (fx.s, fx.store, &img, NULL, 0, NULL, 0, &err));
		assert_non_null (strstr (err.msg, "chain id"));
		assert_true (stat (esc, &st1) < 0 && errno == ENOENT);
	}
	hull_image_resolved_clear (&img);
}

static bool
mounted (const char *path)
{
	_cleanup_fclose_ FILE *f = fopen ("/proc/self/mountinfo", "re");
	char line[4096];

	while (f && fgets (line, sizeof line, f))
		if (strstr (line, path))
			return true;
	return false;
}

static void
test_container (void **state)
{
	struct hull_image_resolved img;
	struct hull_image_container c, c2;
	struct hull_image_container_opts o = { &map, &map, 1, 1, true, NULL, 0 };
	_cleanup_free_ char *upper = NULL, *dir = NULL;
	hull_error_t err = { 0 };
	size_t removed = 0;
	struct stat st;
	int fd;

	if (geteuid () != 0)
		skip ();
	assert_int_equal (hull_image_resolve (fx.s, "localhost/test:1", &img, &err), 0);
	assert_int_equal (hull_image_container_create (fx.s, fx.store, "c1", &img, &o, &c, &err),
			  0);
	assert_true (c.mounted);
	assert_true (hull_image_container_is (c.dir));
	assert_true (mounted (c.rootfs));
	/* The same name again is refused, and leaves the first alone. */
	assert_true (hull_image_container_create (fx.s, fx.store, "c1", &img, &o, &c2, &err) < 0);
	assert_non_null (strstr (err.msg, "in use"));
	assert_true (hull_image_container_is (c.dir));
	/* A write lands in the upper layer, not in the cache. */
	{
		_cleanup_free_ char *p = hull_xasprintf ("%s/new", c.rootfs);
		fd = open (p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		assert_true (fd >= 0);
		close (fd);
	}
	upper = hull_xasprintf ("%s/upper/new", c.dir);
	assert_int_equal (stat (upper, &st), 0);
	/* In use: prune keeps the rootfs. */
	assert_int_equal (hull_image_rootfs_prune (fx.s, fx.store, &removed, &err), 0);
	assert_int_equal (removed, 0);
	dir = hull_xstrdup (c.dir);
	assert_int_equal (hull_image_container_release (c.dir, &err), 0);
	assert_false (mounted (dir));
	assert_true (stat (dir, &st) < 0 && errno == ENOENT);
	assert_int_equal (hull_image_container_release (dir, &err), 0); /* gone: fine */
	hull_image_container_clear (&c);
	/* Read-only without new mount points: the cache itself, no mount. */
	o.writable = false;
	assert_int_equal (hull_image_container_create (fx.s, fx.store, "c2", &img, &o, &c, &err),
			  0);
	assert_false (c.mounted);
	assert_non_null (strstr (c.rootfs, "/rootfs/"));
	/* A symlink standing for a container directory is not one: release refuses it
	 * and the directory it points to stays. */
	{
		_cleanup_free_ char *lnk = hull_xasprintf ("%s/containers/lnk", fx.store);
		assert_int_equal (symlink (c.dir, lnk), 0);
		assert_false (hull_image_container_is (lnk));
		assert_true (hull_image_container_release (lnk, &err) < 0);
		assert_true (hull_image_container_is (c.dir));
		assert_int_equal (unlink (lnk), 0);
	}
	/* A tree deeper than any fd or recursion budget (the writable layer is the
	 * container's to fill) is still removed. */
	{
		int cur = open (c.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		for (int i = 0; i < 4200 && cur >= 0; i++) {
			int next;
			assert_int_equal (mkdirat (cur, "d", 0755), 0);
			next = openat (cur, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			close (cur);
			cur = next;
		}
		assert_true (cur >= 0);
		fd = openat (cur, "f", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		assert_true (fd >= 0);
		close (fd);
		close (cur);
	}
	free (dir);
	dir = hull_xstrdup (c.dir);
	assert_int_equal (hull_image_container_release (c.dir, &err), 0);
	assert_true (stat (dir, &st) < 0 && errno == ENOENT);
	hull_image_container_clear (&c);
	/* A bind mount destination missing from the image: an overlay keeps the cache as is. */
	{
		const char *mp[] = { "/data/x" };
		o.mountpoints = mp;
		o.n_mountpoints = 1;
		assert_int_equal (
			hull_image_container_create (fx.s, fx.store, "c3", &img, &o, &c, &err), 0);
		assert_true (c.mounted);
		assert_int_equal (hull_image_container_release (c.dir, &err), 0);
		hull_image_container_clear (&c);
	}
	/* Where overlayfs cannot be mounted: a private copy, owners and links kept. */
	{
		_cleanup_free_ char *f = NULL, *l = NULL, *cachef = NULL, *key = NULL;
		char target[64] = { 0 };

		o.mountpoints = NULL;
		o.n_mountpoints = 0;
		o.writable = true;
		hull_image_container_force_copy (true);
		assert_int_equal (
			hull_image_container_create (fx.s, fx.store, "c5", &img, &o, &c, &err), 0);
		hull_image_container_force_copy (false);
		assert_true (c.copied);
		assert_false (c.mounted);
		assert_false (mounted (c.rootfs));
		f = hull_xasprintf ("%s/home/user", c.rootfs);
		assert_int_equal (lstat (f, &st), 0);
		assert_int_equal (st.st_uid, 101000);
		assert_int_equal (st.st_size, 4);
		l = hull_xasprintf ("%s/etc/link", c.rootfs);
		assert_int_equal (readlink (l, target, sizeof target - 1), 11);
		assert_string_equal (target, "/etc/passwd");
		assert_int_equal (stat (c.rootfs, &st), 0);
		assert_int_equal (st.st_uid, 100000);
		/* A write to the copy leaves the cache alone. */
		fd = open (f, O_WRONLY | O_TRUNC | O_CLOEXEC);
		assert_true (fd >= 0);
		close (fd);
		key = hull_image_rootfs_key (img.chain_id, &map, 1, &map, 1);
		cachef = hull_xasprintf ("%s/rootfs/%s/home/user", fx.store, key);
		assert_int_equal (stat (cachef, &st), 0);
		assert_int_equal (st.st_size, 4);
		assert_int_equal (hull_image_container_release (c.dir, &err), 0);
		hull_image_container_clear (&c);
	}
	/* Refused without a map of id 0: nothing left behind. */
	{
		struct hull_oci_idmap bad = { 1, 100000, 10 };
		struct hull_image_container_opts ob = { &bad, &bad, 1, 1, true, NULL, 0 };
		_cleanup_free_ char *p = hull_xasprintf ("%s/containers/c4", fx.store);
		assert_true (hull_image_container_create (fx.s, fx.store, "c4", &img, &ob, &c,
							  &err) < 0);
		assert_true (stat (p, &st) < 0 && errno == ENOENT);
	}
	/* Not a container directory: refused, even with a planted marker. */
	assert_true (hull_image_container_release (fx.store, &err) < 0);
	{
		_cleanup_free_ char *b = hull_xasprintf ("%s/bundle", fx.dir);
		_cleanup_free_ char *m = hull_xasprintf ("%s/bundle/image-rootfs", fx.dir);
		assert_int_equal (mkdir (b, 0755), 0);
		fd = open (m, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		assert_true (fd >= 0);
		close (fd);
		assert_false (hull_image_container_is (b));
		assert_true (hull_image_container_release (b, &err) < 0);
		assert_int_equal (stat (m, &st), 0);
	}
	hull_image_resolved_clear (&img);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test (test_chain_id),
		cmocka_unit_test (test_rootfs_key),
		cmocka_unit_test_setup_teardown (test_resolve, setup, teardown),
		cmocka_unit_test_setup_teardown (test_rootfs_cache, setup, teardown),
		cmocka_unit_test_setup_teardown (test_container, setup, teardown),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
