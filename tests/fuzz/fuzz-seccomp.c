/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: the seccomp profile compilers. Input starting with '{"format"' is hull's
 * group format (seccomp-profile.c), expanded and then compiled; anything else is a
 * config.json whose linux.seccomp is compiled with libseccomp (never loaded). Every
 * input must end in a program or an error, with no leak, crash or undefined behaviour. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "hull/oci.h"
#include "runtime/linux/seccomp.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
compile_config (const char *text, size_t size)
{
	struct hull_seccomp_prog *p = NULL;
	hull_error_t err = { 0 };
	struct hull_oci_config *cfg = hull_oci_config_parse (text, size, "fuzz.json", NULL, &err);

	if (cfg != NULL && hull_seccomp_compile (&cfg->linux_.seccomp, &p, &err) == 0)
		hull_seccomp_prog_free (p);
	hull_oci_config_free (cfg);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	static const char group_prefix[] = "{\"format\"";
	hull_error_t err = { 0 };
	json_t *oci;
	char *seccomp, *config;

	if (size < sizeof group_prefix - 1 ||
	    memcmp (data, group_prefix, sizeof group_prefix - 1)) {
		compile_config ((const char *) data, size);
		return 0;
	}
	oci = hull_seccomp_profile_expand ((const char *) data, size, &err);
	if (oci == NULL)
		return 0;
	seccomp = json_dumps (oci, JSON_COMPACT);
	json_decref (oci);
	if (seccomp == NULL)
		return 0;
	config = hull_xasprintf ("{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"r\"},"
				 "\"linux\":{\"seccomp\":%s}}",
				 seccomp);
	compile_config (config, strlen (config));
	free (config);
	free (seccomp);
	return 0;
}
