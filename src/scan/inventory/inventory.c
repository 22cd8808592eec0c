/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hull_inventory_scan_dir: the OS first (the OS package purls and ecosystems name it),
 * then each OS package database, then the language packages. */
#include <errno.h>
#include <fcntl.h>

#include "common/cleanup.h"
#include "common/path.h"
#include "common/xalloc.h"
#include "scan/inventory/lang.h"
#include "scan/inventory/readers.h"

typedef int (*os_reader) (int rootfd, const struct hull_inventory_opts *o,
			  struct hull_inventory *inv, hull_error_t *err);

static const os_reader os_readers[] = {
	hull_inventory_dpkg_scan,
	hull_inventory_apk_scan,
	hull_inventory_rpm_scan,
};

int
hull_inventory_scan_dir (int rootfd, const char *target, const struct hull_inventory_opts *opts,
			 struct hull_inventory *out, hull_error_t *err)
{
	struct hull_inventory_opts o = hull_inventory_opts_resolve (opts);
	_cleanup_close_ int root = -EBADF;

	/* Any fd of the tree will do: normalise to a directory fd of its root. */
	root = hull_path_openat_in_root (rootfd, "/", O_RDONLY | O_DIRECTORY, 0, err);
	if (root < 0)
		return hull_error_wrap (err, "inventory `%s`", target ? target : "?");
	free (out->target);
	out->target = hull_xstrdup (target ? target : "");
	if (hull_inventory_osrelease_read (root, &o, &out->os, err) < 0)
		return hull_error_wrap (err, "inventory `%s`", out->target);
	for (size_t i = 0; i < sizeof os_readers / sizeof os_readers[0]; i++)
		if (os_readers[i](root, &o, out, err) < 0)
			return hull_error_wrap (err, "inventory `%s`", out->target);
	if (!o.skip_language && hull_inventory_scan_lang (root, &o, out, err) < 0)
		return hull_error_wrap (err, "inventory `%s`", out->target);
	return 0;
}
