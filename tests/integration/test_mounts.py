# SPDX-License-Identifier: GPL-2.0-or-later
"""The root filesystem, mounts, masked and read-only paths, devices."""
import os
import subprocess

import pytest

import hullkit
from hullkit import explain, probe, probe_text


def container_mount(p, mount_point):
    m = hullkit.find_mount(p["mountinfo"], mount_point)
    assert m is not None, "no mount at %s in:\n%s" % (mount_point, "\n".join(p["mountinfo"]))
    return m


# ---- root ----------------------------------------------------------------------------------


def test_root_readonly(bundle):
    assert probe_text(bundle, "write", "/etc/hull-test") == (1, "EROFS")
    assert not os.path.exists(os.path.join(bundle.rootfs, "etc", "hull-test"))


def test_root_readonly_tmp_is_writable(bundle):
    assert probe_text(bundle, "write", "/tmp/hull-test") == (0, "ok")


def test_root_readonly_shows_in_mountinfo(bundle):
    assert "ro" in container_mount(probe(bundle), "/")["options"]


def test_root_writable(bundle):
    bundle.config["root"]["readonly"] = False
    assert probe_text(bundle, "write", "/root/hull-test") == (0, "ok")
    st = os.stat(os.path.join(bundle.rootfs, "root", "hull-test"))
    assert st.st_uid == hullkit.HOST_ID_BASE  # written by the container's root, mapped


def test_root_is_the_bundle_rootfs(bundle):
    with open(os.path.join(bundle.rootfs, "etc", "hostname"), "w") as f:
        f.write("marker-%s\n" % os.path.basename(bundle.path))
    rc, out = probe_text(bundle, "read", "/etc/hostname")
    assert out == "marker-%s" % os.path.basename(bundle.path)


def test_root_path_absolute(bundle):
    bundle.config["root"]["path"] = bundle.rootfs
    assert probe(bundle)["pid"] == 1


# ---- filesystems ------------------------------------------------------------------------------


def test_proc_is_mounted(bundle):
    p = probe(bundle)
    assert container_mount(p, "/proc")["fstype"] == "proc"


def test_sysfs_readonly(bundle):
    p = probe(bundle)
    m = container_mount(p, "/sys")
    assert m["fstype"] == "sysfs" and "ro" in m["options"]
    assert probe_text(bundle, "write", "/sys/kernel/hull-test")[1] in ("EROFS", "EACCES", "EPERM", "ENOENT")


def test_tmpfs_mode_and_size(bundle):
    bundle.add_mount("/scratch", "tmpfs", "tmpfs", ["mode=1777", "size=1m", "nosuid"])
    # stat first, on a fresh mount point: runc chmods a tmpfs to the mode of an
    # existing mount point, overriding mode=.
    st = probe(bundle, "stat", "/scratch")
    assert st["type"] == "dir" and st["mode"] == 0o1777
    m = container_mount(probe(bundle), "/scratch")
    assert m["fstype"] == "tmpfs"
    assert "size=1024k" in m["super_options"]


def test_mount_flags_visible_in_mountinfo(bundle):
    bundle.add_mount("/flags", "tmpfs", "tmpfs", ["nosuid", "nodev", "noexec", "noatime"])
    m = container_mount(probe(bundle), "/flags")
    for o in ("nosuid", "nodev", "noexec", "noatime"):
        assert o in m["options"], m


def test_noexec_prevents_exec(bundle):
    bundle.add_mount("/scratch", "tmpfs", "tmpfs", ["noexec", "mode=1777"])
    cp = bundle.run(["/bin/sh", "-c", "cp /bin/busybox /scratch/bb && /scratch/bb true; echo rc=$?"])
    assert cp.returncode == 0, explain(cp)
    assert "rc=126" in cp.stdout


def test_bind_readonly(bundle):
    src = bundle.host_dir("ro", 0o755)
    with open(os.path.join(src, "hello"), "w") as f:
        f.write("from the host\n")
    bundle.add_mount("/data", "bind", src, ["bind", "ro"])
    assert probe_text(bundle, "read", "/data/hello") == (0, "from the host")
    assert probe_text(bundle, "write", "/data/new") == (1, "EROFS")
    assert os.listdir(src) == ["hello"]


