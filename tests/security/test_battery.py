# SPDX-License-Identifier: GPL-2.0-or-later
"""The escape battery: one test per attack class (tests/security/README.md).

Each test starts a container with hull's DEFAULT config (`hull spec --stdout`,
changed only to run the probe), tries the escape from inside and asserts that it
fails; then tries the same in a deliberately WEAKENED config, with exactly the
protection under test removed, and asserts that it gets through there (or at least
is not stopped with the same errno) -- so the test proves which protection stops it.

The primitives are `hull-probe syscall NAME [ARG]` (tests/init/hull-probe.c): each
prints "ok" or the errno name. The ones that could touch the host when permitted
(module load, reboot, kexec, clock, core_pattern, sysrq, release_agent) use a
variant the kernel rejects only after its permission check, or only open for
writing without writing: nothing here changes the host, even in the weakened runs.
"""
import copy
import json
import os
import pty
import shutil
import subprocess

import pytest

import hullkit
from hullkit import explain

PROBE = "/usr/bin/hull-probe"

# What a blocked attempt may fail with: a missing capability or a seccomp denial
# (EPERM), a permission or read-only check (EACCES, EROFS).
DENIED = ("EPERM", "EACCES", "EROFS")

_SPEC = []


def spec():
    """`hull spec --stdout`, parsed once."""
    if not _SPEC:
        cfg = hullkit.spec_config()
        assert cfg is not None, "`%s spec --stdout` failed or printed no JSON" % hullkit.HULL
        _SPEC.append(cfg)
    return copy.deepcopy(_SPEC[0])


def default_cfg():
    """The hardened default, with the suite's ociVersion (crun 1.8 wants 1.0.2)."""
    cfg = spec()
    cfg["ociVersion"] = hullkit.OCI_VERSION
    return cfg


# ---- weakening: each removes one protection ------------------------------------------------


def add_caps(cfg, *caps):
    c = cfg["process"].setdefault("capabilities", {})
    for kind in ("bounding", "effective", "permitted"):
        c[kind] = sorted(set(c.get(kind, [])) | set(caps))
    return cfg


def no_seccomp(cfg):
    cfg["linux"].pop("seccomp", None)
    return cfg


def no_userns(cfg):
    """Container root is the host's root (the capabilities given are then real ones)."""
    hullkit.drop_namespace(cfg, "user")
    return cfg


def no_namespace(cfg, ns):
    cfg["linux"]["namespaces"] = [n for n in cfg["linux"]["namespaces"] if n["type"] != ns]
    return cfg


def not_readonly(cfg, path):
    cfg["linux"]["readonlyPaths"] = [p for p in cfg["linux"].get("readonlyPaths", []) if p != path]
    return cfg


def not_masked(cfg, path):
    cfg["linux"]["maskedPaths"] = [p for p in cfg["linux"].get("maskedPaths", []) if p != path]
    return cfg


def sysfs_rw(cfg):
    for m in cfg["mounts"]:
        if m["destination"] == "/sys":
            m["options"] = [o for o in m.get("options", []) if o != "ro"]
    return cfg


# ---- running ---------------------------------------------------------------------------------

_POLICY_OFF = []


def policy_off_args():
    """Global options that switch hull's admission policy off, for the weakened runs
    (an enforcing policy would refuse them before the kernel is ever asked); none
    for a runtime without `policy`."""
    if not _POLICY_OFF:
        args = ()
        if hullkit.IS_HULL and subprocess.run([hullkit.HULL, "policy", "--help"], capture_output=True,
                                              timeout=hullkit.TIMEOUT).returncode == 0:
            path = os.path.join(hullkit.base_dir(), "policy-off.json")
            with open(path, "w") as f:
                json.dump({"mode": "off", "rules": {}, "allow": {"capabilities": [], "host_namespaces": [],
                                                                 "mounts": [], "devices": []}}, f)
            args = ("--policy", path)
        _POLICY_OFF.append(args)
    return _POLICY_OFF[0]


