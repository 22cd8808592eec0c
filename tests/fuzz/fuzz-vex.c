/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: OpenVEX JSON -> parse -> apply to fixed findings -> JSON and SARIF reports.
 * Every input ends in a document or an error, with no leak, crash or UB. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "hull/scan.h"
#include "scan/report/report.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
findings (struct hull_findings *f)
{
	static const char *const ids[] = { "CVE-2024-0001", "GHSA-aaaa-bbbb-cccc",
					   "CVE-2023-4911" };
	for (size_t i = 0; i < 3; i++) {
		struct hull_finding *x = hull_findings_add (f);
		x->id = hull_xstrdup (ids[i]);
		x->pkg_name = hull_xstrdup ("openssl");
		x->pkg_version = hull_xstrdup ("3.0.11-1");
		x->pkg_purl = hull_xstrdup ("pkg:deb/debian/openssl@3.0.11-1?arch=amd64");
		x->severity = (enum hull_severity) (i + 1);
	}
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	struct hull_findings f = { 0 };
	struct hull_report_opts o = { .tool_version = "fuzz" };
	struct hull_vex vx;
	hull_error_t err = { 0 };

	if (hull_vex_parse ((const char *) data, size, "fuzz.json", &vx, &err) < 0)
		return 0;
	findings (&f);
	hull_vex_apply (&vx, &f);
	free (hull_report_json (NULL, &f, &o));
	free (hull_report_sarif (NULL, &f, &o));
	hull_findings_clear (&f);
	hull_vex_clear (&vx);
	return 0;
}
