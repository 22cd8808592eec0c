/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Registry client: `hull pull` over the OCI distribution HTTP API (docs/pull.md).
 * The parsers here read hostile input (response headers, credential files) and are
 * fuzzed (tests/fuzz/fuzz-registry-auth.c). */
#ifndef HULL_REGISTRY_H
#define HULL_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hull/error.h"
#include "hull/image.h"

#define HULL_REGISTRY_HEADER_MAX 8192 /* one WWW-Authenticate header */
#define HULL_REGISTRY_AUTHFILE_MAX (1024u * 1024)
#define HULL_REGISTRY_JOBS_MAX 16
#define HULL_REGISTRY_JOBS_DEFAULT 3
#define HULL_REGISTRY_RETRIES_DEFAULT 5
/* Total time one manifest, index, token or config request may take (seconds). Layers
 * have no total limit (a slow link must still work): they fail only below 1 byte/s
 * over 60 s, and resume. */
#define HULL_REGISTRY_METADATA_TIMEOUT_DEFAULT 60
#define HULL_REGISTRY_METADATA_TIMEOUT_MAX 3600
#define HULL_REGISTRY_CONFIG "/etc/hull/registries.json"
#define HULL_REGISTRY_CERTS_D "/etc/hull/certs.d"

/* ---- WWW-Authenticate (auth.c; RFC 9110 section 11.6.1, RFC 6750 section 3) ---- */

enum hull_registry_scheme {
	HULL_REGISTRY_AUTH_NONE = 0,
	HULL_REGISTRY_AUTH_BASIC,
	HULL_REGISTRY_AUTH_BEARER,
};

struct hull_registry_challenge {
	enum hull_registry_scheme scheme;
	char *realm;   /* Basic and Bearer; for Bearer the token endpoint URL */
	char *service; /* Bearer, may be NULL */
	char *scope;   /* Bearer, may be NULL */
	char *error;   /* Bearer "error" (insufficient_scope, invalid_token), may be NULL */
};

/* Parse one challenge: `Basic realm="x"` or `Bearer realm="url",service="s",scope="s"`.
 * The scheme is case-insensitive; parameters are token=token or token=quoted-string,
 * separated by commas. Refused: other schemes, more than one challenge, a duplicated
 * or empty parameter name, control characters, unterminated quotes, more than
 * HULL_REGISTRY_HEADER_MAX bytes, and a Bearer challenge without a realm.
 * Unknown parameters are ignored. */
int hull_registry_challenge_parse (const char *s, size_t len, struct hull_registry_challenge *out,
				   hull_error_t *err);
void hull_registry_challenge_clear (struct hull_registry_challenge *c);

/* ---- credentials (auth.c) ---- */

struct hull_registry_cred {
	char *user;
	char *pass;
};

/* Find `domain`'s credentials in an auth.json document (the format of podman,
 * skopeo and docker: {"auths": {"host:port": {"auth": base64("user:pass")}}}; keys
 * may also carry a scheme and a path, "https://host:port/v1/"). `name` labels
 * errors. Returns 1 and fills *out when found, 0 when the file has no entry for
 * the domain, negative on a malformed document or entry. */
int hull_registry_authfile_parse (const char *buf, size_t len, const char *name, const char *domain,
				  struct hull_registry_cred *out, hull_error_t *err);
/* The same, from the first file that exists of: `path` (when not NULL, must exist),
 * $REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json, ~/.docker/config.json. */
int hull_registry_authfile_find (const char *path, const char *domain,
				 struct hull_registry_cred *out, hull_error_t *err);
void hull_registry_cred_clear (struct hull_registry_cred *c);

/* Strict base64 (RFC 4648 section 4, padding required). *out is NUL-terminated. */
int hull_registry_base64_decode (const char *s, size_t len, char **out, size_t *out_len,
				 hull_error_t *err);
char *hull_registry_base64_encode (const void *buf, size_t len);

/* Parse a token endpoint's JSON answer ({"token": ...} or {"access_token": ...});
 * *out is the token (new string). */