def run_cfg(bundle, cfg, args, run_args=(), wrap=None, weakened=False, **kw):
    """Run `args` in a container with config `cfg` (`weakened`: with the admission
    policy off). `wrap` is a shell snippet run on the host before exec'ing hull (to
    set up inherited fds); extra keywords go to subprocess.run."""
    cfg = copy.deepcopy(cfg)
    cfg["process"]["args"] = list(args)
    bundle.config = cfg
    bundle.write_config()
    cid = hullkit.new_id()
    bundle.ids.append(cid)
    glob = policy_off_args() if weakened else ()
    cmd = [hullkit.HULL, "--root", bundle.state, *glob, "run", *run_args, "--bundle", bundle.path, cid]
    if wrap:
        cmd = ["/bin/sh", "-c", wrap + ' && exec "$@"', "sh", *cmd]
    kw.setdefault("stdin", subprocess.DEVNULL)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=hullkit.TIMEOUT,
                          cwd=bundle.path, **kw)


def attempts(bundle, cfg, *tries, **kw):
    """Run several `hull-probe syscall NAME [ARG]` in one container; returns
    {NAME: result} ("ok" or an errno name)."""
    script = "; ".join("printf '%s='; %s syscall %s" % (t[0], PROBE, " ".join(t)) for t in tries)
    cp = run_cfg(bundle, cfg, ["/bin/sh", "-c", script], **kw)
    assert cp.returncode in (0, 1), "the container did not run:\n" + explain(cp)
    res = {}
    for line in cp.stdout.splitlines():
        name, _, val = line.partition("=")
        res[name] = val.strip()
    missing = [t[0] for t in tries if not res.get(t[0])]
    assert not missing, "no result for %s:\n%s" % (missing, explain(cp))
    return res


def attempt(bundle, cfg, name, arg=None, **kw):
    return attempts(bundle, cfg, (name, arg) if arg else (name,), **kw)[name]


def assert_denied(what, got, allowed=DENIED):
    assert got in allowed, "%s in the DEFAULT config: got %s, expected one of %s" % (what, got, allowed)


def assert_through(what, got, default, expected=None):
    """The weakened run: `expected` exactly, or anything but `default` and "ok"
    (a harmless variant the kernel rejects only once permitted)."""
    if expected is not None:
        assert got == expected, "%s in the WEAKENED config: got %s, expected %s (so the test " \
            "would not show what stops it)" % (what, got, expected)
    else:
        assert got != default, "%s in the WEAKENED config still fails with %s: the protection " \
            "removed is not what stops it" % (what, got)


def check(bundle, name, weakened, arg=None, expected="ok", allowed=DENIED, **kw):
    """The common shape: default denied, weakened through."""
    d = attempt(bundle, default_cfg(), name, arg, **kw)
    assert_denied(name, d, allowed)
    w = attempt(bundle, weakened(default_cfg()), name, arg, weakened=True, **kw)
    assert_through(name, w, d, expected)


# ---- mounts ----------------------------------------------------------------------------------


def test_mount_umount_pivot_root(bundle, host_mounts_unchanged):
    """mount(2), umount2(2) of a container mount (to uncover what it hides) and
    pivot_root(2): no CAP_SYS_ADMIN, and seccomp."""
    tries = (("mount",), ("umount", "/tmp"), ("pivot_root",))
    d = attempts(bundle, default_cfg(), *tries)
    for name, got in d.items():
        assert_denied(name, got, ("EPERM",))
    w = attempts(bundle, no_seccomp(add_caps(default_cfg(), "CAP_SYS_ADMIN")), *tries, weakened=True)
    assert_through("mount", w["mount"], d["mount"], "ok")
    assert_through("umount", w["umount"], d["umount"], "ok")
    # pivot_root ("/", "/") is refused after the capability check: nothing moves.
    assert_through("pivot_root", w["pivot_root"], d["pivot_root"])


def test_unshare_new_namespaces(bundle):
    """unshare(CLONE_NEWUSER|CLONE_NEWNS): a nested user namespace hands back
    CAP_SYS_ADMIN over new namespaces (the door to most kernel attack surface).
    Only seccomp stops it."""
    check(bundle, "unshare", no_seccomp, allowed=("EPERM",))


def test_setns_to_host_namespace_through_leaked_fd(bundle):
    """setns(2) into the host's network namespace through a leaked
    /proc/1/ns/net fd (passed with --preserve-fds): needs CAP_SYS_ADMIN over the
    host's user namespace, which the container's root never has."""
    wrap = "exec 3</proc/$$/ns/net"
    d = attempt(bundle, default_cfg(), "setns", "3", run_args=("--preserve-fds", "1"), wrap=wrap)
    assert_denied("setns", d, ("EPERM",))
    weak = no_seccomp(add_caps(no_userns(default_cfg()), "CAP_SYS_ADMIN"))
    w = attempt(bundle, weak, "setns", "3", run_args=("--preserve-fds", "1"), wrap=wrap, weakened=True)
    assert_through("setns", w, d, "ok")


