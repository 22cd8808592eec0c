# SPDX-License-Identifier: GPL-2.0-or-later
"""`hull sandbox`: a host program run isolated on the host's read-only root.

Run as root:  HULL=build/src/cli/hull /usr/bin/python3 -m pytest tests/integration/test_sandbox.py
"""
import errno
import os
import shutil
import subprocess
import uuid

import pytest

import hullkit

NOBODY = 65534


@pytest.fixture(autouse=True)
def _nothing_left(host_mounts_unchanged):
    """Every test: the host's mount table is unchanged (the fixture) and the state
    root holds nothing once the sandbox is gone."""
    state = os.path.join(hullkit.base_dir(), "sandbox-state")
    os.makedirs(state, exist_ok=True)
    yield
    assert os.listdir(state) == [], "state left behind: %s" % os.listdir(state)


def sandbox(*args, timeout=hullkit.TIMEOUT, env=None):
    """Run `hull sandbox ARGS...` and return the CompletedProcess (text mode)."""
    state = os.path.join(hullkit.base_dir(), "sandbox-state")
    return subprocess.run([hullkit.HULL, "--root", state, "sandbox", *args],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=timeout, env=env)


def sh(script, *opts):
    """Run a shell script in a sandbox; assert it exited 0 and return its stdout."""
    cp = sandbox(*opts, "--", "/bin/sh", "-c", script)
    assert cp.returncode == 0, hullkit.explain(cp)
    return cp.stdout


def host_dir(mode=0o755, uid=None):
    d = os.path.join(hullkit.base_dir(), "sb-" + uuid.uuid4().hex[:10])
    os.mkdir(d)
    os.chmod(d, mode)
    if uid is not None:
        os.chown(d, uid, uid)
    return d


def status_fields():
    out = sh("cat /proc/self/status")
    return dict(l.split(":", 1) for l in out.splitlines() if ":" in l)


# ---- the root and the private filesystems ----------------------------------------------------


def test_root_is_read_only():
    name = "/hull-sandbox-test-" + uuid.uuid4().hex[:8]
    cp = sandbox("--", "/bin/sh", "-c", "echo x > %s" % name)
    assert cp.returncode != 0, hullkit.explain(cp)
    assert "Read-only file system" in cp.stderr, hullkit.explain(cp)
    assert not os.path.exists(name)


def test_host_submount_is_read_only():
    """A world-writable host mount under / must not be writable from the sandbox."""
    d = os.path.join("/mnt", "hull-sub-" + uuid.uuid4().hex[:8])
    os.mkdir(d)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=1777", "hull-test", d], check=True)
    try:
        cp = sandbox("--", "/bin/sh", "-c", "echo x > %s/f" % d)
        written = os.path.exists(os.path.join(d, "f"))
    finally:
        subprocess.run(["umount", d], check=True)
        os.rmdir(d)
    assert not written and "Read-only file system" in cp.stderr, hullkit.explain(cp)


def test_every_host_mount_is_read_only():
    own = ("/proc", "/dev", "/tmp", "/run")  # the sandbox's own mounts, and those below
    for line in sh("cat /proc/self/mountinfo").splitlines():
        point, opts = line.split()[4], line.split()[5].split(",")
        if point in own or point.startswith(("/proc/", "/dev/")):
            continue
        assert "ro" in opts, "writable mount in the sandbox: " + line


def test_tmp_is_private_and_writable():
    marker = os.path.join("/tmp", "hull-host-marker-" + uuid.uuid4().hex[:8])
    inner = "hull-inner-" + uuid.uuid4().hex[:8]
    with open(marker, "w") as f:
        f.write("host\n")
    try:
        out = sh("ls -A /tmp; echo hello > /tmp/%s && cat /tmp/%s" % (inner, inner))
    finally:
        os.unlink(marker)
    assert out == "hello\n", out  # empty /tmp: no host marker listed
    assert not os.path.exists(os.path.join("/tmp", inner))


def test_host_secrets_and_sockets_hidden():
    # Root-only files stay closed: the sandbox's root is nobody on the host.
    cp = sandbox("--", "/bin/cat", "/etc/shadow")
    assert cp.returncode != 0 and "Permission denied" in cp.stderr, hullkit.explain(cp)
    # /run (daemon sockets) and /sys are empty.
    assert sh("ls -A /run /sys") == "/run:\n\n/sys:\n"


def test_nothing_writable_as_nobody():
    d = host_dir(mode=0o755)  # owned by root: "other" cannot write
    cp = sandbox("--bind", d + ":/mnt", "--", "/bin/sh", "-c", "echo x > /mnt/f")
    assert cp.returncode != 0 and "Permission denied" in cp.stderr, hullkit.explain(cp)
    assert os.listdir(d) == []
    shutil.rmtree(d)


# ---- processes, network, privileges ----------------------------------------------------------


def test_host_processes_invisible():
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        out = sh("echo $$; ls /proc")
    finally:
        sleeper.kill()
        sleeper.wait()
    lines = out.split()
    assert lines[0] == "1"  # the command is the sandbox's init
    pids = [int(p) for p in lines[1:] if p.isdigit()]
    assert sleeper.pid not in pids or sleeper.pid < 10
    assert len(pids) <= 3, pids  # sh and ls only


