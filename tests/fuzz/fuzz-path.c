/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz the rootfs resolver's fallback walk (the user-space half, where bugs would be
 * ours) with arbitrary paths against a small fixed tree full of hostile symlinks. No
 * lookup may reach the host file outside the root. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/path.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static int rootfd = -1;
static ino_t outside_ino;

static void
init_tree (void)
{
	char dir[] = "/tmp/hull-fuzz-path-XXXXXX";
	char p[256];
	struct stat st;

	if (mkdtemp (dir) == NULL)
		abort ();
	snprintf (p, sizeof p, "%s/root", dir);
	mkdir (p, 0755);
	snprintf (p, sizeof p, "%s/outside", dir);
	close (open (p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
	stat (p, &st);
	outside_ino = st.st_ino;
	snprintf (p, sizeof p, "%s/root/up", dir);
	symlink ("../../../..", p);
	snprintf (p, sizeof p, "%s/root/abs", dir);
	symlink ("/", p);
	snprintf (p, sizeof p, "%s/root/out", dir);
	symlink ("../outside", p);
	snprintf (p, sizeof p, "%s/root/d", dir);
	mkdir (p, 0755);
	snprintf (p, sizeof p, "%s/root/d/self", dir);
	symlink ("..", p);
	snprintf (p, sizeof p, "%s/root", dir);
	rootfd = open (p, O_PATH | O_DIRECTORY | O_CLOEXEC);
	hull_path_force_fallback (true);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	char path[1024];
	hull_error_t err;
	struct stat st;
	int fd;

	if (rootfd < 0)
		init_tree ();
	if (size >= sizeof path)
		return 0;
	memcpy (path, data, size);
	path[size] = '\0';
	fd = hull_path_openat_in_root (rootfd, path, O_PATH, 0, &err);
	if (fd >= 0) {
		if (fstat (fd, &st) == 0 && st.st_ino == outside_ino)
			abort (); /* escaped the root */
		close (fd);
	}
	return 0;
}