# ---- processes ---------------------------------------------------------------------------------


def test_ptrace(bundle):
    """ptrace(PTRACE_ATTACH): the host's processes are not even addressable (PID
    namespace: ESRCH for a host pid); the container's own other process is refused
    by seccomp."""
    host_pid = str(os.getpid())
    d = attempts(bundle, default_cfg(), ("ptrace",), ("kill0", host_pid))
    assert d["kill0"] == "ESRCH", "host pid %s is visible in the container: %s" % (host_pid, d)
    assert_denied("ptrace", d["ptrace"], ("EPERM",))
    w = attempts(bundle, no_seccomp(default_cfg()), ("ptrace",), weakened=True)
    assert_through("ptrace", w["ptrace"], d["ptrace"], "ok")
    # Without the PID namespace the host's pid is there (and only then). proc can only
    # be mounted by the owner of the PID namespace: the user namespace goes too.
    w = attempts(bundle, no_namespace(no_userns(default_cfg()), "pid"), ("kill0", host_pid), weakened=True)
    assert w["kill0"] != "ESRCH", "without a PID namespace the host pid should be visible: %s" % w


def test_no_new_privileges_setuid_binary(bundle):
    """A setuid-root copy of the probe, run by uid 1000: with noNewPrivileges the
    euid stays 1000; without it, the container's root is gained."""
    shutil.copy2(hullkit.HULL_PROBE, os.path.join(bundle.rootfs, "usr", "bin", "suid-probe"))
    suid = os.path.join(bundle.rootfs, "usr", "bin", "suid-probe")
    os.chown(suid, hullkit.HOST_ID_BASE, hullkit.HOST_ID_BASE)
    os.chmod(suid, 0o4755)

    def euid(cfg, weakened=False):
        cfg["process"]["user"] = {"uid": 1000, "gid": 1000}
        cp = run_cfg(bundle, cfg, ["/usr/bin/suid-probe", "report"], weakened=weakened)
        assert cp.returncode == 0, explain(cp)
        return json.loads(cp.stdout)["euid"]

    assert euid(default_cfg()) == 1000, "setuid bit honoured despite noNewPrivileges"
    weak = default_cfg()
    weak["process"]["noNewPrivileges"] = False
    assert euid(weak, True) == 0, "without noNewPrivileges the setuid bit should give euid 0"


# ---- kernel-level syscalls -------------------------------------------------------------------


def test_kernel_module_load(bundle):
    """init_module(2) with a non-ELF image: EPERM by default; with CAP_SYS_MODULE
    in the host's user namespace and no seccomp, the kernel gets as far as the
    image (ENOEXEC/EINVAL, or ENOSYS without module support) and loads nothing."""
    check(bundle, "init_module",
          lambda c: no_seccomp(add_caps(no_userns(c), "CAP_SYS_MODULE")),
          expected=None, allowed=("EPERM",))


@pytest.mark.parametrize("kind", ["socket-packet", "socket-raw"])
def test_raw_and_packet_sockets(bundle, kind):
    """AF_PACKET and SOCK_RAW sockets (ARP/DNS spoofing on the bridge,
    CVE-2020-14386): CAP_NET_RAW is not granted."""
    check(bundle, kind, lambda c: add_caps(c, "CAP_NET_RAW"), allowed=("EPERM",))


def test_keyctl(bundle):
    """keyctl(2): the kernel keyring is not namespaced (CVE-2016-0728); seccomp."""
    check(bundle, "keyctl", no_seccomp, allowed=("EPERM",))


def test_bpf(bundle):
    """bpf(2) (CVE-2021-3490, CVE-2022-23222 class): no CAP_BPF/CAP_SYS_ADMIN in
    the host's user namespace (and kernel.unprivileged_bpf_disabled), and seccomp.
    The weakened run creates a one-entry array map and closes it."""
    check(bundle, "bpf",
          lambda c: no_seccomp(add_caps(no_userns(c), "CAP_SYS_ADMIN", "CAP_BPF")),
          allowed=("EPERM",))


