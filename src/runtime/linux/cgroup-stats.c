/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Statistics for `hull events`, in runc's `events --stats` shape, read from v1 files
 * (cgroup-v1/cpuacct.rst, memory.rst 5.2, pids.rst, blkio-controller.rst, hugetlb.rst)
 * or v2 files (cgroup-v2.rst "cpu.stat", "memory.stat", "memory.events", "io.stat",
 * "pids.current", "hugetlb.<size>.current"). A controller that is missing is left out. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/parse.h"
#include "common/xalloc.h"
#include "runtime/linux/cgroup-internal.h"

/* The leading decimal number of s (up to white space); 0 when there is none. */
static json_int_t
leading_num (const char *s)
{
	char buf[32];
	size_t n = strcspn (s, " \n");
	uint64_t v = 0;
	hull_error_t e;
	if (n == 0 || n >= sizeof buf)
		return 0;
	memcpy (buf, s, n);
	buf[n] = '\0';
	if (hull_parse_u64 (buf, 10, &v, "cgroup value", &e) < 0)
		return 0;
	return v > INT64_MAX ? INT64_MAX : (json_int_t) v;
}

/* The text of a controller's file, or NULL. */
static char *
text_of (const struct hull_cgroup_target *t, const char *ctrl, const char *file)
{
	const struct hull_cgroup_ctl *c = hull_cgroup_target_find (t, ctrl);
	char *out = NULL;
	hull_error_t e;
	if (c == NULL || hull_cgroup_read_at (c->fd, file, c->where, &out, &e) < 0)
		return NULL;
	return out;
}

/* A number ("max" -> INT64_MAX: JSON integers here are signed 64-bit). */
static bool
num_of (const struct hull_cgroup_target *t, const char *ctrl, const char *file, json_int_t *v)
{
	_cleanup_free_ char *s = text_of (t, ctrl, file);
	if (s == NULL)
		return false;
	*v = strncmp (s, "max", 3) == 0 ? INT64_MAX : leading_num (s);
	return true;
}

static void
set_num (json_t *o, const char *key, const struct hull_cgroup_target *t, const char *ctrl,
	 const char *file)
{
	json_int_t v;
	if (num_of (t, ctrl, file, &v))
		json_object_set_new (o, key, json_integer (v));
}

/* "key value" lines -> {"key": value}. */
static json_t *
keyed (const char *text)
{
	json_t *o = json_object ();
	for (const char *line = text; text && *line;) {
		size_t len = strcspn (line, "\n"), k = strcspn (line, " ");
		if (k < len) {
			_cleanup_free_ char *key = hull_xstrndup (line, k);
			json_object_set_new (o, key, json_integer (leading_num (line + k + 1)));
		}
		line += len + (line[len] == '\n');
	}
	return o;
}

static json_int_t
key_num (json_t *o, const char *key)
{
	return json_integer_value (json_object_get (o, key));
}

static json_t *
cpu_stats (const struct hull_cgroup_target *t)
{
	bool v2 = hull_cgroup_target_v2 (t, "cpu");
	_cleanup_free_ char *stat = text_of (t, "cpu", "cpu.stat");
	_cleanup_ (json_decrefp) json_t *s = keyed (stat);
	json_t *usage = json_object (), *thr = json_object (), *cpu = json_object ();

	if (v2) {
		json_object_set_new (usage, "total",
				     json_integer (key_num (s, "usage_usec") * 1000));
		json_object_set_new (usage, "user", json_integer (key_num (s, "user_usec") * 1000));
		json_object_set_new (usage, "kernel",
				     json_integer (key_num (s, "system_usec") * 1000));
	} else {
		_cleanup_free_ char *acct = text_of (t, "cpuacct", "cpuacct.stat");
		_cleanup_ (json_decrefp) json_t *a = keyed (acct);
		long hz = sysconf (_SC_CLK_TCK);
		json_int_t tick = 1000000000 / (hz > 0 ? hz : 100);
		set_num (usage, "total", t, "cpuacct", "cpuacct.usage");
		json_object_set_new (usage, "user", json_integer (key_num (a, "user") * tick));
		json_object_set_new (usage, "kernel", json_integer (key_num (a, "system") * tick));
	}
	json_object_set_new (thr, "periods", json_integer (key_num (s, "nr_periods")));
	json_object_set_new (thr, "throttledPeriods", json_integer (key_num (s, "nr_throttled")));
	json_object_set_new (thr, "throttledTime",
			     json_integer (v2 ? key_num (s, "throttled_usec") * 1000
					      : key_num (s, "throttled_time")));
	json_object_set_new (cpu, "usage", usage);
	json_object_set_new (cpu, "throttling", thr);
	return cpu;
}

