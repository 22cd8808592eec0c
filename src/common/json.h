/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one wrapper over jansson (STYLE.md "Parsing untrusted data"): a size cap
 * before parsing, duplicate keys refused, "NAME:LINE:COL: message" errors, and
 * JSON -> struct mapping through static dispatch tables whose errors name the
 * JSON path ("config.json: process.user.uid: expected an unsigned 32-bit integer").
 *
 * The struct types hull_strv and hull_kvv come from hull/oci.h, where the OCI
 * model declared them first. */
#ifndef HULL_JSON_H
#define HULL_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "hull/error.h"
#include "hull/oci.h"

#define HULL_JSON_PATH_MAX 512
#define HULL_JSON_UNKNOWN_MAX 4096 /* unknown-key paths recorded at most */
#define HULL_JSON_DEFAULT_MAX 4096 /* array/object count cap when a field gives none */

enum hull_json_type {
	HULL_JSON_IGNORE = 0, /* known key, value not used (process.commandLine) */
	HULL_JSON_STRING,     /* char * (xstrdup'ed) */
	HULL_JSON_BOOL,	      /* bool */
	HULL_JSON_INT32,      /* int32_t (an `int` field is fine: same size on Linux) */
	HULL_JSON_UINT32,     /* uint32_t */
	HULL_JSON_INT64,      /* int64_t */
	HULL_JSON_UINT64,     /* uint64_t */
	HULL_JSON_STRV,	      /* struct hull_strv from an array of strings, count <= max */
	HULL_JSON_KVV,	      /* struct hull_kvv from an object of strings, count <= max */
	HULL_JSON_OBJECT,     /* nested object mapped with `sub` at base + offset */
	HULL_JSON_ARRAY,      /* array of objects: elem_size, count offset, `sub`, max */
	HULL_JSON_CUSTOM,     /* fn (ctx, field, value, base, err) does everything */
	HULL_JSON_EACH,	      /* array of at most max values: fn (ctx, field, element, base,
				 err) for each, the path at [i] (elements of any type) */
};

enum hull_json_flags {
	HULL_JSON_MANDATORY = 1u << 0, /* missing (or null) is an error */
	HULL_JSON_HAS = 1u << 1,       /* set the bool at `has` when present */
	/* null is a value handed to the field's parser (and refused by its type
	 * check), not "absent": for formats whose readers always refused null. */
	HULL_JSON_NULL_VALUE = 1u << 2,
};

struct hull_json_ctx;
struct hull_json_field;

/* For HULL_JSON_CUSTOM: parse `value` into `base` (the struct the table maps;
 * NULL in check-only mode). For OBJECT and ARRAY: an optional check run after each
 * object is mapped, with `base` the mapped object (NULL in check-only mode) and
 * `value` its JSON. Returns 0 or a negative value with err filled. */
typedef int (*hull_json_fn) (struct hull_json_ctx *ctx, const struct hull_json_field *f,
			     json_t *value, void *base, hull_error_t *err);

struct hull_json_field {
	const char *key;
	enum hull_json_type type;
	size_t offset;	/* of the destination inside the mapped struct */
	unsigned flags; /* enum hull_json_flags */
	size_t has;	/* offset of a bool set to true when present (with HULL_JSON_HAS) */
	const struct hull_json_field *sub; /* OBJECT / ARRAY element table */
	hull_json_fn fn;		   /* CUSTOM parser, or OBJECT / ARRAY post-check */
	size_t max;	  /* STRV, KVV, ARRAY: count cap (0: HULL_JSON_DEFAULT_MAX) */
	size_t elem_size; /* ARRAY: sizeof one element */
	size_t count;	  /* ARRAY: offset of the size_t element count */
};

/* Where the mapper is: the document name, the current JSON path, and the
 * optional unknown-key collector. */
struct hull_json_ctx {
	const char *name;
	struct hull_strv *unknown;
	char path[HULL_JSON_PATH_MAX];
	size_t path_len;
};

/* Parse `len` bytes of JSON text (an object or an array). Refuses more than `max`
 * bytes before looking at them, duplicate keys and NUL characters. Errors read
 * "NAME:LINE:COL: message". Returns a new reference or NULL. */
json_t *hull_json_parse (const char *text, size_t len, size_t max, const char *name,
			 hull_error_t *err);

/* Start a mapping context for document `name`; `unknown` may be NULL. */
void hull_json_ctx_init (struct hull_json_ctx *ctx, const char *name, struct hull_strv *unknown);

/* Map the object `obj` into `base` with `table` (terminated by a NULL key).
 * Keys not in the table are ignored and their paths appended to ctx->unknown.
 * On error, what was stored so far stays in `base` for its owner's free
 * function (arrays are stored zeroed, then filled). With base == NULL nothing is
 * stored: the document is only checked for shape. */
int hull_json_map (struct hull_json_ctx *ctx, json_t *obj, const struct hull_json_field *table,
		   void *base, hull_error_t *err);

/* Map one value as field `f` describes, at the current path, into `base` (the
 * struct f->offset is relative to; NULL: check only). */
int hull_json_map_value (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *value,
			 void *base, hull_error_t *err);

/* Fill err with "NAME: PATH: <message>" for the current path; returns negative. */
int hull_json_error (struct hull_json_ctx *ctx, hull_error_t *err, const char *fmt, ...)
	__attribute__ ((format (printf, 3, 4)));

/* Path bookkeeping for callbacks that walk values themselves: push returns the
 * length to restore with pop. */
size_t hull_json_path_push_key (struct hull_json_ctx *ctx, const char *key);
size_t hull_json_path_push_index (struct hull_json_ctx *ctx, size_t index);
void hull_json_path_pop (struct hull_json_ctx *ctx, size_t old_len);

/* Expect a string at the current path; *out borrows from value. */
int hull_json_expect_string (struct hull_json_ctx *ctx, json_t *value, const char **out,
			     hull_error_t *err);

/* Read an array of at most `max` strings into *out (out may be NULL: check only). */
int hull_json_read_strv (struct hull_json_ctx *ctx, json_t *value, size_t max,
			 struct hull_strv *out, hull_error_t *err);

/* Compact JSON text of `value` (sorted as in the document). Aborts on OOM. */
char *hull_json_dump_compact (const json_t *value);

/* Append a copy of s to a NULL-terminated vector. */
void hull_json_strv_push (struct hull_strv *v, const char *s);

#endif
