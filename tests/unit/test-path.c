/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The rootfs resolver must keep every lookup inside the root, with openat2 and with
 * the fallback walk alike. Each test runs twice: once per implementation. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/path.h"

struct tree {
	char dir[PATH_MAX]; /* the scratch directory holding root/ and outside/ */
	int rootfd;
};

static void
mk (const char *base, const char *rel, const char *content)
{
	char p[PATH_MAX];
	snprintf (p, sizeof p, "%s/%s", base, rel);
	if (content == NULL) {
		assert_int_equal (mkdir (p, 0755), 0);
		return;
	}
	FILE *f = fopen (p, "we");
	assert_non_null (f);
	fputs (content, f);
	fclose (f);
}

static void
ln (const char *base, const char *target, const char *rel)
{
	char p[PATH_MAX];
	snprintf (p, sizeof p, "%s/%s", base, rel);
	assert_int_equal (symlink (target, p), 0);
}

static int
setup (void **state, bool fallback)
{
	struct tree *t = calloc (1, sizeof *t);
	char root[PATH_MAX + 8];

	snprintf (t->dir, sizeof t->dir, "/tmp/hull-test-path-XXXXXX");
	assert_non_null (mkdtemp (t->dir));
	mk (t->dir, "root", NULL);
	mk (t->dir, "outside", NULL);
	mk (t->dir, "outside/secret", "host");
	mk (t->dir, "root/etc", NULL);
	mk (t->dir, "root/etc/secret", "container");
	mk (t->dir, "root/dir", NULL);
	ln (t->dir, "/", "root/to-root");
	ln (t->dir, "/etc", "root/abs-etc");
	ln (t->dir, "../../../../outside", "root/dotdot");
	ln (t->dir, "../../../../../etc/secret", "root/dir/deep");
	ln (t->dir, "loop-b", "root/loop-a");
	ln (t->dir, "loop-a", "root/loop-b");
	ln (t->dir, "/proc/self/root", "root/magic");
	snprintf (root, sizeof root, "%s/root", t->dir);
	t->rootfd = open (root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true (t->rootfd >= 0);
	hull_path_force_fallback (fallback);
	*state = t;
	return 0;
}

static int
setup_openat2 (void **state)
{
	return setup (state, false);
}

static int
setup_fallback (void **state)
{
	return setup (state, true);
}

static int
teardown (void **state)
{
	struct tree *t = *state;
	char cmd[PATH_MAX + 16];
	/* Remove the scratch tree without a shell: nftw would do, but the tree is tiny. */
	const char *files[] = { "outside/secret", "root/etc/secret", "root/to-root", "root/abs-etc",
				"root/dotdot", "root/dir/deep", "root/loop-a", "root/loop-b",
				"root/magic", "root/new/a/b/c/file", NULL };
	const char *dirs[] = { "root/new/a/b/c", "root/new/a/b", "root/new/a", "root/new",
			       "root/etc/x/y", "root/etc/x", "outside", "root/etc", "root/dir",
			       "root", NULL };

	for (int i = 0; files[i]; i++) {
		snprintf (cmd, sizeof cmd, "%s/%s", t->dir, files[i]);
		unlink (cmd);
	}
	for (int i = 0; dirs[i]; i++) {
		snprintf (cmd, sizeof cmd, "%s/%s", t->dir, dirs[i]);
		rmdir (cmd);
	}
	rmdir (t->dir);
	close (t->rootfd);
	hull_path_force_fallback (false);
	free (t);
	return 0;
}

static void
read_in_root (struct tree *t, const char *path, const char *expect)
{
	hull_error_t err = { 0 };
	char buf[64] = { 0 };
	int fd = hull_path_openat_in_root (t->rootfd, path, O_RDONLY, 0, &err);

	assert_true (fd >= 0);
	assert_true (read (fd, buf, sizeof buf - 1) > 0);
	assert_string_equal (buf, expect);
	assert_true (fcntl (fd, F_GETFD) & FD_CLOEXEC);
	close (fd);
}

static void
test_plain (void **state)
{
	read_in_root (*state, "/etc/secret", "container");
	read_in_root (*state, "etc/secret", "container");
}

static void
test_dotdot_chain_stays_in_root (void **state)
{
	read_in_root (*state, "/../../../../etc/secret", "container");
	read_in_root (*state, "/dir/../../../etc/secret", "container");
}

static void
test_symlink_to_root (void **state)
{
	read_in_root (*state, "/to-root/etc/secret", "container");
	read_in_root (*state, "/to-root/to-root/../etc/secret", "container");
}

static void
test_absolute_symlink (void **state)
{
	read_in_root (*state, "/abs-etc/secret", "container");
}

static void
test_relative_escape_symlink (void **state)
{
	struct tree *t = *state;
	hull_error_t err = { 0 };
	/* "dotdot" points at ../../../../outside: inside the root that is "/outside",
	 * which does not exist; the host's outside/secret must never be reached. */
	int fd = hull_path_openat_in_root (t->rootfd, "/dotdot/secret", O_RDONLY, 0, &err);
	assert_true (fd < 0);
	assert_int_equal (err.code, ENOENT);
	assert_non_null (strstr (err.msg, "/dotdot/secret"));
	read_in_root (t, "/dir/deep", "container");
}

static void
test_symlink_loop (void **state)
{
	struct tree *t = *state;
	hull_error_t err = { 0 };
	int fd = hull_path_openat_in_root (t->rootfd, "/loop-a", O_RDONLY, 0, &err);
	assert_true (fd < 0);
	assert_int_equal (err.code, ELOOP);
}

static void
test_nofollow_last (void **state)
{
	struct tree *t = *state;
	hull_error_t err = { 0 };
	struct stat st;
	int fd = hull_path_openat_in_root (t->rootfd, "/abs-etc", O_PATH | O_NOFOLLOW, 0, &err);
	assert_true (fd >= 0);
	assert_int_equal (fstat (fd, &st), 0);
	assert_true (S_ISLNK (st.st_mode));
	close (fd);
	/* Without O_NOFOLLOW an O_PATH open follows the final symlink, inside the root. */
	fd = hull_path_openat_in_root (t->rootfd, "/abs-etc", O_PATH, 0, &err);
	assert_true (fd >= 0);
	assert_int_equal (fstat (fd, &st), 0);
	assert_true (S_ISDIR (st.st_mode));
	close (fd);
}

static void
test_magic_link_not_followed_out (void **state)
{
	struct tree *t = *state;
	hull_error_t err = { 0 };
	/* /proc does not exist in the root: "/proc/self/root" is resolved inside it and
	 * fails, instead of jumping to the host through procfs. */
	int fd = hull_path_openat_in_root (t->rootfd, "/magic/etc/secret", O_RDONLY, 0, &err);
	assert_true (fd < 0);
}

static void
test_create_through_symlink_lands_inside (void **state)
{
	struct tree *t = *state;
	hull_error_t err = { 0 };
	char p[PATH_MAX + 32];
	struct stat st;
	int fd = hull_path_mkdirs_in_root (t->rootfd, "/to-root/etc/x/y", 0755, &err);

	assert_true (fd >= 0);
	close (fd);
	snprintf (p, sizeof p, "%s/root/etc/x/y", t->dir);
	assert_int_equal (stat (p, &st), 0);
	assert_true (S_ISDIR (st.st_mode));
	fd = hull_path_mkdirs_in_root (t->rootfd, "/new/a/b/c", 0755, &err);
	assert_true (fd >= 0);
	close (fd);
	fd = hull_path_openat_in_root (t->rootfd, "/new/a/b/c/file", O_WRONLY | O_CREAT, 0644,
				       &err);
	assert_true (fd >= 0);
	close (fd);
	snprintf (p, sizeof p, "%s/root/new/a/b/c/file", t->dir);
	assert_int_equal (stat (p, &st), 0);
}

static void
test_mkdirs_through_file_fails (void **state)
{
	struct tree *t = *state;
	hull_error_t err = { 0 };
	int fd = hull_path_mkdirs_in_root (t->rootfd, "/etc/secret/sub", 0755, &err);
	assert_true (fd < 0);
	assert_non_null (strstr (err.msg, "etc/secret"));
}

static void
test_no_escape (void **state)
{
	struct tree *t = *state;
	hull_error_t err = { 0 };

	assert_int_equal (hull_path_check_no_escape (t->rootfd, "/etc/secret", &err), 0);
	assert_int_equal (hull_path_check_no_escape (t->rootfd, "/abs-etc/secret", &err), 0);
	assert_int_equal (hull_path_check_no_escape (t->rootfd, "/to-root/etc", &err), 0);
	assert_int_equal (hull_path_check_no_escape (t->rootfd, "/does/not/exist", &err), 0);
	assert_int_equal (hull_path_check_no_escape (t->rootfd, "/dotdot", &err), -EXDEV);
	assert_non_null (strstr (err.msg, "/dotdot"));
	assert_int_equal (hull_path_check_no_escape (t->rootfd, "/dotdot/secret", &err), -EXDEV);
	assert_int_equal (hull_path_check_no_escape (t->rootfd, "/dir/deep", &err), -EXDEV);
}

static void
test_clean_absolute (void **state)
{
	(void) state;
	assert_true (hull_path_is_clean_absolute ("/"));
	assert_true (hull_path_is_clean_absolute ("/a/b"));
	assert_true (hull_path_is_clean_absolute ("/a/..b/.c"));
	assert_false (hull_path_is_clean_absolute ("a/b"));
	assert_false (hull_path_is_clean_absolute (""));
	assert_false (hull_path_is_clean_absolute ("/a/../b"));
	assert_false (hull_path_is_clean_absolute ("/a/./b"));
	assert_false (hull_path_is_clean_absolute ("/a//b"));
	assert_false (hull_path_is_clean_absolute ("/a/"));
	assert_false (hull_path_is_clean_absolute ("/.."));
}

#define BOTH(fn)                                                                                   \
	cmocka_unit_test_setup_teardown (fn, setup_openat2, teardown),                             \
		cmocka_unit_test_setup_teardown (fn, setup_fallback, teardown)

int
main (void)
{
	const struct CMUnitTest tests[] = {
		BOTH (test_plain),
		BOTH (test_dotdot_chain_stays_in_root),
		BOTH (test_symlink_to_root),
		BOTH (test_absolute_symlink),
		BOTH (test_relative_escape_symlink),
		BOTH (test_symlink_loop),
		BOTH (test_nofollow_last),
		BOTH (test_magic_link_not_followed_out),
		BOTH (test_create_through_symlink_lands_inside),
		BOTH (test_mkdirs_through_file_fails),
		BOTH (test_no_escape),
		cmocka_unit_test (test_clean_absolute),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
