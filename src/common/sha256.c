/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SHA-256 through OpenSSL 3's EVP (DESIGN.md: not hand-written), loaded on first use.
 *
 * Why dlopen: libcrypto is large; linked normally, the dynamic loader maps and relocates
 * it in every hull process, about 1 ms of CPU and 2 MiB of RSS per container start even
 * when nothing is hashed (measured with perf stat on an empty main linked against it).
 * Only the paths that hash (the seccomp cache key, digests) pay for it. */
#include "common/sha256.h"

#include <dlfcn.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>

struct evp_api {
	EVP_MD_CTX *(*ctx_new) (void);
	void (*ctx_free) (EVP_MD_CTX *);
	const EVP_MD *(*sha256) (void);
	int (*init) (EVP_MD_CTX *, const EVP_MD *, ENGINE *);
	int (*update) (EVP_MD_CTX *, const void *, size_t);
	int (*final) (EVP_MD_CTX *, unsigned char *, unsigned int *);
};

static struct evp_api evp;

struct hull_sha256 {
	EVP_MD_CTX *md;
};

static void __attribute__ ((noreturn)) crypto_missing (const char *what)
{
	/* A missing libcrypto is a broken installation (a package dependency), not an
	 * input error: there is no safe way on without the digest. */
	fprintf (stderr, "hull: libcrypto.so.3: %s\n", what);
	abort ();
}

static void *
sym (void *h, const char *name)
{
	void *p = dlsym (h, name);
	if (p == NULL)
		crypto_missing (name);
	return p;
}

static void
load_evp (void)
{
	void *h;

	if (evp.ctx_new)
		return;
	h = dlopen ("libcrypto.so.3", RTLD_NOW | RTLD_LOCAL);
	if (h == NULL)
		crypto_missing (dlerror ());
	evp.ctx_free = sym (h, "EVP_MD_CTX_free");
	evp.sha256 = sym (h, "EVP_sha256");
	evp.init = sym (h, "EVP_DigestInit_ex");
	evp.update = sym (h, "EVP_DigestUpdate");
	evp.final = sym (h, "EVP_DigestFinal_ex");
	evp.ctx_new = sym (h, "EVP_MD_CTX_new");
}

hull_sha256_t *
hull_sha256_new (void)
{
	hull_sha256_t *ctx = malloc (sizeof *ctx);

	load_evp ();
	if (ctx == NULL)
		abort ();
	ctx->md = evp.ctx_new ();
	if (ctx->md == NULL || evp.init (ctx->md, evp.sha256 (), NULL) != 1)
		abort ();
	return ctx;
}

void
hull_sha256_update (hull_sha256_t *ctx, const void *data, size_t len)
{
	/* EVP_DigestUpdate only fails on a broken context, which is a program bug. */
	if (evp.update (ctx->md, data, len) != 1)
		abort ();
}

void
hull_sha256_final (hull_sha256_t *ctx, uint8_t out[HULL_SHA256_LEN])
{
	unsigned int n = 0;
	if (evp.final (ctx->md, out, &n) != 1 || n != HULL_SHA256_LEN)
		abort ();
}

hull_sha256_t *
hull_sha256_free (hull_sha256_t *ctx)
{
	if (ctx == NULL)
		return NULL;
	evp.ctx_free (ctx->md);
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
