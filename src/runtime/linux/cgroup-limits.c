/* SPDX-License-Identifier: GPL-2.0-or-later */
/* linux.resources -> cgroup files, for v2 (Documentation/admin-guide/cgroup-v2.rst) and v1
 * (Documentation/admin-guide/cgroup-v1/{memory,cpuacct,cpusets,pids,blkio-controller,
 * hugetlb,net_cls,net_prio,rdma,devices}.rst). docs/resources.md has the table.
 *
 * One ordered list of steps; the scalar ones are table entries {field, v1 file, v2 file,
 * converter}. A value whose controller is missing is an error naming the controller
 * unless it is the default (DESIGN.md: never refuse a host for its layout when the
 * requested limits can be applied; STYLE.md: fail closed when they cannot). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/log.h"
#include "common/parse.h"
#include "common/xalloc.h"
#include "hull/oci.h"
#include "runtime/linux/cgroup-internal.h"

#define VAL_MAX 4096
#define RAW_MAX (1u << 20)

/* ---- writing ---- */

/* Whether `name` is in a list separated by commas, spaces or newlines. */
static bool
list_has (const char *list, const char *name)
{
	size_t nl = strlen (name);
	if (list == NULL || nl == 0)
		return false;
	while (*list) {
		size_t m = strcspn (list, ", \n");
		if (m == nl && strncmp (list, name, nl) == 0)
			return true;
		list += m;
		list += strspn (list, ", \n");
	}
	return false;
}

const struct hull_cgroup_ctl *
hull_cgroup_target_find (const struct hull_cgroup_target *t, const char *name)
{
	const struct hull_cgroup_ctl *unified = NULL;
	for (size_t i = 0; i < t->n; i++) {
		const char *c = t->ctl[i].controllers;
		if (t->mode == HULL_CGROUP_V2)
			return c[0] == '\0' ? &t->ctl[i] : NULL;
		if (c[0] == '\0' && list_has (t->ctl[i].avail, name))
			unified = &t->ctl[i];
		else if (list_has (c, name))
			return &t->ctl[i];
	}
	/* A v1 hierarchy wins over the hybrid cgroup2 tree (the kernel never lists a
	 * controller bound to v1 there, but a canned layout might). */
	return unified;
}

bool
hull_cgroup_target_v2 (const struct hull_cgroup_target *t, const char *name)
{
	const struct hull_cgroup_ctl *c = hull_cgroup_target_find (t, name);
	return t->mode == HULL_CGROUP_V2 || (c && c->controllers[0] == '\0');
}

char *
hull_cgroup_unified_only (const struct hull_cgroup *cg, const char *unified)
{
	_cleanup_free_ char *copy = hull_xstrdup (unified);
	char *out = hull_xzalloc (strlen (unified) + 1), *save = NULL;
	size_t len = 0;

	for (char *c = strtok_r (copy, " \n", &save); c; c = strtok_r (NULL, " \n", &save)) {
		bool v1 = false;
		for (size_t i = 0; i < cg->n && !v1; i++)
			v1 = cg->d[i].controllers[0] != '\0' && list_has (cg->d[i].controllers, c);
		if (v1)
			continue;
		if (len > 0)
			out[len++] = ' ';
		memcpy (out + len, c, strlen (c));
		len += strlen (c);
	}
	return out;
}

static int
no_controller (const char *ctrl, const char *file, const char *value, hull_error_t *err)
{
	return hull_error_make (err, ENOTSUP,
				"write `%s` = %s: the `%s` cgroup controller is not available "
				"on this host",
				file, value, ctrl);
}

/* Write value into the controller's file: "write `memory.max` = 1048576 in `DIR`: ...". */
static int
put (const struct hull_cgroup_target *t, const char *ctrl, const char *file, const char *value,
     hull_error_t *err)
{
	const struct hull_cgroup_ctl *c = hull_cgroup_target_find (t, ctrl);
	_cleanup_close_ int fd = -EBADF;
	size_t len = strlen (value);
	ssize_t r;

	if (c == NULL)
		return no_controller (ctrl, file, value, err);
	/* The only mutable member: apply learns from it that the hybrid cgroup2 tree now
	 * carries a limit and must be entered. */
	if (t->mode == HULL_CGROUP_V1 && c->controllers[0] == '\0')
		((struct hull_cgroup_ctl *) c)->used = true;
	fd = openat (c->fd, file, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT)
		return hull_error_make (err, ENOENT,
					"write `%s` = %s in `%s`: no such file (controller `%s` "
					"not enabled there, or the kernel lacks the feature)",
					file, value, c->where, ctrl);
	if (fd < 0)
		return hull_error_make (err, errno, "write `%s` = %s in `%s`", file, value,
					c->where);
	do
		r = write (fd, value, len);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return hull_error_make (err, errno, "write `%s` = %s in `%s`", file, value,
					c->where);
	hull_debug ("cgroup: %s/%s = %s", c->where, file, value);
	return 0;
}

static int putf (const struct hull_cgroup_target *t, const char *ctrl, const char *file,
		 hull_error_t *err, const char *fmt, ...) __attribute__ ((format (printf, 5, 6)));

static int
putf (const struct hull_cgroup_target *t, const char *ctrl, const char *file, hull_error_t *err,
      const char *fmt, ...)
{
	char value[VAL_MAX];
	va_list ap;
	int n;
	va_start (ap, fmt);
	n = vsnprintf (value, sizeof value, fmt, ap);
	va_end (ap);
	if (n < 0 || (size_t) n >= sizeof value)
		return hull_error_make (err, E2BIG, "value for `%s` too long", file);
	return put (t, ctrl, file, value, err);
}

/* Read a file of the controller; 0, or negative with err (ENOENT when missing). */
static int
get (const struct hull_cgroup_target *t, const char *ctrl, const char *file, char **out,
     hull_error_t *err)
{
	const struct hull_cgroup_ctl *c = hull_cgroup_target_find (t, ctrl);
	if (c == NULL)
		return hull_error_make (err, ENOENT, "no `%s` controller", ctrl);
	return hull_cgroup_read_at (c->fd, file, c->where, out, err);
}

