/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `hull pull`: resolve a reference against its registry (distribution spec "Pulling
 * manifests", "Pulling blobs"), select the platform from an index, download config
 * and layers in parallel with libcurl's multi interface, and store every byte
 * through the store's verifying writer: a blob's digest and size are checked while
 * it streams (the writer refuses the byte after the descriptor's size), a broken
 * download resumes with a Range request from the bytes already received, and the
 * reference is tagged only when everything arrived. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/sha256.h"
#include "common/xalloc.h"
#include "image/registry/client.h"

#define ACCEPT_MANIFESTS                                                                           \
	"application/vnd.oci.image.manifest.v1+json, "                                             \
	"application/vnd.oci.image.index.v1+json, "                                                \
	"application/vnd.docker.distribution.manifest.v2+json, "                                   \
	"application/vnd.docker.distribution.manifest.list.v2+json"
#define DEFAULT_BACKOFF_MS 250
#define PROGRESS_EVERY_MS 100
#define REDIRECTS_MAX 10

struct job {
	const struct hull_image_desc *d;
	struct hull_registry_blob_progress *p;
	struct xfer x;
	char *url;
	bool send_auth, auth_retried, running, done;
	bool config; /* the config blob: small, so its requests have a total limit */
	unsigned attempts, redirects;
	uint64_t wait_until;
};

struct doc {
	char *buf;
	size_t len;
	char digest[HULL_IMAGE_DIGEST_MAX];
	char *media_type;
	struct hull_image_manifest *m;
};

struct puller {
	struct hull_image_store *s;
	const struct hull_registry_pull_opts *o;
	struct reg_client c;
	struct hull_image_ref ref;
	char *name; /* the normalised reference, for messages and the tag */
	char **cfg_insecure;
	size_t n_cfg_insecure;
	char *ca;
	struct job *jobs;
	struct hull_registry_blob_progress *prog;
	size_t n_jobs;
	uint64_t last_progress;
};

static void
puller_clear (struct puller *p)
{
	for (size_t i = 0; i < p->n_jobs; i++) {
		hull_reg_xfer_free (&p->jobs[i].x);
		free (p->jobs[i].url);
	}
	free (p->jobs);
	free (p->prog);
	for (size_t i = 0; i < p->n_cfg_insecure; i++)
		free (p->cfg_insecure[i]);
	free (p->cfg_insecure);
	free (p->ca);
	free (p->name);
	free (p->c.auth_header);
	hull_registry_cred_clear (&p->c.cred);
	hull_image_ref_clear (&p->ref);
}

static void
doc_clear (struct doc *d)
{
	free (d->buf);
	free (d->media_type);
	hull_image_manifest_free (d->m);
	memset (d, 0, sizeof *d);
}

/* Which CA, whether plain HTTP is allowed, and whose credentials. */
static int
puller_setup (struct puller *p, const char *arg, hull_error_t *err)
{
	const struct hull_registry_pull_opts *o = p->o;
	struct reg_client *c = &p->c;
	_cleanup_free_ char *ca = NULL;
	int r;

	if (hull_image_ref_parse (arg, HULL_DEFAULT_REGISTRY, &p->ref, err) < 0)
		return -EINVAL;
	p->name = hull_image_ref_format (&p->ref);
	c->domain = p->ref.domain;
	c->path = p->ref.path;
	c->retries = o->retries_set ? o->retries : HULL_REGISTRY_RETRIES_DEFAULT;
	c->backoff_ms = o->backoff_ms ? o->backoff_ms : DEFAULT_BACKOFF_MS;
	c->metadata_timeout_ms = o->metadata_timeout_ms
					 ? o->metadata_timeout_ms
					 : HULL_REGISTRY_METADATA_TIMEOUT_DEFAULT * 1000u;
	c->cancel = o->cancel;
	if (hull_registry_config_load (o->config, &p->cfg_insecure, &p->n_cfg_insecure, err) < 0)
		return -EINVAL;
	c->insecure = hull_registry_insecure_match (c->domain, o->insecure, o->n_insecure) ||
		      hull_registry_insecure_match (
			      c->domain, (const char *const *) p->cfg_insecure, p->n_cfg_insecure);
	snprintf (c->origin, sizeof c->origin, "%s://%s", c->insecure ? "http" : "https",
		  c->domain);
	for (char *q = c->origin; *q; q++)
		*q = (char) (*q >= 'A' && *q <= 'Z' ? *q + 32 : *q);
	ca = hull_xasprintf ("%s/%s/ca.crt", o->certs_d ? o->certs_d : HULL_REGISTRY_CERTS_D,
			     c->domain);
	if (o->tls_ca && access (o->tls_ca, R_OK) < 0)
		return hull_error_make (err, errno, "--tls-ca `%s`", o->tls_ca);
	if (o->tls_ca)
		c->tls_ca = o->tls_ca;
	else if (access (ca, R_OK) == 0)
		c->tls_ca = p->ca = TAKE_PTR (ca);
	r = hull_registry_authfile_find (o->authfile, c->domain, &c->cred, err);
	if (r < 0)
		return r;
	c->have_cred = r == 1;
	return 0;
}

static void
sha256_digest (const char *buf, size_t len, char out[HULL_IMAGE_DIGEST_MAX])
{
	uint8_t md[HULL_SHA256_LEN];
	char hex[HULL_SHA256_HEX_LEN + 1];

	hull_sha256 (buf, len, md);
	hull_sha256_hex (md, hex);
	snprintf (out, HULL_IMAGE_DIGEST_MAX, "sha256:%s", hex);
}

/* The media type the server gave, when it is one of the manifest types. */
static char *
content_type (struct xfer *x)
{
	char *ct = NULL;
	size_t n;

	if (hull_curl_getinfo_str (x->h, CURLINFO_CONTENT_TYPE, &ct) != CURLE_OK || ct == NULL)
		return NULL;
	n = strcspn (ct, "; \t");
	ct = hull_xstrndup (ct, n);
	if (hull_image_media_kind (ct) == HULL_IMAGE_KIND_UNKNOWN)
		return free (ct), NULL;
	return ct;
}

/* GET a manifest or index by tag or digest and check it is what was asked for: its
 * own SHA-256 is computed always, and must equal the digest pulled by (`want`), and
 * the registry's Docker-Content-Digest when it sends a sha256 one. */
static int
fetch_doc (struct puller *p, const char *reference, const char *want, int64_t want_size,
	   struct doc *d, hull_error_t *err)
{
	_cleanup_free_ char *url =
		hull_registry_url (p->c.insecure, p->c.domain, p->c.path, "manifests", reference);
	_cleanup_free_ char *what = hull_xasprintf ("registry `%s`: manifest `%s:%s`", p->c.domain,
						    p->c.path, reference);
	struct xfer x = { 0 };
	int r = hull_reg_fetch (&p->c, url, ACCEPT_MANIFESTS, HULL_IMAGE_JSON_MAX, &x, what, err);

	if (r == 0) {
		sha256_digest (x.mem ? x.mem : "", x.mem_len, d->digest);
		if (want && strcmp (want, d->digest) != 0)
			r = hull_error_make (err, 0, "%s: content has digest %s, expected %s", what,
					     d->digest, want);
		else if (want_size >= 0 && (uint64_t) want_size != x.mem_len)
			r = hull_error_make (err, 0, "%s: %zu bytes, expected %lld", what,
					     x.mem_len, (long long) want_size);
		else if (x.content_digest && hull_image_digest_valid (x.content_digest) &&
			 strcmp (x.content_digest, d->digest) != 0)
			r = hull_error_make (err, 0, "%s: content has digest %s, registry says %s",
					     what, d->digest, x.content_digest);
	}
	if (r == 0) {
		d->media_type = content_type (&x);
		d->len = x.mem_len;
		d->buf = TAKE_PTR (x.mem);
		if (d->buf == NULL)
			d->buf = hull_xstrdup ("");
		d->m = hull_image_manifest_parse (d->buf, d->len, d->media_type, err);
		if (d->m == NULL)
			r = hull_error_wrap (err, "%s", what);
	}
	hull_reg_xfer_free (&x);
	return r;
}

/* The top document, and for an index the platform's manifest as `child`. */
static int
resolve (struct puller *p, struct doc *top, struct doc *child, hull_error_t *err)
{
	struct hull_image_platform want;
	const struct hull_image_desc *d;
	int r;

	if (fetch_doc (p, p->ref.digest ? p->ref.digest : p->ref.tag, p->ref.digest, -1, top, err) <
	    0)
		return -EINVAL;
	if (top->m->kind != HULL_IMAGE_KIND_INDEX)
		return 0;
	if (p->o->platform == NULL)
		hull_image_platform_host (&want);
	else if (hull_image_platform_parse (p->o->platform, &want, err) < 0)
		return -EINVAL;
	d = hull_image_index_select (top->m, &want, err);
	hull_image_platform_clear (&want);
	if (d == NULL)
		return hull_error_wrap (err, "`%s`", p->name);
	r = fetch_doc (p, d->digest, d->digest, d->size, child, err);
	if (r == 0 && child->m->kind != HULL_IMAGE_KIND_MANIFEST)
		r = hull_error_make (err, 0, "`%s`: index entry %s is not an image manifest",
				     p->name, d->digest);
	return r;
}

/* One job per blob the store does not have yet (config and layers, once each). */
static void
plan_jobs (struct puller *p, const struct hull_image_manifest *m)
{
	size_t n = m->n_layers + 1;

	p->jobs = hull_xcalloc (n, sizeof *p->jobs);
	p->prog = hull_xcalloc (n, sizeof *p->prog);
	for (size_t i = 0; i < n; i++) {
		const struct hull_image_desc *d = i == 0 ? &m->config : &m->layers[i - 1];
		bool dup = false;
		for (size_t k = 0; k < p->n_jobs; k++)
			dup |= strcmp (p->jobs[k].d->digest, d->digest) == 0;
		if (dup)
			continue;
		p->prog[p->n_jobs] = (struct hull_registry_blob_progress){ .digest = d->digest,
									   .size = d->size };
		p->jobs[p->n_jobs] =
			(struct job){ .d = d, .p = &p->prog[p->n_jobs], .config = i == 0 };
		if (hull_image_store_has (p->s, d->digest)) {
			p->prog[p->n_jobs].state = HULL_REGISTRY_BLOB_EXISTS;
			p->prog[p->n_jobs].done = (uint64_t) d->size;
			p->jobs[p->n_jobs].done = true;
		}
		p->n_jobs++;
	}
}

static void
report (struct puller *p, bool final)
{
	struct hull_registry_progress pr = { p->name, p->prog, p->n_jobs, 0, 0, final };
	uint64_t now = hull_reg_now_ms ();

	if (p->o->progress == NULL || (!final && now - p->last_progress < PROGRESS_EVERY_MS))
		return;
	p->last_progress = now;
	for (size_t i = 0; i < p->n_jobs; i++) {
		struct job *j = &p->jobs[i];
		if (j->x.w && !j->done)
			j->p->done = hull_image_store_written (j->x.w);
		pr.done += j->p->done;
		pr.total += (uint64_t) j->d->size;
	}
	p->o->progress (p->o->progress_ctx, &pr);
}

static void
requeue_from_registry (struct puller *p, struct job *j)
{
	free (j->url);
	j->url = hull_registry_url (p->c.insecure, p->c.domain, p->c.path, "blobs", j->d->digest);
	j->send_auth = true;
	j->redirects = 0;
}

static int
start_job (struct puller *p, struct job *j, CURLM *m, hull_error_t *err)
{
	if (j->url == NULL)
		requeue_from_registry (p, j);
	if (j->x.w == NULL) {
		/* max = size: the writer refuses the byte after the descriptor's size. */
		j->x.w = hull_image_store_begin (p->s, (uint64_t) j->d->size, err);
		if (j->x.w == NULL)
			return -1;
	}
	j->x.store = p->s;
	j->x.blob_max = (uint64_t) j->d->size;
	j->x.range_from = hull_image_store_written (j->x.w);
	j->x.timeout_ms = j->config ? p->c.metadata_timeout_ms : 0;
	hull_reg_xfer_reset (&j->x);
	if (hull_reg_xfer_setup (&p->c, &j->x, j->url, NULL, j->send_auth, err) < 0)
		return -1;
	if (hull_curl_multi_add_handle (m, j->x.h) != CURLM_OK)
		return hull_error_make (err, 0, "curl_multi_add_handle failed");
	j->running = true;
	j->p->state = HULL_REGISTRY_BLOB_ACTIVE;
	return 0;
}

/* A transfer ended: done, or why and when to try again. */
static int
finish_job (struct puller *p, struct job *j, CURLcode rc, hull_error_t *err)
{
	char what[HULL_IMAGE_DIGEST_MAX + 64];
	char *next;

	snprintf (what, sizeof what, "%s %s", j->config ? "config" : "blob", j->d->digest);
	/* The connection broke after the last byte: the resumed request asks for nothing
	 * and gets 416 (RFC 9110 section 15.5.17); the digest decides as always. */
	if (rc == CURLE_OK && j->x.status == 416 && j->x.w &&
	    hull_image_store_written (j->x.w) == (uint64_t) j->d->size)
		j->x.status = 200;
	switch (hull_reg_classify (&p->c, &j->x, rc, what, err)) {
	case REG_DONE: {
		struct hull_image_blob_writer *w = TAKE_PTR (j->x.w);
		if (hull_image_store_commit (w, j->d->digest, j->d->size, NULL, err) < 0)
			return -1;
		j->done = true;
		j->p->done = (uint64_t) j->d->size;
		j->p->state = HULL_REGISTRY_BLOB_DONE;
		return 0;
	}
	case REG_REDIRECT:
		if (++j->redirects > REDIRECTS_MAX)
			return hull_error_make (err, 0, "%s: more than %d redirects", what,
						REDIRECTS_MAX);
		if ((next = hull_reg_redirect (&p->c, &j->x, &j->send_auth, what, err)) == NULL)
			return -1;
		free (j->url);
		j->url = next;
		return 0;
	case REG_AUTH:
		/* A token that expired mid-pull gets one renewal. */
		if (j->auth_retried || !j->send_auth)
			return hull_error_wrap (err, "authentication refused");
		j->auth_retried = true;
		return hull_reg_authenticate (&p->c, &j->x, err);
	case REG_RETRY:
		if (++j->attempts > p->c.retries)
			return hull_reg_gave_up (err, j->attempts);
		j->p->retries = j->attempts;
		j->wait_until =
			hull_reg_now_ms () + hull_reg_retry_delay (&p->c, &j->x, j->attempts);
		requeue_from_registry (p, j);
		return 0;
	case REG_FAIL:
		break;
	}
	return -1;
}

/* Start what may start now; returns how long until a waiting job may start. */
static uint64_t
start_ready (struct puller *p, CURLM *m, unsigned *running, unsigned jobs, hull_error_t *err,
	     int *r)
{
	uint64_t now = hull_reg_now_ms (), wait = PROGRESS_EVERY_MS;

	for (size_t i = 0; i < p->n_jobs && *r == 0; i++) {
		struct job *j = &p->jobs[i];
		if (j->done || j->running)
			continue;
		if (j->wait_until > now) {
			wait = j->wait_until - now < wait ? j->wait_until - now : wait;
			continue;
		}
		if (*running >= jobs)
			continue;
		if ((*r = start_job (p, j, m, err)) == 0)
			(*running)++;
	}
	return wait;
}

static int
collect (struct puller *p, CURLM *m, unsigned *running, hull_error_t *err)
{
	CURLMsg *msg;
	int left;

	while ((msg = hull_curl_multi_info_read (m, &left)) != NULL) {
		struct xfer *x = NULL;
		struct job *j = NULL;
		if (msg->msg != CURLMSG_DONE)
			continue;
		hull_curl_getinfo_ptr (msg->easy_handle, CURLINFO_PRIVATE, (void **) &x);
		for (size_t i = 0; i < p->n_jobs && j == NULL; i++)
			if (&p->jobs[i].x == x)
				j = &p->jobs[i];
		hull_curl_multi_remove_handle (m, msg->easy_handle);
		if (j == NULL)
			return hull_error_make (err, 0, "libcurl finished an unknown transfer");
		j->running = false;
		(*running)--;
		if (finish_job (p, j, msg->data.result, err) < 0)
			return -1;
	}
	return 0;
}

static bool
all_done (struct puller *p)
{
	for (size_t i = 0; i < p->n_jobs; i++)
		if (!p->jobs[i].done)
			return false;
	return true;
}

static int
download (struct puller *p, hull_error_t *err)
{
	unsigned jobs = p->o->jobs ? p->o->jobs : HULL_REGISTRY_JOBS_DEFAULT, running = 0;
	CURLM *m = hull_curl_multi_init ();
	int r = 0, still = 0;

	if (m == NULL)
		return hull_error_make (err, ENOMEM, "curl_multi_init");
	if (jobs > HULL_REGISTRY_JOBS_MAX)
		jobs = HULL_REGISTRY_JOBS_MAX;
	while (r == 0 && !all_done (p)) {
		if (p->c.cancel && *p->c.cancel) {
			r = hull_error_make (err, EINTR, "download");
			break;
		}
		uint64_t wait = start_ready (p, m, &running, jobs, err, &r);
		CURLMcode mc;
		if (r < 0)
			break;
		mc = hull_curl_multi_perform (m, &still);
		if (mc == CURLM_OK)
			r = collect (p, m, &running, err);
		if (r == 0 && mc == CURLM_OK)
			mc = hull_curl_multi_poll (m, (int) wait, NULL);
		if (r == 0 && mc != CURLM_OK)
			r = hull_error_make (err, 0, "libcurl: %s", hull_curl_multi_strerror (mc));
		report (p, false);
	}
	for (size_t i = 0; i < p->n_jobs; i++)
		if (p->jobs[i].running)
			hull_curl_multi_remove_handle (m, p->jobs[i].x.h);
	hull_curl_multi_cleanup (m);
	return r;
}

static const char *
doc_media_type (const struct doc *d)
{
	if (d->m->media_type)
		return d->m->media_type;
	if (d->media_type)
		return d->media_type;
	return d->m->kind == HULL_IMAGE_KIND_INDEX ? "application/vnd.oci.image.index.v1+json"
						   : "application/vnd.oci.image.manifest.v1+json";
}

/* Config checked against the manifest, then manifests stored, then the name. */
static int
commit (struct puller *p, struct doc *top, struct doc *img, hull_error_t *err)
{
	_cleanup_free_ char *cfg = NULL, *key = NULL;
	size_t len;

	if (hull_image_store_get (p->s, img->m->config.digest, HULL_IMAGE_JSON_MAX, &cfg, &len,
				  err) < 0 ||
	    hull_image_config_check (cfg, len, img->m->n_layers, err) < 0)
		return hull_error_wrap (err, "config %s", img->m->config.digest);
	if (img != top &&
	    hull_image_store_put_buf (p->s, img->buf, img->len, img->digest, NULL, err) < 0)
		return -EINVAL;
	if (hull_image_store_put_buf (p->s, top->buf, top->len, top->digest, NULL, err) < 0)
		return -EINVAL;
	if (p->ref.tag) {
		_cleanup_free_ char *name = hull_image_ref_name (&p->ref);
		key = hull_xasprintf ("%s:%s", name, p->ref.tag);
	} else {
		key = hull_xstrdup (p->name);
	}
	return hull_image_store_tag (p->s, key, top->digest, doc_media_type (top),
				     (int64_t) top->len, err);
}

static int
pull_locked (struct puller *p, struct doc *top, struct doc *img, hull_error_t *err)
{
	/* Refused before a byte is fetched: a config is read whole into memory later. */
	if (img->m->config.size > (int64_t) HULL_IMAGE_JSON_MAX)
		return hull_error_make (err, EFBIG, "config %s: %lld bytes, more than %u",
					img->m->config.digest, (long long) img->m->config.size,
					HULL_IMAGE_JSON_MAX);
	plan_jobs (p, img->m);
	report (p, true);
	if (download (p, err) < 0)
		return -EINVAL;
	report (p, true);
	return commit (p, top, img, err);
}

/* Every part of a pull error may quote the registry (a manifest's media type, the
 * JSON parser's "near '...'", a header): control characters (C0, DEL, and C1 as
 * UTF-8) become '?', so the one line printed cannot be split or carry escape
 * sequences to the terminal (CWE-150). */
static void
defang (char *msg)
{
	for (unsigned char *q = (unsigned char *) msg; *q; q++) {
		if (*q < 0x20 || *q == 0x7f)
			*q = '?';
		else if (q[0] == 0xc2 && q[1] >= 0x80 && q[1] <= 0x9f)
			q[0] = q[1] = '?';
	}
}

int
hull_registry_pull (struct hull_image_store *s, const char *ref,
		    const struct hull_registry_pull_opts *o, char out_digest[HULL_IMAGE_DIGEST_MAX],
		    hull_error_t *err)
{
	struct puller p = { .s = s, .o = o };
	struct doc top = { 0 }, child = { 0 };
	struct doc *img;
	int r = hull_curl_load (err);

	if (r == 0)
		r = puller_setup (&p, ref, err);
	if (r == 0)
		r = resolve (&p, &top, &child, err);
	img = child.m ? &child : &top;
	/* The lock keeps prune from removing blobs written but not yet named. */
	if (r == 0 && (r = hull_image_store_lock (s, err)) == 0) {
		r = pull_locked (&p, &top, img, err);
		hull_image_store_unlock (s);
	}
	if (r == 0 && out_digest)
		snprintf (out_digest, HULL_IMAGE_DIGEST_MAX, "%s", top.digest);
	if (r < 0) {
		hull_error_wrap (err, "pull `%s`", p.name ? p.name : ref);
		if (err)
			defang (err->msg);
	}
	doc_clear (&top);
	doc_clear (&child);
	puller_clear (&p);
	return r < 0 ? r : 0;
}
