/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Version orderings on arbitrary bytes (src/scan/vuln/version*.c). Input: one byte
 * choosing the scheme, then two versions separated by the first NUL (or split in the
 * middle). Besides not crashing, every scheme must order consistently: a version equals
 * itself, cmp(a, b) == -cmp(b, a), a valid version sorts before one over the length
 * cap, and the ecosystem lookup copes with any name. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hull/scan.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static int
sign (int v)
{
	return (v > 0) - (v < 0);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	static char over_cap[1200];
	enum hull_vscheme s;
	char *a, *b;
	const uint8_t *nul;
	size_t la;

	if (size < 1 || size > 4096)
		return 0;
	s = (enum hull_vscheme) (data[0] % 9); /* 8 is out of range on purpose */
	data++, size--;
	nul = memchr (data, 0, size);
	la = nul ? (size_t) (nul - data) : size / 2;
	a = strndup ((const char *) data, la);
	b = strndup ((const char *) data + la + (nul != NULL), size - la - (nul != NULL));
	if (!a || !b)
		abort ();
	if (!over_cap[0])
		memset (over_cap, '9', sizeof over_cap - 1);
	if (hull_version_cmp (s, a, a) != 0 || hull_version_cmp (s, b, b) != 0)
		abort ();
	if (sign (hull_version_cmp (s, a, b)) != -sign (hull_version_cmp (s, b, a)))
		abort ();
	if (hull_version_valid (s, a) && hull_version_cmp (s, a, over_cap) >= 0)
		abort ();
	(void) hull_vscheme_for_ecosystem (a);
	free (a);
	free (b);
	return 0;
}
