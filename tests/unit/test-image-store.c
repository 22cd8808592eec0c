/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The image store: put with digest and size checks, get re-verifies, a corrupted
 * blob is named and never returned, index updates are atomic (no temp file left,
 * the old index intact when an update fails), prune keeps what names reach. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/sha256.h"
#include "common/xalloc.h"
#include "hull/image.h"

struct fixture {
	char dir[64];
	struct hull_image_store *s;
};

static int
setup (void **state)
{
	struct fixture *f = hull_xzalloc (sizeof *f);
	hull_error_t err = { 0 };

	snprintf (f->dir, sizeof f->dir, "/tmp/hull-store-XXXXXX");
	assert_non_null (mkdtemp (f->dir));
	f->s = hull_image_store_open (f->dir, &err);
	assert_non_null (f->s);
	*state = f;
	return 0;
}

static int
teardown (void **state)
{
	struct fixture *f = *state;
	char *cmd[] = { "rm", "-rf", f->dir, NULL };
	pid_t pid;

	hull_image_store_free (f->s);
	pid = fork ();
	if (pid == 0) {
		execvp (cmd[0], cmd);
		_exit (127);
	}
	while (waitpid (pid, NULL, 0) < 0)
		;
	free (f);
	return 0;
}

static void
digest_of (const char *s, char out[HULL_IMAGE_DIGEST_MAX])
{
	uint8_t md[HULL_SHA256_LEN];
	char hex[HULL_SHA256_HEX_LEN + 1];

	hull_sha256 (s, strlen (s), md);
	hull_sha256_hex (md, hex);
	snprintf (out, HULL_IMAGE_DIGEST_MAX, "sha256:%s", hex);
}

static char *
blob_path (struct fixture *f, const char *digest)
{
	return hull_xasprintf ("%s/blobs/sha256/%s", f->dir, digest + 7);
}

static void
test_put_get (void **state)
{
	struct fixture *f = *state;
	hull_error_t err = { 0 };
	char d[HULL_IMAGE_DIGEST_MAX], got[HULL_IMAGE_DIGEST_MAX];
	char *buf;
	size_t len;

	digest_of ("hello", d);
	assert_int_equal (hull_image_store_put_buf (f->s, "hello", 5, NULL, got, &err), 0);
	assert_string_equal (got, d);
	assert_true (hull_image_store_has (f->s, d));
	/* Putting it again keeps the one copy. */
	assert_int_equal (hull_image_store_put_buf (f->s, "hello", 5, d, NULL, &err), 0);
	assert_int_equal (hull_image_store_get (f->s, d, 100, &buf, &len, &err), 0);
	assert_int_equal (len, 5);
	assert_memory_equal (buf, "hello", 5);
	free (buf);
	/* The size cap is checked before reading. */
	assert_true (hull_image_store_get (f->s, d, 4, &buf, &len, &err) < 0);
}

static void
test_put_mismatch (void **state)
{
	struct fixture *f = *state;
	hull_error_t err = { 0 };
	char d[HULL_IMAGE_DIGEST_MAX];
	int fd;

	digest_of ("other", d);
	assert_true (hull_image_store_put_buf (f->s, "hello", 5, d, NULL, &err) < 0);
	assert_non_null (strstr (err.msg, d));
	assert_false (hull_image_store_has (f->s, d));
	/* Wrong size: the stream is cut one byte after the expected size. */
	digest_of ("hello", d);
	fd = memfd_create ("t", MFD_CLOEXEC);
	assert_int_equal (write (fd, "hello", 5), 5);
	lseek (fd, 0, SEEK_SET);
	assert_true (hull_image_store_put_fd (f->s, fd, d, 4, 0, NULL, &err) < 0);
	lseek (fd, 0, SEEK_SET);
	assert_true (hull_image_store_put_fd (f->s, fd, NULL, -1, 3, NULL, &err) < 0);
	close (fd);
	assert_false (hull_image_store_has (f->s, d));
	assert_true (hull_image_store_put_buf (f->s, "x", 1, "sha256:../../x", NULL, &err) < 0);
}

static void
test_corruption (void **state)
{
	struct fixture *f = *state;
	hull_error_t err = { 0 };
	char d[HULL_IMAGE_DIGEST_MAX];
	char *path, *buf = NULL;
	size_t len;
	int fd;

	assert_int_equal (hull_image_store_put_buf (f->s, "hello", 5, NULL, d, &err), 0);
	path = blob_path (f, d);
	fd = open (path, O_WRONLY | O_CLOEXEC);
	assert_int_equal (pwrite (fd, "j", 1, 0), 1);
	close (fd);
	assert_true (hull_image_store_get (f->s, d, 100, &buf, &len, &err) < 0);
	assert_null (buf);
	assert_non_null (strstr (err.msg, d));
	assert_non_null (strstr (err.msg, "corrupted"));
	assert_true (hull_image_store_open_blob (f->s, d, &err) < 0);
	/* A correct put repairs it. */
	assert_int_equal (hull_image_store_put_buf (f->s, "hello", 5, d, NULL, &err), 0);
	assert_int_equal (hull_image_store_get (f->s, d, 100, &buf, &len, &err), 0);
	free (buf);
	free (path);
}

