/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CVSS v3.x vectors and severity names on arbitrary bytes (src/scan/vuln/cvss.c): no
 * crash, and an accepted vector scores 0.0-10.0 in steps of 0.1, with an error message
 * otherwise. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hull/scan.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	hull_error_t err = { 0 };
	double score = -1;
	char *v;

	if (size > 4096)
		return 0;
	v = strndup ((const char *) data, size);
	if (!v)
		abort ();
	if (hull_cvss3_base_score (v, &score, &err) == 0) {
		double tenths = score * 10;

		if (!(score >= 0 && score <= 10) ||
		    tenths - (double) (long) (tenths + 0.5) > 1e-9 ||
		    (double) (long) (tenths + 0.5) - tenths > 1e-9)
			abort ();
		(void) hull_severity_name (hull_severity_from_score (score));
	} else if (err.msg[0] == 0) {
		abort ();
	}
	(void) hull_severity_parse (v);
	free (v);
	return 0;
}
