/* SPDX-License-Identifier: GPL-2.0-or-later */
/* linux.seccomp (config-linux.md "Seccomp"): compile the profile to classic BPF with
 * libseccomp, then load it with seccomp(2) in the container process.
 *
 * Two steps so that the caller can place them:
 *   hull_seccomp_compile  allocates and may log; run it before the process drops its
 *                         identity (or in the runtime before the clone: the program is a
 *                         plain heap buffer, inherited by fork/clone).
 *   hull_seccomp_load     one seccomp(2) call. seccomp(SECCOMP_SET_MODE_FILTER) needs
 *                         either no_new_privs or CAP_SYS_ADMIN in the current user
 *                         namespace (kernel/seccomp.c, seccomp_prepare_filter). So:
 *                         - process.noNewPrivileges true: load after
 *                           hull_process_apply_identity (which sets no_new_privs), as late
 *                           as possible, so the filter constrains the fewest runtime steps;
 *                         - noNewPrivileges false: load *before* hull_process_apply_identity,
 *                           while the process still holds CAP_SYS_ADMIN (runc does the same,
 *                           libcontainer/standard_init_linux.go). The profile must then allow
 *                           what identity needs (setgroups, setresuid/gid, capset, prctl,
 *                           personality, umask, chdir, getcwd); podman's and docker's do.
 * After loading, the process calls only rt_sigprocmask, close_range, execve (and sendmsg
 * to report an error): a profile must allow those, as for runc and crun. */
#ifndef HULL_LINUX_SECCOMP_H
#define HULL_LINUX_SECCOMP_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/cleanup.h"
#include "hull/error.h"
#include "hull/oci.h"

struct sock_filter;

/* A compiled filter: the BPF program and the seccomp(2) flags of the profile. */
struct hull_seccomp_prog {
	struct sock_filter *filter;
	unsigned short len; /* instructions */
	unsigned int flags; /* SECCOMP_FILTER_FLAG_* from linux.seccomp.flags */
	bool notify;	    /* some action is SCMP_ACT_NOTIFY: loading creates a listener */
};

/* Compile `s`. When !s->present, *out = NULL and 0 (no filter asked for). Syscall names
 * unknown to libseccomp are skipped (logged at debug), as runc and crun do: profiles
 * list syscalls newer than the library, and the default action covers them. Unknown
 * architectures, errnoRet on actions without one, NOTIFY as the default action and
 * programs over the kernel's 4096 instructions are errors naming the field. */
int hull_seccomp_compile (const struct hull_oci_seccomp *s, struct hull_seccomp_prog **out,
			  hull_error_t *err);

/* Write libseccomp's pseudo filter code of `s` to `fd` (the golden file of the default
 * profile, tests/data/seccomp/default.pfc, and `hull`-side debugging). */
int hull_seccomp_export_pfc (const struct hull_oci_seccomp *s, int fd, hull_error_t *err);

/* Load `p` (NULL: nothing to do) into the calling thread with seccomp(2). When the
 * profile uses SCMP_ACT_NOTIFY the filter is loaded with SECCOMP_FILTER_FLAG_NEW_LISTENER
 * and the listener fd (close-on-exec) is stored in *listener_fd; the caller must hand it
 * to the runtime, which calls hull_seccomp_send_listener. With listener_fd NULL a
 * NOTIFY profile is refused before anything is loaded (fail closed). */
int hull_seccomp_load (const struct hull_seccomp_prog *p, int *listener_fd, hull_error_t *err);

/* config-linux.md "Seccomp" listenerPath, state.md "Container process state": connect
 * to s->listener_path (AF_UNIX, SOCK_STREAM), send {ociVersion, fds: ["seccompFd"], pid,
 * metadata, state} with the listener fd as SCM_RIGHTS, close. `state_json` is the
 * container's state (state.md "State"); it runs in the runtime, in the host's mount
 * namespace, where listenerPath is resolved. */
int hull_seccomp_send_listener (const struct hull_oci_seccomp *s, int listener_fd, pid_t pid,
				const char *state_json, hull_error_t *err);

/* Number of hull_seccomp_compile calls that ran libseccomp in this process (tests and
 * --debug use it to show that a cached start compiles nothing). */
unsigned long hull_seccomp_compile_count (void);

/* Cache (seccomp-cache.c). The directory: $HULL_SECCOMP_CACHE, else
 * /var/cache/hull/seccomp; "" disables the cache. */
const char *hull_seccomp_cache_dir (void);

/* The cache key of `s`: SHA-256 of the format version, libseccomp's version, the kernel
 * ABI (seccomp_api_get, native arch) and a canonical serialisation of `s`. */
void hull_seccomp_cache_key (const struct hull_oci_seccomp *s, uint8_t key[32]);

/* hull_seccomp_compile through the cache in `dir` (NULL: hull_seccomp_cache_dir ()):
 * a verified entry is used as is; a missing, corrupt or mismatching one is removed and
 * rebuilt. Failing to write the cache is not an error (logged at debug). */
int hull_seccomp_prepare (const struct hull_oci_seccomp *s, const char *dir,
			  struct hull_seccomp_prog **out, hull_error_t *err);

/* The profile format and the default profile: src/oci/seccomp-profile.h. */
#include "oci/seccomp-profile.h"

/* Free a program (NULL allowed); returns NULL. */
struct hull_seccomp_prog *hull_seccomp_prog_free (struct hull_seccomp_prog *p);
HULL_DEFINE_CLEANUP (struct hull_seccomp_prog, hull_seccomp_prog_free)

#endif