/* One memory entry: {usage, max, limit, failcnt} from four files (NULL: absent). */
struct mem_files {
	const char *key, *usage, *max, *limit, *failcnt;
};

static const struct mem_files mem_v1[] = {
	{ "usage", "memory.usage_in_bytes", "memory.max_usage_in_bytes", "memory.limit_in_bytes",
	  "memory.failcnt" },
	{ "swap", "memory.memsw.usage_in_bytes", "memory.memsw.max_usage_in_bytes",
	  "memory.memsw.limit_in_bytes", "memory.memsw.failcnt" },
	{ "kernel", "memory.kmem.usage_in_bytes", "memory.kmem.max_usage_in_bytes",
	  "memory.kmem.limit_in_bytes", "memory.kmem.failcnt" },
};

static const struct mem_files mem_v2[] = {
	{ "usage", "memory.current", "memory.peak", "memory.max", NULL },
	{ "swap", "memory.swap.current", "memory.swap.peak", "memory.swap.max", NULL },
};

static json_t *
memory_stats (const struct hull_cgroup_target *t)
{
	bool v2 = hull_cgroup_target_v2 (t, "memory");
	const struct mem_files *m = v2 ? mem_v2 : mem_v1;
	size_t n = v2 ? sizeof mem_v2 / sizeof *mem_v2 : sizeof mem_v1 / sizeof *mem_v1;
	_cleanup_free_ char *stat = text_of (t, "memory", "memory.stat");
	_cleanup_free_ char *events =
		text_of (t, "memory", v2 ? "memory.events" : "memory.oom_control");
	_cleanup_ (json_decrefp) json_t *ev = keyed (events);
	json_t *mem = json_object ();

	for (size_t i = 0; i < n; i++) {
		json_t *e = json_object ();
		set_num (e, "usage", t, "memory", m[i].usage);
		set_num (e, "max", t, "memory", m[i].max);
		set_num (e, "limit", t, "memory", m[i].limit);
		if (m[i].failcnt)
			set_num (e, "failcnt", t, "memory", m[i].failcnt);
		else
			json_object_set_new (e, "failcnt", json_integer (key_num (ev, "max")));
		json_object_set_new (mem, m[i].key, e);
	}
	json_object_set_new (mem, "oomKills", json_integer (key_num (ev, "oom_kill")));
	json_object_set_new (mem, "raw", keyed (stat));
	return mem;
}

static json_t *
pids_stats (const struct hull_cgroup_target *t)
{
	json_t *p = json_object ();
	json_int_t limit;
	set_num (p, "current", t, "pids", "pids.current");
	/* runc reports an unlimited pids.max as 0. */
	if (num_of (t, "pids", "pids.max", &limit))
		json_object_set_new (p, "limit", json_integer (limit == INT64_MAX ? 0 : limit));
	return p;
}

static void
blk_entry (json_t *arr, const char *dev, const char *op, json_int_t v)
{
	unsigned maj = 0, min = 0;
	json_t *e = json_object ();
	sscanf (dev, "%u:%u", &maj, &min);
	json_object_set_new (e, "major", json_integer (maj));
	json_object_set_new (e, "minor", json_integer (min));
	json_object_set_new (e, "op", json_string (op));
	json_object_set_new (e, "value", json_integer (v));
	json_array_append_new (arr, e);
}

/* v1 "8:0 Read 4096" lines; the "Total" line of the file is left out. */
static json_t *
blk_v1 (const struct hull_cgroup_target *t, const char *file)
{
	_cleanup_free_ char *text = text_of (t, "blkio", file);
	json_t *arr = json_array ();
	for (char *save = NULL, *line = text ? strtok_r (text, "\n", &save) : NULL; line;
	     line = strtok_r (NULL, "\n", &save)) {
		char dev[32], op[16];
		unsigned long long v;
		if (sscanf (line, "%31s %15s %llu", dev, op, &v) == 3 && strchr (dev, ':'))
			blk_entry (arr, dev, op, (json_int_t) v);
	}
	return arr;
}

