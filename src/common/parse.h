/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Checked integer parsers: the only way hull turns text into numbers
 * (STYLE.md bans atoi and unchecked strtol). */
#ifndef HULL_PARSE_H
#define HULL_PARSE_H

#include <stdint.h>

#include "hull/error.h"

/* Parse a whole string as a base-10 (or 0x hex / 0 octal when base is 0) unsigned
 * integer. Refuses empty strings, signs, trailing garbage and overflow. `what`
 * names the object in the error message. */
int hull_parse_u64 (const char *s, int base, uint64_t *out, const char *what, hull_error_t *err);
int hull_parse_u32 (const char *s, int base, uint32_t *out, const char *what, hull_error_t *err);
int hull_parse_i64 (const char *s, int64_t *out, const char *what, hull_error_t *err);
int hull_parse_int (const char *s, int *out, const char *what, hull_error_t *err);

#endif
