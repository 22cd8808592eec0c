/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hull's seccomp group format (docs/seccomp.md) expanded into an OCI linux.seccomp
 * object. The default profile (data/seccomp/default.json) is written in it and built
 * into the binary; `hull spec` prints the expansion, which any OCI runtime can load.
 * Pure data work: no syscalls besides what jansson does. */
#include "oci/seccomp-profile.h"

#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/json.h"

#define DOC "seccomp profile"
#define PROFILE_MAX (1u << 20)
#define VALUES_MAX 16 /* values in one denyValues32 / allowValues list */
#define CUBES_MAX 256 /* masked rules a denyValues32 complement may take */
#define LOW32 0xffffffffull

#define N_ELEMS(a) (sizeof (a) / sizeof ((a)[0]))

static void
decrefp (json_t **j)
{
	json_decref (*j);
	*j = NULL;
}

/* The errno names the format accepts (errno(3)); a table, not strerror parsing. */
static const struct errno_name {
	const char *name;
	int value;
} errno_names[] = {
	{ "EPERM", EPERM },   { "ENOENT", ENOENT }, { "EACCES", EACCES },
	{ "EINVAL", EINVAL }, { "ENOSYS", ENOSYS }, { "EOPNOTSUPP", EOPNOTSUPP },
};

/* The native architecture's key in "architectures" (compile time: hull runs native). */
#if defined(__x86_64__)
#define NATIVE_ARCH "x86_64"
#elif defined(__aarch64__)
#define NATIVE_ARCH "aarch64"
#else
#define NATIVE_ARCH "native"
#endif

static int
errno_value (json_t *v, const char *where, int *out, hull_error_t *err)
{
	const char *name = json_string_value (v);

	for (size_t i = 0; name && i < N_ELEMS (errno_names); i++)
		if (strcmp (errno_names[i].name, name) == 0) {
			*out = errno_names[i].value;
			return 0;
		}
	return hull_error_make (err, EINVAL, DOC ": %s: unknown errno `%s`", where,
				name ? name : "");
}

/* A value: an integer, or the name of an entry of "constants". */
static int
constant (json_t *doc, json_t *v, const char *where, uint64_t *out, hull_error_t *err)
{
	json_t *c = json_is_string (v) ? json_object_get (json_object_get (doc, "constants"),
							  json_string_value (v))
				       : v;

	if (!json_is_integer (c) || json_integer_value (c) < 0)
		return hull_error_make (err, EINVAL, DOC ": %s: `%s` is not a known constant",
					where, json_is_string (v) ? json_string_value (v) : "?");
	*out = (uint64_t) json_integer_value (c);
	return 0;
}

/* Append every syscall of the named groups to `names`. */
static int
add_groups (json_t *doc, json_t *list, const char *where, json_t *names, hull_error_t *err)
{
	json_t *groups = json_object_get (doc, "groups");
	json_t *g, *n;
	size_t i, k;

	if (!json_is_array (list))
		return hull_error_make (err, EINVAL, DOC ": %s: expected a list of groups", where);
	json_array_foreach (list, i, g) {
		json_t *members = json_object_get (groups, json_string_value (g) ?: "");

		if (!json_is_array (members))
			return hull_error_make (err, EINVAL, DOC ": %s: unknown group `%s`", where,
						json_string_value (g) ?: "?");
		json_array_foreach (members, k, n) {
			if (!json_is_string (n))
				return hull_error_make (err, EINVAL,
							DOC ": groups.%s[%zu]: not a name",
							json_string_value (g), k);
			json_array_append (names, n);
		}
	}
	return 0;
}

static json_t *
rule (json_t *names, const char *action, int errno_ret)
{
	json_t *r = json_pack ("{s:O, s:s}", "names", names, "action", action);

	if (errno_ret > 0)
		json_object_set_new (r, "errnoRet", json_integer (errno_ret));
	return r;
}

static json_t *
masked_rule (json_t *names, const char *action, int errno_ret, unsigned index, uint64_t mask,
	     uint64_t value, const char *op)
{
	json_t *r = rule (names, action, errno_ret);

	json_object_set_new (r, "args",
			     json_pack ("[{s:i, s:I, s:I, s:s}]", "index", (json_int_t) index,
					"value", (json_int_t) mask, "valueTwo", (json_int_t) value,
					"op", op));
	return r;
}

