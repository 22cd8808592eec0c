/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: hostile image content that `hull run IMAGE` reads.
 * First byte 'P' or 'G': the rest is the image's /etc/passwd or /etc/group, and a user
 * is looked up in it. Otherwise the input is an image config: strict parse, then the
 * runtime config built from it (which hull's own parser must accept). Any input ends
 * in a result or an error, with no leak, crash or UB. */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hull/image.h"
#include "hull/oci.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static char dir[64];
static int rootfd = -1;

static void
cleanup (void)
{
	unlinkat (rootfd, "etc/passwd", 0);
	unlinkat (rootfd, "etc/group", 0);
	unlinkat (rootfd, "etc", AT_REMOVEDIR);
	rmdir (dir);
}

static void
init (void)
{
	char etc[80];

	snprintf (dir, sizeof dir, "/tmp/hull-fuzz-image.XXXXXX");
	if (mkdtemp (dir) == NULL)
		abort ();
	snprintf (etc, sizeof etc, "%s/etc", dir);
	mkdir (etc, 0755);
	rootfd = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		abort ();
	atexit (cleanup);
}

static void
put (const char *name, const uint8_t *data, size_t size)
{
	int fd = openat (rootfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || (size && write (fd, data, size) != (ssize_t) size))
		abort ();
	close (fd);
}

static void
lookup (const uint8_t *data, size_t size)
{
	static const char *const specs[] = { "root", "app", "0", "app:staff", "1000:wheel" };
	hull_error_t err = { 0 };
	struct hull_image_user u;

	put (data[0] == 'P' ? "etc/passwd" : "etc/group", data + 1, size - 1);
	for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++)
		if (hull_image_user_lookup (rootfd, specs[i], &u, &err) == 0) {
			/* Never an id setresuid(2) would read as "unchanged" (-1). */
			if (u.uid > HULL_IMAGE_ID_MAX || u.gid > HULL_IMAGE_ID_MAX)
				abort ();
			for (size_t k = 0; k < u.n_groups; k++)
				if (u.groups[k] > HULL_IMAGE_ID_MAX)
					abort ();
			hull_image_user_clear (&u);
		}
}

static void
config (const uint8_t *data, size_t size)
{
	static const char *const args[] = { "true" };
	struct hull_image_run_opts o = { .rootfs = "/r", .read_only = true, .rootfd = rootfd };
	hull_error_t err = { 0 };
	struct hull_image_config *ic;
	struct hull_oci_config *cfg;
	char *text;

	ic = hull_image_config_parse ((const char *) data, size, &err);
	if (ic == NULL)
		return;
	for (int pass = 0; pass < 2; pass++) {
		o.args = pass ? args : NULL;
		o.n_args = pass ? 1 : 0;
		text = hull_image_bundle_config (ic, &o, &err);
		if (text == NULL)
			continue;
		cfg = hull_oci_config_parse (text, strlen (text), "built", NULL, &err);
		if (cfg == NULL)
			abort (); /* hull must be able to read back what it wrote */
		hull_oci_config_free (cfg);
		free (text);
	}
	hull_image_config_free (ic);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	if (rootfd < 0)
		init ();
	if (size > 0 && (data[0] == 'P' || data[0] == 'G'))
		lookup (data, size);
	else
		config (data, size);
	return 0;
}
