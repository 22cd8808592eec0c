/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Layer unpacking: every layer is crafted in memory with libarchive's write API, then
 * applied to root/ in a scratch dir that also holds outside/sentinel, which no attack
 * may reach. The whole list runs twice: with openat2 and with the resolver's fallback
 * walk. Ownership tests need root (chown to mapped ids); the suite runs as root. */
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
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/path.h"
#include "common/sha256.h"
#include "hull/image.h"
#include "image/unpack.h"

/* Positional entry tables leave trailing fields out (as meson.build does for clang). */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

enum { F_NONE, F_GZIP, F_ZSTD };

struct ent {
	const char *name;
	unsigned type; /* AE_IF*; 0 = regular file */
	mode_t mode;
	const char *data;     /* file content, or symlink target */
	const char *hardlink; /* hard link target */
	int uid, gid;
	const char *xattr; /* one xattr name, value "v" */
	size_t zeros;	   /* file of that many zero bytes instead of data */
};

struct fx {
	char dir[256];
	int rootfd, dirfd;
};

static struct fx fx;

static void
path_of (char *out, const char *rel)
{
	snprintf (out, PATH_MAX, "%s/%s", fx.dir, rel);
}

/* Build a tar (with `filter`) of ents into a memfd; *raw_hex gets the diff_id. */
static int
make_layer (const struct ent *ents, size_t n, int filter, char raw_hex[65])
{
	size_t cap = 64 << 20, used = 0;
	_cleanup_free_ char *buf = malloc (cap);
	struct archive *a = archive_write_new ();
	int fd;

	assert_non_null (buf);
	assert_int_equal (archive_write_set_format_pax_restricted (a), ARCHIVE_OK);
	if (filter == F_GZIP)
		assert_int_equal (archive_write_add_filter_gzip (a), ARCHIVE_OK);
	else if (filter == F_ZSTD)
		assert_int_equal (archive_write_add_filter_zstd (a), ARCHIVE_OK);
	assert_int_equal (archive_write_open_memory (a, buf, cap, &used), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		const struct ent *e = &ents[i];
		struct archive_entry *ae = archive_entry_new ();
		unsigned type = e->type ? e->type : AE_IFREG;
		size_t size = type == AE_IFREG && !e->hardlink
				      ? (e->zeros ? e->zeros : (e->data ? strlen (e->data) : 0))
				      : 0;

		archive_entry_set_pathname (ae, e->name);
		archive_entry_set_filetype (ae, type);
		archive_entry_set_perm (ae, e->mode ? e->mode : 0644);
		archive_entry_set_uid (ae, e->uid);
		archive_entry_set_gid (ae, e->gid);
		archive_entry_set_mtime (ae, 1000000 + (time_t) i, 0);
		archive_entry_set_size (ae, (la_int64_t) size);
		if (type == AE_IFLNK)
			archive_entry_set_symlink (ae, e->data);
		if (e->hardlink)
			archive_entry_set_hardlink (ae, e->hardlink);
		if (type == AE_IFCHR)
			archive_entry_set_rdev (ae, makedev (1, 3));
		if (e->xattr)
			archive_entry_xattr_add_entry (ae, e->xattr, "v", 1);
		assert_int_equal (archive_write_header (a, ae), ARCHIVE_OK);
		if (e->zeros) {
			_cleanup_free_ char *z = calloc (1, e->zeros);
			assert_int_equal (archive_write_data (a, z, e->zeros),
					  (la_ssize_t) e->zeros);
		} else if (size) {
			assert_int_equal (archive_write_data (a, e->data, size), (la_ssize_t) size);
		}
		archive_entry_free (ae);
	}
	assert_int_equal (archive_write_close (a), ARCHIVE_OK);
	archive_write_free (a);
	if (raw_hex) {
		/* The diff_id is over the uncompressed stream: rebuild it without a filter. */
		if (filter != F_NONE) {
			int rfd = make_layer (ents, n, F_NONE, raw_hex);
			close (rfd);
		} else {
			uint8_t d[HULL_SHA256_LEN];
			hull_sha256 (buf, used, d);
			hull_sha256_hex (d, raw_hex);
		}
	}
	fd = memfd_create ("layer", MFD_CLOEXEC);
	assert_true (fd >= 0);
	assert_int_equal (write (fd, buf, used), (ssize_t) used);
	assert_int_equal (lseek (fd, 0, SEEK_SET), 0);
	return fd;
}

static int
unpack (const struct ent *ents, size_t n, const struct hull_unpack_opts *o,
	struct hull_unpack_stats *st, hull_error_t *err)
{
	_cleanup_close_ int fd = make_layer (ents, n, F_NONE, NULL);

	hull_error_clear (err);
	return hull_image_unpack_layer (fx.rootfd, fd, o, st, err);
}

#define UNPACK_OK(ents, o, st)                                                                     \
	do {                                                                                       \
		hull_error_t e_;                                                                   \
		int r_ = unpack (ents, sizeof ents / sizeof ents[0], o, st, &e_);                  \
		if (r_ < 0)                                                                        \
			fail_msg ("unpack: %s", e_.msg);                                           \
	} while (0)

