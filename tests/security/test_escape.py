# SPDX-License-Identifier: GPL-2.0-or-later
"""Known container-escape classes: each test tries the attack and asserts it fails.

Every test also runs the bundle fixture's leak check (no mounts, state or processes
left) and most assert that the host's mount table did not change."""
import hashlib
import json
import os
import shutil
import uuid

import pytest

import hullkit
from hullkit import explain, probe, probe_text


def container_mount(p, mount_point):
    return hullkit.find_mount(p["mountinfo"], mount_point)


# ---- mount destinations through symlinks (CVE-2021-30465, CVE-2023-27561 class) -----------


@pytest.mark.parametrize("target", ["/", "/etc", "../../../../../../.."])
def test_mount_destination_symlink_stays_in_rootfs(bundle, host_mounts_unchanged, target):
    """rootfs/link -> TARGET; a mount on /link/NAME must land inside the rootfs, never
    on the host's TARGET/NAME."""
    name = "hull-escape-" + uuid.uuid4().hex[:8]
    os.symlink(target, os.path.join(bundle.rootfs, "link"))
    host_twin = os.path.normpath(os.path.join("/" if target.startswith(".") else target, name))
    bundle.add_mount("/link/" + name, "tmpfs", "hullescape", ["size=64k"])
    try:
        cp = bundle.run(["/usr/bin/hull-probe", "report"])
        assert not os.path.lexists(host_twin), "created %s on the host" % host_twin
    finally:
        if os.path.isdir(host_twin) and not os.path.ismount(host_twin):
            os.rmdir(host_twin)
    if cp.returncode != 0:
        hullkit.assert_hull_error(cp, "/link")  # refusing is fine, naming the path
        return
    p = json.loads(cp.stdout)
    inside = os.path.normpath(os.path.join("/etc" if target == "/etc" else "/", name))
    m = container_mount(p, inside)
    assert m is not None and m["source"] == "hullescape", "mount not at %s:\n%s" % (
        inside, "\n".join(p["mountinfo"]))


@pytest.mark.parametrize("dest", ["/evil", "/evil/sub", "/dir/evil"])
def test_mount_destination_climbing_symlink_is_refused(bundle, host_mounts_unchanged, dest):
    """A relative symlink that climbs above the rootfs (`../../../../etc`) at a mount
    destination is an attack or a broken bundle: hull refuses it with exit 125 and one
    line naming the destination, and mounts nothing."""
    os.makedirs(os.path.join(bundle.rootfs, "dir"), exist_ok=True)
    depth = dest.count("/")
    link = os.path.join(bundle.rootfs, dest.lstrip("/").rsplit("/sub", 1)[0])
    os.symlink("../" * (depth + 4) + "etc", link)
    bundle.add_mount(dest, "tmpfs", "hullescape", ["size=64k"])
    cp = bundle.run(["/usr/bin/hull-probe", "report"])
    hullkit.assert_hull_error(cp, dest, "climbs out of the container root")


def test_bind_mount_onto_symlink_to_host_etc(bundle, host_mounts_unchanged):
    """rootfs/etc/shadowed -> /etc/hostname (a host file): binding over it must not
    cover the host's /etc/hostname."""
    os.symlink("/etc/hostname", os.path.join(bundle.rootfs, "etc", "shadowed"))
    src = bundle.host_dir("src", 0o755)
    with open(os.path.join(src, "payload"), "w") as f:
        f.write("payload\n")
    with open("/etc/hostname") as f:
        host_before = f.read()
    bundle.add_mount("/etc/shadowed", "bind", os.path.join(src, "payload"), ["bind", "ro"])
    cp = bundle.run(["/usr/bin/hull-probe", "read", "/etc/hostname"])
    with open("/etc/hostname") as f:
        assert f.read() == host_before
    if cp.returncode != 0:
        hullkit.assert_hull_error(cp, "/etc/shadowed")
    else:
        # The container's own /etc/hostname may be covered: that is inside the rootfs.
        assert cp.stdout.strip() in ("payload", "rootfs")


def test_proc_symlink_to_root_is_not_followed_out(bundle, host_mounts_unchanged):
    """rootfs/proc -> / (CVE-2019-16884 class): proc must not be mounted on the host,
    and nothing may end up over the rootfs' or the host's /."""
    os.rmdir(os.path.join(bundle.rootfs, "proc"))
    os.symlink("/", os.path.join(bundle.rootfs, "proc"))
    cp = bundle.run(["/usr/bin/hull-probe", "report"])
    if cp.returncode != 0:
        hullkit.assert_hull_error(cp, "/proc")  # refusing is fine, with a clear message


def test_proc_symlink_to_host_etc(bundle, host_mounts_unchanged):
    os.rmdir(os.path.join(bundle.rootfs, "proc"))
    os.symlink("/etc", os.path.join(bundle.rootfs, "proc"))
    cp = bundle.run(["/usr/bin/hull-probe", "read", "/etc/passwd"])
    assert os.path.isfile("/etc/passwd") and not os.path.ismount("/etc")
    if cp.returncode != 0:
        hullkit.assert_hull_error(cp, "/proc")


# ---- working directory (CVE-2024-21626 class) ------------------------------------------------


def test_cwd_dotdot_stays_inside(bundle):
    bundle.config["process"]["cwd"] = "/../../../.."
    cp = bundle.run(["/usr/bin/hull-probe", "report"])
    if cp.returncode != 0:
        hullkit.assert_hull_error(cp, "cwd")  # refusing a non-normalised cwd is fine
        return
    assert json.loads(cp.stdout)["cwd"] == "/"


