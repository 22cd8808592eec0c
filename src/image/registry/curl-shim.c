/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libcurl, loaded on first use.
 *
 * Why: linked normally, libcurl and what it pulls in (nghttp2, ssh, ldap, gssapi,
 * psl, idn2, brotli, zstd, ...) would be mapped and relocated by every hull process,
 * including every container start that never pulls: the same cost that made
 * libarchive a shim (src/image/archive-shim.c: +3.4 MiB RSS, +40 % CPU per run).
 * Only `hull pull` calls hull_curl_load, which resolves the whole table at once so
 * that a broken installation fails before any transfer starts. */
#include <dlfcn.h>
#include <stdbool.h>
#include <stddef.h>

#include "image/registry/curl-shim.h"

#define LIBCURL "libcurl.so.4"

static struct {
	bool loaded;
	CURLcode (*global_init) (long flags);
	CURL *(*easy_init) (void);
	void (*easy_cleanup) (CURL *h);
	void (*easy_reset) (CURL *h);
	CURLcode (*easy_setopt) (CURL *h, CURLoption o, ...);
	CURLcode (*easy_getinfo) (CURL *h, CURLINFO i, ...);
	const char *(*easy_strerror) (CURLcode c);
	CURLcode (*easy_perform) (CURL *h);
	CURLM *(*multi_init) (void);
	CURLMcode (*multi_cleanup) (CURLM *m);
	CURLMcode (*multi_add_handle) (CURLM *m, CURL *h);
	CURLMcode (*multi_remove_handle) (CURLM *m, CURL *h);
	CURLMcode (*multi_perform) (CURLM *m, int *running);
	CURLMcode (*multi_poll) (CURLM *m, struct curl_waitfd *fds, unsigned n, int ms,
				 int *numfds);
	CURLMsg *(*multi_info_read) (CURLM *m, int *left);
	const char *(*multi_strerror) (CURLMcode c);
	struct curl_slist *(*slist_append) (struct curl_slist *l, const char *s);
	void (*slist_free_all) (struct curl_slist *l);
} fn;

#define ENTRY(field, sym)                                                                          \
	{                                                                                          \
		offsetof (__typeof__ (fn), field), sym                                             \
	}

static const struct {
	size_t offset;
	const char *sym;
} table[] = {
	ENTRY (global_init, "curl_global_init"),
	ENTRY (easy_init, "curl_easy_init"),
	ENTRY (easy_cleanup, "curl_easy_cleanup"),
	ENTRY (easy_reset, "curl_easy_reset"),
	ENTRY (easy_setopt, "curl_easy_setopt"),
	ENTRY (easy_getinfo, "curl_easy_getinfo"),
	ENTRY (easy_strerror, "curl_easy_strerror"),
	ENTRY (easy_perform, "curl_easy_perform"),
	ENTRY (multi_init, "curl_multi_init"),
	ENTRY (multi_cleanup, "curl_multi_cleanup"),
	ENTRY (multi_add_handle, "curl_multi_add_handle"),
	ENTRY (multi_remove_handle, "curl_multi_remove_handle"),
	ENTRY (multi_perform, "curl_multi_perform"),
	ENTRY (multi_poll, "curl_multi_poll"),
	ENTRY (multi_info_read, "curl_multi_info_read"),
	ENTRY (multi_strerror, "curl_multi_strerror"),
	ENTRY (slist_append, "curl_slist_append"),
	ENTRY (slist_free_all, "curl_slist_free_all"),
};

int
hull_curl_load (hull_error_t *err)
{
	void *lib;

	if (fn.loaded)
		return 0;
	lib = dlopen (LIBCURL, RTLD_NOW | RTLD_LOCAL);
	if (lib == NULL)
		return hull_error_make (err, 0, "%s: %s (install libcurl4)", LIBCURL, dlerror ());
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
		void *p = dlsym (lib, table[i].sym);
		if (p == NULL)
			return hull_error_make (err, 0, "%s: no %s (libcurl >= 7.66 needed)",
						LIBCURL, table[i].sym);
		*(void **) ((char *) &fn + table[i].offset) = p;
	}
	if (fn.global_init (CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return hull_error_make (err, 0, "%s: curl_global_init failed", LIBCURL);
	fn.loaded = true;
	return 0;
}

CURL *
hull_curl_easy_init (void)
{
	return fn.easy_init ();
}

void
hull_curl_easy_cleanup (CURL *h)
{
	if (h)
		fn.easy_cleanup (h);
}

void
hull_curl_easy_reset (CURL *h)
{
	fn.easy_reset (h);
}

CURLcode
hull_curl_setopt_long (CURL *h, CURLoption o, long v)
{
	return fn.easy_setopt (h, o, v);
}

CURLcode
hull_curl_setopt_ptr (CURL *h, CURLoption o, const void *v)
{
	return fn.easy_setopt (h, o, v);
}

CURLcode
hull_curl_setopt_off (CURL *h, CURLoption o, curl_off_t v)
{
	return fn.easy_setopt (h, o, v);
}

CURLcode
hull_curl_setopt_write (CURL *h, CURLoption o, curl_write_callback f)
{
	return fn.easy_setopt (h, o, f);
}

CURLcode
hull_curl_setopt_xferinfo (CURL *h, curl_xferinfo_callback f)
{
	return fn.easy_setopt (h, CURLOPT_XFERINFOFUNCTION, f);
}

CURLcode
hull_curl_getinfo_long (CURL *h, CURLINFO i, long *v)
{
	return fn.easy_getinfo (h, i, v);
}

CURLcode
hull_curl_getinfo_str (CURL *h, CURLINFO i, char **v)
{
	return fn.easy_getinfo (h, i, v);
}

CURLcode
hull_curl_getinfo_ptr (CURL *h, CURLINFO i, void **v)
{
	return fn.easy_getinfo (h, i, v);
}

const char *
hull_curl_easy_strerror (CURLcode c)
{
	return fn.easy_strerror (c);
}

CURLcode
hull_curl_easy_perform (CURL *h)
{
	return fn.easy_perform (h);
}

CURLM *
hull_curl_multi_init (void)
{
	return fn.multi_init ();
}

CURLMcode
hull_curl_multi_cleanup (CURLM *m)
{
	return m ? fn.multi_cleanup (m) : CURLM_OK;
}

CURLMcode
hull_curl_multi_add_handle (CURLM *m, CURL *h)
{
	return fn.multi_add_handle (m, h);
}

CURLMcode
hull_curl_multi_remove_handle (CURLM *m, CURL *h)
{
	return fn.multi_remove_handle (m, h);
}

CURLMcode
hull_curl_multi_perform (CURLM *m, int *running)
{
	return fn.multi_perform (m, running);
}

CURLMcode
hull_curl_multi_poll (CURLM *m, int timeout_ms, int *numfds)
{
	return fn.multi_poll (m, NULL, 0, timeout_ms, numfds);
}

CURLMsg *
hull_curl_multi_info_read (CURLM *m, int *left)
{
	return fn.multi_info_read (m, left);
}

const char *
hull_curl_multi_strerror (CURLMcode c)
{
	return fn.multi_strerror (c);
}

struct curl_slist *
hull_curl_slist_append (struct curl_slist *l, const char *s)
{
	return fn.slist_append (l, s);
}

void
hull_curl_slist_free_all (struct curl_slist *l)
{
	if (l)
		fn.slist_free_all (l);
}