int hull_registry_token_parse (const char *buf, size_t len, char **out, hull_error_t *err);

/* ---- URLs and registry settings (url.c) ---- */

/* "SCHEME://DOMAIN/v2/PATH/KIND/REF" (KIND "manifests" or "blobs"). */
char *hull_registry_url (bool insecure, const char *domain, const char *path, const char *kind,
			 const char *ref);
/* The token request URL: realm with service and scope appended as query parameters
 * (percent-encoded), `scope` used when the challenge names none. Refuses a realm
 * that is not http(s), and plain http unless `allow_http`. */
char *hull_registry_token_url (const struct hull_registry_challenge *c, const char *scope,
			       bool allow_http, hull_error_t *err);
/* "scheme://host[:port]" of an absolute http(s) URL into out (size n); -1 if the URL
 * is not one. Lower-cases scheme and host. */
int hull_registry_url_origin (const char *url, char *out, size_t n);
/* True if `domain` is named by an entry "host[:port]" of list (an entry without a
 * port names every port of that host). */
bool hull_registry_insecure_match (const char *domain, const char *const *list, size_t n);
/* Read {"insecure": ["host:port", ...]} from `path` (NULL: HULL_REGISTRY_CONFIG).
 * A missing file is no entries. *out is a NULL-terminated vector (free each). */
int hull_registry_config_load (const char *path, char ***out, size_t *n, hull_error_t *err);

/* ---- pull (pull.c) ---- */

enum hull_registry_blob_state {
	HULL_REGISTRY_BLOB_QUEUED = 0,
	HULL_REGISTRY_BLOB_ACTIVE,
	HULL_REGISTRY_BLOB_DONE,
	HULL_REGISTRY_BLOB_EXISTS, /* already in the store */
};

struct hull_registry_blob_progress {
	const char *digest;
	int64_t size;
	uint64_t done;
	enum hull_registry_blob_state state;
	unsigned retries;
};

struct hull_registry_progress {
	const char *ref;
	const struct hull_registry_blob_progress *blobs;
	size_t n;
	uint64_t done, total;
	bool final;
};

struct hull_registry_pull_opts {
	const char *platform;	     /* "os/arch[/variant]"; NULL: the host's */
	const char *tls_ca;	     /* extra CA file, besides the system store */
	const char *authfile;	     /* NULL: the search of authfile_find */
	const char *const *insecure; /* registries allowed over plain HTTP */
	size_t n_insecure;
	const char *config;  /* NULL: HULL_REGISTRY_CONFIG */
	const char *certs_d; /* NULL: HULL_REGISTRY_CERTS_D */
	unsigned jobs;	     /* parallel blob downloads; 0: 3 */
	unsigned retries;    /* attempts after the first (0: none) when retries_set */
	bool retries_set;    /* false: HULL_REGISTRY_RETRIES_DEFAULT */
	unsigned backoff_ms; /* first retry delay, doubled each time; 0: 250 */
	/* Total time limit of each manifest, index, token and config request (each
	 * redirect hop and each retry is a request of its own); 0: the default,
	 * HULL_REGISTRY_METADATA_TIMEOUT_DEFAULT seconds. A request over it fails with
	 * "no complete answer within N s" and is retried like a broken connection. */
	unsigned metadata_timeout_ms;
	void (*progress) (void *ctx, const struct hull_registry_progress *p);
	void *progress_ctx;
	/* When it becomes non-zero (a signal handler sets it), transfers stop and the
	 * pull fails with "interrupted", removing its temp files. May be NULL. */
	const volatile int *cancel;
};

/* Pull `ref` into the store: manifest (and index, with the platform selected),
 * config and layers, each verified against its digest and size while it streams;
 * then tag the normalised reference. Nothing is tagged unless everything arrived.
 * out_digest (may be NULL) receives the digest the reference now names. */
int hull_registry_pull (struct hull_image_store *s, const char *ref,
			const struct hull_registry_pull_opts *o,
			char out_digest[HULL_IMAGE_DIGEST_MAX], hull_error_t *err);

#endif