static bool
has_file (const struct hull_cgroup_target *t, const char *ctrl, const char *file)
{
	const struct hull_cgroup_ctl *c = hull_cgroup_target_find (t, ctrl);
	return c && faccessat (c->fd, file, F_OK, 0) == 0;
}

/* ---- conversions ---- */

/* ln and exp for one integer mapping, so hull-core needs no libm: x = m * 2^e with m in
 * [1, 2), ln m = 2 atanh ((m-1)/(m+1)); exp by halving until small, then squaring. */
static double
ln (double x)
{
	double y, y2, term, sum = 0;
	int e = 0;
	while (x >= 2) {
		x /= 2;
		e++;
	}
	y = (x - 1) / (x + 1);
	y2 = y * y;
	term = y;
	for (int k = 1; k < 60; k += 2) {
		sum += term / k;
		term *= y2;
	}
	return 2 * sum + e * 0.69314718055994530942;
}

static double
expo (double x)
{
	int halvings = 0;
	double sum = 1, term = 1;
	while (x > 0.01 || x < -0.01) {
		x /= 2;
		halvings++;
	}
	for (int k = 1; k < 12; k++) {
		term *= x / k;
		sum += term;
	}
	while (halvings-- > 0)
		sum *= sum;
	return sum;
}

/* crun (libcrun/cgroup-utils.c convert_shares_to_weight, since 1.23): a quadratic in
 * log2 (shares) through (2, 1), (1024, 100) and (262144, 10000), so that the default
 * 1024 maps to the v2 default 100 (cgroup-v2.rst "cpu.weight"). */
uint64_t
hull_cgroup_shares_to_weight (uint64_t shares)
{
	double l, exponent, w;
	if (shares == 0)
		return 0;
	if (shares <= 2)
		return 1;
	if (shares >= 262144)
		return 10000;
	l = ln ((double) shares) / 0.69314718055994530942;
	exponent = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
	w = expo (exponent * 2.30258509299404568402);
	/* ceil, tolerant of the last bits of rounding (1024 must give exactly 100). */
	return (uint64_t) (w - 1e-6) + 1;
}

uint64_t
hull_cgroup_blkio_to_io_weight (uint64_t weight)
{
	if (weight == 0)
		return 0;
	if (weight < 10)
		weight = 10;
	if (weight > 1000)
		weight = 1000;
	return 1 + (weight - 10) * 9999 / 990;
}

/* ---- the scalar table ---- */

enum conv {
	I64,	 /* as is */
	U64,	 /* as is */
	I64_MAX, /* v2: negative -> "max"; v1: as is */
	PIDS,	 /* <= 0 -> "max" (runc), both versions */
	SHARES,	 /* v1 as is, v2 cpu.weight */
};

struct scalar {
	const char *what; /* config name, for messages */
	const char *ctrl;
	const char *v1, *v2; /* files; NULL: not on that version */
	size_t has, val;
	enum conv conv;
	int64_t dflt; /* a missing controller or file is fine for this value */
};