@pytest.mark.parametrize("fd", [3, 4, 5, 6, 7, 8, 9])
def test_cwd_through_leaked_fd_does_not_escape(bundle, fd):
    """cwd /proc/self/fd/N: with a leaked host directory fd, runc < 1.1.12 started the
    process with a working directory on the host."""
    bundle.config["process"]["cwd"] = "/proc/self/fd/%d" % fd
    hostdir = os.open(bundle.path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        cp = bundle.run(["/usr/bin/hull-probe", "report"], pass_fds=(hostdir,))
    finally:
        os.close(hostdir)
    if cp.returncode != 0:
        hullkit.assert_hull_error(cp, "/proc/self/fd/%d" % fd)  # refusing is fine
        return
    cwd = json.loads(cp.stdout)["cwd"]
    assert cwd is not None and cwd.startswith("/") and not cwd.startswith("(unreachable)"), cwd


def test_no_host_fds_leak_into_container(bundle):
    """The container sees fds 0, 1 and 2 only, even when hull's caller leaks some."""
    extra = [os.open("/", os.O_RDONLY | os.O_DIRECTORY), os.open(bundle.path, os.O_RDONLY | os.O_DIRECTORY)]
    try:
        p = probe(bundle, "fds", pass_fds=tuple(extra))
    finally:
        for fd in extra:
            os.close(fd)
    assert p["fds"] == [0, 1, 2]


def test_no_fds_to_host_paths(bundle):
    cp = bundle.run(["/bin/sh", "-c", "ls -l /proc/1/fd/ 2>&1; readlink /proc/1/cwd; readlink /proc/1/root"])
    assert cp.returncode == 0, explain(cp)
    assert bundle.path not in cp.stdout


# ---- processes, /proc, /sys ------------------------------------------------------------------


def test_host_processes_are_invisible(bundle):
    cp = bundle.run(["/bin/ps", "-o", "pid,comm"])
    assert cp.returncode == 0, explain(cp)
    rows = [l.split() for l in cp.stdout.strip().splitlines()[1:]]
    assert [r[0] for r in rows] == ["1"], cp.stdout


def test_proc_sys_is_readonly(bundle):
    for path in ("/proc/sys/kernel/hostname", "/proc/sys/kernel/core_pattern", "/proc/sys/vm/drop_caches"):
        rc, out = probe_text(bundle, "write", path)
        assert rc == 1 and out in ("EROFS", "EACCES", "EPERM"), (path, out)


def test_core_pattern_unchanged(bundle):
    with open("/proc/sys/kernel/core_pattern") as f:
        before = f.read()
    cp = bundle.run(["/bin/sh", "-c", "echo '|/tmp/evil' > /proc/sys/kernel/core_pattern; echo rc=$?"])
    assert "rc=" in cp.stdout, explain(cp)  # the container did run
    with open("/proc/sys/kernel/core_pattern") as f:
        assert f.read() == before


def test_sysrq_trigger_not_writable(bundle):
    if not os.path.exists("/proc/sysrq-trigger"):
        pytest.skip("no /proc/sysrq-trigger on this host")
    rc, out = probe_text(bundle, "write", "/proc/sysrq-trigger")
    assert rc == 1


def test_cannot_mount_in_container(bundle):
    rc, out = probe_text(bundle, "mount")
    assert rc == 1 and out in ("EPERM", "EACCES"), out


def test_cannot_remount_root_writable(bundle):
    cp = bundle.run(["/bin/mount", "-o", "remount,rw", "/"])
    assert cp.returncode != 0
    assert probe_text(bundle, "write", "/etc/x") == (1, "EROFS")


def test_cannot_mknod_block_device(bundle):
    cp = bundle.run(["/bin/mknod", "/tmp/vda", "b", "254", "0"])
    assert cp.returncode == 1, explain(cp)  # busybox mknod ran and failed


def test_setuid_binary_gains_nothing_with_no_new_privileges(bundle):
    """A setuid-root copy of the probe run by uid 1000 stays uid 1000."""
    bundle.config["root"]["readonly"] = False
    suid = os.path.join(bundle.rootfs, "usr", "bin", "suid-probe")
    shutil.copy2(hullkit.HULL_PROBE, suid)
    os.chown(suid, hullkit.HOST_ID_BASE, hullkit.HOST_ID_BASE)
    os.chmod(suid, 0o4755)
    bundle.config["process"]["user"] = {"uid": 1000, "gid": 1000}
    cp = bundle.run(["/usr/bin/suid-probe", "report"])
    assert cp.returncode == 0, explain(cp)
    p = json.loads(cp.stdout)
    assert p["euid"] == 1000 and p["uid"] == 1000


def test_runtime_binary_not_reachable_through_proc_self_exe(bundle):
    """CVE-2019-5736 class: the container's entry point is /proc/self/exe. Whatever
    runs, the host's runtime binary must be unchanged and not writable from inside."""
    with open(hullkit.HULL, "rb") as f:
        before = hashlib.sha256(f.read()).hexdigest()
    os.symlink("/proc/self/exe", os.path.join(bundle.rootfs, "entry"))
    bundle.config["root"]["readonly"] = False
    cp = bundle.run(["/entry"])
    with open(hullkit.HULL, "rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == before
    # The shell cannot write to whatever /proc/self/exe of its parent is either.
    cp = bundle.run(["/bin/sh", "-c", "echo x >> /proc/1/exe; echo rc=$?"])
    assert "rc=" in cp.stdout, explain(cp)
    with open(hullkit.HULL, "rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == before