/* v2 io.stat: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=5 dios=6". */
static json_t *
blkio_stats (const struct hull_cgroup_target *t)
{
	json_t *b = json_object (), *bytes, *ios;
	_cleanup_free_ char *text = NULL;

	if (t->mode == HULL_CGROUP_V1) {
		json_object_set_new (b, "ioServiceBytesRecursive",
				     blk_v1 (t, "blkio.throttle.io_service_bytes_recursive"));
		json_object_set_new (b, "ioServicedRecursive",
				     blk_v1 (t, "blkio.throttle.io_serviced_recursive"));
		return b;
	}
	bytes = json_array ();
	ios = json_array ();
	text = text_of (t, "io", "io.stat");
	for (char *save = NULL, *line = text ? strtok_r (text, "\n", &save) : NULL; line;
	     line = strtok_r (NULL, "\n", &save)) {
		char dev[32];
		unsigned long long rb = 0, wb = 0, ri = 0, wi = 0;
		if (sscanf (line, "%31s rbytes=%llu wbytes=%llu rios=%llu wios=%llu", dev, &rb, &wb,
			    &ri, &wi) != 5)
			continue;
		blk_entry (bytes, dev, "Read", (json_int_t) rb);
		blk_entry (bytes, dev, "Write", (json_int_t) wb);
		blk_entry (ios, dev, "Read", (json_int_t) ri);
		blk_entry (ios, dev, "Write", (json_int_t) wi);
	}
	json_object_set_new (b, "ioServiceBytesRecursive", bytes);
	json_object_set_new (b, "ioServicedRecursive", ios);
	return b;
}

/* {"2MB": {"usage": .., "max": .., "failcnt": ..}} from hugetlb.<size>.* files. */
static json_t *
hugetlb_stats (const struct hull_cgroup_target *t)
{
	const struct hull_cgroup_ctl *c = hull_cgroup_target_find (t, "hugetlb");
	bool v2 = hull_cgroup_target_v2 (t, "hugetlb"); /* also the hybrid cgroup2 tree's */
	const char *suffix = v2 ? ".current" : ".usage_in_bytes";
	json_t *h = json_object ();
	int fd = c ? openat (c->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	DIR *dir = fd >= 0 ? fdopendir (fd) : NULL;
	struct dirent *e;

	if (dir == NULL) {
		if (fd >= 0)
			close (fd);
		return h;
	}
	while ((e = readdir (dir)) != NULL) {
		size_t len = strlen (e->d_name), sl = strlen (suffix);
		if (strncmp (e->d_name, "hugetlb.", 8) != 0 || len <= 8 + sl ||
		    strcmp (e->d_name + len - sl, suffix) != 0 ||
		    memchr (e->d_name + 8, '.', len - 8 - sl))
			continue;
		_cleanup_free_ char *size = hull_xstrndup (e->d_name + 8, len - 8 - sl);
		_cleanup_free_ char *max =
			hull_xasprintf ("hugetlb.%s.%s", size, v2 ? "max" : "max_usage_in_bytes");
		_cleanup_free_ char *fail =
			hull_xasprintf ("hugetlb.%s.%s", size, v2 ? "events" : "failcnt");
		json_t *one = json_object ();
		set_num (one, "usage", t, "hugetlb", e->d_name);
		if (!v2) {
			set_num (one, "max", t, "hugetlb", max);
			set_num (one, "failcnt", t, "hugetlb", fail);
		} else {
			_cleanup_free_ char *ev = text_of (t, "hugetlb", fail);
			_cleanup_ (json_decrefp) json_t *k = keyed (ev);
			json_object_set_new (one, "failcnt", json_integer (key_num (k, "max")));
		}
		json_object_set_new (h, size, one);
	}
	closedir (dir);
	return h;
}

char *
hull_cgroup_stats (struct hull_cgroup *cg, hull_error_t *err)
{
	struct hull_cgroup_target t;
	_cleanup_ (json_decrefp) json_t *data = NULL;

	if (hull_cgroup_target_open (cg, &t, err) < 0)
		return NULL;
	data = json_object ();
	json_object_set_new (data, "cpu", cpu_stats (&t));
	json_object_set_new (data, "memory", memory_stats (&t));
	json_object_set_new (data, "pids", pids_stats (&t));
	json_object_set_new (data, "blkio", blkio_stats (&t));
	json_object_set_new (data, "hugetlb", hugetlb_stats (&t));
	hull_cgroup_target_close (&t);
	return json_dumps (data, JSON_COMPACT);
}

int
hull_cgroup_oom_kills (struct hull_cgroup *cg, uint64_t *count, hull_error_t *err)
{
	struct hull_cgroup_target t;
	_cleanup_free_ char *text = NULL;
	_cleanup_ (json_decrefp) json_t *k = NULL;

	if (hull_cgroup_target_open (cg, &t, err) < 0)
		return hull_error_ret (err);
	text = text_of (&t, "memory",
			t.mode == HULL_CGROUP_V2 ? "memory.events" : "memory.oom_control");
	hull_cgroup_target_close (&t);
	if (text == NULL)
		return hull_error_make (err, ENOENT, "no memory cgroup to watch for OOM kills");
	k = keyed (text);
	*count = (uint64_t) key_num (k, "oom_kill");
	return 0;
}
