/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SHA-256 over OpenSSL 3's EVP (DESIGN.md: do not hand-write what a Debian
 * package does well). */
#ifndef HULL_SHA256_H
#define HULL_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "hull/error.h"

#define HULL_SHA256_LEN 32
#define HULL_SHA256_HEX_LEN 64

typedef struct hull_sha256 hull_sha256_t;

hull_sha256_t *hull_sha256_new (void);
void hull_sha256_update (hull_sha256_t *ctx, const void *data, size_t len);
/* Writes 32 bytes to out; the context may not be used afterwards except to free it. */
void hull_sha256_final (hull_sha256_t *ctx, uint8_t out[HULL_SHA256_LEN]);
hull_sha256_t *hull_sha256_free (hull_sha256_t *ctx);

/* One-shot digest of a buffer. */
void hull_sha256 (const void *data, size_t len, uint8_t out[HULL_SHA256_LEN]);
/* Lower-case hex of a digest into hex[65]. */
void hull_sha256_hex (const uint8_t digest[HULL_SHA256_LEN], char hex[HULL_SHA256_HEX_LEN + 1]);

#endif