def test_bind_readonly_without_type(bundle):
    src = bundle.host_dir("ro", 0o755)
    bundle.add_mount("/data", None, src, ["bind", "ro"])
    assert probe_text(bundle, "write", "/data/new") == (1, "EROFS")


def test_bind_readwrite(bundle):
    src = bundle.host_dir("rw", 0o777)
    bundle.add_mount("/data", "bind", src, ["bind", "rw"])
    assert probe_text(bundle, "write", "/data/new") == (0, "ok")
    with open(os.path.join(src, "new")) as f:
        assert f.read() == "hull-probe\n"
    assert os.stat(os.path.join(src, "new")).st_uid == hullkit.HOST_ID_BASE


def test_bind_file(bundle):
    src = bundle.host_dir("files", 0o755)
    with open(os.path.join(src, "one"), "w") as f:
        f.write("just this file\n")
    bundle.add_mount("/etc/one-file", "bind", os.path.join(src, "one"), ["bind", "ro"])
    assert probe_text(bundle, "read", "/etc/one-file") == (0, "just this file")


@pytest.fixture
def host_submount(bundle):
    """A host directory with a tmpfs mounted on its `sub` directory."""
    src = bundle.host_dir("tree", 0o755)
    sub = os.path.join(src, "sub")
    os.mkdir(sub)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k,mode=755", "hulltest", sub], check=True)
    with open(os.path.join(sub, "in-submount"), "w") as f:
        f.write("x")
    yield src
    subprocess.run(["umount", "-l", sub], check=True)


def test_rbind_includes_submounts(bundle, host_submount):
    bundle.add_mount("/data", "bind", host_submount, ["rbind", "ro"])
    rc, out = probe_text(bundle, "ls", "/data/sub")
    assert out.split() == ["in-submount"]


def test_bind_excludes_submounts(bundle, host_submount):
    bundle.add_mount("/data", "bind", host_submount, ["bind", "ro"])
    rc, out = probe_text(bundle, "ls", "/data/sub")
    assert out.split() == []


def test_mounts_are_not_visible_on_the_host(bundle, host_mounts_unchanged):
    bundle.add_mount("/scratch", "tmpfs", "tmpfs", ["size=64k"])
    cp = bundle.run(["/bin/sh", "-c", "grep -c ' /scratch ' /proc/self/mountinfo"])
    assert cp.returncode == 0, explain(cp)
    assert cp.stdout.strip() == "1"


def test_mount_destination_is_created(bundle):
    bundle.add_mount("/a/b/c", "tmpfs", "tmpfs", ["size=64k"])
    assert container_mount(probe(bundle), "/a/b/c")["fstype"] == "tmpfs"


def test_mount_order_is_config_order(bundle):
    bundle.add_mount("/stack", "tmpfs", "first", ["size=64k"])
    bundle.add_mount("/stack/inner", "tmpfs", "second", ["size=64k"])
    p = probe(bundle)
    assert container_mount(p, "/stack")["source"] == "first"
    assert container_mount(p, "/stack/inner")["source"] == "second"


# ---- masked and read-only paths ---------------------------------------------------------------


def existing(paths):
    return [p for p in paths if os.path.exists(p)]


def test_masked_file_reads_empty(bundle):
    files = [p for p in existing(["/proc/kcore", "/proc/keys", "/proc/timer_list"]) if os.path.isfile(p)]
    if not files:
        pytest.skip("none of /proc/kcore, /proc/keys, /proc/timer_list exists on this host")
    for f in files:
        rc, out = probe_text(bundle, "read", f)
        assert out == "" or out in ("EACCES", "EPERM", "ENOENT"), (f, out)


def test_masked_directory_is_empty(bundle):
    if not os.listdir("/sys/firmware"):
        pytest.skip("/sys/firmware is empty on this host")
    rc, out = probe_text(bundle, "ls", "/sys/firmware")
    assert out == ""


def test_masked_path_that_does_not_exist_is_ignored(bundle):
    bundle.config["linux"]["maskedPaths"].append("/proc/hull-does-not-exist")
    assert probe(bundle)["pid"] == 1


