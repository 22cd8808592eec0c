/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "common/json.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/xalloc.h"

/* The length of the UTF-8 sequence at s (RFC 3629 section 4: no overlong forms, no
 * surrogates, nothing past U+10FFFF), 0 if it is not a valid one. */
static size_t
utf8_len (const unsigned char *s)
{
	static const struct {
		unsigned char lead_lo, lead_hi, next_lo, next_hi;
		size_t len;
	} forms[] = {
		{ 0xc2, 0xdf, 0x80, 0xbf, 2 }, { 0xe0, 0xe0, 0xa0, 0xbf, 3 },
		{ 0xe1, 0xec, 0x80, 0xbf, 3 }, { 0xed, 0xed, 0x80, 0x9f, 3 },
		{ 0xee, 0xef, 0x80, 0xbf, 3 }, { 0xf0, 0xf0, 0x90, 0xbf, 4 },
		{ 0xf1, 0xf3, 0x80, 0xbf, 4 }, { 0xf4, 0xf4, 0x80, 0x8f, 4 },
	};

	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		if (s[0] < forms[i].lead_lo || s[0] > forms[i].lead_hi)
			continue;
		if (s[1] < forms[i].next_lo || s[1] > forms[i].next_hi)
			return 0;
		for (size_t k = 2; k < forms[i].len; k++)
			if (s[k] < 0x80 || s[k] > 0xbf)
				return 0;
		return forms[i].len;
	}
	return 0;
}

/* jansson's message quotes the input ("near '...'"), and these messages reach a
 * terminal: C0 controls, DEL, C1 controls (U+0080..U+009F) and bytes that are not
 * valid UTF-8 (a lone 0x9b is CSI to an 8-bit terminal) become '?', so a hostile
 * document can neither split the line nor send escape sequences (CWE-150). */
static void
terminal_safe (char *msg)
{
	unsigned char *q = (unsigned char *) msg;

	while (*q) {
		size_t n = *q < 0x80 ? 1 : utf8_len (q);
		bool bad = n == 0 || *q < 0x20 || *q == 0x7f || (q[0] == 0xc2 && q[1] <= 0x9f);

		n = n ? n : 1;
		if (bad)
			memset (q, '?', n);
		q += n;
	}
}

json_t *
hull_json_parse (const char *text, size_t len, size_t max, const char *name, hull_error_t *err)
{
	json_error_t jerr;
	json_t *root;

	/* The cap comes first: jansson's memory use grows with the input, and an
	 * oversized document is refused without being looked at. */
	if (len > max)
		return hull_error_make (err, EFBIG, "%s: %zu bytes, more than the %zu accepted",
					name, len, max),
		       NULL;
	if (text == NULL)
		return hull_error_make (err, 0, "%s: no JSON text", name), NULL;
	/* Duplicate keys are refused: two readers of the same document (the runtime and
	 * a policy checker) must never see different values for one key. NUL in strings
	 * stays refused (no JSON_ALLOW_NUL): C strings would silently truncate. */
	root = json_loadb (text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		terminal_safe (jerr.text);
		return hull_error_make (err, 0, "%s:%d:%d: %s", name, jerr.line, jerr.column,
					jerr.text),
		       NULL;
	}
	return root;
}

void
hull_json_ctx_init (struct hull_json_ctx *ctx, const char *name, struct hull_strv *unknown)
{
	memset (ctx, 0, sizeof *ctx);
	ctx->name = name ? name : "json";
	ctx->unknown = unknown;
}

static size_t path_append (struct hull_json_ctx *ctx, const char *fmt, ...)
	__attribute__ ((format (printf, 2, 3)));

static size_t
path_append (struct hull_json_ctx *ctx, const char *fmt, ...)
{
	size_t old = ctx->path_len;
	size_t room = sizeof ctx->path - old;
	va_list ap;
	int n;

	va_start (ap, fmt);
	n = vsnprintf (ctx->path + old, room, fmt, ap);
	va_end (ap);
	/* A path too deep for the buffer is truncated: it only feeds messages. */
	if (n < 0 || (size_t) n >= room)
		ctx->path_len = sizeof ctx->path - 1;
	else
		ctx->path_len = old + (size_t) n;
	return old;
}

