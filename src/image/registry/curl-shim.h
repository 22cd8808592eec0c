/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libcurl, loaded on first use (curl-shim.c). curl_easy_setopt and curl_easy_getinfo
 * are variadic, so they get one typed wrapper per argument type: a wrong type is then
 * a compile error instead of undefined behaviour. */
#ifndef HULL_REGISTRY_CURL_SHIM_H
#define HULL_REGISTRY_CURL_SHIM_H

#include <curl/curl.h>

#include "hull/error.h"

/* dlopen libcurl.so.4 and resolve every function; 0, or an error naming the library
 * (a missing libcurl4 is reported, not aborted on: only pulls need it). */
int hull_curl_load (hull_error_t *err);

CURL *hull_curl_easy_init (void);
void hull_curl_easy_cleanup (CURL *h);
void hull_curl_easy_reset (CURL *h);
CURLcode hull_curl_setopt_long (CURL *h, CURLoption o, long v);
CURLcode hull_curl_setopt_ptr (CURL *h, CURLoption o, const void *v);
CURLcode hull_curl_setopt_off (CURL *h, CURLoption o, curl_off_t v);
CURLcode hull_curl_setopt_write (CURL *h, CURLoption o, curl_write_callback fn);
CURLcode hull_curl_setopt_xferinfo (CURL *h, curl_xferinfo_callback fn);
CURLcode hull_curl_getinfo_long (CURL *h, CURLINFO i, long *v);
CURLcode hull_curl_getinfo_str (CURL *h, CURLINFO i, char **v);
CURLcode hull_curl_getinfo_ptr (CURL *h, CURLINFO i, void **v);
const char *hull_curl_easy_strerror (CURLcode c);
CURLcode hull_curl_easy_perform (CURL *h);

CURLM *hull_curl_multi_init (void);
CURLMcode hull_curl_multi_cleanup (CURLM *m);
CURLMcode hull_curl_multi_add_handle (CURLM *m, CURL *h);
CURLMcode hull_curl_multi_remove_handle (CURLM *m, CURL *h);
CURLMcode hull_curl_multi_perform (CURLM *m, int *running);
CURLMcode hull_curl_multi_poll (CURLM *m, int timeout_ms, int *numfds);
CURLMsg *hull_curl_multi_info_read (CURLM *m, int *left);
const char *hull_curl_multi_strerror (CURLMcode c);

struct curl_slist *hull_curl_slist_append (struct curl_slist *l, const char *s);
void hull_curl_slist_free_all (struct curl_slist *l);

#endif
