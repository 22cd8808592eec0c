/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The HTTP side of the registry client (client.c), shared with pull.c. */
#ifndef HULL_REGISTRY_CLIENT_H
#define HULL_REGISTRY_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include "hull/registry.h"
#include "image/registry/curl-shim.h"

#define ORIGIN_MAX 300

/* One registry repository as this pull speaks to it. */
struct reg_client {
	const char *domain;
	const char *path;
	char origin[ORIGIN_MAX]; /* "https://host:port": where Authorization may go */
	bool insecure;
	const char *tls_ca; /* NULL: system store only */
	struct hull_registry_cred cred;
	bool have_cred;
	char *auth_header; /* "Authorization: ..." for the registry, or NULL */
	unsigned retries, backoff_ms;
	unsigned metadata_timeout_ms; /* total limit of a manifest, token or config request */
	bool is_token_endpoint;	      /* a 401 here is final: no challenge flow */
	const volatile int *cancel;
};

/* One HTTP exchange: response headers hull looks at, and where the body goes. */
struct xfer {
	CURL *h;
	char errbuf[CURL_ERROR_SIZE];
	struct curl_slist *headers;
	long status;
	char *www_auth, *content_digest, *retry_after, *content_range;
	/* memory sink (manifests, tokens, and every non-2xx body, capped) */
	char *mem;
	size_t mem_len, mem_max;
	/* blob sink */
	struct hull_image_store *store;
	struct hull_image_blob_writer *w;
	uint64_t blob_max;
	uint64_t range_from; /* the offset asked for with Range, 0: none */
	/* Total time limit of the request (CURLOPT_TIMEOUT_MS), 0: none (layers keep
	 * only the low-speed rule); set before hull_reg_xfer_setup, kept by reset. */
	unsigned timeout_ms;
	uint64_t started_ms; /* when hull_reg_xfer_setup ran: tells the limit from other timeouts */
	bool started;	     /* the first body byte of this response was seen */
	hull_error_t werr;   /* raised inside a callback; werr_set tells */
	bool werr_set;
};

/* Prepare h for a GET of url with hull's TLS, protocol, timeout and callback
 * settings; `send_auth` adds the registry's Authorization header. */
int hull_reg_xfer_setup (struct reg_client *c, struct xfer *x, const char *url, const char *accept,
			 bool send_auth, hull_error_t *err);
/* Forget the previous response (between attempts). */
void hull_reg_xfer_reset (struct xfer *x);
void hull_reg_xfer_free (struct xfer *x);

/* What to do after an exchange ended with curl code `rc`. */
enum reg_next {
	REG_DONE,     /* 2xx */
	REG_REDIRECT, /* 3xx with a usable Location */
	REG_AUTH,     /* 401 from the registry */
	REG_RETRY,    /* 429, 5xx, 408, or a transport error worth repeating */
	REG_FAIL,     /* err filled */
};
enum reg_next hull_reg_classify (struct reg_client *c, struct xfer *x, CURLcode rc,
				 const char *what, hull_error_t *err);
/* The delay before attempt `attempt` (1-based): exponential from backoff_ms, or
 * Retry-After when the server gave one, capped at 30 s. */
unsigned hull_reg_retry_delay (struct reg_client *c, struct xfer *x, unsigned attempt);
/* Follow a 3xx: the next URL (new string) and whether Authorization goes with it (only
 * to the registry's own origin). Refuses a non-HTTPS target unless insecure. */
char *hull_reg_redirect (struct reg_client *c, struct xfer *x, bool *send_auth, const char *what,
			 hull_error_t *err);
/* Answer the 401 in x: fetch a Bearer token (with basic credentials when present) or
 * use the basic credentials; sets c->auth_header. */
int hull_reg_authenticate (struct reg_client *c, struct xfer *x, hull_error_t *err);
/* GET url into memory (at most max bytes), with redirects, auth and retries. */
int hull_reg_fetch (struct reg_client *c, const char *url, const char *accept, size_t max,
		    struct xfer *x, const char *what, hull_error_t *err);
uint64_t hull_reg_now_ms (void);
/* Append "; gave up after N attempts" to the last attempt's error; returns < 0. */
int hull_reg_gave_up (hull_error_t *err, unsigned attempts);

#endif
