/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Language package readers (Python, npm, Go binaries, Cargo, Java, Ruby), called by
 * hull_inventory_scan_dir after the OS package databases. */
#ifndef HULL_SCAN_INVENTORY_LANG_H
#define HULL_SCAN_INVENTORY_LANG_H

#include "hull/scan.h"

/* Walk the tree below `rootfd` (never following symlinks out of it, at most
 * o->max_depth deep) and append every language package found to `inv`. */
int hull_inventory_scan_lang (int rootfd, const struct hull_inventory_opts *o,
			      struct hull_inventory *inv, hull_error_t *err);

#endif