/* The complement of `vals` in the 32-bit space as masked-equal cubes: walk the bits
 * from the top; where every remaining value has bit b = x, values with bit b = !x and
 * the same higher bits are outside the set: one rule (mask = bits 31..b). */
static int
complement (const uint64_t *vals, size_t n, int bit, uint64_t prefix, json_t *out, json_t *names,
	    unsigned index, size_t *count)
{
	uint64_t sel[VALUES_MAX];
	uint64_t mask = (LOW32 << bit) & LOW32;

	for (uint64_t side = 0; bit >= 0 && side < 2; side++) {
		uint64_t p = prefix | (side << bit);
		size_t m = 0;

		for (size_t i = 0; i < n; i++)
			if (((vals[i] >> bit) & 1) == side)
				sel[m++] = vals[i];
		if (m == 0) {
			if (++*count > CUBES_MAX)
				return -1;
			json_array_append_new (out, masked_rule (names, "SCMP_ACT_ALLOW", 0, index,
								 mask, p, "SCMP_CMP_MASKED_EQ"));
		} else if (bit > 0 && complement (sel, m, bit - 1, p, out, names, index, count) < 0)
			return -1;
	}
	return 0;
}

static int
read_values (json_t *doc, json_t *list, const char *where, uint64_t *vals, size_t *n,
	     hull_error_t *err)
{
	json_t *v;
	size_t i;

	if (!json_is_array (list) || json_array_size (list) == 0 ||
	    json_array_size (list) > VALUES_MAX)
		return hull_error_make (err, EINVAL, DOC ": %s: expected 1 to %d values", where,
					VALUES_MAX);
	json_array_foreach (list, i, v)
		if (constant (doc, v, where, &vals[i], err) < 0)
			return -1;
	*n = json_array_size (list);
	return 0;
}

/* One argRules entry. Three shapes (docs/seccomp.md):
 *   denyValues32  the low 32 bits equal one of the values -> errno; all else allowed;
 *   denyFlags     any of the flags set -> errno; none set -> allowed;
 *   allowValues   exactly one of the values -> allowed; all else the default action. */
static int
expand_arg_rule (json_t *doc, json_t *ar, size_t idx, json_t *out, hull_error_t *err)
{
	char where[48];
	json_t *names = json_object_get (ar, "names");
	json_t *index = json_object_get (ar, "index");
	json_t *e = json_object_get (ar, "errno");
	uint64_t vals[VALUES_MAX];
	size_t n = 0, count = 0;
	unsigned ix;
	int eno = EPERM;

	snprintf (where, sizeof where, "argRules[%zu]", idx);
	if (!json_is_array (names) || !json_is_integer (index) || json_integer_value (index) < 0 ||
	    json_integer_value (index) > 5)
		return hull_error_make (err, EINVAL, DOC ": %s: needs names and index 0..5", where);
	ix = (unsigned) json_integer_value (index);
	if (e && errno_value (e, where, &eno, err) < 0)
		return -1;
	if (json_object_get (ar, "denyValues32")) {
		if (read_values (doc, json_object_get (ar, "denyValues32"), where, vals, &n, err) <
		    0)
			return -1;
		for (size_t i = 0; i < n; i++)
			json_array_append_new (out,
					       masked_rule (names, "SCMP_ACT_ERRNO", eno, ix, LOW32,
							    vals[i] & LOW32, "SCMP_CMP_MASKED_EQ"));
		for (size_t i = 0; i < n; i++)
			vals[i] &= LOW32;
		if (complement (vals, n, 31, 0, out, names, ix, &count) < 0)
			return hull_error_make (err, E2BIG, DOC ": %s: too many rules", where);
	} else if (json_object_get (ar, "denyFlags")) {
		uint64_t all = 0;

		if (read_values (doc, json_object_get (ar, "denyFlags"), where, vals, &n, err) < 0)
			return -1;
		for (size_t i = 0; i < n; i++) {
			all |= vals[i];
			json_array_append_new (out, masked_rule (names, "SCMP_ACT_ERRNO", eno, ix,
								 vals[i], vals[i],
								 "SCMP_CMP_MASKED_EQ"));
		}
		json_array_append_new (out, masked_rule (names, "SCMP_ACT_ALLOW", 0, ix, all, 0,
							 "SCMP_CMP_MASKED_EQ"));
	} else if (json_object_get (ar, "allowValues")) {
		if (read_values (doc, json_object_get (ar, "allowValues"), where, vals, &n, err) <
		    0)
			return -1;
		/* SCMP_CMP_EQ on all 64 bits: stricter than the kernel's view, never looser. */
		for (size_t i = 0; i < n; i++)
			json_array_append_new (out, masked_rule (names, "SCMP_ACT_ALLOW", 0, ix,
								 vals[i], 0, "SCMP_CMP_EQ"));
	} else
		return hull_error_make (err, EINVAL,
					DOC ": %s: needs denyValues32, denyFlags or allowValues",
					where);
	return 0;
}

