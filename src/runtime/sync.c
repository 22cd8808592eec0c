/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "runtime/sync.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int
hull_sync_pair (int fds[2], hull_error_t *err)
{
	if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
		return hull_error_make (err, errno, "create sync socket");
	return 0;
}

int
hull_sync_send (int fd, uint8_t type, int32_t value, hull_error_t *err)
{
	struct hull_sync_msg m;
	ssize_t n;

	memset (&m, 0, sizeof m);
	m.type = type;
	m.value = value;
	do
		n = send (fd, &m, sizeof m, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t) sizeof m)
		return hull_error_make (err, n < 0 ? errno : EPIPE, "sync: send `%c`", type);
	return 0;
}

void
hull_sync_send_error (int fd, const hull_error_t *e)
{
	struct hull_sync_msg m;
	ssize_t n;

	memset (&m, 0, sizeof m);
	m.type = HULL_SYNC_ERROR;
	m.error = *e;
	do
		n = send (fd, &m, sizeof m, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
}

int
hull_sync_recv (int fd, struct hull_sync_msg *msg, hull_error_t *err)
{
	ssize_t n;

	do
		n = recv (fd, msg, sizeof *msg, 0);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return 0;
	if (n < 0)
		return hull_error_make (err, errno, "sync: receive");
	/* A short packet can only come from a broken or hostile peer. */
	if (n != (ssize_t) sizeof *msg)
		return hull_error_make (err, EPROTO, "sync: short message (%zd bytes)", n);
	msg->error.msg[sizeof msg->error.msg - 1] = '\0';
	return 1;
}
