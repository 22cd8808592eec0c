/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Terminals: the pty inside the container, fd passing (SCM_RIGHTS), the
 * --console-socket protocol that conmon and podman use, and `run -t` attaching the
 * caller's terminal. */
#ifndef HULL_RUNTIME_TERMINAL_H
#define HULL_RUNTIME_TERMINAL_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "hull/error.h"
#include "hull/oci.h"

/* In the container process, after pivot_root, before the identity switch: open a new
 * pty from the container's /dev/ptmx (its own devpts instance), make the slave the
 * controlling terminal of a new session and stdin/stdout/stderr, apply
 * process.consoleSize, chown the slave to process.user. Returns the master fd
 * (close-on-exec) for the runtime. */
int hull_terminal_setup_child (const struct hull_oci_process *p, hull_error_t *err);

/* Send fd over the connected unix socket `sock` with SCM_RIGHTS; `name` travels as the
 * message payload (runc sends the pty's name). */
int hull_terminal_send_fd (int sock, int fd, const char *name, hull_error_t *err);
/* Receive one fd sent by hull_terminal_send_fd (close-on-exec). */
int hull_terminal_recv_fd (int sock, hull_error_t *err);

/* Connect to the --console-socket path and send the pty master (the conmon/podman
 * protocol, as runc and crun do). */
int hull_terminal_send_console (const char *socket_path, int master, hull_error_t *err);

/* Foreground `run -t`/`exec -t` without a console socket: put the caller's terminal
 * (stdin, if it is a tty) in raw mode, copy stdin -> master and master -> stdout,
 * propagate the window size now and on every SIGWINCH, forward the other signals in
 * `forwarded` to pid, and return when pid has exited, with *status its wait status
 * translated as the runtime does (exit code or 128+signal). The caller's terminal
 * settings are restored on every path. `forwarded` is already blocked by the caller
 * and contains SIGCHLD. */
int hull_terminal_proxy_wait (int master, pid_t pid, const sigset_t *forwarded, int *status,
			      hull_error_t *err);

#endif
