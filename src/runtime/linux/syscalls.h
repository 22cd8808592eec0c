/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Raw wrappers for the mount API system calls, by number.
 *
 * Why raw: glibc 2.36 declares open_tree/move_mount/... in <sys/mount.h> but not
 * fsconfig's full set or pivot_root, older glibcs declare none, and mixing
 * <sys/mount.h> with <linux/mount.h> clashed in glibc 2.36's first release. Only
 * <sys/mount.h> is included here (it pulls in <linux/mount.h> itself where that is
 * safe); every constant we need has a fallback below. The wrappers are named
 * hull_sys_* so they never collide with the libc declarations. */
#ifndef HULL_LINUX_SYSCALLS_H
#define HULL_LINUX_SYSCALLS_H

#include <fcntl.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif
#ifndef MOVE_MOUNT_T_EMPTY_PATH
#define MOVE_MOUNT_T_EMPTY_PATH 0x00000040
#endif
#ifndef FSOPEN_CLOEXEC
#define FSOPEN_CLOEXEC 0x00000001
#endif
#ifndef FSMOUNT_CLOEXEC
#define FSMOUNT_CLOEXEC 0x00000001
#endif
#ifndef FSCONFIG_SET_FLAG
#define FSCONFIG_SET_FLAG 0
#define FSCONFIG_SET_STRING 1
#define FSCONFIG_CMD_CREATE 6
#endif
#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x00000001
#define MOUNT_ATTR_NOSUID 0x00000002
#define MOUNT_ATTR_NODEV 0x00000004
#define MOUNT_ATTR_NOEXEC 0x00000008
#define MOUNT_ATTR__ATIME 0x00000070
#define MOUNT_ATTR_RELATIME 0x00000000
#define MOUNT_ATTR_NOATIME 0x00000010
#define MOUNT_ATTR_STRICTATIME 0x00000020
#define MOUNT_ATTR_NODIRATIME 0x00000080
#endif
#ifndef MOUNT_ATTR_NOSYMFOLLOW
#define MOUNT_ATTR_NOSYMFOLLOW 0x00200000
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif

#ifndef MOUNT_ATTR_SIZE_VER0
struct mount_attr {
	uint64_t attr_set;
	uint64_t attr_clr;
	uint64_t propagation;
	uint64_t userns_fd;
};
#endif

static inline int
hull_sys_open_tree (int dfd, const char *path, unsigned int flags)
{
	return (int) syscall (SYS_open_tree, dfd, path, flags);
}

static inline int
hull_sys_move_mount (int from_dfd, const char *from_path, int to_dfd, const char *to_path,
		     unsigned int flags)
{
	return (int) syscall (SYS_move_mount, from_dfd, from_path, to_dfd, to_path, flags);
}

static inline int
hull_sys_mount_setattr (int dfd, const char *path, unsigned int flags, struct mount_attr *attr)
{
	return (int) syscall (SYS_mount_setattr, dfd, path, flags, attr, sizeof *attr);
}

static inline int
hull_sys_fsopen (const char *fsname, unsigned int flags)
{
	return (int) syscall (SYS_fsopen, fsname, flags);
}

static inline int
hull_sys_fsconfig (int fd, unsigned int cmd, const char *key, const void *value, int aux)
{
	return (int) syscall (SYS_fsconfig, fd, cmd, key, value, aux);
}

static inline int
hull_sys_fsmount (int fd, unsigned int flags, unsigned int attr_flags)
{
	return (int) syscall (SYS_fsmount, fd, flags, attr_flags);
}

static inline int
hull_sys_pivot_root (const char *new_root, const char *put_old)
{
	return (int) syscall (SYS_pivot_root, new_root, put_old);
}

#endif
