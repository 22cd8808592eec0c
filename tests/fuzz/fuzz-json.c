/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: the jansson wrapper and the table mapper over a table that uses
 * every field type, in store and check-only modes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "common/json.h"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

struct item {
	uint32_t a;
	bool has_b;
	int64_t b;
};

struct doc {
	char *s;
	bool flag;
	int32_t i32;
	uint32_t u32;
	int64_t i64;
	uint64_t u64;
	struct hull_strv list;
	struct hull_kvv map;
	struct item in;
	struct item *items;
	size_t n_items;
};

static const struct hull_json_field item_fields[] = {
	{ "a", HULL_JSON_UINT32, offsetof (struct item, a), HULL_JSON_MANDATORY },
	{ "b", HULL_JSON_INT64, offsetof (struct item, b), HULL_JSON_HAS,
	  .has = offsetof (struct item, has_b) },
	{ NULL },
};

#define D(m) offsetof (struct doc, m)
static const struct hull_json_field doc_fields[] = {
	{ "s", HULL_JSON_STRING, D (s), 0 },
	{ "flag", HULL_JSON_BOOL, D (flag), 0 },
	{ "i32", HULL_JSON_INT32, D (i32), 0 },
	{ "u32", HULL_JSON_UINT32, D (u32), 0 },
	{ "i64", HULL_JSON_INT64, D (i64), 0 },
	{ "u64", HULL_JSON_UINT64, D (u64), 0 },
	{ "list", HULL_JSON_STRV, D (list), 0, .max = 16 },
	{ "map", HULL_JSON_KVV, D (map), 0, .max = 16 },
	{ "in", HULL_JSON_OBJECT, D (in), 0, .sub = item_fields },
	{ "items", HULL_JSON_ARRAY, D (items), 0, .sub = item_fields, .max = 16,
	  .elem_size = sizeof (struct item), .count = D (n_items) },
	{ "skip", HULL_JSON_IGNORE, 0, 0 },
	{ NULL },
};

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	struct hull_strv unknown = { 0 };
	struct hull_json_ctx ctx;
	hull_error_t err = { 0 };
	struct doc d = { 0 };
	json_t *root;
	char *text;

	root = hull_json_parse ((const char *) data, size, 1 << 20, "fuzz.json", &err);
	if (root == NULL)
		return 0;
	text = hull_json_dump_compact (root);
	free (text);
	hull_json_ctx_init (&ctx, "fuzz.json", &unknown);
	hull_json_map (&ctx, root, doc_fields, &d, &err);
	hull_json_ctx_init (&ctx, "fuzz.json", NULL);
	hull_json_map (&ctx, root, doc_fields, NULL, &err);
	json_decref (root);
	free (d.s);
	hull_strv_free (&d.list);
	for (size_t i = 0; d.map.v && i < d.map.n; i++) {
		free (d.map.v[i].key);
		free (d.map.v[i].value);
	}
	free (d.map.v);
	free (d.items);
	hull_strv_free (&unknown);
	return 0;
}
