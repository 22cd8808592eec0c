/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: .hullignore text -> parse -> apply to fixed findings on two dates -> table.
 * Every input ends in entries or an error, with no leak, crash or UB. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "hull/scan.h"
#include "scan/report/report.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	struct hull_findings f = { 0 };
	struct hull_report_opts o = { 0 };
	struct hull_ignore ig;
	hull_error_t err = { 0 };
	FILE *null;

	if (hull_ignore_parse ((const char *) data, size, "fuzz", &ig, &err) < 0)
		return 0;
	for (int i = 0; i < 2; i++) {
		struct hull_finding *x = hull_findings_add (&f);
		x->id = hull_xstrdup (i ? "CVE-2024-0001" : "DSA-5999-1");
		x->pkg_name = hull_xstrdup ("openssl");
		x->source_name = hull_xstrdup ("openssl");
	}
	hull_ignore_apply (&ig, 20240101, &f);
	hull_ignore_apply (&ig, 99991231, &f);
	for (size_t i = 0; i < ig.n; i++)
		if (ig.v[i].id == NULL || ig.v[i].line == 0)
			abort ();
	if ((null = fopen ("/dev/null", "we")) != NULL) {
		hull_report_table (null, NULL, &f, &o, &err);
		fclose (null);
	}
	hull_findings_clear (&f);
	hull_ignore_clear (&ig);
	return 0;
}
