/* placeholder: being written */
#include "cli/cli.h"
static int cmd_sandbox (struct hull_cli_globals *g, int argc, char **argv) { return 125; }
const struct hull_cli_command hull_cmd_sandbox = { .name = "sandbox", .fn = cmd_sandbox, .summary = "", .help = "" };