#define UNPACK_FAILS(ents, o, needle)                                                              \
	do {                                                                                       \
		hull_error_t e_;                                                                   \
		int r_ = unpack (ents, sizeof ents / sizeof ents[0], o, NULL, &e_);                \
		assert_true (r_ < 0);                                                              \
		if (strstr (e_.msg, needle) == NULL)                                               \
			fail_msg ("error `%s` lacks `%s`", e_.msg, needle);                        \
	} while (0)

static bool
exists (const char *rel)
{
	char p[PATH_MAX];
	struct stat st;

	path_of (p, rel);
	return lstat (p, &st) == 0;
}

static struct stat
lst (const char *rel)
{
	char p[PATH_MAX];
	struct stat st;

	path_of (p, rel);
	if (lstat (p, &st) < 0)
		fail_msg ("lstat %s: %s", rel, strerror (errno));
	return st;
}

/* outside/ holds only `sentinel`, with its original content. */
static void
assert_outside_intact (void)
{
	char p[PATH_MAX], buf[32] = { 0 };
	_cleanup_close_ int fd = -EBADF;
	struct stat st = lst ("outside");

	assert_true (S_ISDIR (st.st_mode));
	assert_int_equal (st.st_nlink, 2);
	st = lst ("outside/sentinel");
	assert_true (S_ISREG (st.st_mode));
	assert_int_equal (st.st_nlink, 1);
	path_of (p, "outside/sentinel");
	fd = open (p, O_RDONLY | O_CLOEXEC);
	assert_int_equal (read (fd, buf, sizeof buf - 1), 4);
	assert_string_equal (buf, "safe");
	assert_false (exists ("evil"));
}

