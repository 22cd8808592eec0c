# SPDX-License-Identifier: GPL-2.0-or-later
"""podman drives the runtime under test, through conmon, unchanged.

The runtime is $HULL_PODMAN_RUNTIME (default: $HULL). Check the file against a
known-good runtime with HULL_PODMAN_RUNTIME=/usr/bin/crun (or HULL=/usr/bin/crun).

Everything podman keeps is private (tests/integration/podman/privpodman.py): its own
containers.conf (cgroupfs, file events, ulimits within the host's hard limits),
storage.conf, graph root and run root in one temp dir; containers run with
`--network none` (the default in the private containers.conf), so no network backend
is configured. The image is imported from a busybox rootfs tarball built here.
"""
import fcntl
import json
import os
import pty
import re
import select
import shutil
import signal
import subprocess
import struct
import sys
import tempfile
import termios
import time
import uuid

import pytest

import hullkit
from hullkit import explain

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "podman"))
import privpodman  # noqa: E402

RUNTIME = os.environ.get("HULL_PODMAN_RUNTIME", hullkit.HULL)
IMAGE = privpodman.IMAGE
CRUN = "/usr/bin/crun"


def _podman_available():
    if not os.access(privpodman.PODMAN, os.X_OK):
        return "podman is not installed (apt-get install podman; `make deps`)"
    if not os.access("/usr/bin/conmon", os.X_OK) and shutil.which("conmon") is None:
        return "conmon is not installed (apt-get install conmon)"
    return None


_why = _podman_available()
if _why:
    print("test_podman: skipped: " + _why)
    pytest.skip(_why, allow_module_level=True)


@pytest.fixture(scope="module")
def pm():
    """The private podman with hulltest/busybox imported; everything removed afterwards,
    and no mount of the private dir may remain."""
    d = tempfile.mkdtemp(prefix="hull-podman-", dir=os.environ.get("HULL_TEST_TMP", "/tmp"))
    p = privpodman.PrivatePodman(d, runtime=RUNTIME)
    try:
        p.setup()
    except Exception:
        p.cleanup()
        raise
    yield p
    problems = p.cleanup()
    with open("/proc/self/mountinfo") as f:
        left = [l for l in f if d in l]
    assert not left, "mounts of the private podman root remain:\n" + "".join(left)
    assert not problems, "podman cleanup: " + "; ".join(problems)


def podman_explain(cp, pm=None):
    s = explain(cp)
    if pm is not None:
        s += "\n--- runtime log (oci-log)\n" + oci_logs(pm)
    return s


def oci_logs(pm, limit=4000):
    """The runtime's --log files podman passed (userdata/oci-log), newest last."""
    found = []
    for base in (os.path.join(pm.dir, "runroot"), os.path.join(pm.dir, "root")):
        for d, _, files in os.walk(base):
            for n in files:
                if n == "oci-log":
                    p = os.path.join(d, n)
                    try:
                        found.append((os.path.getmtime(p), p))
                    except OSError:
                        pass
    out = []
    for _, p in sorted(found)[-3:]:
        try:
            with open(p, errors="replace") as f:
                out.append("%s:\n%s" % (p, f.read()[-limit:]))
        except OSError:
            pass
    return "\n".join(out) or "(none)"


def run_ok(pm, *args, timeout=60):
    cp = pm.podman(*args, timeout=timeout)
    assert cp.returncode == 0, "podman %s\n%s" % (" ".join(args), podman_explain(cp, pm))
    return cp


def name():
    return "hulltest-" + uuid.uuid4().hex[:10]


# ---- the tests ---------------------------------------------------------------------------------


def test_run_rm_echo(pm):
    cp = pm.podman("run", "--rm", "--network", "none", IMAGE, "echo", "hi")
    assert cp.returncode == 0, podman_explain(cp, pm)
    assert cp.stdout == "hi\n", podman_explain(cp, pm)


def test_exit_status_is_passed_through(pm):
    cp = pm.podman("run", "--rm", IMAGE, "sh", "-c", "exit 3")
    assert cp.returncode == 3, podman_explain(cp, pm)


