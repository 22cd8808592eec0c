/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `hull update`: change the cgroup limits of a container (runc update). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/cleanup.h"
#include "common/parse.h"
#include "common/xalloc.h"

#define RESOURCES_MAX (1u << 20)

static const char update_help[] =
	"NAME\n"
	"    hull update - change the resource limits of a container\n"
	"\n"
	"SYNOPSIS\n"
	"    hull [GLOBAL OPTIONS] update [OPTIONS] ID\n"
	"\n"
	"DESCRIPTION\n"
	"    Writes new limits into the container's cgroup (docs/resources.md). Only what\n"
	"    is given changes; device rules are never changed by update.\n"
	"\n"
	"OPTIONS\n"
	"    -r, --resources FILE     a runtime-spec linux.resources JSON object (- for stdin);\n"
	"                             the flags below override its values\n"
	"    --memory BYTES           memory.limit (-1: unlimited)\n"
	"    --memory-reservation BYTES\n"
	"                             memory.reservation (soft limit)\n"
	"    --memory-swap BYTES      memory.swap (memory + swap; -1: unlimited)\n"
	"    --cpu-shares N           cpu.shares (cpu.weight on cgroup v2)\n"
	"    --cpu-quota US           cpu.quota per period (-1: unlimited)\n"
	"    --cpu-period US          cpu.period\n"
	"    --cpuset-cpus LIST       cpu.cpus, e.g. 0-3,5\n"
	"    --cpuset-mems LIST       cpu.mems\n"
	"    --pids-limit N           pids.limit (0 or -1: unlimited)\n"
	"    --blkio-weight N         blockIO.weight (10-1000)\n"
	"\n"
	"EXIT STATUS\n"
	"    0, or 125 with one line naming the reason (the cgroup file and value for a\n"
	"    write the kernel refused).\n";

struct update_args {
	const char *resources, *memory, *reservation, *swap, *shares, *quota, *period, *cpus, *mems,
		*pids, *blkio;
};

/* `linux.resources` through the config parser, so update accepts exactly what create
 * does: the object is wrapped as a minimal config. */
