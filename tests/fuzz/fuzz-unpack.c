/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz layer unpacking: arbitrary bytes (tar, gzip or zstd) are applied as a layer to
 * a fresh root/ next to a sentinel file; nothing may be written outside root/, and
 * root/ is removed after each input. Devices stay off (the default policy). Each input
 * is applied twice, as two layers. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/unpack.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static int scratchfd = -1;
static int layerfd = -1;
static struct stat sentinel;

static void
init (void)
{
	char dir[] = "/tmp/hull-fuzz-unpack-XXXXXX";
	int fd;

	if (mkdtemp (dir) == NULL)
		abort ();
	scratchfd = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	fd = openat (scratchfd, "sentinel", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (scratchfd < 0 || fd < 0 || write (fd, "safe", 4) != 4)
		abort ();
	close (fd);
	if (fstatat (scratchfd, "sentinel", &sentinel, 0) < 0)
		abort ();
	layerfd = memfd_create ("layer", MFD_CLOEXEC);
	if (layerfd < 0)
		abort ();
}

/* The scratch dir must hold exactly `sentinel` (unchanged) and `root`. */
static void
check_outside (void)
{
	struct stat st;
	int fd = openat (scratchfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fdopendir (fd);
	struct dirent *de;

	if (d == NULL)
		abort ();
	while ((de = readdir (d)) != NULL) {
		if (strcmp (de->d_name, ".") && strcmp (de->d_name, "..") &&
		    strcmp (de->d_name, "root") && strcmp (de->d_name, "sentinel"))
			abort (); /* something was written next to root/ */
	}
	closedir (d);
	if (fstatat (scratchfd, "sentinel", &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISREG (st.st_mode) || st.st_size != 4 || st.st_nlink != 1 ||
	    st.st_mtim.tv_sec != sentinel.st_mtim.tv_sec ||
	    st.st_mtim.tv_nsec != sentinel.st_mtim.tv_nsec || st.st_ino != sentinel.st_ino)
		abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	struct hull_unpack_opts o = { .max_total_bytes = 64 << 20, .max_entries = 10000 };
	hull_error_t err;
	int rootfd;

	if (scratchfd < 0)
		init ();
	if (ftruncate (layerfd, 0) < 0 || pwrite (layerfd, data, size, 0) != (ssize_t) size ||
	    lseek (layerfd, 0, SEEK_SET) != 0)
		abort ();
	if (mkdirat (scratchfd, "root", 0755) < 0)
		abort ();
	rootfd = openat (scratchfd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		abort ();
	/* Twice, as two layers: the second run meets everything the first one left
	 * (replacements, whiteouts and opaque dirs against lower content, cached parents
	 * whose children change). A layer that unpacks must have the diff_id that
	 * hull_image_layer_diff_id computes without unpacking. */
	for (int pass = 0; pass < 2; pass++) {
		struct hull_unpack_stats st;
		char hex[HULL_SHA256_HEX_LEN + 1];

		if (lseek (layerfd, 0, SEEK_SET) != 0)
			abort ();
		if (hull_image_unpack_layer (rootfd, layerfd, &o, &st, &err) < 0)
			break;
		if (lseek (layerfd, 0, SEEK_SET) != 0 ||
		    hull_image_layer_diff_id (layerfd, &o, hex, &err) < 0 ||
		    strcmp (hex, st.diff_id) != 0)
			abort ();
	}
	close (rootfd);
	check_outside ();
	if (hull_image_remove_tree (scratchfd, "root", &err) < 0)
		abort ();
	return 0;
}