static int
setup (void **state)
{
	char p[PATH_MAX];
	int fd;

	snprintf (fx.dir, sizeof fx.dir, "/tmp/hull-test-unpack-XXXXXX");
	assert_non_null (mkdtemp (fx.dir));
	path_of (p, "root");
	assert_int_equal (mkdir (p, 0755), 0);
	path_of (p, "outside");
	assert_int_equal (mkdir (p, 0755), 0);
	path_of (p, "outside/sentinel");
	fd = open (p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_int_equal (write (fd, "safe", 4), 4);
	close (fd);
	path_of (p, "root");
	fx.rootfd = open (p, O_PATH | O_DIRECTORY | O_CLOEXEC);
	fx.dirfd = open (fx.dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true (fx.rootfd >= 0 && fx.dirfd >= 0);
	return 0;
}

static int
teardown (void **state)
{
	hull_error_t err;
	int parent = open ("/tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);

	assert_outside_intact ();
	close (fx.rootfd);
	close (fx.dirfd);
	assert_int_equal (hull_image_remove_tree (parent, strrchr (fx.dir, '/') + 1, &err), 0);
	close (parent);
	return 0;
}

/* --- normal layers ------------------------------------------------------------------- */

static const struct ent busybox[] = {
	{ "bin/", AE_IFDIR, 0755 },
	{ "bin/busybox", 0, 0755, "#!busybox\n" },
	{ "bin/sh", AE_IFLNK, 0777, "busybox" },
	{ "bin/ls", 0, 0, NULL, "bin/busybox" },
	{ "etc/", AE_IFDIR, 0755 },
	{ "etc/passwd", 0, 0644, "root:x:0:0::/root:/bin/sh\n" },
	{ "home/user/", AE_IFDIR, 0700, NULL, NULL, 1000, 1000 },
	{ "home/user/.profile", 0, 0600, "x\n", NULL, 1000, 1000 },
	{ "tmp/", AE_IFDIR, 01777 },
	{ "./usr/lib/libc.so", 0, 0644, "elf" },
};

static void
test_roundtrip_mapped (void **state)
{
	static const struct hull_unpack_idmap map = { 0, 100000, 65536 };
	struct hull_unpack_opts o = {
		.uid_map = &map, .n_uid_map = 1, .gid_map = &map, .n_gid_map = 1
	};
	struct hull_unpack_stats st;
	struct stat s;
	char target[64] = { 0 }, p[PATH_MAX];

	UNPACK_OK (busybox, &o, &st);
	s = lst ("root/bin/busybox");
	assert_true (S_ISREG (s.st_mode));
	assert_int_equal (s.st_mode & 07777, 0755);
	assert_int_equal (s.st_uid, 100000);
	assert_int_equal (s.st_nlink, 2);
	assert_int_equal (s.st_mtime, 1000001);
	assert_int_equal (lst ("root/bin/ls").st_ino, s.st_ino);
	s = lst ("root/bin/sh");
	assert_true (S_ISLNK (s.st_mode));
	assert_int_equal (s.st_uid, 100000);
	path_of (p, "root/bin/sh");
	assert_int_equal (readlink (p, target, sizeof target), 7);
	assert_string_equal (target, "busybox");
	s = lst ("root/home/user/.profile");
	assert_int_equal (s.st_uid, 101000);
	assert_int_equal (s.st_gid, 101000);
	assert_int_equal (s.st_mode & 07777, 0600);
	assert_int_equal (lst ("root/home/user").st_mode & 07777, 0700);
	assert_int_equal (lst ("root/tmp").st_mode & 07777, 01777);
	assert_true (S_ISREG (lst ("root/usr/lib/libc.so").st_mode));
	assert_int_equal (st.entries, 10);
	assert_int_equal (st.files, 4);
	assert_int_equal (st.hardlinks, 1);
	assert_int_equal (st.symlinks, 1);
	assert_int_equal (strlen (st.diff_id), 64);
}

static void
test_unmapped_id (void **state)
{
	static const struct hull_unpack_idmap map = { 0, 100000, 10 };
	struct hull_unpack_opts o = { .uid_map = &map, .n_uid_map = 1 };
	static const struct ent e[] = { { "f", 0, 0644, "x", NULL, 500, 0 } };

	UNPACK_FAILS (e, &o, "uid 500 is not mapped");
}

static void
check_filter (int filter)
{
	char hex[65];
	_cleanup_close_ int fd = make_layer (busybox, 10, filter, hex);
	struct hull_unpack_stats st;
	struct hull_unpack_opts o = { .diff_id = hex };
	hull_error_t err;

	if (hull_image_unpack_layer (fx.rootfd, fd, &o, &st, &err) < 0)
		fail_msg ("unpack: %s", err.msg);
	assert_string_equal (st.diff_id, hex);
	assert_true (st.compressed_bytes < st.uncompressed_bytes);
	assert_true (S_ISREG (lst ("root/etc/passwd").st_mode));
}

static void
test_gzip (void **state)
{
	check_filter (F_GZIP);
}

static void
test_zstd (void **state)
{
	check_filter (F_ZSTD);
}

static void
test_diff_id (void **state)
{
	char hex[65], want[80];
	_cleanup_close_ int fd = make_layer (busybox, 10, F_GZIP, hex);
	_cleanup_close_ int fd2 = make_layer (busybox, 10, F_NONE, NULL);
	struct hull_unpack_opts o = { .diff_id = want };
	hull_error_t err;

	snprintf (want, sizeof want, "sha256:%s", hex);
	assert_int_equal (hull_image_unpack_layer (fx.rootfd, fd, &o, NULL, &err), 0);
	want[7] = want[7] == '0' ? '1' : '0';
	assert_true (hull_image_unpack_layer (fx.rootfd, fd2, &o, NULL, &err) < 0);
	assert_int_equal (err.code, EBADMSG);
	assert_non_null (strstr (err.msg, "diff_id mismatch"));
	o.diff_id = "sha256:1234";
	assert_true (hull_image_unpack_layer (fx.rootfd, fd2, &o, NULL, &err) < 0);
	assert_non_null (strstr (err.msg, "bad diff_id"));
}

static void
test_garbage (void **state)
{
	_cleanup_close_ int fd = memfd_create ("g", MFD_CLOEXEC);
	hull_error_t err;

	assert_int_equal (write (fd, "BZh91AY&SYgarbage-not-a-tar", 27), 27);
	lseek (fd, 0, SEEK_SET);
	assert_true (hull_image_unpack_layer (fx.rootfd, fd, NULL, NULL, &err) < 0);
}

/* --- names --------------------------------------------------------------------------- */

static void
test_absolute_normalised (void **state)
{
	static const struct ent e[] = { { "/outside/evil", 0, 0644, "x" },
					{ "//etc//x", 0, 0644, "y" } };

	UNPACK_OK (e, NULL, NULL);
	assert_true (exists ("root/outside/evil"));
	assert_true (exists ("root/etc/x"));
}

static void
test_dotdot_refused (void **state)
{
	static const struct ent e1[] = { { "../outside/evil", 0, 0644, "x" } };
	static const struct ent e2[] = { { "a/../../evil", 0, 0644, "x" } };
	static const struct ent e3[] = { { "ok", 0, 0, NULL, "../outside/sentinel" } };

	UNPACK_FAILS (e1, NULL, "`..` component");
	UNPACK_FAILS (e2, NULL, "`..` component");
	UNPACK_FAILS (e3, NULL, "`..` component");
}

/* --- symlinks ------------------------------------------------------------------------ */

static void
test_symlink_parent_confined (void **state)
{
	static const struct ent e[] = {
		{ "up", AE_IFLNK, 0777, "../outside" },
		{ "abs", AE_IFLNK, 0777, "/../../outside" },
		{ "abs/evil", 0, 0644, "x" },
	};
	hull_error_t err;

	/* "abs" resolves to root/outside, missing: refused, and never the host's outside/. */
	assert_true (unpack (e, 3, NULL, NULL, &err) < 0);
	assert_non_null (strstr (err.msg, "layer entry `abs/evil`: parent directory"));
	{
		/* Once root/outside exists, both symlinks land there. */
		static const struct ent e2[] = { { "outside/", AE_IFDIR, 0755 },
						 { "up/evil", 0, 0644, "x" },
						 { "abs/evil2", 0, 0644, "x" } };
		assert_int_equal (unpack (e2, 3, NULL, NULL, &err), 0);
		assert_true (exists ("root/outside/evil"));
		assert_true (exists ("root/outside/evil2"));
	}
}

static void
test_symlink_final_not_followed (void **state)
{
	char p[PATH_MAX];
	static const struct ent e[] = {
		{ "f", AE_IFLNK, 0777, "/../outside/sentinel" },
		{ "f", 0, 0600, "overwritten" },
	};

	/* A host symlink planted in the root, as a compromised earlier layer could. */
	path_of (p, "root/g");
	assert_int_equal (symlink ("../outside/sentinel", p), 0);
	UNPACK_OK (e, NULL, NULL);
	assert_true (S_ISREG (lst ("root/f").st_mode));
	{
		static const struct ent e2[] = { { "g", 0, 0600, "overwritten" } };
		UNPACK_OK (e2, NULL, NULL);
	}
	assert_true (S_ISREG (lst ("root/g").st_mode));
}

static void
test_symlink_across_layers (void **state)
{
	char p[PATH_MAX];
	static const struct ent l1[] = { { "etc", AE_IFLNK, 0777, "../../outside" } };
	static const struct ent l2[] = { { "etc/evil", 0, 0644, "x" } };
	hull_error_t err;

	UNPACK_OK (l1, NULL, NULL);
	/* Either refused or written inside the root: never next to the sentinel. */
	if (unpack (l2, 1, NULL, NULL, &err) == 0) {
		path_of (p, "outside/evil");
		assert_true (access (p, F_OK) < 0);
	}
}

static void
test_symlink_dot (void **state)
{
	static const struct ent e1[] = { { ".", AE_IFLNK, 0777, "../outside" } };
	static const struct ent e2[] = { { "./", AE_IFLNK, 0777, "/" } };
	static const struct ent e3[] = { { "a/.", AE_IFLNK, 0777, "../outside" },
					 { "a/evil", 0, 0644, "x" } };
	hull_error_t err;

	UNPACK_FAILS (e1, NULL, "replaces the layer root");
	UNPACK_FAILS (e2, NULL, "replaces the layer root");
	(void) unpack (e3, 2, NULL, NULL, &err);
}

/* --- hard links ---------------------------------------------------------------------- */

static void
test_hardlink_confined (void **state)
{
	static const struct ent e1[] = { { "h", 0, 0, NULL, "/outside/sentinel" } };
	static const struct ent e2[] = { { "up", AE_IFLNK, 0777, "../outside" },
					 { "h", 0, 0, NULL, "up/sentinel" } };
	static const struct ent e3[] = { { "h", 0, 0, NULL, "later" }, { "later", 0, 0644, "x" } };
	static const struct ent e4[] = { { "d/", AE_IFDIR, 0755 }, { "h", 0, 0, NULL, "d" } };
	static const struct ent e5[] = { { "h", 0, 0, NULL, "." } };

	UNPACK_FAILS (e1, NULL, "hard link target");
	UNPACK_FAILS (e2, NULL, "hard link target");
	UNPACK_FAILS (e3, NULL, "hard link target");
	UNPACK_FAILS (e4, NULL, "hard link to directory");
	UNPACK_FAILS (e5, NULL, "hard link to the root");
}

static void
test_hardlink_to_symlink (void **state)
{
	static const struct ent e[] = { { "s", AE_IFLNK, 0777, "/../outside/sentinel" },
					{ "h", 0, 0, NULL, "s" } };

	UNPACK_OK (e, NULL, NULL);
	assert_true (S_ISLNK (lst ("root/h").st_mode)); /* the link itself, not its target */
}

/* --- devices, setid, xattrs ---------------------------------------------------------- */

static void
test_devices (void **state)
{
	static const struct ent e[] = { { "null", AE_IFCHR, 0666 }, { "fifo", AE_IFIFO, 0644 } };
	struct hull_unpack_stats st;
	struct hull_unpack_opts o = { .allow_devices = true };

	UNPACK_OK (e, NULL, &st);
	assert_int_equal (st.skipped_devices, 2);
	assert_false (exists ("root/null"));
	assert_false (exists ("root/fifo"));
	UNPACK_OK (e, &o, &st);
	assert_true (S_ISCHR (lst ("root/null").st_mode));
	assert_int_equal (lst ("root/null").st_rdev, makedev (1, 3));
	assert_true (S_ISFIFO (lst ("root/fifo").st_mode));
	assert_int_equal (lst ("root/fifo").st_mode & 07777, 0644);
}

static void
test_setid (void **state)
{
	static const struct ent e[] = { { "su", 0, 04755, "x" },
					{ "sg", 0, 02755, "x" },
					{ "dir/", AE_IFDIR, 02775 } };
	struct hull_unpack_stats st;
	struct hull_unpack_opts o = { .allow_setid = true };

	UNPACK_OK (e, NULL, &st);
	assert_int_equal (lst ("root/su").st_mode & 07777, 0755);
	assert_int_equal (lst ("root/sg").st_mode & 07777, 0755);
	assert_int_equal (lst ("root/dir").st_mode & 07777, 02775);
	assert_int_equal (st.cleared_setid, 2);
	UNPACK_OK (e, &o, &st);
	assert_int_equal (lst ("root/su").st_mode & 07777, 04755);
	assert_int_equal (st.cleared_setid, 0);
}

static void
test_xattrs (void **state)
{
	static const struct ent e[] = {
		{ "u", 0, 0644, "x", NULL, 0, 0, "user.ok" },
		{ "t", 0, 0644, "x", NULL, 0, 0, "trusted.overlay.opaque" },
		{ "c", 0, 0644, "x", NULL, 0, 0, "security.capability" },
	};
	struct hull_unpack_stats st;
	char p[PATH_MAX], v[8];

	UNPACK_OK (e, NULL, &st);
	path_of (p, "root/u");
	assert_int_equal (lgetxattr (p, "user.ok", v, sizeof v), 1);
	path_of (p, "root/t");
	assert_true (lgetxattr (p, "trusted.overlay.opaque", v, sizeof v) < 0);
	path_of (p, "root/c");
	assert_true (lgetxattr (p, "security.capability", v, sizeof v) < 0);
	/* pax carries each xattr twice (SCHILY. and LIBARCHIVE.): 2 names dropped twice. */
	assert_true (st.dropped_xattrs >= 2);
}

/* Files are created owned by the caller, or with a setgid parent's group: the owner an
 * entry asks for wins either way. */
static void
test_owner_setgid_parent (void **state)
{
	static const struct ent e[] = { { "sg/", AE_IFDIR, 02775, NULL, NULL, 0, 1234 },
					{ "sg/root", 0, 0644, "r", NULL, 0, 0 },
					{ "sg/inherit", 0, 0644, "i", NULL, 0, 1234 },
					{ "sg/sub/", AE_IFDIR, 0755, NULL, NULL, 0, 0 },
					{ "plain/", AE_IFDIR, 0755, NULL, NULL, 0, 0 },
					{ "plain/other", 0, 0644, "o", NULL, 77, 88 } };

	UNPACK_OK (e, NULL, NULL);
	assert_int_equal (lst ("root/sg").st_gid, 1234);
	assert_int_equal (lst ("root/sg").st_mode & 07777, 02775);
	assert_int_equal (lst ("root/sg/root").st_gid, 0);
	assert_int_equal (lst ("root/sg/inherit").st_gid, 1234);
	assert_int_equal (lst ("root/sg/sub").st_gid, 0);
	assert_int_equal (lst ("root/sg/sub").st_mode & 07777, 0755);
	assert_int_equal (lst ("root/plain/other").st_uid, 77);
	assert_int_equal (lst ("root/plain/other").st_gid, 88);
}

/* --- whiteouts ----------------------------------------------------------------------- */

static void
test_whiteouts (void **state)
{
	static const struct ent l1[] = { { "a/x", 0, 0644, "x" },
					 { "a/y", 0, 0644, "y" },
					 { "b/z", 0, 0644, "z" },
					 { "b/sub/w", 0, 0644, "w" },
					 { "gone/deep/f", 0, 0644, "f" } };
	static const struct ent l2[] = {
		{ "a/.wh.x", 0, 0644, "" },	   { "b/", AE_IFDIR, 0755 },
		{ "b/.wh..wh..opq", 0, 0644, "" }, { "b/new", 0, 0644, "n" },
		{ ".wh.gone", 0, 0644, "" },	   { "nodir/.wh.x", 0, 0644, "" }
	};
	struct hull_unpack_stats st;

	UNPACK_OK (l1, NULL, NULL);
	UNPACK_OK (l2, NULL, &st);
	assert_false (exists ("root/a/x"));
	assert_true (exists ("root/a/y"));
	assert_false (exists ("root/a/.wh.x"));
	assert_false (exists ("root/b/z"));
	assert_false (exists ("root/b/sub"));
	assert_false (exists ("root/b/.wh..wh..opq"));
	assert_true (exists ("root/b/new"));
	assert_false (exists ("root/gone"));
	assert_int_equal (st.whiteouts, 2); /* nodir/.wh.x: nothing to hide */
	assert_int_equal (st.opaque_dirs, 1);
}

static void
test_whiteout_escape (void **state)
{
	static const struct ent e1[] = { { "a/.wh...", 0, 0644, "" } };
	static const struct ent e2[] = { { "a/.wh..", 0, 0644, "" } };
	static const struct ent e3[] = { { ".wh.", 0, 0644, "" } };
	static const struct ent e4[] = { { "a/.wh../outside", 0, 0644, "" } };
	static const struct ent e5[] = { { "up", AE_IFLNK, 0777, "../outside" },
					 { "up/.wh.sentinel", 0, 0644, "" },
					 { "up/.wh..wh..opq", 0, 0644, "" } };

	UNPACK_FAILS (e1, NULL, "whiteout does not name");
	UNPACK_FAILS (e2, NULL, "whiteout does not name");
	UNPACK_FAILS (e3, NULL, "whiteout does not name");
	UNPACK_FAILS (e4, NULL, "whiteout name used as a directory");
	UNPACK_OK (e5, NULL, NULL); /* resolves to root/outside, which does not exist */
}

/* OCI image-spec layer.md "Opaque Whiteout": the marker hides lower layers only, so
 * siblings of the same layer survive whether they come before or after it. */
static const struct ent opq_lower[] = { { "b/z", 0, 0644, "z" },
					{ "b/sub/w", 0, 0644, "w" },
					{ "b/keep/old", 0, 0644, "o" },
					{ "b/lnk", AE_IFLNK, 0777, "z" } };

static void
check_opaque (void)
{
	assert_false (exists ("root/b/z"));
	assert_false (exists ("root/b/sub"));
	assert_false (exists ("root/b/lnk"));
	assert_false (exists ("root/b/keep/old"));
	assert_false (exists ("root/b/.wh..wh..opq"));
	assert_true (exists ("root/b/new1"));
	assert_true (exists ("root/b/keep/mine"));
	assert_true (exists ("root/b/new2"));
	assert_true (exists ("root/b/empty"));
}

static void
test_opaque_after_siblings (void **state)
{
	static const struct ent l2[] = {
		{ "b/", AE_IFDIR, 0755 },	   { "b/new1", 0, 0644, "1" },
		{ "b/keep/mine", 0, 0644, "m" },   { "b/empty/", AE_IFDIR, 0755 },
		{ "b/.wh..wh..opq", 0, 0644, "" }, { "b/new2", 0, 0644, "2" },
	};
	struct hull_unpack_stats st;

	UNPACK_OK (opq_lower, NULL, NULL);
	UNPACK_OK (l2, NULL, &st);
	check_opaque ();
	assert_int_equal (st.opaque_dirs, 1);
}

static void
test_opaque_before_siblings (void **state)
{
	static const struct ent l2[] = {
		{ "b/", AE_IFDIR, 0755 },	{ "b/.wh..wh..opq", 0, 0644, "" },
		{ "b/new1", 0, 0644, "1" },	{ "b/keep/mine", 0, 0644, "m" },
		{ "b/empty/", AE_IFDIR, 0755 }, { "b/new2", 0, 0644, "2" },
	};

	UNPACK_OK (opq_lower, NULL, NULL);
	UNPACK_OK (l2, NULL, NULL);
	check_opaque ();
}

/* Same rule for `.wh.NAME`: a NAME the same layer writes survives, in either order. */
static void
test_whiteout_same_layer (void **state)
{
	static const struct ent l1[] = { { "c/x", 0, 0644, "lower" },
					 { "c/y", 0, 0644, "lower" },
					 { "c/d/old", 0, 0644, "lower" } };
	static const struct ent l2[] = { { "c/x", 0, 0644, "upper" }, { "c/.wh.x", 0, 0644, "" },
					 { "c/.wh.y", 0, 0644, "" },  { "c/y", 0, 0644, "upper" },
					 { "c/d/new", 0, 0644, "n" }, { "c/.wh.d", 0, 0644, "" } };
	char p[PATH_MAX], buf[16] = { 0 };
	_cleanup_close_ int fd = -EBADF;

	UNPACK_OK (l1, NULL, NULL);
	UNPACK_OK (l2, NULL, NULL);
	path_of (p, "root/c/x");
	fd = open (p, O_RDONLY | O_CLOEXEC);
	assert_int_equal (read (fd, buf, sizeof buf - 1), 5);
	assert_string_equal (buf, "upper");
	assert_true (exists ("root/c/y"));
	assert_true (exists ("root/c/d/new"));
	assert_false (exists ("root/c/d/old"));
}

/* tar -x: a directory's mtime is the archive's even when its children, whiteouts and
 * opaque clears come after it. make_layer gives entry i the mtime 1000000 + i. */
static void
test_dir_mtime_after_children (void **state)
{
	static const struct ent l1[] = { { "d/old", 0, 0644, "o" }, { "e/x", 0, 0644, "x" } };
	static const struct ent l2[] = {
		{ "d/", AE_IFDIR, 0755 },	   { "d/f", 0, 0644, "f" },
		{ "d/sub/", AE_IFDIR, 0755 },	   { "d/sub/g", 0, 0644, "g" },
		{ "d/.wh.old", 0, 0644, "" },	   { "e/", AE_IFDIR, 0755 },
		{ "e/.wh..wh..opq", 0, 0644, "" }, { "d/late", 0, 0644, "l" },
	};

	UNPACK_OK (l1, NULL, NULL);
	UNPACK_OK (l2, NULL, NULL);
	assert_false (exists ("root/d/old"));
	assert_false (exists ("root/e/x"));
	assert_int_equal (lst ("root/d").st_mtime, 1000000);
	assert_int_equal (lst ("root/d/sub").st_mtime, 1000002);
	assert_int_equal (lst ("root/e").st_mtime, 1000005);
	assert_int_equal (lst ("root/d/late").st_mtime, 1000007);
}

/* --- limits -------------------------------------------------------------------------- */

static void
test_limits (void **state)
{
	static const struct ent three[] = { { "a", 0, 0644, "" },
					    { "b", 0, 0644, "" },
					    { "c", 0, 0644, "" } };
	static const struct ent deep[] = { { "a/b/c/d", 0, 0644, "" } };
	static const struct ent big[] = { { "big", 0, 0644, NULL, NULL, 0, 0, NULL, 100000 } };
	struct hull_unpack_opts o = { .max_entries = 2 };

	UNPACK_FAILS (three, &o, "max_entries=2");
	o = (struct hull_unpack_opts){ .max_path_len = 5 };
	UNPACK_FAILS (deep, &o, "max_path_len=5");
	o = (struct hull_unpack_opts){ .max_depth = 3 };
	UNPACK_FAILS (deep, &o, "max_depth=3");
	o = (struct hull_unpack_opts){ .max_total_bytes = 50000 };
	UNPACK_FAILS (big, &o, "max_total_bytes=50000");
}

static void
test_ratio (void **state)
{
	static const struct ent bomb[] = { { "z", 0, 0644, NULL, NULL, 0, 0, NULL, 8 << 20 } };
	_cleanup_close_ int fd = make_layer (bomb, 1, F_GZIP, NULL);
	_cleanup_close_ int fd2 = make_layer (bomb, 1, F_ZSTD, NULL);
	struct hull_unpack_opts o = { .max_ratio = 50 };
	hull_error_t err;

	assert_true (hull_image_unpack_layer (fx.rootfd, fd, &o, NULL, &err) < 0);
	assert_non_null (strstr (err.msg, "max_ratio=50"));
	assert_non_null (strstr (err.msg, "layer entry `z`"));
	assert_true (hull_image_unpack_layer (fx.rootfd, fd2, &o, NULL, &err) < 0);
	assert_non_null (strstr (err.msg, "max_ratio=50"));
}

/* --- removal ------------------------------------------------------------------------- */

static void
test_remove_tree (void **state)
{
	char p[PATH_MAX];
	hull_error_t err;

	path_of (p, "root/t");
	assert_int_equal (mkdir (p, 0700), 0);
	path_of (p, "root/t/out");
	assert_int_equal (symlink ("../../outside", p), 0);
	path_of (p, "root/t/d");
	assert_int_equal (mkdir (p, 0000), 0);
	assert_int_equal (hull_image_remove_tree (fx.rootfd, "t", &err), 0);
	assert_false (exists ("root/t"));
	assert_int_equal (hull_image_remove_tree (fx.rootfd, "t", &err), 0);
	assert_true (hull_image_remove_tree (fx.rootfd, "..", &err) < 0);
	assert_true (hull_image_remove_tree (fx.rootfd, "a/b", &err) < 0);
}

/* --- whole images from the store ----------------------------------------------------- */

HULL_DEFINE_CLEANUP (struct hull_image_store, hull_image_store_free)

/* Put a layer of ents into the store; fills its digest, size and diff_id. */
static void
store_layer (struct hull_image_store *s, const struct ent *ents, size_t n, int filter,
	     char digest[HULL_IMAGE_DIGEST_MAX], int64_t *size, char diff_hex[65])
{
	_cleanup_close_ int fd = make_layer (ents, n, filter, diff_hex);
	struct stat st;
	hull_error_t err;

	assert_int_equal (fstat (fd, &st), 0);
	*size = st.st_size;
	if (hull_image_store_put_fd (s, fd, NULL, -1, 0, digest, &err) < 0)
		fail_msg ("put layer: %s", err.msg);
}

/* A two-layer image (gzip then zstd) whose config lists `diff1`/`diff2`; the manifest
 * digest goes to `out`. `mt2` is the second layer's media type. */
static void
store_image (struct hull_image_store *s, const char *mt2, const char *bad_diff2,
	     char out[HULL_IMAGE_DIGEST_MAX], char layer2[HULL_IMAGE_DIGEST_MAX])
{
	static const struct ent l1[] = { { "etc/", AE_IFDIR, 0755 },
					 { "etc/passwd", 0, 0644, "root\n" },
					 { "etc/old", 0, 0644, "old\n" },
					 { "bin/sh", 0, 0755, "sh\n" } };
	static const struct ent l2[] = { { "etc/.wh.old", 0, 0644, "" },
					 { "etc/new", 0, 0644, "new\n" } };
	char d1[HULL_IMAGE_DIGEST_MAX], cfgd[HULL_IMAGE_DIGEST_MAX], h1[65], h2[65];
	char cfg[1024], man[2048];
	int64_t s1, s2;
	hull_error_t err;

	store_layer (s, l1, 4, F_GZIP, d1, &s1, h1);
	store_layer (s, l2, 2, F_ZSTD, layer2, &s2, h2);
	snprintf (cfg, sizeof cfg,
		  "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":"
		  "\"layers\",\"diff_ids\":[\"sha256:%s\",\"sha256:%s\"]}}",
		  h1, bad_diff2 ? bad_diff2 : h2);
	if (hull_image_store_put_buf (s, cfg, strlen (cfg), NULL, cfgd, &err) < 0)
		fail_msg ("put config: %s", err.msg);
	snprintf (
		man, sizeof man,
		"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
		"\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
		"\"digest\":\"%s\",\"size\":%zu},\"layers\":["
		"{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"%s\","
		"\"size\":%lld},{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%lld}]}",
		cfgd, strlen (cfg), d1, (long long) s1, mt2, layer2, (long long) s2);
	if (hull_image_store_put_buf (s, man, strlen (man), NULL, out, &err) < 0)
		fail_msg ("put manifest: %s", err.msg);
}

static struct hull_image_store *
test_store (void)
{
	char p[PATH_MAX];
	hull_error_t err;
	struct hull_image_store *s;

	path_of (p, "store");
	s = hull_image_store_open (p, &err);
	if (s == NULL)
		fail_msg ("store: %s", err.msg);
	return s;
}

static void
test_image (void **state)
{
	_cleanup_ (hull_image_store_freep) struct hull_image_store *s = test_store ();
	char man[HULL_IMAGE_DIGEST_MAX], l2[HULL_IMAGE_DIGEST_MAX];
	struct hull_unpack_opts o = { .diff_id = "sha256:ignored" };
	hull_error_t err;

	store_image (s, "application/vnd.oci.image.layer.v1.tar+zstd", NULL, man, l2);
	if (hull_image_unpack_image (s, man, fx.rootfd, &o, &err) < 0)
		fail_msg ("unpack image: %s", err.msg);
	assert_true (S_ISREG (lst ("root/etc/passwd").st_mode));
	assert_true (S_ISREG (lst ("root/etc/new").st_mode));
	assert_true (S_ISREG (lst ("root/bin/sh").st_mode));
	assert_false (exists ("root/etc/old"));
	assert_false (exists ("root/etc/.wh.old"));
	/* An index, a config or a missing blob is not an image manifest. */
	assert_true (hull_image_unpack_image (s, l2, fx.rootfd, NULL, &err) < 0);
	assert_true (hull_image_unpack_image (s, "sha256:nope", fx.rootfd, NULL, &err) < 0);
}

static void
test_image_diff_id_mismatch (void **state)
{
	_cleanup_ (hull_image_store_freep) struct hull_image_store *s = test_store ();
	char man[HULL_IMAGE_DIGEST_MAX], l2[HULL_IMAGE_DIGEST_MAX], want[128];
	static const char bad[] =
		"0000000000000000000000000000000000000000000000000000000000000000";
	hull_error_t err;

	store_image (s, "application/vnd.oci.image.layer.v1.tar+zstd", bad, man, l2);
	assert_true (hull_image_unpack_image (s, man, fx.rootfd, NULL, &err) < 0);
	snprintf (want, sizeof want, "layer %s: layer diff_id mismatch", l2);
	if (strstr (err.msg, want) == NULL)
		fail_msg ("error `%s` lacks `%s`", err.msg, want);
	assert_true (exists ("root/etc/passwd")); /* the first layer was fine */
}

static void
test_image_media_type (void **state)
{
	_cleanup_ (hull_image_store_freep) struct hull_image_store *s = test_store ();
	char man[HULL_IMAGE_DIGEST_MAX], l2[HULL_IMAGE_DIGEST_MAX], want[160];
	hull_error_t err;

	/* Refused before any layer is applied (the manifest parser knows only tar types). */
	store_image (s, "application/vnd.oci.image.layer.v1.tar+encrypted", NULL, man, l2);
	assert_true (hull_image_unpack_image (s, man, fx.rootfd, NULL, &err) < 0);
	snprintf (want, sizeof want,
		  "unsupported media type `application/vnd.oci.image.layer.v1.tar+encrypted`");
	if (strstr (err.msg, want) == NULL)
		fail_msg ("error `%s` lacks `%s`", err.msg, want);
	assert_false (exists ("root/etc"));
}

static void
test_image_corrupt_blob (void **state)
{
	_cleanup_ (hull_image_store_freep) struct hull_image_store *s = test_store ();
	char man[HULL_IMAGE_DIGEST_MAX], l2[HULL_IMAGE_DIGEST_MAX], p[PATH_MAX], want[128];
	_cleanup_close_ int fd = -EBADF;
	hull_error_t err;

	store_image (s, "application/vnd.oci.image.layer.v1.tar+zstd", NULL, man, l2);
	snprintf (p, sizeof p, "%s/store/blobs/sha256/%s", fx.dir, l2 + 7);
	fd = open (p, O_WRONLY | O_CLOEXEC);
	assert_true (fd >= 0);
	assert_int_equal (pwrite (fd, "XXXX", 4, 8), 4);
	assert_true (hull_image_unpack_image (s, man, fx.rootfd, NULL, &err) < 0);
	snprintf (want, sizeof want, "layer %s", l2);
	if (strstr (err.msg, want) == NULL)
		fail_msg ("error `%s` lacks `%s`", err.msg, want);
	assert_false (exists ("root/etc/new"));
}

static int
use_fallback (void **state)
{
	hull_path_force_fallback (true);
	return 0;
}

static int
use_openat2 (void **state)
{
	hull_path_force_fallback (false);
	return 0;
}

static int
use_inline (void **state)
{
	hull_path_force_fallback (false);
	hull_image_unpack_force_inline (true);
	return 0;
}

#define T(f) cmocka_unit_test_setup_teardown (f, setup, teardown)

int
main (void)
{
	const struct CMUnitTest tests[] = {
		T (test_roundtrip_mapped),
		T (test_unmapped_id),
		T (test_gzip),
		T (test_zstd),
		T (test_diff_id),
		T (test_garbage),
		T (test_absolute_normalised),
		T (test_dotdot_refused),
		T (test_symlink_parent_confined),
		T (test_symlink_final_not_followed),
		T (test_symlink_across_layers),
		T (test_symlink_dot),
		T (test_hardlink_confined),
		T (test_hardlink_to_symlink),
		T (test_devices),
		T (test_setid),
		T (test_xattrs),
		T (test_owner_setgid_parent),
		T (test_whiteouts),
		T (test_whiteout_escape),
		T (test_opaque_after_siblings),
		T (test_opaque_before_siblings),
		T (test_whiteout_same_layer),
		T (test_dir_mtime_after_children),
		T (test_limits),
		T (test_ratio),
		T (test_remove_tree),
		T (test_image),
		T (test_image_diff_id_mismatch),
		T (test_image_media_type),
		T (test_image_corrupt_blob),
	};
	int failed = cmocka_run_group_tests_name ("unpack (openat2)", tests, use_openat2, NULL);

	failed += cmocka_run_group_tests_name ("unpack (fallback walk)", tests, use_fallback, NULL);
	failed += cmocka_run_group_tests_name ("unpack (openat2, no decompressor thread)", tests,
					       use_inline, NULL);
	return failed;
}