def test_detached_exec_stop_rm(pm):
    n = name()
    cp = run_ok(pm, "run", "-d", "--name", n, IMAGE, "sleep", "1000")
    cid = cp.stdout.strip()
    assert re.fullmatch(r"[0-9a-f]{64}", cid), podman_explain(cp)
    try:
        st = run_ok(pm, "inspect", "--format", "{{.State.Status}} {{.State.Pid}}", n).stdout.split()
        assert st[0] == "running" and int(st[1]) > 0, st

        cp = pm.podman("exec", cid, "echo", "inside")
        assert cp.returncode == 0, podman_explain(cp, pm)
        assert cp.stdout == "inside\n"

        cp = pm.podman("exec", cid, "sh", "-c", "exit 7")
        assert cp.returncode == 7, podman_explain(cp, pm)

        # sleep is PID 1 of its pid namespace: SIGTERM is ignored, SIGKILL after --time.
        t0 = time.monotonic()
        cp = pm.podman("stop", "--time", "2", cid)
        took = time.monotonic() - t0
        assert cp.returncode == 0, podman_explain(cp, pm)
        assert took < 6, "podman stop --time 2 took %.1f s" % took
        st = run_ok(pm, "inspect", "--format", "{{.State.Status}}", cid).stdout.strip()
        assert st in ("exited", "stopped"), st
    finally:
        cp = pm.podman("rm", "--force", cid)
    assert cp.returncode == 0, podman_explain(cp, pm)
    cp = pm.podman("container", "exists", cid)
    assert cp.returncode == 1, podman_explain(cp)
    # podman passes no --root: the runtime's default state dir must not keep it either.
    cp = subprocess.run([RUNTIME, "state", cid], capture_output=True, text=True, timeout=30)
    assert cp.returncode != 0, "the runtime still has state for %s:\n%s" % (cid, explain(cp))


def test_logs_of_a_detached_container(pm):
    n = name()
    run_ok(pm, "run", "-d", "--name", n, IMAGE, "sh", "-c", "echo to-stdout; echo to-stderr >&2")
    try:
        cp = run_ok(pm, "wait", n, timeout=30)
        assert cp.stdout.strip() == "0", podman_explain(cp)
        cp = run_ok(pm, "logs", n)
        assert cp.stdout == "to-stdout\n", podman_explain(cp)
        assert cp.stderr == "to-stderr\n", podman_explain(cp)
    finally:
        pm.podman("rm", "--force", n)


def test_network_none_has_only_lo(pm):
    cp = pm.podman("run", "--rm", "--network", "none", IMAGE, "ls", "/sys/class/net")
    assert cp.returncode == 0, podman_explain(cp, pm)
    assert cp.stdout.split() == ["lo"], podman_explain(cp)
    cp = pm.podman("run", "--rm", "--network", "none", IMAGE, "ip", "-o", "link")
    assert cp.returncode == 0, podman_explain(cp, pm)
    names = [l.split(":")[1].strip() for l in cp.stdout.splitlines() if l.strip()]
    assert names == ["lo"], podman_explain(cp)


def _pty_session(argv, env, steps, timeout=30):
    """Run argv on a new pty as its controlling terminal. steps: list of (expect_regex,
    send_bytes_or_None). Returns (exit status, everything read)."""
    pid, fd = pty.fork()
    if pid == 0:
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
            os.execvpe(argv[0], argv, env)
        finally:
            os._exit(127)
    buf = b""
    deadline = time.monotonic() + timeout
    status = None
    try:
        for expect, send in steps:
            rx = re.compile(expect.encode())
            while not rx.search(buf):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("timed out waiting for %r; got:\n%r" % (expect, buf))
                r, _, _ = select.select([fd], [], [], min(left, 0.5))
                if r:
                    try:
                        chunk = os.read(fd, 4096)
                    except OSError:
                        chunk = b""
                    if not chunk:
                        raise AssertionError("EOF waiting for %r; got:\n%r" % (expect, buf))
                    buf += chunk
            if send is not None:
                os.write(fd, send)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("podman did not exit; got:\n%r" % buf)
            r, _, _ = select.select([fd], [], [], min(left, 0.5))
            if r:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:
                    chunk = b""
                buf += chunk
                if not chunk:
                    break
            else:
                done, st = os.waitpid(pid, os.WNOHANG)
                if done:
                    status = st
                    break
        if status is None:
            _, status = os.waitpid(pid, 0)
        return os.waitstatus_to_exitcode(status), buf.decode(errors="replace")
    finally:
        if status is None:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except OSError:
                pass
        os.close(fd)