def test_masked_extra_path(bundle):
    bundle.config["linux"]["maskedPaths"].append("/etc/passwd")
    rc, out = probe_text(bundle, "read", "/etc/passwd")
    assert out == ""


def test_readonly_proc_sys(bundle):
    rc, out = probe_text(bundle, "write", "/proc/sys/kernel/hostname")
    assert (rc, out) == (1, "EROFS")


def test_readonly_path_shows_in_mountinfo(bundle):
    m = container_mount(probe(bundle), "/proc/sys")
    assert "ro" in m["options"]


def test_readonly_extra_path(bundle):
    bundle.config["root"]["readonly"] = False
    bundle.config["linux"]["readonlyPaths"].append("/var")
    assert probe_text(bundle, "write", "/var/x") == (1, "EROFS")


# ---- devices ----------------------------------------------------------------------------------

DEFAULT_DEVICES = {
    "/dev/null": (1, 3),
    "/dev/zero": (1, 5),
    "/dev/full": (1, 7),
    "/dev/random": (1, 8),
    "/dev/urandom": (1, 9),
    "/dev/tty": (5, 0),
}


@pytest.mark.parametrize("path", sorted(DEFAULT_DEVICES))
def test_default_device(bundle, path):
    st = probe(bundle, "stat", path)
    assert st["exists"] and st["type"] == "char", st
    assert (st["major"], st["minor"]) == DEFAULT_DEVICES[path]


@pytest.mark.parametrize(
    "path,target",
    [
        ("/dev/ptmx", "pts/ptmx"),
        ("/dev/fd", "/proc/self/fd"),
        ("/dev/stdin", "/proc/self/fd/0"),
        ("/dev/stdout", "/proc/self/fd/1"),
        ("/dev/stderr", "/proc/self/fd/2"),
    ],
)
def test_default_symlink(bundle, path, target):
    st = probe(bundle, "stat", path)
    assert st["exists"] and st["type"] == "symlink", st
    assert st["target"] == target


def test_dev_null_works(bundle):
    cp = bundle.run(["/bin/sh", "-c", "echo discarded > /dev/null && head -c 4 /dev/zero | wc -c"])
    assert cp.returncode == 0, explain(cp)
    assert cp.stdout.strip() == "4"


def test_no_host_devices(bundle):
    rc, out = probe_text(bundle, "ls", "/dev")
    names = set(out.split())
    assert not names & {"vda", "sda", "mem", "kmsg", "loop0", "fuse"}, names


def test_mknod_is_not_allowed(bundle):
    assert probe_text(bundle, "mknod", "/tmp/null")[1] == "EPERM"


def test_extra_device_without_user_namespace(bundle):
    hullkit.drop_namespace(bundle.config, "user")
    bundle.config["linux"]["devices"] = [
        {"path": "/dev/hull-null", "type": "c", "major": 1, "minor": 3, "fileMode": 0o640, "uid": 0, "gid": 5}
    ]
    st = probe(bundle, "stat", "/dev/hull-null")
    assert st["exists"] and st["type"] == "char"
    assert (st["major"], st["minor"]) == (1, 3)
    assert st["mode"] == 0o640
    assert (st["uid"], st["gid"]) == (0, 5)


def test_extra_device_in_user_namespace(bundle):
    if not os.path.exists("/dev/net/tun"):
        pytest.skip("the host has no /dev/net/tun")
    bundle.config["linux"]["devices"] = [{"path": "/dev/net/tun", "type": "c", "major": 10, "minor": 200}]
    st = probe(bundle, "stat", "/dev/net/tun")
    assert st["exists"] and st["type"] == "char"
    assert (st["major"], st["minor"]) == (10, 200)


def test_devpts(bundle):
    p = probe(bundle)
    m = container_mount(p, "/dev/pts")
    assert m["fstype"] == "devpts"
    assert "newinstance" in m["super_options"] or "ptmxmode=666" in m["super_options"]


def test_dev_shm_writable(bundle):
    assert probe_text(bundle, "write", "/dev/shm/x") == (0, "ok")
