/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: bytes -> image reference parse (with and without a default domain) ->
 * format -> parse again. A reference either fails or round-trips to itself. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hull/image.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
round_trip (const char *s, const char *def)
{
	struct hull_image_ref r, r2;
	hull_error_t err = { 0 };
	char *out, *out2;

	if (hull_image_ref_parse (s, def, &r, &err) < 0)
		return;
	out = hull_image_ref_format (&r);
	/* The normal form is fully qualified: it parses without a default. */
	if (hull_image_ref_parse (out, NULL, &r2, &err) < 0)
		abort ();
	out2 = hull_image_ref_format (&r2);
	if (strcmp (out, out2) != 0)
		abort ();
	free (out);
	free (out2);
	hull_image_ref_clear (&r);
	hull_image_ref_clear (&r2);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	char *s = malloc (size + 1);

	memcpy (s, data, size);
	s[size] = '\0';
	round_trip (s, NULL);
	round_trip (s, "registry.test");
	free (s);
	return 0;
}
