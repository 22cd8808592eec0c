/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Logging hook: library code logs only at debug level through this; the CLI
 * installs the sink (stderr, --log FILE, text or JSON lines). */
#ifndef HULL_LOG_H
#define HULL_LOG_H

enum hull_log_level {
	HULL_LOG_ERROR = 0,
	HULL_LOG_WARNING = 1,
	HULL_LOG_INFO = 2,
	HULL_LOG_DEBUG = 3,
};

typedef void (*hull_log_sink_t) (int level, const char *msg, void *userdata);

/* Install the sink and the maximum level passed to it. NULL disables logging. */
void hull_log_set_sink (hull_log_sink_t sink, int max_level, void *userdata);
int hull_log_enabled (int level);
void hull_log (int level, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

#define hull_debug(...) hull_log (HULL_LOG_DEBUG, __VA_ARGS__)

#endif