/* A syscall named twice (allowed in one group, denied in another) is a profile bug. */
static int
check_unique (json_t *syscalls, hull_error_t *err)
{
	_cleanup_ (decrefp) json_t *seen = json_object ();
	json_t *r, *n;
	size_t i, k;

	json_array_foreach (syscalls, i, r) {
		if (json_object_get (r, "args"))
			continue;
		json_array_foreach (json_object_get (r, "names"), k, n) {
			if (json_object_get (seen, json_string_value (n)))
				return hull_error_make (err, EINVAL,
							DOC ": syscall `%s` appears twice",
							json_string_value (n));
			json_object_set_new (seen, json_string_value (n), json_true ());
		}
	}
	return 0;
}

static int
expand_errno (json_t *doc, json_t *out, hull_error_t *err)
{
	json_t *map = json_object_get (doc, "errno");
	const char *key;
	json_t *list;

	json_object_foreach (map, key, list) {
		_cleanup_ (decrefp) json_t *names = json_array ();
		json_t *kv = json_string (key);
		int eno = 0;
		int r = errno_value (kv, "errno", &eno, err);

		json_decref (kv);
		if (r < 0 || add_groups (doc, list, "errno", names, err) < 0)
			return -1;
		json_array_append_new (out, rule (names, "SCMP_ACT_ERRNO", eno));
	}
	return 0;
}

static json_t *
expand (json_t *doc, hull_error_t *err)
{
	_cleanup_ (decrefp) json_t *syscalls = json_array ();
	_cleanup_ (decrefp) json_t *allow = json_array ();
	json_t *arches = json_object_get (json_object_get (doc, "architectures"), NATIVE_ARCH);
	json_t *ar, *out;
	int def_errno = 0;
	size_t i;

	if (json_integer_value (json_object_get (doc, "format")) != 1)
		return hull_error_make (err, EINVAL, DOC ": format must be 1"), NULL;
	if (json_object_get (doc, "defaultErrno") &&
	    errno_value (json_object_get (doc, "defaultErrno"), "defaultErrno", &def_errno, err) <
		    0)
		return NULL;
	if (add_groups (doc, json_object_get (doc, "allow"), "allow", allow, err) < 0)
		return NULL;
	json_array_append_new (syscalls, rule (allow, "SCMP_ACT_ALLOW", 0));
	if (expand_errno (doc, syscalls, err) < 0 || check_unique (syscalls, err) < 0)
		return NULL;
	json_array_foreach (json_object_get (doc, "argRules"), i, ar)
		if (expand_arg_rule (doc, ar, i, syscalls, err) < 0)
			return NULL;
	out = json_pack (
		"{s:s, s:o, s:O}", "defaultAction",
		json_string_value (json_object_get (doc, "defaultAction")) ?: "SCMP_ACT_ERRNO",
		"architectures", json_is_array (arches) ? json_incref (arches) : json_array (),
		"syscalls", syscalls);
	if (out && def_errno > 0)
		json_object_set_new (out, "defaultErrnoRet", json_integer (def_errno));
	return out;
}

json_t *
hull_seccomp_profile_expand (const char *text, size_t len, hull_error_t *err)
{
	_cleanup_ (decrefp) json_t *doc = hull_json_parse (text, len, PROFILE_MAX, DOC, err);

	return doc ? expand (doc, err) : NULL;
}

json_t *
hull_seccomp_default_profile (hull_error_t *err)
{
	return hull_seccomp_profile_expand (hull_seccomp_default_json,
					    hull_seccomp_default_json_len, err);
}