def test_perf_event_open(bundle):
    """perf_event_open(2) (CVE-2013-2094 class): seccomp (the kernel itself
    allows a user-space-only counter on oneself at perf_event_paranoid 2)."""
    check(bundle, "perf_event_open", no_seccomp, allowed=("EPERM",))


def test_userfaultfd(bundle):
    """userfaultfd(2), the race-widening primitive of many kernel exploits:
    seccomp (UFFD_USER_MODE_ONLY is allowed to anyone by the kernel)."""
    check(bundle, "userfaultfd", no_seccomp, allowed=("EPERM",))


def test_reboot(bundle):
    """reboot(2) with wrong magic numbers: EPERM by default, EINVAL (nothing done)
    once CAP_SYS_BOOT and no seccomp let the call through."""
    check(bundle, "reboot", lambda c: no_seccomp(add_caps(c, "CAP_SYS_BOOT")),
          expected="EINVAL", allowed=("EPERM",))


def test_kexec_load(bundle):
    """kexec_load(2) with no segments and an undefined flag: EPERM by default;
    with CAP_SYS_BOOT over the host and no seccomp, EINVAL (or ENOSYS on a kernel
    without kexec) and nothing loaded."""
    check(bundle, "kexec_load",
          lambda c: no_seccomp(add_caps(no_userns(c), "CAP_SYS_BOOT")),
          expected=None, allowed=("EPERM",))


def test_open_by_handle_at_shocker(bundle):
    """open_by_handle_at(2), the "shocker" escape (2014): a forged handle opens
    any inode of the host filesystem. Needs CAP_DAC_READ_SEARCH in the host's user
    namespace; seccomp too. The weakened run opens only the probe's own file."""
    check(bundle, "open_by_handle_at",
          lambda c: no_seccomp(add_caps(no_userns(c), "CAP_DAC_READ_SEARCH")),
          allowed=("EPERM",))


def test_mknod_block_device(bundle):
    """mknod of a block device (then raw access to a host disk): no CAP_MKNOD, and
    the kernel never allows device nodes from a user namespace."""
    check(bundle, "mknod-block", lambda c: add_caps(no_userns(c), "CAP_MKNOD"), allowed=("EPERM",))


def test_chroot_escape(bundle):
    """The chroot-then-climb-".." escape: no CAP_SYS_CHROOT; and with it, pivot_root
    (not chroot) makes the climb end at the container's own root."""
    d = run_cfg(bundle, default_cfg(), [PROBE, "syscall", "chroot-escape"])
    assert d.stdout.strip() == "EPERM", "chroot in the DEFAULT config: " + explain(d)
    marker = os.path.join(bundle.path, "host-only-marker")
    open(marker, "w").close()
    w = run_cfg(bundle, add_caps(default_cfg(), "CAP_SYS_CHROOT"),
                [PROBE, "syscall", "chroot-escape", marker], weakened=True)
    assert w.stdout.strip() == "contained", "chroot escape with CAP_SYS_CHROOT: " + explain(w)


def test_clock_settime(bundle):
    """Setting the host's clock: no CAP_SYS_TIME (over the host), and seccomp.
    settimeofday(NULL, NULL) runs the permission check and sets nothing."""
    check(bundle, "settimeofday",
          lambda c: no_seccomp(add_caps(no_userns(c), "CAP_SYS_TIME")), allowed=("EPERM",))


def test_time_namespace_offsets_stay_inside(bundle):
    """A time namespace's CLOCK_MONOTONIC offset changes the container's clock only."""
    day = 86400
    with open("/proc/uptime") as f:
        host_before = float(f.read().split()[0])
    cfg = default_cfg()
    cfg["linux"]["namespaces"].append({"type": "time"})
    cfg["linux"]["timeOffsets"] = {"monotonic": {"secs": 1000 * day, "nanosecs": 0}}
    cp = run_cfg(bundle, cfg, [PROBE, "syscall", "clock"], weakened=True)
    assert cp.returncode == 0, explain(cp)
    inside = int(cp.stdout.strip())
    with open("/proc/uptime") as f:
        host_after = float(f.read().split()[0])
    assert inside >= 1000 * day, "the offset did not apply inside: %s" % inside
    assert host_after - host_before < 60, "the host's monotonic clock jumped"
    cp = run_cfg(bundle, default_cfg(), [PROBE, "syscall", "clock"])
    assert int(cp.stdout.strip()) < 1000 * day, "the default (no time namespace) sees an offset"


