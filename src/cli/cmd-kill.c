/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "common/parse.h"

static const char kill_help[] =
	"NAME\n"
	"    hull kill - send a signal to a container\n"
	"\n"
	"SYNOPSIS\n"
	"    hull [GLOBAL OPTIONS] kill [--all] ID [SIGNAL]\n"
	"\n"
	"DESCRIPTION\n"
	"    Sends SIGNAL (default SIGTERM) to the container's init process, or with --all\n"
	"    to every process in its cgroup. SIGNAL is a name with or without SIG (TERM,\n"
	"    SIGKILL, kill) or a number. The container must be created or running.\n"
	"\n"
	"OPTIONS\n"
	"    -a, --all    signal every process of the container\n"
	"    -h, --help   this text\n"
	"\n"
	"EXIT STATUS\n"
	"    0, or 125 with one line naming the reason (unknown signal, not running).\n";

static const struct {
	const char *name;
	int sig;
} signals[] = {
	{ "HUP", SIGHUP },	 { "INT", SIGINT },   { "QUIT", SIGQUIT },     { "ILL", SIGILL },
	{ "TRAP", SIGTRAP },	 { "ABRT", SIGABRT }, { "IOT", SIGIOT },       { "BUS", SIGBUS },
	{ "FPE", SIGFPE },	 { "KILL", SIGKILL }, { "USR1", SIGUSR1 },     { "SEGV", SIGSEGV },
	{ "USR2", SIGUSR2 },	 { "PIPE", SIGPIPE }, { "ALRM", SIGALRM },     { "TERM", SIGTERM },
	{ "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD }, { "CONT", SIGCONT },     { "STOP", SIGSTOP },
	{ "TSTP", SIGTSTP },	 { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU },     { "URG", SIGURG },
	{ "XCPU", SIGXCPU },	 { "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
	{ "WINCH", SIGWINCH },	 { "IO", SIGIO },     { "POLL", SIGPOLL },     { "PWR", SIGPWR },
	{ "SYS", SIGSYS },
};

static int
parse_signal (const char *s, int *sig)
{
	uint32_t n;

	if (hull_parse_u32 (s, 10, &n, "signal", NULL) == 0) {
		if (n == 0 || n > (uint32_t) SIGRTMAX)
			return -1;
		*sig = (int) n;
		return 0;
	}
	if (strncasecmp (s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
		if (strcasecmp (s, signals[i].name) == 0) {
			*sig = signals[i].sig;
			return 0;
		}
	return -1;
}

static int
cmd_kill (struct hull_cli_globals *g, int argc, char **argv)
{
	bool all = false;
	struct hull_cli_opt table[] = {
		{ "all", 'a', HULL_OPT_FLAG, &all },
		{ NULL, 0, 0, NULL },
	};
	struct hull_cli_list pos = { 0 };
	hull_error_t err = { 0 };
	const char *id = NULL;
	int sig = SIGTERM, r;

	r = hull_cli_parse ("kill", table, argc, argv, &pos);
	if (r == 0 && pos.n == 2 && parse_signal (pos.v[1], &sig) < 0)
		r = hull_cli_usage ("kill", "unknown signal `%s`", pos.v[1]);
	if (r == 0 && pos.n == 2)
		pos.n = 1;
	if (r == 0)
		r = hull_cli_one_id ("kill", &pos, &id);
	free (pos.v);
	if (r != 0)
		return r;
	if (hull_runtime_kill (g->root, id, sig, all, &err) < 0)
		return hull_cli_fail ("kill", &err);
	return 0;
}

const struct hull_cli_command hull_cmd_kill = {
	.name = "kill",
	.fn = cmd_kill,
	.summary = "send a signal to a container",
	.help = kill_help,
};
