/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "common/sha256.h"

#include <openssl/evp.h>
#include <stdlib.h>

struct hull_sha256 {
	EVP_MD_CTX *md;
};

hull_sha256_t *
hull_sha256_new (void)
{
	hull_sha256_t *ctx = malloc (sizeof *ctx);
	if (ctx == NULL)
		abort ();
	ctx->md = EVP_MD_CTX_new ();
	if (ctx->md == NULL || EVP_DigestInit_ex (ctx->md, EVP_sha256 (), NULL) != 1)
		abort ();
	return ctx;
}

void
hull_sha256_update (hull_sha256_t *ctx, const void *data, size_t len)
{
	/* EVP_DigestUpdate only fails on a broken context, which is a program bug. */
	if (EVP_DigestUpdate (ctx->md, data, len) != 1)
		abort ();
}

void
hull_sha256_final (hull_sha256_t *ctx, uint8_t out[HULL_SHA256_LEN])
{
	unsigned int n = 0;
	if (EVP_DigestFinal_ex (ctx->md, out, &n) != 1 || n != HULL_SHA256_LEN)
		abort ();
}

hull_sha256_t *
hull_sha256_free (hull_sha256_t *ctx)
{
	if (ctx == NULL)
		return NULL;
	EVP_MD_CTX_free (ctx->md);
	free (ctx);
	return NULL;
}

void
hull_sha256 (const void *data, size_t len, uint8_t out[HULL_SHA256_LEN])
{
	hull_sha256_t *ctx = hull_sha256_new ();
	hull_sha256_update (ctx, data, len);
	hull_sha256_final (ctx, out);
	hull_sha256_free (ctx);
}

void
hull_sha256_hex (const uint8_t digest[HULL_SHA256_LEN], char hex[HULL_SHA256_HEX_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < HULL_SHA256_LEN; i++) {
		hex[2 * i] = digits[digest[i] >> 4];
		hex[2 * i + 1] = digits[digest[i] & 0xf];
	}
	hex[HULL_SHA256_HEX_LEN] = '\0';
}
