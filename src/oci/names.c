/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Name tables of the runtime spec (config.md, config-linux.md): every enumerated
 * string config.json may carry, with the number the kernel or libseccomp uses. */
#include <sched.h>
#include <seccomp.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/resource.h>

#include "oci/internal.h"

int
hull_oci_name_lookup (const struct hull_oci_name *table, const char *name, long *value)
{
	if (name == NULL)
		return -1;
	for (; table->name; table++)
		if (strcmp (table->name, name) == 0) {
			*value = table->value;
			return 0;
		}
	return -1;
}

/* config.md "POSIX process": process.rlimits[].type. */
const struct hull_oci_name hull_oci_rlimit_names[] = {
	{ "RLIMIT_AS", RLIMIT_AS },
	{ "RLIMIT_CORE", RLIMIT_CORE },
	{ "RLIMIT_CPU", RLIMIT_CPU },
	{ "RLIMIT_DATA", RLIMIT_DATA },
	{ "RLIMIT_FSIZE", RLIMIT_FSIZE },
	{ "RLIMIT_LOCKS", RLIMIT_LOCKS },
	{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
	{ "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
	{ "RLIMIT_NICE", RLIMIT_NICE },
	{ "RLIMIT_NOFILE", RLIMIT_NOFILE },
	{ "RLIMIT_NPROC", RLIMIT_NPROC },
	{ "RLIMIT_RSS", RLIMIT_RSS },
	{ "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
	{ "RLIMIT_RTTIME", RLIMIT_RTTIME },
	{ "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
	{ "RLIMIT_STACK", RLIMIT_STACK },
	{ NULL, 0 },
};

/* config-linux.md "Rootfs Mount Propagation" and the mount options of the same names. */
const struct hull_oci_name hull_oci_propagation_names[] = {
	{ "private", MS_PRIVATE },
	{ "rprivate", MS_PRIVATE | MS_REC },
	{ "slave", MS_SLAVE },
	{ "rslave", MS_SLAVE | MS_REC },
	{ "shared", MS_SHARED },
	{ "rshared", MS_SHARED | MS_REC },
	{ "unbindable", MS_UNBINDABLE },
	{ "runbindable", MS_UNBINDABLE | MS_REC },
	{ NULL, 0 },
};

/* config.md "Scheduler": policy names and sched_setattr(2) flags. SCHED_ISO is
 * reserved by the kernel and refused by it; the spec lists it, so it parses. */
const struct hull_oci_name hull_oci_sched_policy_names[] = {
	{ "SCHED_OTHER", SCHED_OTHER },
	{ "SCHED_FIFO", SCHED_FIFO },
	{ "SCHED_RR", SCHED_RR },
	{ "SCHED_BATCH", SCHED_BATCH },
	{ "SCHED_ISO", 4 },
	{ "SCHED_IDLE", SCHED_IDLE },
	{ "SCHED_DEADLINE", 6 },
	{ NULL, 0 },
};

const struct hull_oci_name hull_oci_sched_flag_names[] = {
	{ "SCHED_FLAG_RESET_ON_FORK", 0x01 },  { "SCHED_FLAG_RECLAIM", 0x02 },
	{ "SCHED_FLAG_DL_OVERRUN", 0x04 },     { "SCHED_FLAG_KEEP_POLICY", 0x08 },
	{ "SCHED_FLAG_KEEP_PARAMS", 0x10 },    { "SCHED_FLAG_UTIL_CLAMP_MIN", 0x20 },
	{ "SCHED_FLAG_UTIL_CLAMP_MAX", 0x40 }, { NULL, 0 },
};

/* config.md "IO Priority": ioprio_set(2) classes. */
const struct hull_oci_name hull_oci_ioprio_class_names[] = {
	{ "IOPRIO_CLASS_RT", 1 },
	{ "IOPRIO_CLASS_BE", 2 },
	{ "IOPRIO_CLASS_IDLE", 3 },
	{ NULL, 0 },
};

/* config-linux.md "Seccomp": actions. The value is libseccomp's action with a
 * zero errno/trace value; the runtime adds errnoRet. */
const struct hull_oci_name hull_oci_seccomp_action_names[] = {
	{ "SCMP_ACT_KILL", (long) SCMP_ACT_KILL },
	{ "SCMP_ACT_KILL_PROCESS", (long) SCMP_ACT_KILL_PROCESS },
	{ "SCMP_ACT_KILL_THREAD", (long) SCMP_ACT_KILL_THREAD },
	{ "SCMP_ACT_TRAP", (long) SCMP_ACT_TRAP },
	{ "SCMP_ACT_ERRNO", (long) SCMP_ACT_ERRNO (0) },
	{ "SCMP_ACT_TRACE", (long) SCMP_ACT_TRACE (0) },
	{ "SCMP_ACT_ALLOW", (long) SCMP_ACT_ALLOW },
	{ "SCMP_ACT_LOG", (long) SCMP_ACT_LOG },
	{ "SCMP_ACT_NOTIFY", (long) SCMP_ACT_NOTIFY },
	{ NULL, 0 },
};

const struct hull_oci_name hull_oci_seccomp_op_names[] = {
	{ "SCMP_CMP_NE", SCMP_CMP_NE },
	{ "SCMP_CMP_LT", SCMP_CMP_LT },
	{ "SCMP_CMP_LE", SCMP_CMP_LE },
	{ "SCMP_CMP_EQ", SCMP_CMP_EQ },
	{ "SCMP_CMP_GE", SCMP_CMP_GE },
	{ "SCMP_CMP_GT", SCMP_CMP_GT },
	{ "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
	{ NULL, 0 },
};

/* Architecture names of the spec; the value is only an ordinal (the seccomp
 * compiler maps names itself, as libseccomp versions differ in what they know). */
const struct hull_oci_name hull_oci_seccomp_arch_names[] = {
	{ "SCMP_ARCH_X86", 1 },	      { "SCMP_ARCH_X86_64", 2 },       { "SCMP_ARCH_X32", 3 },
	{ "SCMP_ARCH_ARM", 4 },	      { "SCMP_ARCH_AARCH64", 5 },      { "SCMP_ARCH_MIPS", 6 },
	{ "SCMP_ARCH_MIPS64", 7 },    { "SCMP_ARCH_MIPS64N32", 8 },    { "SCMP_ARCH_MIPSEL", 9 },
	{ "SCMP_ARCH_MIPSEL64", 10 }, { "SCMP_ARCH_MIPSEL64N32", 11 }, { "SCMP_ARCH_PPC", 12 },
	{ "SCMP_ARCH_PPC64", 13 },    { "SCMP_ARCH_PPC64LE", 14 },     { "SCMP_ARCH_S390", 15 },
	{ "SCMP_ARCH_S390X", 16 },    { "SCMP_ARCH_PARISC", 17 },      { "SCMP_ARCH_PARISC64", 18 },
	{ "SCMP_ARCH_RISCV64", 19 },  { "SCMP_ARCH_LOONGARCH64", 20 }, { "SCMP_ARCH_M68K", 21 },
	{ "SCMP_ARCH_SH", 22 },	      { "SCMP_ARCH_SHEB", 23 },	       { NULL, 0 },
};

/* seccomp(2) SECCOMP_FILTER_FLAG_* names the spec allows in seccomp.flags. */
const struct hull_oci_name hull_oci_seccomp_flag_names[] = {
	{ "SECCOMP_FILTER_FLAG_TSYNC", 1 },
	{ "SECCOMP_FILTER_FLAG_LOG", 2 },
	{ "SECCOMP_FILTER_FLAG_SPEC_ALLOW", 4 },
	{ "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", 32 },
	{ NULL, 0 },
};

/* config-linux.md "Personality". */
const struct hull_oci_name hull_oci_personality_names[] = {
	{ "LINUX", PER_LINUX },
	{ "LINUX32", PER_LINUX32 },
	{ NULL, 0 },
};