size_t
hull_json_path_push_key (struct hull_json_ctx *ctx, const char *key)
{
	return path_append (ctx, ctx->path_len ? ".%s" : "%s", key);
}

size_t
hull_json_path_push_index (struct hull_json_ctx *ctx, size_t index)
{
	return path_append (ctx, "[%zu]", index);
}

void
hull_json_path_pop (struct hull_json_ctx *ctx, size_t old_len)
{
	ctx->path_len = old_len;
	ctx->path[old_len] = '\0';
}

int
hull_json_error (struct hull_json_ctx *ctx, hull_error_t *err, const char *fmt, ...)
{
	char msg[HULL_ERROR_MSG_MAX];
	va_list ap;

	va_start (ap, fmt);
	vsnprintf (msg, sizeof msg, fmt, ap);
	va_end (ap);
	if (ctx->path_len == 0)
		return hull_error_make (err, 0, "%s: %s", ctx->name, msg);
	return hull_error_make (err, 0, "%s: %s: %s", ctx->name, ctx->path, msg);
}

void
hull_json_strv_push (struct hull_strv *v, const char *s)
{
	v->v = hull_xreallocarray (v->v, v->n + 2, sizeof *v->v);
	v->v[v->n++] = hull_xstrdup (s);
	v->v[v->n] = NULL;
}

char *
hull_json_dump_compact (const json_t *value)
{
	char *s = json_dumps (value, JSON_COMPACT | JSON_ENCODE_ANY);
	if (s == NULL)
		return hull_xstrdup ("null"); /* jansson fails only on OOM or invalid UTF-8 */
	return s;
}