# ---- /proc and /sys --------------------------------------------------------------------------


def test_proc_sys_write(bundle):
    """/proc/sys is read-only (readonlyPaths), and its files belong to the host's
    root (the user namespace). The file is the container's own net sysctl and the
    weakened run (/proc/sys writable, no user namespace) only opens it."""
    check(bundle, "openw", lambda c: not_readonly(no_userns(c), "/proc/sys"),
          arg="/proc/sys/net/ipv4/ip_forward", allowed=("EROFS", "EACCES"))


def test_core_pattern(bundle):
    """core_pattern runs a program as host root on a crash (CVE-2022-0492 style
    escapes use it): read-only /proc/sys, and the user namespace. The weakened run
    only opens it for writing."""
    with open("/proc/sys/kernel/core_pattern") as f:
        before = f.read()
    check(bundle, "openw", lambda c: not_readonly(no_userns(c), "/proc/sys"),
          arg="/proc/sys/kernel/core_pattern", allowed=("EROFS", "EACCES"))
    with open("/proc/sys/kernel/core_pattern") as f:
        assert f.read() == before


def test_sysrq_trigger(bundle):
    """/proc/sysrq-trigger (reboot or crash the host): readonlyPaths."""
    if not os.path.exists("/proc/sysrq-trigger"):
        pytest.skip("this kernel has no /proc/sysrq-trigger (CONFIG_MAGIC_SYSRQ off)")
    check(bundle, "openw", lambda c: not_readonly(no_userns(c), "/proc/sysrq-trigger"),
          arg="/proc/sysrq-trigger", allowed=("EROFS", "EACCES"))


@pytest.mark.parametrize("path", ["/proc/kcore", "/proc/timer_list", "/proc/keys"])
def test_masked_proc_files(bundle, path):
    """Masked kernel files (maskedPaths): /proc/kcore is the host's memory; the
    others leak host activity. Masked, they read as empty."""
    if not os.path.exists(path):
        pytest.skip("this kernel has no %s" % path)
    cfg = default_cfg()
    assert path in cfg["linux"].get("maskedPaths", []), "%s is not in hull spec's maskedPaths" % path
    script = "%s syscall openr %s >/dev/null; wc -c < %s" % (PROBE, path, path)
    if path == "/proc/kcore":
        script = "%s syscall openr %s" % (PROBE, path)
    d = run_cfg(bundle, cfg, ["/bin/sh", "-c", script])
    w = run_cfg(bundle, not_masked(add_caps(no_userns(default_cfg()), "CAP_SYS_RAWIO"), path),
                ["/bin/sh", "-c", script], weakened=True)
    if path == "/proc/kcore":
        assert d.stdout.strip() in DENIED + ("ok",), explain(d)
        return
    assert d.stdout.strip() == "0", "masked %s is readable in the DEFAULT config:\n%s" % (path, explain(d))
    if path == "/proc/timer_list":
        assert int(w.stdout.strip() or 0) > 0, "unmasked %s reads empty:\n%s" % (path, explain(w))


def test_sysfs_write(bundle):
    """/sys is mounted read-only (and its files belong to the host's root). The
    weakened run (rw sysfs, no user namespace) only opens a file for writing."""
    target = next((p for p in ("/sys/kernel/profiling", "/sys/kernel/rcu_expedited",
                               "/sys/kernel/mm/ksm/run") if os.path.exists(p)), None)
    if target is None:
        pytest.skip("no candidate sysfs file on this host")
    check(bundle, "openw", lambda c: sysfs_rw(no_userns(c)), arg=target, allowed=("EROFS", "EACCES"))


def test_cgroup_v1_release_agent(bundle, host_mounts_unchanged):
    """CVE-2022-0492: mount a cgroup v1 hierarchy and point release_agent at a
    container file. Mounting cgroup v1 needs CAP_SYS_ADMIN over the host (a user
    namespace can never), the cgroup namespace hides the root where release_agent
    lives, and seccomp blocks mount. The weakened run opens release_agent only."""
    if not os.path.exists("/sys/fs/cgroup/memory/release_agent"):
        pytest.skip("no cgroup v1 memory hierarchy on this host")
    check(bundle, "release_agent",
          lambda c: no_seccomp(add_caps(no_namespace(no_userns(c), "cgroup"), "CAP_SYS_ADMIN")),
          allowed=("EPERM",))


