/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/xalloc.h"
#include "hull/image.h"

static const char delete_help[] =
	"NAME\n"
	"    hull delete - remove a container\n"
	"\n"
	"SYNOPSIS\n"
	"    hull [GLOBAL OPTIONS] delete [--force] ID\n"
	"\n"
	"DESCRIPTION\n"
	"    Removes what the container left: its cgroup and state directory, then runs\n"
	"    the poststop hooks. A running container is refused unless --force, which kills\n"
	"    every process first. --force also cleans up after a `create` or `run` that was\n"
	"    killed half-way. A container `hull run -d IMAGE` started also loses its\n"
	"    bundle and writable layer in the image store (STORE/containers/ID).\n"
	"\n"
	"OPTIONS\n"
	"    -f, --force   kill a running container first\n"
	"    -h, --help    this text\n"
	"\n"
	"EXIT STATUS\n"
	"    0, or 125 with one line naming the reason.\n";

/* The bundle of a container made from an image (hull_image_container_is), or NULL. */
static char *
image_bundle (struct hull_cli_globals *g, const char *id)
{
	_cleanup_free_ char *state = NULL;
	_cleanup_ (json_decrefp) json_t *j = NULL;
	hull_error_t err = { 0 };
	const char *b;

	state = hull_runtime_state (g->root, id, &err);
	if (state)
		j = hull_json_parse (state, strlen (state), HULL_OCI_CONFIG_MAX, "state", &err);
	b = json_string_value (json_object_get (j, "bundle"));
	/* STORE/containers/ID, for this ID, made by `hull run -d IMAGE`. */
	if (b == NULL || strrchr (b, '/') == NULL || strcmp (strrchr (b, '/') + 1, id) != 0 ||
	    !hull_image_container_is (b))
		return NULL;
	return hull_xstrdup (b);
}

static int
cmd_delete (struct hull_cli_globals *g, int argc, char **argv)
{
	bool force = false;
	struct hull_cli_opt table[] = {
		{ "force", 'f', HULL_OPT_FLAG, &force },
		{ NULL, 0, 0, NULL },
	};
	struct hull_cli_list pos = { 0 };
	hull_error_t err = { 0 };
	_cleanup_free_ char *bundle = NULL;
	const char *id = NULL;
	int r;

	r = hull_cli_parse ("delete", table, argc, argv, &pos);
	if (r == 0)
		r = hull_cli_one_id ("delete", &pos, &id);
	free (pos.v);
	if (r != 0)
		return r;
	bundle = image_bundle (g, id);
	if (hull_runtime_delete (g->root, id, force, &err) < 0)
		return hull_cli_fail ("delete", &err);
	/* A container `hull run -d IMAGE` made: its bundle, writable layer and mount. */
	if (bundle && hull_image_container_release (bundle, &err) < 0)
		return hull_cli_fail ("delete", &err);
	return 0;
}

const struct hull_cli_command hull_cmd_delete = {
	.name = "delete",
	.fn = cmd_delete,
	.summary = "remove a container",
	.help = delete_help,
};