static const char *
type_word (const json_t *v)
{
	switch (json_typeof (v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a real number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

int
hull_json_expect_string (struct hull_json_ctx *ctx, json_t *value, const char **out,
			 hull_error_t *err)
{
	if (!json_is_string (value))
		return hull_json_error (ctx, err, "expected a string, got %s", type_word (value));
	*out = json_string_value (value);
	return 0;
}

int
hull_json_read_strv (struct hull_json_ctx *ctx, json_t *value, size_t max, struct hull_strv *out,
		     hull_error_t *err)
{
	struct hull_strv v = { 0 };
	size_t n, i;

	if (!json_is_array (value))
		return hull_json_error (ctx, err, "expected an array of strings, got %s",
					type_word (value));
	n = json_array_size (value);
	if (n > max)
		return hull_json_error (ctx, err, "%zu entries, more than the %zu accepted", n,
					max);
	for (i = 0; i < n; i++) {
		json_t *e = json_array_get (value, i);
		if (!json_is_string (e)) {
			size_t old = hull_json_path_push_index (ctx, i);
			int r = hull_json_error (ctx, err, "expected a string, got %s",
						 type_word (e));
			hull_json_path_pop (ctx, old);
			if (out)
				hull_strv_free (&v);
			return r;
		}
	}
	if (out == NULL)
		return 0;
	/* Allocated only after the count and every element type were checked. */
	v.v = hull_xcalloc (n + 1, sizeof *v.v);
	for (i = 0; i < n; i++)
		v.v[i] = hull_xstrdup (json_string_value (json_array_get (value, i)));
	v.n = n;
	*out = v;
	return 0;
}

static int
read_kvv (struct hull_json_ctx *ctx, json_t *value, size_t max, struct hull_kvv *out,
	  hull_error_t *err)
{
	const char *key;
	json_t *e;
	size_t n, i = 0;

	if (!json_is_object (value))
		return hull_json_error (ctx, err, "expected an object of strings, got %s",
					type_word (value));
	n = json_object_size (value);
	if (n > max)
		return hull_json_error (ctx, err, "%zu entries, more than the %zu accepted", n,
					max);
	json_object_foreach (value, key, e) {
		if (!json_is_string (e)) {
			size_t old = hull_json_path_push_key (ctx, key);
			int r = hull_json_error (ctx, err, "expected a string, got %s",
						 type_word (e));
			hull_json_path_pop (ctx, old);
			return r;
		}
	}
	if (out == NULL)
		return 0;
	out->v = hull_xcalloc (n ? n : 1, sizeof *out->v);
	json_object_foreach (value, key, e) {
		out->v[i].key = hull_xstrdup (key);
		out->v[i].value = hull_xstrdup (json_string_value (e));
		out->n = ++i;
	}
	return 0;
}

/* Integer kinds: name for messages and accepted range. */
struct int_kind {
	const char *what;
	json_int_t min, max;
};

static const struct int_kind int_kinds[] = {
	[HULL_JSON_INT32] = { "a signed 32-bit integer", INT32_MIN, INT32_MAX },
	[HULL_JSON_UINT32] = { "an unsigned 32-bit integer", 0, UINT32_MAX },
	[HULL_JSON_INT64] = { "a signed 64-bit integer", INT64_MIN, INT64_MAX },
	/* jansson refuses integers above INT64_MAX at parse time ("too big integer"). */
	[HULL_JSON_UINT64] = { "an unsigned 64-bit integer", 0, INT64_MAX },
};

static int
map_int (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *v, void *dst,
	 hull_error_t *err)
{
	const struct int_kind *k = &int_kinds[f->type];
	json_int_t x;

	/* Reals are refused even when integral (1.0): the spec's types are integers. */
	if (!json_is_integer (v))
		return hull_json_error (ctx, err, "expected %s, got %s", k->what, type_word (v));
	x = json_integer_value (v);
	if (x < k->min || x > k->max)
		return hull_json_error (ctx, err, "expected %s, got %" JSON_INTEGER_FORMAT, k->what,
					x);
	if (dst == NULL)
		return 0;
	switch (f->type) {
	case HULL_JSON_INT32:
		*(int32_t *) dst = (int32_t) x;
		break;
	case HULL_JSON_UINT32:
		*(uint32_t *) dst = (uint32_t) x;
		break;
	case HULL_JSON_INT64:
		*(int64_t *) dst = (int64_t) x;
		break;
	default:
		*(uint64_t *) dst = (uint64_t) x;
		break;
	}
	return 0;
}

static int map_array (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *v,
		      void *base, hull_error_t *err);

/* HULL_JSON_EACH: the count is capped before any element is looked at; each element
 * goes to f->fn (which checks its type) with `base` unchanged. */
static int
map_each (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *v, void *base,
	  hull_error_t *err)
{
	size_t max = f->max ? f->max : HULL_JSON_DEFAULT_MAX;
	size_t n, i;

	if (!json_is_array (v))
		return hull_json_error (ctx, err, "expected an array, got %s", type_word (v));
	n = json_array_size (v);
	if (n > max)
		return hull_json_error (ctx, err, "%zu entries, more than the %zu accepted", n,
					max);
	for (i = 0; i < n; i++) {
		size_t old = hull_json_path_push_index (ctx, i);
		int r = f->fn (ctx, f, json_array_get (v, i), base, err);

		if (r < 0)
			return r;
		hull_json_path_pop (ctx, old);
	}
	return 0;
}

static void *
at (void *base, size_t offset)
{
	return base ? (char *) base + offset : NULL;
}

static int
map_object_field (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *v, void *base,
		  hull_error_t *err)
{
	void *dst = at (base, f->offset);
	int r;

	if (!json_is_object (v))
		return hull_json_error (ctx, err, "expected an object, got %s", type_word (v));
	r = hull_json_map (ctx, v, f->sub, dst, err);
	if (r == 0 && f->fn)
		r = f->fn (ctx, f, v, dst, err);
	return r;
}

int
hull_json_map_value (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *v,
		     void *base, hull_error_t *err)
{
	size_t max = f->max ? f->max : HULL_JSON_DEFAULT_MAX;
	void *dst = at (base, f->offset);
	const char *s;

	switch (f->type) {
	case HULL_JSON_IGNORE:
		return 0;
	case HULL_JSON_STRING:
		if (hull_json_expect_string (ctx, v, &s, err) < 0)
			return -EINVAL;
		if (dst)
			*(char **) dst = hull_xstrdup (s);
		return 0;
	case HULL_JSON_BOOL:
		if (!json_is_boolean (v))
			return hull_json_error (ctx, err, "expected a boolean, got %s",
						type_word (v));
		if (dst)
			*(bool *) dst = json_is_true (v);
		return 0;
	case HULL_JSON_INT32:
	case HULL_JSON_UINT32:
	case HULL_JSON_INT64:
	case HULL_JSON_UINT64:
		return map_int (ctx, f, v, dst, err);
	case HULL_JSON_STRV:
		return hull_json_read_strv (ctx, v, max, dst, err);
	case HULL_JSON_KVV:
		return read_kvv (ctx, v, max, dst, err);
	case HULL_JSON_OBJECT:
		return map_object_field (ctx, f, v, base, err);
	case HULL_JSON_ARRAY:
		return map_array (ctx, f, v, base, err);
	case HULL_JSON_CUSTOM:
		return f->fn (ctx, f, v, base, err);
	case HULL_JSON_EACH:
		return map_each (ctx, f, v, base, err);
	}
	return hull_json_error (ctx, err, "internal error: bad field type %d", (int) f->type);
}

static int
map_array (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *v, void *base,
	   hull_error_t *err)
{
	size_t max = f->max ? f->max : HULL_JSON_DEFAULT_MAX;
	char *elems = NULL;
	size_t n, i;

	if (!json_is_array (v))
		return hull_json_error (ctx, err, "expected an array, got %s", type_word (v));
	n = json_array_size (v);
	/* The cap is checked before anything is allocated for the elements. */
	if (n > max)
		return hull_json_error (ctx, err, "%zu entries, more than the %zu accepted", n,
					max);
	if (base) {
		elems = hull_xcalloc (n ? n : 1, f->elem_size);
		*(void **) at (base, f->offset) = elems;
		*(size_t *) at (base, f->count) = n;
	}
	for (i = 0; i < n; i++) {
		json_t *e = json_array_get (v, i);
		void *elem = elems ? elems + i * f->elem_size : NULL;
		size_t old = hull_json_path_push_index (ctx, i);
		int r;

		if (!json_is_object (e))
			r = hull_json_error (ctx, err, "expected an object, got %s", type_word (e));
		else
			r = hull_json_map (ctx, e, f->sub, elem, err);
		if (r == 0 && f->fn)
			r = f->fn (ctx, f, e, elem, err);
		if (r < 0)
			return r;
		hull_json_path_pop (ctx, old);
	}
	return 0;
}

static const struct hull_json_field *
find_field (const struct hull_json_field *table, const char *key)
{
	for (; table->key; table++)
		if (strcmp (table->key, key) == 0)
			return table;
	return NULL;
}

static void
collect_unknown (struct hull_json_ctx *ctx, json_t *obj, const struct hull_json_field *table)
{
	const char *key;
	json_t *v;

	if (ctx->unknown == NULL)
		return;
	json_object_foreach (obj, key, v) {
		if (find_field (table, key) != NULL)
			continue;
		if (ctx->unknown->n >= HULL_JSON_UNKNOWN_MAX)
			return;
		size_t old = hull_json_path_push_key (ctx, key);
		hull_json_strv_push (ctx->unknown, ctx->path);
		hull_json_path_pop (ctx, old);
	}
}

int
hull_json_map (struct hull_json_ctx *ctx, json_t *obj, const struct hull_json_field *table,
	       void *base, hull_error_t *err)
{
	const struct hull_json_field *f;

	if (!json_is_object (obj))
		return hull_json_error (ctx, err, "expected an object, got %s", type_word (obj));
	for (f = table; f->key; f++) {
		json_t *v = json_object_get (obj, f->key);
		size_t old = hull_json_path_push_key (ctx, f->key);
		int r = 0;

		/* null is "absent", as Go's encoding/json (runc) reads it, unless the
		 * field asks to see it. */
		if (v == NULL || (json_is_null (v) && !(f->flags & HULL_JSON_NULL_VALUE))) {
			if (f->flags & HULL_JSON_MANDATORY)
				r = hull_json_error (ctx, err, "required field missing");
		} else {
			r = hull_json_map_value (ctx, f, v, base, err);
			if (r == 0 && base && (f->flags & HULL_JSON_HAS))
				*(bool *) at (base, f->has) = true;
		}
		if (r < 0)
			return r;
		hull_json_path_pop (ctx, old);
	}
	collect_unknown (ctx, obj, table);
	return 0;
}