# ---- terminals, executables, fds -------------------------------------------------------------


def test_tiocsti_into_callers_terminal(bundle):
    """TIOCSTI pushes keystrokes into the caller's terminal (CVE-2016-9016,
    CVE-2017-5226): run hull with a pty as its controlling terminal and stdin.
    Stopped by a new session for the container (no controlling tty), no
    CAP_SYS_ADMIN over the host, and seccomp."""
    master, slave = pty.openpty()

    def make_ctty():
        import fcntl
        import termios
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    try:
        kw = dict(stdin=slave, start_new_session=True, preexec_fn=make_ctty)
        d = attempt(bundle, default_cfg(), "tiocsti", **kw)
        assert_denied("tiocsti", d, ("EPERM", "EIO"))
        weak = no_seccomp(add_caps(no_userns(default_cfg()), "CAP_SYS_ADMIN"))
        w = attempt(bundle, weak, "tiocsti", weakened=True, **kw)
        assert_through("tiocsti", w, d, "ok")
    finally:
        os.close(master)
        os.close(slave)


def test_write_proc_self_exe(bundle):
    """Writing through /proc/self/exe (CVE-2019-5736 overwrote runc this way): the
    container's own executable is on a read-only root; without that, the kernel
    refuses writes to a running executable. test_escape.py checks the runtime binary."""
    d = attempt(bundle, default_cfg(), "write-exe")
    assert_denied("write-exe", d, ("EROFS", "ETXTBSY", "EACCES"))
    weak = default_cfg()
    weak["root"]["readonly"] = False
    w = attempt(bundle, weak, "write-exe", weakened=True)
    assert w != "EROFS", "with a writable root /proc/self/exe still fails with EROFS"


def test_leaked_host_fd(bundle):
    """A host directory fd leaked by hull's caller is an escape (CVE-2024-21626):
    by default the container gets fds 0-2 only; --preserve-fds hands it over (and
    the host's / is then listable from inside)."""
    wrap = "exec 3</"
    script = "%s fds; echo ---; ls /proc/self/fd/3/ 2>&1" % PROBE
    d = run_cfg(bundle, default_cfg(), ["/bin/sh", "-c", script], wrap=wrap)
    assert d.returncode in (0, 1), explain(d)
    fds = json.loads(d.stdout.split("---")[0])["fds"]
    assert fds == [0, 1, 2], "host fds leaked into the DEFAULT container:\n" + explain(d)
    w = run_cfg(bundle, default_cfg(), ["/bin/sh", "-c", script], wrap=wrap,
                run_args=("--preserve-fds", "1"), weakened=True)
    listing = w.stdout.split("---")[-1].split()
    assert "work" in listing or "etc" in listing and "home" in listing, \
        "--preserve-fds 1 should pass the host's / at fd 3:\n" + explain(w)


def test_masked_path_symlink_does_not_follow_out(bundle, host_mounts_unchanged):
    """maskedPaths entry /data/evil, where /data is a writable bind mount the
    container (or an image) controls and evil -> an absolute host path. The mask is
    resolved inside the container's root: the host file is never covered, and hull
    either refuses the entry or masks inside the root. (Resolved naively from the
    host, the same path would reach the host file: checked below.)"""
    data = bundle.host_dir("data", 0o777)
    secret_dir = bundle.host_dir("secret")
    secret = os.path.join(secret_dir, "file")
    with open(secret, "w") as f:
        f.write("host secret\n")
    os.symlink(secret, os.path.join(data, "evil"))
    # The weakened view: a resolver that follows the link on the host lands outside.
    assert os.path.realpath(os.path.join(data, "evil")) == secret
    cfg = default_cfg()
    cfg["mounts"].append({"destination": "/data", "type": "bind", "source": data,
                          "options": ["rbind", "rw"]})
    cfg["linux"]["maskedPaths"].append("/data/evil")
    cp = run_cfg(bundle, cfg, [PROBE, "report"])
    with open(secret) as f:
        assert f.read() == "host secret\n"
    if cp.returncode != 0:
        hullkit.assert_hull_error(cp, "/data/evil")  # refusing is fine, naming the path
        return
    p = json.loads(cp.stdout)
    points = hullkit.mount_points(p["mountinfo"])
    assert secret not in points and secret_dir not in points, \
        "the mask followed the symlink to the host path:\n" + "\n".join(p["mountinfo"])
