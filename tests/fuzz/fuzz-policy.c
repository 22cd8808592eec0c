/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: policy JSON text -> parse -> check against a fixed config -> free. Any
 * input must end in either a policy or an error, with no leak, crash or UB. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hull/oci.h"
#include "hull/policy.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static const char config_json[] =
	"{\"ociVersion\": \"1.2.0\", \"process\": {\"args\": [\"/bin/sh\"], \"cwd\": \"/\","
	" \"user\": {\"uid\": 0, \"gid\": 0}, \"capabilities\": {\"bounding\": "
	"[\"CAP_SYS_ADMIN\"]}},"
	" \"root\": {\"path\": \"rootfs\"}, \"mounts\": [{\"destination\": \"/h\", \"type\": "
	"\"bind\","
	" \"source\": \"/etc\", \"options\": [\"rbind\"]}], \"linux\": {\"namespaces\": "
	"[{\"type\": \"mount\"}], \"devices\": [{\"path\": \"/dev/sda\", \"type\": \"b\", "
	"\"major\": 8, \"minor\": 0}]}}";

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	static struct hull_oci_config *cfg;
	struct hull_policy_report rep;
	hull_error_t err = { 0 };
	struct hull_policy *p;

	if (cfg == NULL)
		cfg = hull_oci_config_parse (config_json, strlen (config_json), "c", NULL, &err);
	if (cfg == NULL)
		abort ();
	p = hull_policy_parse ((const char *) data, size, "fuzz.json", &err);
	if (p != NULL && hull_policy_check (p, cfg, &rep, &err) == 0) {
		for (size_t i = 0; i < rep.n; i++)
			free (hull_policy_finding_format (p, &rep.v[i]));
		hull_policy_report_free (&rep);
	}
	hull_policy_free (p);
	return 0;
}