def test_run_interactive_tty(pm):
    argv = pm.cmd("run", "-it", "--rm", IMAGE, "sh", "-c",
                  'tty; stty size; read line; echo "got:$line"; exit 4')
    status, out = _pty_session(argv, pm.env, [
        (r"/dev/pts/\d+", None),
        (r"\d+ \d+\r?\n", b"hello-tty\r"),
        (r"got:hello-tty", None),
    ])
    assert status == 4, out
    assert re.search(r"^/dev/pts/0\r?$", out, re.M), out
    # The window size set on the caller's terminal (30x100) reached the container's.
    assert re.search(r"^30 100\r?$", out, re.M), out
    # The terminal echoed what was typed, and the container's output came back.
    assert "hello-tty" in out.replace("got:hello-tty", ""), out


def test_exec_interactive_tty(pm):
    n = name()
    run_ok(pm, "run", "-d", "--name", n, IMAGE, "sleep", "1000")
    try:
        argv = pm.cmd("exec", "-it", n, "sh", "-c", 'tty; read line; echo "got:$line"; exit 5')
        status, out = _pty_session(argv, pm.env, [(r"/dev/pts/\d+", b"via-exec\r"), (r"got:via-exec", None)])
        assert status == 5, out
        assert re.search(r"^/dev/pts/\d+\r?$", out, re.M), out
    finally:
        pm.podman("rm", "--force", "--time", "0", n)


def test_podman_config_is_accepted_as_it_is(pm, tmp_path):
    """Podman's own config.json (its capabilities, seccomp profile, a network namespace
    path, rlimits, cgroupsPath, masked paths, bind mounts from userdata) run directly by
    the runtime with `run --bundle`.

    The config is generated by `podman create` + `podman init` (init runs the runtime's
    `create`), then run again by the runtime from a copy of the bundle. The generator is
    the runtime under test: crun 1.8 refuses hybrid cgroup hosts like this one unless
    extra v1 hierarchies are mounted, which a test must not depend on."""
    netns = "hulltest-pd-" + uuid.uuid4().hex[:8]
    cp = subprocess.run(["ip", "netns", "add", netns], capture_output=True, text=True)
    if cp.returncode != 0:
        pytest.skip("ip netns add failed: " + cp.stderr.strip())
    nspath = "/run/netns/" + netns
    n = name()
    state = tempfile.mkdtemp(prefix="hull-podman-state-", dir=pm.dir)
    cid = None
    rid = hullkit.new_id()
    try:
        script = ("grep -E '^Cap(Eff|Bnd)' /proc/self/status; echo nofile=$(ulimit -n); "
                  "echo nproc=$(ulimit -u); echo netns=$(stat -L -c %i /proc/self/ns/net); "
                  "echo seccomp=$(grep ^Seccomp: /proc/self/status | cut -f2); echo done")
        cp = pm.podman("create", "--name", n, "--network", "ns:" + nspath, IMAGE, "sh", "-c", script,
                       runtime=RUNTIME)
        assert cp.returncode == 0, podman_explain(cp)
        cid = cp.stdout.strip()
        cp = pm.podman("init", cid, runtime=RUNTIME)
        assert cp.returncode == 0, podman_explain(cp)
        userdata = os.path.join(pm.dir, "root", pm.driver + "-containers", cid, "userdata")
        with open(os.path.join(userdata, "config.json")) as f:
            cfg = json.load(f)
        lin = cfg["linux"]
        assert {"type": "network", "path": nspath} in lin["namespaces"], lin["namespaces"]
        assert lin["seccomp"]["syscalls"], "podman sent no seccomp profile"
        caps = cfg["process"]["capabilities"]["effective"]
        assert len(caps) >= 11, caps
        rl = {r["type"]: r for r in cfg["process"]["rlimits"]}
        assert "RLIMIT_NOFILE" in rl and "RLIMIT_NPROC" in rl, rl

        # A copy of the bundle; the rootfs (podman's overlay mount) and the bind sources
        # stay in place while podman's container is only created. Only the cgroup is
        # made unique, so the two containers do not share one.
        b = tmp_path / "bundle"
        b.mkdir()
        cfg["linux"]["cgroupsPath"] = "/libpod_parent/" + rid
        with open(b / "config.json", "w") as f:
            json.dump(cfg, f, indent=1)
        cp = subprocess.run([RUNTIME, "--root", state, "run", "--bundle", str(b), rid],
                            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30, cwd=str(b))
        assert cp.returncode == 0, explain(cp)
        out = dict(l.split("=", 1) if "=" in l else l.split(":\t", 1) for l in cp.stdout.splitlines()
                   if l.strip() and l != "done")
        assert cp.stdout.rstrip().endswith("done"), explain(cp)

        want = 0
        for c in caps:
            want |= 1 << CAP_NUMBERS[c]
        assert int(out["CapEff"], 16) == want, explain(cp)
        bnd = 0
        for c in cfg["process"]["capabilities"]["bounding"]:
            bnd |= 1 << CAP_NUMBERS[c]
        assert int(out["CapBnd"], 16) == bnd, explain(cp)
        assert out["nofile"] == str(rl["RLIMIT_NOFILE"]["soft"]), explain(cp)
        assert out["nproc"] == str(rl["RLIMIT_NPROC"]["soft"]), explain(cp)
        assert out["netns"] == str(os.stat(nspath).st_ino), explain(cp)
        assert out["seccomp"].strip() == "2", explain(cp)
    finally:
        subprocess.run([RUNTIME, "--root", state, "delete", "--force", rid], capture_output=True, timeout=30)
        if cid:
            pm.podman("rm", "--force", cid, runtime=RUNTIME)
        subprocess.run(["ip", "netns", "delete", netns], capture_output=True)
        for cg in ("pids", "memory", "cpu", "cpuacct", "cpuset", "devices", "freezer", "blkio", "hugetlb",
                   "net_cls,net_prio", "perf_event", "systemd", "unified"):
            try:
                os.rmdir(os.path.join("/sys/fs/cgroup", cg, "libpod_parent", rid))
            except OSError:
                pass