static struct hull_oci_config *
parse_resources (const char *path, hull_error_t *err)
{
	_cleanup_close_ int fd = strcmp (path, "-") == 0 ? fcntl (0, F_DUPFD_CLOEXEC, 3)
							 : open (path, O_RDONLY | O_CLOEXEC);
	_cleanup_free_ char *buf = hull_xmalloc (RESOURCES_MAX + 1), *doc = NULL;
	size_t len = 0;
	ssize_t r;

	if (fd < 0)
		return hull_error_make (err, errno, "open `%s`", path), NULL;
	while ((r = read (fd, buf + len, RESOURCES_MAX + 1 - len)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return hull_error_make (err, errno, "read `%s`", path), NULL;
		len += (size_t) r;
		if (len > RESOURCES_MAX)
			return hull_error_make (err, EFBIG, "`%s`: more than %u bytes", path,
						RESOURCES_MAX),
			       NULL;
	}
	doc = hull_xasprintf ("{\"ociVersion\":\"1.2.0\",\"linux\":{\"resources\":\n%.*s\n}}",
			      (int) len, buf);
	return hull_oci_config_parse (doc, strlen (doc), path, NULL, err);
}

static int
i64_opt (const char *cmd, const char *name, const char *s, bool *has, int64_t *v)
{
	hull_error_t err = { 0 };
	if (s == NULL)
		return 0;
	if (hull_parse_i64 (s, v, name, &err) < 0)
		return hull_cli_usage (cmd, "%s", err.msg);
	*has = true;
	return 0;
}

static int
u64_opt (const char *cmd, const char *name, const char *s, bool *has, uint64_t *v)
{
	hull_error_t err = { 0 };
	if (s == NULL)
		return 0;
	if (hull_parse_u64 (s, 10, v, name, &err) < 0)
		return hull_cli_usage (cmd, "%s", err.msg);
	*has = true;
	return 0;
}

/* runc's flags on top of the file's values. */
static int
overlay (const struct update_args *a, struct hull_oci_resources *r, char **blkio)
{
	bool ignored;
	uint64_t w = 0;
	int e = 0;

	e = e ?: i64_opt ("update", "--memory", a->memory, &r->has_mem_limit, &r->mem_limit);
	e = e
		    ?: i64_opt ("update", "--memory-reservation", a->reservation,
				&r->has_mem_reservation, &r->mem_reservation);
	e = e ?: i64_opt ("update", "--memory-swap", a->swap, &r->has_mem_swap, &r->mem_swap);
	e = e ?: u64_opt ("update", "--cpu-shares", a->shares, &r->has_cpu_shares, &r->cpu_shares);
	e = e ?: i64_opt ("update", "--cpu-quota", a->quota, &r->has_cpu_quota, &r->cpu_quota);
	e = e ?: u64_opt ("update", "--cpu-period", a->period, &r->has_cpu_period, &r->cpu_period);
	e = e ?: i64_opt ("update", "--pids-limit", a->pids, &r->has_pids_limit, &r->pids_limit);
	e = e ?: u64_opt ("update", "--blkio-weight", a->blkio, &ignored, &w);
	if (e)
		return e;
	if (a->cpus) {
		free (r->cpu_cpus);
		r->cpu_cpus = hull_xstrdup (a->cpus);
	}
	if (a->mems) {
		free (r->cpu_mems);
		r->cpu_mems = hull_xstrdup (a->mems);
	}
	if (a->blkio) {
		free (r->block_io_json);
		r->block_io_json = *blkio = hull_xasprintf ("{\"weight\":%" PRIu64 "}", w);
	}
	return 0;
}

static int
cmd_update (struct hull_cli_globals *g, int argc, char **argv)
{
	struct update_args a = { 0 };
	const struct hull_cli_opt opts[] = {
		{ "resources", 'r', HULL_OPT_STRING, &a.resources },
		{ "memory", 0, HULL_OPT_STRING, &a.memory },
		{ "memory-reservation", 0, HULL_OPT_STRING, &a.reservation },
		{ "memory-swap", 0, HULL_OPT_STRING, &a.swap },
		{ "cpu-shares", 0, HULL_OPT_STRING, &a.shares },
		{ "cpu-quota", 0, HULL_OPT_STRING, &a.quota },
		{ "cpu-period", 0, HULL_OPT_STRING, &a.period },
		{ "cpuset-cpus", 0, HULL_OPT_STRING, &a.cpus },
		{ "cpuset-mems", 0, HULL_OPT_STRING, &a.mems },
		{ "pids-limit", 0, HULL_OPT_STRING, &a.pids },
		{ "blkio-weight", 0, HULL_OPT_STRING, &a.blkio },
		{ NULL, 0, 0, NULL },
	};
	struct hull_cli_list pos = { 0 };
	struct hull_oci_config *cfg = NULL;
	hull_error_t err = { 0 };
	const char *id = NULL;
	char *blkio = NULL;
	int r;

	r = hull_cli_parse ("update", opts, argc, argv, &pos);
	if (r == 0)
		r = hull_cli_one_id ("update", &pos, &id);
	free (pos.v);
	if (r != 0)
		return r;
	cfg = parse_resources (a.resources ? a.resources : "/dev/null", &err);
	if (cfg == NULL && a.resources == NULL) {
		/* no file: an empty object */
		static const char empty[] = "{\"ociVersion\":\"1.2.0\",\"linux\":{}}";
		hull_error_clear (&err);
		cfg = hull_oci_config_parse (empty, sizeof empty - 1, "update", NULL, &err);
	}
	if (cfg == NULL)
		return hull_cli_fail ("update", &err);
	r = overlay (&a, &cfg->linux_.resources, &blkio);
	if (r == 0 && hull_runtime_update (g->root, id, &cfg->linux_.resources, &err) < 0)
		r = hull_cli_fail ("update", &err);
	hull_oci_config_free (cfg);
	return r;
}

const struct hull_cli_command hull_cmd_update = {
	.name = "update",
	.fn = cmd_update,
	.summary = "change the resource limits of a container",
	.help = update_help,
};
