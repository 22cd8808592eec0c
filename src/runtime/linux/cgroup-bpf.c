/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The cgroup v2 device controller is a BPF_PROG_TYPE_CGROUP_DEVICE program attached with
 * BPF_CGROUP_DEVICE (cgroup-v2.rst "Device controller"; the context is struct
 * bpf_cgroup_dev_ctx). Built by hand, as crun does, so hull needs no BPF toolchain.
 *
 * v1 semantics (cgroup-v1/devices.rst): default deny, later rules override earlier ones.
 * The program tests the rules last to first and returns at the first match:
 *   an allow rule matches when it grants every requested access (v1 needs one exception
 *   that covers the whole request);
 *   a deny rule matches when it names any requested access (v1 subtracts the denied bits
 *   from what was allowed before). */
#include <errno.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "hull/oci.h"
#include "runtime/linux/cgroup-internal.h"

#define RULE_INSNS 10 /* the most one rule needs */
#define PROLOGUE 5
#define RULES_MAX 4096

static struct bpf_insn
insn (uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	return (struct bpf_insn){
		.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm
	};
}

#define LDX_W(dst, src, off) insn (BPF_LDX | BPF_MEM | BPF_W, dst, src, off, 0)
#define MOV_REG(dst, src) insn (BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0)
#define MOV_IMM(dst, imm) insn (BPF_ALU | BPF_MOV | BPF_K, dst, 0, 0, imm)
#define AND_IMM(dst, imm) insn (BPF_ALU | BPF_AND | BPF_K, dst, 0, 0, imm)
#define RSH_IMM(dst, imm) insn (BPF_ALU | BPF_RSH | BPF_K, dst, 0, 0, imm)
#define JNE_IMM(dst, imm) insn (BPF_JMP | BPF_JNE | BPF_K, dst, 0, 0, imm)
#define JEQ_IMM(dst, imm) insn (BPF_JMP | BPF_JEQ | BPF_K, dst, 0, 0, imm)
#define EXIT() insn (BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

static int
access_mask (const char *access)
{
	int m = 0;
	if (access == NULL || access[0] == '\0')
		return BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE;
	for (const char *p = access; *p; p++)
		m |= *p == 'r'	 ? BPF_DEVCG_ACC_READ
		     : *p == 'w' ? BPF_DEVCG_ACC_WRITE
		     : *p == 'm' ? BPF_DEVCG_ACC_MKNOD
				 : 0;
	return m;
}

/* One rule; r2 = type, r3 = access, r4 = major, r5 = minor. Returns the count. */
static size_t
rule (const struct hull_oci_device_cgroup *d, struct bpf_insn *out)
{
	const int all = BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE;
	bool any_type = d->type == 0 || d->type == 'a';
	int mask = any_type ? all : access_mask (d->access);
	size_t n = 0;

	if (!any_type)
		out[n++] = JNE_IMM (2, d->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
	if (mask != all) {
		out[n++] = MOV_REG (1, 3);
		out[n++] = AND_IMM (1, d->allow ? ~mask & all : mask);
		out[n++] = d->allow ? JNE_IMM (1, 0) : JEQ_IMM (1, 0);
	}
	if (!any_type && d->has_major && d->major >= 0)
		out[n++] = JNE_IMM (4, (int32_t) d->major);
	if (!any_type && d->has_minor && d->minor >= 0)
		out[n++] = JNE_IMM (5, (int32_t) d->minor);
	out[n++] = MOV_IMM (0, d->allow ? 1 : 0);
	out[n++] = EXIT ();
	/* Every conditional jump skips to the end of this rule. */
	for (size_t i = 0; i < n; i++)
		if (BPF_CLASS (out[i].code) == BPF_JMP && BPF_OP (out[i].code) != BPF_EXIT)
			out[i].off = (int16_t) (n - i - 1);
	return n;
}

int
hull_cgroup_bpf_build (const struct hull_oci_device_cgroup *rules, size_t n, void **insns,
		       hull_error_t *err)
{
	struct bpf_insn *p;
	bool ended = false;
	size_t k = 0;

	if (n > RULES_MAX)
		return hull_error_make (err, E2BIG, "more than %d device rules", RULES_MAX);
	p = hull_xcalloc (PROLOGUE + n * RULE_INSNS + 2, sizeof *p);
	/* struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; } where
	 * access_type = (access << 16) | type. */
	p[k++] = LDX_W (2, 1, 0);
	p[k++] = MOV_REG (3, 2);
	p[k++] = RSH_IMM (3, 16);
	p[k++] = AND_IMM (2, 0xffff);
	p[k++] = LDX_W (4, 1, 4);
	p[k++] = LDX_W (5, 1, 8);
	/* A rule that matches every request ("a") is two instructions and ends the
	 * program: the verifier refuses code it cannot reach. */
	for (size_t i = n; i-- > 0 && !ended;) {
		size_t m = rule (&rules[i], p + k);
		k += m;
		ended = m == 2;
	}
	if (!ended) {
		p[k++] = MOV_IMM (0, 0); /* no rule matched: deny */
		p[k++] = EXIT ();
	}
	*insns = p;
	return (int) k;
}

int
hull_cgroup_bpf_attach (const void *insns, int n_insns, int dirfd, const char *where,
			hull_error_t *err)
{
	static char log[4096];
	union bpf_attr a;
	_cleanup_close_ int prog = -EBADF;
	int saved;

	memset (&a, 0, sizeof a);
	a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	a.insns = (uint64_t) (uintptr_t) insns;
	a.insn_cnt = (uint32_t) n_insns;
	a.license = (uint64_t) (uintptr_t) "GPL";
	/* No verifier log on the first try: before Linux 6.4 a log that outgrows its buffer
	 * fails the load with ENOSPC even for a valid program (seen with a few rules on
	 * 6.1). The kernel makes BPF fds close-on-exec. */
	prog = (int) syscall (SYS_bpf, BPF_PROG_LOAD, &a, sizeof a);
	if (prog < 0) {
		/* Load again only to say why; the first errno is the answer. */
		saved = errno;
		a.log_buf = (uint64_t) (uintptr_t) log;
		a.log_size = sizeof log;
		a.log_level = 1;
		log[0] = '\0';
		prog = (int) syscall (SYS_bpf, BPF_PROG_LOAD, &a, sizeof a);
		if (prog < 0)
			return hull_error_make (err, saved,
						"load the device cgroup program for `%s`%s%.200s",
						where, log[0] ? ": " : "", log);
	}
	memset (&a, 0, sizeof a);
	a.target_fd = (uint32_t) dirfd;
	a.attach_bpf_fd = (uint32_t) prog;
	a.attach_type = BPF_CGROUP_DEVICE;
	/* MULTI: a device program of a parent (systemd's) keeps applying as well. */
	a.attach_flags = BPF_F_ALLOW_MULTI;
	if (syscall (SYS_bpf, BPF_PROG_ATTACH, &a, sizeof a) < 0)
		return hull_error_make (err, errno, "attach the device cgroup program to `%s`",
					where);
	return TAKE_FD (prog);
}