static void
test_index (void **state)
{
	struct fixture *f = *state;
	hull_error_t err = { 0 };
	struct hull_image_entry e, *v;
	char d[HULL_IMAGE_DIGEST_MAX];
	char *path;
	size_t n;
	struct stat st;

	digest_of ("m", d);
	assert_int_equal (hull_image_store_list (f->s, &v, &n, &err), 0);
	assert_int_equal (n, 0);
	hull_image_entries_free (v, n);
	assert_int_equal (hull_image_store_tag (f->s, "localhost/a:1", d, "x/y", 1, &err), 0);
	assert_int_equal (hull_image_store_tag (f->s, "localhost/b:1", d, "x/y", 1, &err), 0);
	assert_int_equal (hull_image_store_resolve (f->s, "localhost/a:1", &e, &err), 0);
	assert_string_equal (e.digest, d);
	hull_image_entry_clear (&e);
	assert_int_equal (hull_image_store_untag (f->s, "localhost/a:1", &err), 0);
	assert_true (hull_image_store_untag (f->s, "localhost/a:1", &err) < 0);
	assert_true (hull_image_store_resolve (f->s, "localhost/a:1", &e, &err) < 0);
	assert_int_equal (hull_image_store_list (f->s, &v, &n, &err), 0);
	assert_int_equal (n, 1);
	assert_string_equal (v[0].name, "localhost/b:1");
	hull_image_entries_free (v, n);
	/* No temp file is left after an update. */
	path = hull_xasprintf ("%s/index.json.tmp", f->dir);
	assert_true (stat (path, &st) < 0);
	free (path);
	/* A damaged index is an error, never an empty store. */
	path = hull_xasprintf ("%s/index.json", f->dir);
	truncate (path, 10);
	free (path);
	assert_true (hull_image_store_list (f->s, &v, &n, &err) < 0);
	assert_true (hull_image_store_tag (f->s, "localhost/c:1", d, "x/y", 1, &err) < 0);
}

static void
test_prune (void **state)
{
	struct fixture *f = *state;
	hull_error_t err = { 0 };
	char cfg[HULL_IMAGE_DIGEST_MAX], layer[HULL_IMAGE_DIGEST_MAX], m[HULL_IMAGE_DIGEST_MAX];
	char junk[HULL_IMAGE_DIGEST_MAX], *manifest;
	size_t removed;

	assert_int_equal (hull_image_store_put_buf (f->s, "{}", 2, NULL, cfg, &err), 0);
	assert_int_equal (hull_image_store_put_buf (f->s, "layer", 5, NULL, layer, &err), 0);
	assert_int_equal (hull_image_store_put_buf (f->s, "junk", 4, NULL, junk, &err), 0);
	manifest = hull_xasprintf (
		"{\"schemaVersion\": 2, \"config\": {\"mediaType\": "
		"\"application/vnd.oci.image.config.v1+json\", \"digest\": \"%s\", \"size\": 2}, "
		"\"layers\": [{\"mediaType\": \"application/vnd.oci.image.layer.v1.tar\", "
		"\"digest\": \"%s\", \"size\": 5}]}",
		cfg, layer);
	assert_int_equal (
		hull_image_store_put_buf (f->s, manifest, strlen (manifest), NULL, m, &err), 0);
	assert_int_equal (hull_image_store_tag (f->s, "localhost/a:1", m,
						"application/vnd.oci.image.manifest.v1+json",
						(int64_t) strlen (manifest), &err),
			  0);
	assert_int_equal (hull_image_store_prune (f->s, &removed, &err), 0);
	assert_int_equal (removed, 1);
	assert_false (hull_image_store_has (f->s, junk));
	assert_true (hull_image_store_has (f->s, cfg));
	assert_true (hull_image_store_has (f->s, layer));
	assert_true (hull_image_store_has (f->s, m));
	assert_int_equal (hull_image_store_untag (f->s, "localhost/a:1", &err), 0);
	assert_int_equal (hull_image_store_prune (f->s, &removed, &err), 0);
	assert_int_equal (removed, 3);
	free (manifest);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown (test_put_get, setup, teardown),
		cmocka_unit_test_setup_teardown (test_put_mismatch, setup, teardown),
		cmocka_unit_test_setup_teardown (test_corruption, setup, teardown),
		cmocka_unit_test_setup_teardown (test_index, setup, teardown),
		cmocka_unit_test_setup_teardown (test_prune, setup, teardown),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
