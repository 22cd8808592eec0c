/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/parse.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	char buf[64];
	hull_error_t err;
	uint64_t u;
	int64_t i;
	uint32_t u32;

	if (size >= sizeof buf)
		return 0;
	memcpy (buf, data, size);
	buf[size] = '\0';
	if (hull_parse_u64 (buf, 10, &u, "fuzz", &err) == 0 && (buf[0] < '0' || buf[0] > '9'))
		abort ();
	hull_parse_u64 (buf, 0, &u, "fuzz", &err);
	hull_parse_i64 (buf, &i, "fuzz", &err);
	hull_parse_u32 (buf, 8, &u32, "fuzz", &err);
	return 0;
}