CAP_NUMBERS = {
    "CAP_CHOWN": 0, "CAP_DAC_OVERRIDE": 1, "CAP_DAC_READ_SEARCH": 2, "CAP_FOWNER": 3, "CAP_FSETID": 4,
    "CAP_KILL": 5, "CAP_SETGID": 6, "CAP_SETUID": 7, "CAP_SETPCAP": 8, "CAP_LINUX_IMMUTABLE": 9,
    "CAP_NET_BIND_SERVICE": 10, "CAP_NET_BROADCAST": 11, "CAP_NET_ADMIN": 12, "CAP_NET_RAW": 13,
    "CAP_IPC_LOCK": 14, "CAP_IPC_OWNER": 15, "CAP_SYS_MODULE": 16, "CAP_SYS_RAWIO": 17,
    "CAP_SYS_CHROOT": 18, "CAP_SYS_PTRACE": 19, "CAP_SYS_PACCT": 20, "CAP_SYS_ADMIN": 21,
    "CAP_SYS_BOOT": 22, "CAP_SYS_NICE": 23, "CAP_SYS_RESOURCE": 24, "CAP_SYS_TIME": 25,
    "CAP_SYS_TTY_CONFIG": 26, "CAP_MKNOD": 27, "CAP_LEASE": 28, "CAP_AUDIT_WRITE": 29,
    "CAP_AUDIT_CONTROL": 30, "CAP_SETFCAP": 31, "CAP_MAC_OVERRIDE": 32, "CAP_MAC_ADMIN": 33,
    "CAP_SYSLOG": 34, "CAP_WAKE_ALARM": 35, "CAP_BLOCK_SUSPEND": 36, "CAP_AUDIT_READ": 37,
    "CAP_PERFMON": 38, "CAP_BPF": 39, "CAP_CHECKPOINT_RESTORE": 40,
}