#define RO(m) offsetof (struct hull_oci_resources, m)
#define S(what, ctrl, v1, v2, m, conv, dflt)                                                       \
	{                                                                                          \
		what, ctrl, v1, v2, RO (has_##m), RO (m), conv, dflt                               \
	}
/* Order matters only inside a controller and is kept by the custom steps around these. */
static const struct scalar scalars[] = {
	S ("memory.reservation", "memory", "memory.soft_limit_in_bytes", "memory.low",
	   mem_reservation, I64_MAX, -1),
	S ("memory.swappiness", "memory", "memory.swappiness", NULL, mem_swappiness, U64, -1),
	S ("cpu.shares", "cpu", "cpu.shares", "cpu.weight", cpu_shares, SHARES, 0),
	S ("cpu.idle", "cpu", "cpu.idle", "cpu.idle", cpu_idle, I64, 0),
	S ("cpu.realtimePeriod", "cpu", "cpu.rt_period_us", NULL, cpu_rt_period, U64, 0),
	S ("cpu.realtimeRuntime", "cpu", "cpu.rt_runtime_us", NULL, cpu_rt_runtime, I64, 0),
	S ("pids.limit", "pids", "pids.max", "pids.max", pids_limit, PIDS, 0),
};
#undef S

static int64_t
field_i64 (const struct hull_oci_resources *r, const struct scalar *s)
{
	const char *p = (const char *) r + s->val;
	int64_t v;
	memcpy (&v, p, sizeof v); /* int64_t and uint64_t fields alike */
	return v;
}

static bool
is_default (const struct scalar *s, int64_t v)
{
	if (s->conv == PIDS)
		return v <= 0;
	/* swappiness: anything above 100 is the "-1" of docker's uint64 (unset). */
	if (s->conv == U64 && s->dflt == -1)
		return (uint64_t) v > 100;
	return v == s->dflt;
}

static int
render (const struct hull_cgroup_target *t, const struct scalar *s, int64_t v, char *buf,
	size_t len)
{
	bool v2 = hull_cgroup_target_v2 (t, s->ctrl);
	switch (s->conv) {
	case U64:
		return snprintf (buf, len, "%" PRIu64, (uint64_t) v);
	case I64_MAX:
		if (v2 && v < 0)
			return snprintf (buf, len, "max");
		return snprintf (buf, len, "%" PRId64, v);
	case PIDS:
		if (v <= 0)
			return snprintf (buf, len, "max");
		return snprintf (buf, len, "%" PRId64, v);
	case SHARES:
		return snprintf (buf, len, "%" PRIu64,
				 v2 ? hull_cgroup_shares_to_weight ((uint64_t) v) : (uint64_t) v);
	case I64:
	default:
		return snprintf (buf, len, "%" PRId64, v);
	}
}

static int
apply_scalar (const struct hull_cgroup_target *t, const struct hull_oci_resources *r,
	      const struct scalar *s, hull_error_t *err)
{
	bool has = *((const bool *) ((const char *) r + s->has));
	bool v2 = hull_cgroup_target_v2 (t, s->ctrl);
	const char *file = v2 ? s->v2 : s->v1;
	int64_t v;
	char value[64];

	if (!has)
		return 0;
	v = field_i64 (r, s);
	render (t, s, v, value, sizeof value);
	if (file == NULL) {
		if (is_default (s, v))
			return 0;
		return hull_error_make (err, ENOTSUP,
					"%s = %s: cgroup v%d has no such setting (%s only)",
					s->what, value, v2 ? 2 : 1, v2 ? "v1" : "v2");
	}
	if (is_default (s, v) &&
	    (hull_cgroup_target_find (t, s->ctrl) == NULL || !has_file (t, s->ctrl, file)))
		return 0;
	return put (t, s->ctrl, file, value, err);
}

static int
step_scalars (const struct hull_cgroup_target *t, const struct hull_oci_resources *r,
	      const char *ctrl, hull_error_t *err)
{
	for (size_t i = 0; i < sizeof scalars / sizeof scalars[0]; i++)
		if (strcmp (scalars[i].ctrl, ctrl) == 0 &&
		    apply_scalar (t, r, &scalars[i], err) < 0)
			return hull_error_ret (err);
	return 0;
}

/* ---- memory ---- */

static int
read_i64 (const struct hull_cgroup_target *t, const char *ctrl, const char *file, int64_t *v,
	  hull_error_t *err)
{
	_cleanup_free_ char *text = NULL;
	if (get (t, ctrl, file, &text, err) < 0)
		return hull_error_ret (err);
	text[strcspn (text, "\n")] = '\0';
	if (strcmp (text, "max") == 0) {
		*v = -1;
		return 0;
	}
	return hull_parse_i64 (text, v, file, err);
}

/* checkBeforeUpdate (config-linux.md): refuse a new limit below the current usage
 * instead of letting the kernel reclaim or OOM-kill to reach it. */
static int
check_usage (const struct hull_cgroup_target *t, const struct hull_oci_resources *r,
	     hull_error_t *err)
{
	int64_t usage;
	const char *file =
		hull_cgroup_target_v2 (t, "memory") ? "memory.current" : "memory.usage_in_bytes";
	if (!t->update || !r->has_mem_check_before_update || !r->mem_check_before_update ||
	    !r->has_mem_limit || r->mem_limit < 0)
		return 0;
	if (read_i64 (t, "memory", file, &usage, err) < 0)
		return hull_error_ret (err);
	if (usage > r->mem_limit)
		return hull_error_make (err, EBUSY,
					"memory.limit %" PRId64
					" is below the current usage %" PRId64
					" (`%s`; memory.checkBeforeUpdate is set)",
					r->mem_limit, usage, file);
	return 0;
}

/* v1: memory.memsw.limit_in_bytes (memory + swap) must stay >= memory.limit_in_bytes at
 * every moment, so the order of the two writes depends on the direction
 * (cgroup-v1/memory.rst 2.4; runc does the same). */
static int
memory_v1 (const struct hull_cgroup_target *t, const struct hull_oci_resources *r,
	   hull_error_t *err)
{
	bool swap = r->has_mem_swap && (r->mem_swap != 0);
	int64_t cur = -1;
	bool swap_first;

	if (swap && !has_file (t, "memory", "memory.memsw.limit_in_bytes")) {
		if (r->mem_swap == -1)
			swap = false; /* unlimited swap without swap accounting: the default */
		else
			return hull_error_make (err, ENOTSUP,
						"memory.swap = %" PRId64
						": no `memory.memsw.limit_in_bytes` "
						"(swap accounting is off: boot with swapaccount=1)",
						r->mem_swap);
	}
	if (swap && read_i64 (t, "memory", "memory.memsw.limit_in_bytes", &cur, err) < 0)
		return hull_error_ret (err);
	swap_first = swap && (r->mem_swap == -1 || (cur >= 0 && r->mem_swap > cur));
	if (swap_first &&
	    putf (t, "memory", "memory.memsw.limit_in_bytes", err, "%" PRId64, r->mem_swap) < 0)
		return hull_error_ret (err);
	if (r->has_mem_limit &&
	    putf (t, "memory", "memory.limit_in_bytes", err, "%" PRId64, r->mem_limit) < 0)
		return hull_error_ret (err);
	if (swap && !swap_first &&
	    putf (t, "memory", "memory.memsw.limit_in_bytes", err, "%" PRId64, r->mem_swap) < 0)
		return hull_error_ret (err);
	if (r->has_mem_disable_oom_killer && r->mem_disable_oom_killer &&
	    put (t, "memory", "memory.oom_control", "1", err) < 0)
		return hull_error_ret (err);
	return 0;
}

/* v2: memory.max, and memory.swap.max is swap alone where the spec's swap is memory +
 * swap (crun and runc convert the same way). */
static int
memory_v2 (const struct hull_cgroup_target *t, const struct hull_oci_resources *r,
	   hull_error_t *err)
{
	if (r->has_mem_disable_oom_killer && r->mem_disable_oom_killer)
		return hull_error_make (err, ENOTSUP,
					"memory.disableOOMKiller = true: cgroup v2 cannot disable "
					"the OOM killer (cgroup-v2.rst has no memory.oom_control)");
	if (r->has_mem_limit &&
	    (r->mem_limit >= 0 ? putf (t, "memory", "memory.max", err, "%" PRId64, r->mem_limit)
			       : put (t, "memory", "memory.max", "max", err)) < 0)
		return hull_error_ret (err);
	if (!r->has_mem_swap || r->mem_swap == 0)
		return 0;
	if (r->mem_swap < 0)
		return has_file (t, "memory", "memory.swap.max")
			       ? put (t, "memory", "memory.swap.max", "max", err)
			       : 0;
	if (!r->has_mem_limit || r->mem_limit < 0 || r->mem_swap < r->mem_limit)
		return hull_error_make (err, EINVAL,
					"memory.swap = %" PRId64 " needs memory.limit <= swap "
					"(swap is memory + swap)",
					r->mem_swap);
	return putf (t, "memory", "memory.swap.max", err, "%" PRId64, r->mem_swap - r->mem_limit);
}

static bool
memory_wanted (const struct hull_oci_resources *r)
{
	return (r->has_mem_limit && r->mem_limit >= 0) || (r->has_mem_swap && r->mem_swap > 0) ||
	       (r->has_mem_disable_oom_killer && r->mem_disable_oom_killer);
}

static int
step_memory (const struct hull_cgroup_target *t, const struct hull_oci_resources *r,
	     hull_error_t *err)
{
	if (r->has_mem_kernel || r->has_mem_kernel_tcp)
		hull_debug ("cgroup: memory.kernel / kernelTCP ignored (deprecated, "
			    "cgroup-v1/memory.rst 2.7)");
	if (r->has_mem_use_hierarchy && !r->mem_use_hierarchy)
		hull_debug ("cgroup: memory.useHierarchy false ignored (always on since 5.19)");
	if (hull_cgroup_target_find (t, "memory") == NULL) {
		if (!memory_wanted (r))
			return step_scalars (t, r, "memory", err);
		return no_controller ("memory", "memory limit", "(set)", err);
	}
	if (check_usage (t, r, err) < 0)
		return hull_error_ret (err);
	if ((hull_cgroup_target_v2 (t, "memory") ? memory_v2 (t, r, err) : memory_v1 (t, r, err)) <
	    0)
		return hull_error_ret (err);
	return step_scalars (t, r, "memory", err);
}

/* ---- cpu, cpuset ---- */

static int
cpu_max_v2 (const struct hull_cgroup_target *t, const struct hull_oci_resources *r,
	    hull_error_t *err)
{
	char quota[32];
	uint64_t period = r->has_cpu_period ? r->cpu_period : 100000;

	if (r->has_cpu_quota && r->cpu_quota > 0)
		snprintf (quota, sizeof quota, "%" PRId64, r->cpu_quota);
	else if (r->has_cpu_quota && r->cpu_quota < 0)
		snprintf (quota, sizeof quota, "max");
	else {
		/* Period alone: keep the quota that is there ("$MAX $PERIOD"). */
		_cleanup_free_ char *cur = NULL;
		if (get (t, "cpu", "cpu.max", &cur, err) < 0)
			return hull_error_ret (err);
		snprintf (quota, sizeof quota, "%.*s", (int) strcspn (cur, " \n"), cur);
	}
	return putf (t, "cpu", "cpu.max", err, "%s %" PRIu64, quota, period);
}

/* cpu.cfs_quota_us / cfs_period_us (cgroup-v1 has no rst for cpu; see
 * Documentation/scheduler/sched-bwc.rst), or cpu.max; burst after either, as it must
 * not exceed the quota. */
static int
step_cpu (const struct hull_cgroup_target *t, const struct hull_oci_resources *r, hull_error_t *err)
{
	bool bw = (r->has_cpu_quota && r->cpu_quota != 0) || (r->has_cpu_period && r->cpu_period);
	bool v2 = hull_cgroup_target_v2 (t, "cpu");

	if (bw && hull_cgroup_target_find (t, "cpu") == NULL)
		return no_controller ("cpu", "cpu quota/period", "(set)", err);
	if (bw && v2 && cpu_max_v2 (t, r, err) < 0)
		return hull_error_ret (err);
	if (bw && !v2) {
		if (r->has_cpu_period && r->cpu_period &&
		    putf (t, "cpu", "cpu.cfs_period_us", err, "%" PRIu64, r->cpu_period) < 0)
			return hull_error_ret (err);
		if (r->has_cpu_quota && r->cpu_quota != 0 &&
		    putf (t, "cpu", "cpu.cfs_quota_us", err, "%" PRId64,
			  r->cpu_quota < 0 ? -1 : r->cpu_quota) < 0)
			return hull_error_ret (err);
	}
	if (r->has_cpu_burst && (r->cpu_burst || hull_cgroup_target_find (t, "cpu")) &&
	    putf (t, "cpu", v2 ? "cpu.max.burst" : "cpu.cfs_burst_us", err, "%" PRIu64,
		  r->cpu_burst) < 0)
		return hull_error_ret (err);
	return step_scalars (t, r, "cpu", err);
}

static int
step_cpuset (const struct hull_cgroup_target *t, const struct hull_oci_resources *r,
	     hull_error_t *err)
{
	/* cpus before mems, as runc: neither may be emptied while tasks are attached. */
	if (r->cpu_cpus && r->cpu_cpus[0] && put (t, "cpuset", "cpuset.cpus", r->cpu_cpus, err) < 0)
		return hull_error_ret (err);
	if (r->cpu_mems && r->cpu_mems[0] && put (t, "cpuset", "cpuset.mems", r->cpu_mems, err) < 0)
		return hull_error_ret (err);
	return 0;
}

static int
step_pids (const struct hull_cgroup_target *t, const struct hull_oci_resources *r,
	   hull_error_t *err)
{
	return step_scalars (t, r, "pids", err);
}

/* ---- blockIO ---- */

static json_t *
load_raw (const char *text, const char *what, hull_error_t *err)
{
	return hull_json_parse (text, strlen (text), RAW_MAX, what, err);
}

static uint64_t
jnum (json_t *o, const char *key, bool *has)
{
	json_t *v = json_object_get (o, key);
	*has = json_is_integer (v);
	return *has ? (uint64_t) json_integer_value (v) : 0;
}

/* v2 io.weight / io.bfq.weight: io.bfq.weight takes blkio's 10..1000 range as is when
 * BFQ is the scheduler; io.weight is 1..10000 (cgroup-v2.rst "IO Interface Files"). */
static int
io_weight_v2 (const struct hull_cgroup_target *t, const char *dev, uint64_t w, hull_error_t *err)
{
	if (has_file (t, "io", "io.bfq.weight"))
		return putf (t, "io", "io.bfq.weight", err, "%s%s%" PRIu64, dev, dev[0] ? " " : "",
			     w);
	return putf (t, "io", "io.weight", err, "%s%" PRIu64, dev[0] ? dev : "default ",
		     hull_cgroup_blkio_to_io_weight (w));
}

static int
blkio_weight (const struct hull_cgroup_target *t, json_t *o, hull_error_t *err)
{
	bool has, has_leaf;
	uint64_t w = jnum (o, "weight", &has), leaf = jnum (o, "leafWeight", &has_leaf);

	if (has && w && t->mode == HULL_CGROUP_V2 && io_weight_v2 (t, "", w, err) < 0)
		return hull_error_ret (err);
	if (has && w && t->mode == HULL_CGROUP_V1 &&
	    putf (t, "blkio",
		  has_file (t, "blkio", "blkio.weight") ? "blkio.weight" : "blkio.bfq.weight", err,
		  "%" PRIu64, w) < 0)
		return hull_error_ret (err);
	/* leaf weights went with CFQ (removed in 5.0); cgroup v2 never had them. */
	if (has_leaf && leaf && t->mode == HULL_CGROUP_V2)
		return hull_error_make (err, ENOTSUP,
					"blockIO.leafWeight = %" PRIu64 ": not on cgroup v2", leaf);
	if (has_leaf && leaf && putf (t, "blkio", "blkio.leaf_weight", err, "%" PRIu64, leaf) < 0)
		return hull_error_ret (err);
	return 0;
}

static int
blkio_weight_device (const struct hull_cgroup_target *t, json_t *arr, hull_error_t *err)
{
	size_t i;
	json_t *e;
	json_array_foreach (arr, i, e) {
		bool hw, hl, h1, h2;
		uint64_t w = jnum (e, "weight", &hw), leaf = jnum (e, "leafWeight", &hl);
		int64_t maj = (int64_t) jnum (e, "major", &h1),
			min = (int64_t) jnum (e, "minor", &h2);
		char dev[48];
		snprintf (dev, sizeof dev, "%" PRId64 ":%" PRId64, maj, min);
		if (hw && t->mode == HULL_CGROUP_V2 && io_weight_v2 (t, dev, w, err) < 0)
			return hull_error_ret (err);
		if (hw && t->mode == HULL_CGROUP_V1 &&
		    putf (t, "blkio",
			  has_file (t, "blkio", "blkio.weight_device") ? "blkio.weight_device"
								       : "blkio.bfq.weight_device",
			  err, "%s %" PRIu64, dev, w) < 0)
			return hull_error_ret (err);
		if (hl && (t->mode == HULL_CGROUP_V2
				   ? hull_error_make (err, ENOTSUP,
						      "blockIO.weightDevice %s leafWeight: not on "
						      "cgroup v2",
						      dev)
				   : putf (t, "blkio", "blkio.leaf_weight_device", err,
					   "%s %" PRIu64, dev, leaf)) < 0)
			return hull_error_ret (err);
	}
	return 0;
}

static const struct throttle {
	const char *key, *v1, *v2;
} throttles[] = {
	{ "throttleReadBpsDevice", "blkio.throttle.read_bps_device", "rbps" },
	{ "throttleWriteBpsDevice", "blkio.throttle.write_bps_device", "wbps" },
	{ "throttleReadIOPSDevice", "blkio.throttle.read_iops_device", "riops" },
	{ "throttleWriteIOPSDevice", "blkio.throttle.write_iops_device", "wiops" },
};

/* v1 "MAJ:MIN RATE" (0 removes the limit); v2 io.max "MAJ:MIN rbps=RATE" (max). */
static int
blkio_throttle (const struct hull_cgroup_target *t, json_t *o, hull_error_t *err)
{
	for (size_t k = 0; k < sizeof throttles / sizeof throttles[0]; k++) {
		json_t *arr = json_object_get (o, throttles[k].key), *e;
		size_t i;
		json_array_foreach (arr, i, e) {
			bool h;
			int64_t maj = (int64_t) jnum (e, "major", &h),
				min = (int64_t) jnum (e, "minor", &h);
			uint64_t rate = jnum (e, "rate", &h);
			char v[48];
			snprintf (v, sizeof v, rate ? "%" PRIu64 : "max", rate);
			if ((t->mode == HULL_CGROUP_V2 ? putf (t, "io", "io.max", err,
							       "%" PRId64 ":%" PRId64 " %s=%s", maj,
							       min, throttles[k].v2, v)
						       : putf (t, "blkio", throttles[k].v1, err,
							       "%" PRId64 ":%" PRId64 " %" PRIu64,
							       maj, min, rate)) < 0)
				return hull_error_ret (err);
		}
	}
	return 0;
}

static int
step_blkio (const struct hull_cgroup_target *t, const struct hull_oci_resources *r,
	    hull_error_t *err)
{
	_cleanup_ (json_decrefp) json_t *o = NULL;
	if (r->block_io_json == NULL)
		return 0;
	o = load_raw (r->block_io_json, "linux.resources.blockIO", err);
	if (o == NULL)
		return hull_error_ret (err);
	if (blkio_weight (t, o, err) < 0 ||
	    blkio_weight_device (t, json_object_get (o, "weightDevice"), err) < 0 ||
	    blkio_throttle (t, o, err) < 0)
		return hull_error_wrap (err, "blockIO");
	return 0;
}

/* ---- hugetlb, network, rdma ---- */

/* pageSize names a file ("2MB" -> hugetlb.2MB.limit_in_bytes / hugetlb.2MB.max): digits
 * and a unit only, so it can never name another file. */
static bool
page_size_ok (const char *s)
{
	size_t d = strspn (s, "0123456789");
	return d > 0 && d < 12 && strchr ("KMG", s[d]) && s[d] && strcmp (s + d + 1, "B") == 0;
}

static int
step_hugetlb (const struct hull_cgroup_target *t, const struct hull_oci_resources *r,
	      hull_error_t *err)
{
	_cleanup_ (json_decrefp) json_t *a = NULL;
	json_t *e;
	size_t i;
	if (r->hugepage_limits_json == NULL)
		return 0;
	a = load_raw (r->hugepage_limits_json, "linux.resources.hugepageLimits", err);
	if (a == NULL)
		return hull_error_ret (err);
	json_array_foreach (a, i, e) {
		const char *ps = json_string_value (json_object_get (e, "pageSize"));
		bool h;
		uint64_t limit = jnum (e, "limit", &h);
		char file[64];
		if (ps == NULL || !page_size_ok (ps))
			return hull_error_make (err, EINVAL, "hugepageLimits: bad pageSize `%s`",
						ps ? ps : "");
		/* hugetlb.<size>.max also on a hybrid host whose cgroup2 tree holds hugetlb. */
		snprintf (file, sizeof file,
			  hull_cgroup_target_v2 (t, "hugetlb") ? "hugetlb.%s.max"
							       : "hugetlb.%s.limit_in_bytes",
			  ps);
		if (putf (t, "hugetlb", file, err, "%" PRIu64, limit) < 0)
			return hull_error_ret (err);
	}
	return 0;
}

/* net_cls.classid and net_prio.ifpriomap (cgroup-v1/net_cls.rst, net_prio.rst). v2 has
 * neither: cgroup-v2.rst points at eBPF for network classification. */
static int
step_network (const struct hull_cgroup_target *t, const struct hull_oci_resources *r,
	      hull_error_t *err)
{
	_cleanup_ (json_decrefp) json_t *o = NULL;
	json_t *prio, *e;
	bool has_class;
	uint64_t classid;
	size_t i;

	if (r->network_json == NULL)
		return 0;
	o = load_raw (r->network_json, "linux.resources.network", err);
	if (o == NULL)
		return hull_error_ret (err);
	classid = jnum (o, "classID", &has_class);
	prio = json_object_get (o, "priorities");
	if (t->mode == HULL_CGROUP_V2 && (classid || json_array_size (prio)))
		return hull_error_make (err, ENOTSUP,
					"linux.resources.network: cgroup v2 has no net_cls / "
					"net_prio controller");
	if (has_class && classid &&
	    putf (t, "net_cls", "net_cls.classid", err, "%" PRIu64, classid) < 0)
		return hull_error_ret (err);
	json_array_foreach (prio, i, e) {
		const char *name = json_string_value (json_object_get (e, "name"));
		bool h;
		uint64_t p = jnum (e, "priority", &h);
		if (name == NULL || name[0] == '\0' || strpbrk (name, " \n/"))
			return hull_error_make (err, EINVAL, "network.priorities: bad name");
		if (putf (t, "net_prio", "net_prio.ifpriomap", err, "%s %" PRIu64, name, p) < 0)
			return hull_error_ret (err);
	}
	return 0;
}

/* rdma.max "DEV hca_handle=N hca_object=M" (cgroup-v1/rdma.rst, cgroup-v2.rst "RDMA"). */
static int
step_rdma (const struct hull_cgroup_target *t, const struct hull_oci_resources *r,
	   hull_error_t *err)
{
	_cleanup_ (json_decrefp) json_t *o = NULL;
	const char *dev;
	json_t *e;

	if (r->rdma_json == NULL)
		return 0;
	o = load_raw (r->rdma_json, "linux.resources.rdma", err);
	if (o == NULL)
		return hull_error_ret (err);
	json_object_foreach (o, dev, e) {
		bool hh, ho;
		uint64_t handles = jnum (e, "hcaHandles", &hh),
			 objects = jnum (e, "hcaObjects", &ho);
		char a[32] = "max", b[32] = "max";
		if (dev[0] == '\0' || strpbrk (dev, " \n/="))
			return hull_error_make (err, EINVAL, "rdma: bad device name `%s`", dev);
		if (hh)
			snprintf (a, sizeof a, "%" PRIu64, handles);
		if (ho)
			snprintf (b, sizeof b, "%" PRIu64, objects);
		if (putf (t, "rdma", "rdma.max", err, "%s hca_handle=%s hca_object=%s", dev, a, b) <
		    0)
			return hull_error_ret (err);
	}
	return 0;
}

/* ---- devices ---- */

#define DEV(t, ma, mi, acc)                                                                        \
	{                                                                                          \
		.allow = true, .type = t, .has_major = ma >= 0, .has_minor = mi >= 0, .major = ma, \
		.minor = mi, .access = (char *) acc                                                \
	}
static const struct hull_oci_device_cgroup default_devices[] = {
	DEV ('c', -1, -1, "m"),	   DEV ('b', -1, -1, "m"),    DEV ('c', 1, 3, "rwm"), /* null */
	DEV ('c', 1, 8, "rwm"),	   DEV ('c', 1, 7, "rwm"),    /* random, full */
	DEV ('c', 5, 0, "rwm"),	   DEV ('c', 1, 5, "rwm"),    /* tty, zero */
	DEV ('c', 1, 9, "rwm"),	   DEV ('c', 136, -1, "rwm"), /* urandom, pts */
	DEV ('c', 5, 2, "rwm"),	   DEV ('c', 5, 1, "rwm"),    /* ptmx, console */
	DEV ('c', 10, 200, "rwm"),			      /* net/tun */
};
#undef DEV
const struct hull_oci_device_cgroup *const hull_cgroup_default_devices = default_devices;
const size_t hull_cgroup_n_default_devices = sizeof default_devices / sizeof default_devices[0];

static void
rule_text (const struct hull_oci_device_cgroup *d, char *buf, size_t len)
{
	char ma[24] = "*", mi[24] = "*";
	if (d->has_major && d->major >= 0)
		snprintf (ma, sizeof ma, "%" PRId64, d->major);
	if (d->has_minor && d->minor >= 0)
		snprintf (mi, sizeof mi, "%" PRId64, d->minor);
	if (d->type == 0 || d->type == 'a')
		snprintf (buf, len, "a");
	else
		snprintf (buf, len, "%c %s:%s %s", d->type, ma, mi,
			  d->access && d->access[0] ? d->access : "rwm");
}

/* devices.deny "a" first, then the config's rules in order, then the defaults
 * (cgroup-v1/devices.rst: later rules refine earlier ones; runc's order). */
static int
devices_v1 (const struct hull_cgroup_target *t, const struct hull_oci_resources *r,
	    hull_error_t *err)
{
	if (put (t, "devices", "devices.deny", "a", err) < 0)
		return hull_error_ret (err);
	for (size_t i = 0; i < r->n_devices + hull_cgroup_n_default_devices; i++) {
		const struct hull_oci_device_cgroup *d =
			i < r->n_devices ? &r->devices[i]
					 : &hull_cgroup_default_devices[i - r->n_devices];
		char rule[80];
		rule_text (d, rule, sizeof rule);
		if (put (t, "devices", d->allow ? "devices.allow" : "devices.deny", rule, err) < 0)
			return hull_error_ret (err);
	}
	return 0;
}

/* v2: one BPF_PROG_TYPE_CGROUP_DEVICE program with the same rules (cgroup-v2.rst
 * "Device controller"). */
static int
devices_v2 (struct hull_cgroup_target *t, const struct hull_oci_resources *r, hull_error_t *err)
{
	size_t n = r->n_devices + hull_cgroup_n_default_devices;
	_cleanup_free_ struct hull_oci_device_cgroup *all = hull_xcalloc (n, sizeof *all);
	_cleanup_free_ void *insns = NULL;
	const struct hull_cgroup_ctl *c = hull_cgroup_target_find (t, "devices");
	int count;

	if (r->n_devices)
		memcpy (all, r->devices, r->n_devices * sizeof *all);
	memcpy (all + r->n_devices, hull_cgroup_default_devices,
		hull_cgroup_n_default_devices * sizeof *all);
	_cleanup_close_ int dirfd = -EBADF;

	count = hull_cgroup_bpf_build (all, n, &insns, err);
	if (count < 0 || t->no_bpf)
		return count < 0 ? count : 0;
	/* BPF_PROG_ATTACH wants a real open of the directory, not the O_PATH fd. */
	dirfd = openat (c->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return hull_error_make (err, errno, "open cgroup `%s`", c->where);
	t->bpf_prog_fd = hull_cgroup_bpf_attach (insns, count, dirfd, c->where, err);
	return t->bpf_prog_fd < 0 ? t->bpf_prog_fd : 0;
}

static int
step_devices (struct hull_cgroup_target *t, const struct hull_oci_resources *r, hull_error_t *err)
{
	if (t->update)
		return 0;
	if (t->mode == HULL_CGROUP_V2)
		return devices_v2 (t, r, err);
	if (hull_cgroup_target_find (t, "devices") == NULL) {
		if (r->n_devices == 0)
			return 0;
		return no_controller ("devices", "devices.allow", "(linux.resources.devices)", err);
	}
	return devices_v1 (t, r, err);
}

/* ---- unified ---- */

/* Key/values written as given (config-linux.md "Unified"), but only to a file directly
 * in the container's directory: no "/", no "." or "..", and the file must exist. */
static int
step_unified (const struct hull_cgroup_target *t, const struct hull_oci_resources *r,
	      hull_error_t *err)
{
	const struct hull_cgroup_ctl *c = hull_cgroup_target_find (t, "");
	if (r->unified.n == 0)
		return 0;
	if (t->mode != HULL_CGROUP_V2)
		return hull_error_make (err, ENOTSUP,
					"linux.resources.unified (`%s`): this host's controllers "
					"are cgroup v1; unified needs cgroup v2",
					r->unified.v[0].key);
	for (size_t i = 0; i < r->unified.n; i++) {
		const char *k = r->unified.v[i].key;
		if (k[0] == '\0' || strchr (k, '/') || strcmp (k, ".") == 0 ||
		    strcmp (k, "..") == 0 || !strchr (k, '.'))
			return hull_error_make (err, EINVAL,
						"linux.resources.unified: bad key `%s`", k);
		if (faccessat (c->fd, k, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
			return hull_error_make (err, errno, "linux.resources.unified: `%s` in `%s`",
						k, c->where);
		if (put (t, "", k, r->unified.v[i].value, err) < 0)
			return hull_error_ret (err);
	}
	return 0;
}

/* ---- driver ---- */

typedef int (*step_fn) (struct hull_cgroup_target *t, const struct hull_oci_resources *r,
			hull_error_t *err);

#define STEP(fn) ((step_fn) (fn))
/* unified last: it is the escape hatch that may override what the typed fields set. */
static const step_fn steps[] = {
	STEP (step_memory),  STEP (step_cpu),	  STEP (step_cpuset),  STEP (step_pids),
	STEP (step_blkio),   STEP (step_hugetlb), STEP (step_network), STEP (step_rdma),
	STEP (step_devices), STEP (step_unified),
};
#undef STEP

int
hull_cgroup_apply_target (struct hull_cgroup_target *t, const struct hull_oci_resources *r,
			  hull_error_t *err)
{
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
		if (steps[i](t, r, err) < 0)
			return hull_error_wrap (err, "apply linux.resources");
	return 0;
}

/* v2: a controller's files appear in a child only once every ancestor lists it in
 * cgroup.subtree_control (cgroup-v2.rst "Enabling and Disabling"). Best effort: an
 * ancestor with processes of its own refuses (the no-internal-process rule), and then
 * the write of the limit itself names the missing file. */
static void
enable_in (const struct hull_cgroup_dir *d, size_t end, const char *only)
{
	_cleanup_free_ char *prefix = end ? hull_xstrndup (d->path, end) : hull_xstrdup ("/");
	struct hull_cgroup_dir up = *d;
	_cleanup_free_ char *where = NULL, *have = NULL;
	_cleanup_close_ int fd = -EBADF;
	char *save = NULL;
	hull_error_t e;

	up.path = prefix;
	up.fd_plus1 = 0; /* the copy names another directory */
	where = hull_cgroup_where (&up);
	fd = hull_cgroup_dir_open (&up, &e);
	if (fd < 0 || hull_cgroup_read_at (fd, "cgroup.controllers", where, &have, &e) < 0) {
		hull_debug ("cgroup: %s", e.msg);
		return;
	}
	for (char *c = strtok_r (have, " \n", &save); c; c = strtok_r (NULL, " \n", &save)) {
		_cleanup_free_ char *plus = NULL;
		if (only && !list_has (only, c))
			continue;
		plus = hull_xasprintf ("+%s", c);
		if (hull_cgroup_write_at (fd, "cgroup.subtree_control", where, plus, &e) < 0)
			hull_debug ("cgroup: %s", e.msg);
	}
}

/* only: the controllers to enable (NULL: all there are). */
static void
enable_controllers_v2 (const struct hull_cgroup_dir *d, const char *only)
{
	size_t len = strlen (d->path);
	if (strcmp (d->path, "/") == 0)
		return;
	for (size_t end = 0; end < len; end += 1 + strcspn (d->path + end + 1, "/"))
		enable_in (d, end, only);
}

/* Hybrid host: the controllers of the cgroup2 tree d that no v1 hierarchy of cg has, from
 * the tree's root cgroup.controllers; "" when none or unreadable (a limit for one of them
 * then fails as a missing controller). Caller frees. */
static char *
unified_avail (const struct hull_cgroup *cg, const struct hull_cgroup_dir *d)
{
	struct hull_cgroup_dir root = *d;
	_cleanup_free_ char *where = NULL, *have = NULL;
	_cleanup_close_ int fd = -EBADF;
	hull_error_t e;

	root.path = (char *) "/";
	root.fd_plus1 = 0;
	where = hull_cgroup_where (&root);
	fd = hull_cgroup_dir_open (&root, &e);
	if (fd < 0 || hull_cgroup_read_at (fd, "cgroup.controllers", where, &have, &e) < 0) {
		hull_debug ("cgroup: %s", e.msg);
		return hull_xstrdup ("");
	}
	return hull_cgroup_unified_only (cg, have);
}

int
hull_cgroup_target_open (struct hull_cgroup *cg, struct hull_cgroup_target *t, hull_error_t *err)
{
	*t = (struct hull_cgroup_target){ .mode = cg->mode, .bpf_prog_fd = -EBADF };
	for (size_t i = 0; i < cg->n && t->n < HULL_CGROUP_MAX_HIER; i++) {
		const struct hull_cgroup_dir *d = &cg->d[i];
		_cleanup_free_ char *avail = NULL;
		int fd;
		/* The hybrid host's cgroup2 tree counts only for the controllers it holds
		 * that no v1 hierarchy has (hugetlb on a fresh Debian 12). */
		if (cg->mode == HULL_CGROUP_V1 && d->controllers[0] == '\0') {
			avail = unified_avail (cg, d);
			if (avail[0] == '\0')
				continue;
		}
		fd = hull_cgroup_dir_open (d, err);
		if (fd < 0 && avail && !d->required) {
			/* Best effort until a limit lives there: such a limit then fails as a
			 * missing controller. */
			hull_debug ("cgroup: %s", err->msg);
			hull_error_clear (err);
			continue;
		}
		if (fd < 0) {
			hull_cgroup_target_close (t);
			return fd;
		}
		t->ctl[t->n++] =
			(struct hull_cgroup_ctl){ d->controllers, fd, hull_cgroup_where (d),
						  TAKE_PTR (avail), false };
	}
	return 0;
}

void
hull_cgroup_target_close (struct hull_cgroup_target *t)
{
	for (size_t i = 0; i < t->n; i++) {
		close (t->ctl[i].fd);
		free ((char *) t->ctl[i].where);
		free (t->ctl[i].avail);
	}
	t->n = 0;
	/* The attachment keeps the program alive; rmdir of the cgroup releases it. */
	t->bpf_prog_fd = hull_safe_close (t->bpf_prog_fd);
}

static int
apply (struct hull_cgroup *cg, const struct hull_oci_resources *r, bool update, hull_error_t *err)
{
	struct hull_cgroup_target t;
	int ret;

	if (cg->mode == HULL_CGROUP_V2 && !update)
		for (size_t i = 0; i < cg->n; i++)
			enable_controllers_v2 (&cg->d[i], NULL);
	if (hull_cgroup_target_open (cg, &t, err) < 0)
		return hull_error_ret (err);
	/* Hybrid: enable the cgroup2 tree's own controllers down to the container's
	 * directory (best effort as on v2: a limit's write names a file still missing). */
	for (size_t k = 0; k < t.n && cg->mode == HULL_CGROUP_V1 && !update; k++)
		for (size_t i = 0; i < cg->n; i++)
			if (t.ctl[k].avail && t.ctl[k].controllers == cg->d[i].controllers)
				enable_controllers_v2 (&cg->d[i], t.ctl[k].avail);
	t.update = update;
	ret = hull_cgroup_apply_target (&t, r, err);
	/* A limit now lives in the hybrid cgroup2 tree: entering it is no longer optional
	 * (hull_cgroup_enter fails instead of skipping it; state.json keeps the flag). */
	for (size_t k = 0; k < t.n && ret == 0; k++)
		for (size_t i = 0; i < cg->n; i++)
			if (t.ctl[k].used && t.ctl[k].controllers == cg->d[i].controllers)
				cg->d[i].required = true;
	hull_cgroup_target_close (&t);
	return ret;
}

int
hull_cgroup_apply (struct hull_cgroup *cg, const struct hull_oci_resources *r, hull_error_t *err)
{
	return apply (cg, r, false, err);
}

int
hull_cgroup_update (struct hull_cgroup *cg, const struct hull_oci_resources *r, hull_error_t *err)
{
	return apply (cg, r, true, err);
}
