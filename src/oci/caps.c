/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Capability names (capabilities(7)). The table is generated at build time from the
 * kernel's <linux/capability.h> (tools/gen-caps.py), so it is exactly the kernel
 * headers' list; the runtime still checks each requested capability against the
 * running kernel (PR_CAPBSET_READ) and refuses one it does not know. */
#include <string.h>

#include "hull/oci.h"

static const char *const cap_names[] = {
#include "caps-table.h"
};

#define N_CAPS ((int) (sizeof cap_names / sizeof cap_names[0]))

int
hull_oci_cap_from_name (const char *name)
{
	if (name == NULL)
		return -1;
	for (int i = 0; i < N_CAPS; i++)
		if (strcmp (cap_names[i], name) == 0)
			return i;
	return -1;
}

const char *
hull_oci_cap_name (int cap)
{
	if (cap < 0 || cap >= N_CAPS)
		return NULL;
	return cap_names[cap];
}

int
hull_oci_cap_last (void)
{
	return N_CAPS - 1;
}
