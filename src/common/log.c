/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>

static hull_log_sink_t log_sink;
static int log_max_level = -1;
static void *log_userdata;

void
hull_log_set_sink (hull_log_sink_t sink, int max_level, void *userdata)
{
	log_sink = sink;
	log_max_level = sink ? max_level : -1;
	log_userdata = userdata;
}

int
hull_log_enabled (int level)
{
	return log_sink != NULL && level <= log_max_level;
}

void
hull_log (int level, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	if (!hull_log_enabled (level))
		return;
	va_start (ap, fmt);
	vsnprintf (buf, sizeof buf, fmt, ap);
	va_end (ap);
	log_sink (level, buf, log_userdata);
}