@pytest.mark.parametrize("opts", [(), ("--net", "none"), ("--net=loopback",)])
def test_only_loopback_interface(opts):
    dev = sh("cat /proc/net/dev", *opts)
    names = [l.split(":")[0].strip() for l in dev.splitlines()[2:]]
    assert names == ["lo"], dev
    assert sh("ls /sys/class/net", "--sys", *opts).split() == ["lo"]


def test_loopback_is_up():
    flags = sh("cat /sys/class/net/lo/flags", "--sys", "--net=loopback").strip()
    assert int(flags, 16) & 0x1, flags  # IFF_UP
    script = ("import socket\n"
              "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()\n"
              "c = socket.create_connection(s.getsockname(), timeout=5); print('ok')\n")
    assert sh("/usr/bin/python3 -c \"%s\"" % script, "--net", "loopback") == "ok\n"


def test_network_unreachable():
    script = ("import socket\n"
              "try:\n socket.create_connection(('192.0.2.1', 80), timeout=2)\n"
              "except OSError as e: print(e.errno)\n")
    out = sh("/usr/bin/python3 -c \"%s\"" % script)
    assert int(out) == errno.ENETUNREACH, out


def test_no_privileges():
    st = status_fields()
    for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
        assert int(st[k], 16) == 0, (k, st[k])
    assert st["NoNewPrivs"].strip() == "1"
    expect_uid = NOBODY if os.getuid() == 0 else os.getuid()
    assert sh("cat /proc/self/uid_map").split() == ["0", str(expect_uid), "1"]
    expect_gid = NOBODY if os.getgid() == 0 else os.getgid()
    assert sh("cat /proc/self/gid_map").split() == ["0", str(expect_gid), "1"]


def test_hostname_env_and_cwd():
    out = sh("hostname; pwd; echo $HOME; echo $FOO; echo $PATH", "--hostname", "box",
             "--chdir", "/etc", "--setenv", "FOO=bar")
    assert out.split("\n")[:5] == [
        "box", "/etc", "/tmp", "bar",
        "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    ]
    assert sh("hostname") == "sandbox\n"


# ---- options ---------------------------------------------------------------------------------


def test_ro_bind():
    d = host_dir()
    with open(os.path.join(d, "f"), "w") as f:
        f.write("content\n")
    cp = sandbox("--ro-bind", d + ":/mnt", "--", "/bin/sh", "-c", "cat /mnt/f; echo x > /mnt/g")
    assert cp.stdout == "content\n", hullkit.explain(cp)
    assert cp.returncode != 0 and "Read-only file system" in cp.stderr, hullkit.explain(cp)
    assert os.listdir(d) == ["f"]
    # Without DEST it appears at the same path.
    assert sh("cat %s/f" % d, "--ro-bind", d) == "content\n"
    shutil.rmtree(d)


def test_bind_writable():
    d = host_dir(uid=NOBODY if os.getuid() == 0 else None)
    assert sh("echo written > /mnt/out", "--bind", d + ":/mnt") == ""
    with open(os.path.join(d, "out")) as f:
        assert f.read() == "written\n"
    shutil.rmtree(d)


def test_tmpfs_option():
    assert sh("ls -A /opt; echo x > /opt/f && cat /opt/f", "--tmpfs", "/opt") == "x\n"


@pytest.mark.parametrize("args,needle", [
    (["--ro-bind", "/nonexistent-hull-src:/mnt"], "bind source `/nonexistent-hull-src`"),
    (["--bind", "/etc:mnt"], "bind destination `mnt`"),
    (["--ro-bind", "/etc:/hull-no-such-dir"], "mount point `/hull-no-such-dir`"),
    (["--tmpfs", "relative"], "tmpfs destination `relative`"),
    (["--bind", "/tmp:/"], "bind destination `/`"),
    (["--net", "host"], "--net `host`"),
    (["--chdir", "etc"], "working directory `etc`"),
    (["--bogus"], "unknown option `--bogus`"),
])
def test_bad_options(args, needle):
    cp = sandbox(*args, "--", "/bin/true")
    assert cp.returncode == 125, hullkit.explain(cp)
    assert needle in cp.stderr, hullkit.explain(cp)
    assert not os.path.exists("/hull-no-such-dir")


def test_missing_command_is_usage_error():
    cp = sandbox("--")
    assert cp.returncode == 125 and "missing COMMAND" in cp.stderr, hullkit.explain(cp)


# ---- exit status -----------------------------------------------------------------------------


def test_exit_status_passthrough():
    assert sandbox("--", "/bin/sh", "-c", "exit 7").returncode == 7
    assert sandbox("true").returncode == 0  # PATH lookup, no `--` needed


def test_not_found_and_not_executable():
    cp = sandbox("--", "hull-no-such-command")
    assert cp.returncode == 127, hullkit.explain(cp)
    cp = sandbox("--", "/etc/passwd")
    assert cp.returncode == 126, hullkit.explain(cp)


def test_help():
    cp = subprocess.run([hullkit.HULL, "sandbox", "--help"], capture_output=True, text=True)
    assert cp.returncode == 0
    for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXIT STATUS", "EXAMPLES"):
        assert section in cp.stdout
