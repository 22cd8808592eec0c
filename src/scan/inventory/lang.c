/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Language package walk: being written (the readers land in this folder). */
#include "scan/inventory/lang.h"

int
hull_inventory_scan_lang (int rootfd, const struct hull_inventory_opts *o,
			  struct hull_inventory *inv, hull_error_t *err)
{
	return 0;
}
