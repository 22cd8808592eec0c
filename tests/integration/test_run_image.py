# SPDX-License-Identifier: GPL-2.0-or-later
"""`hull run IMAGE`: a busybox OCI image made here, imported into a private store, run.
Checks what a user sees: output, exit codes, the image config honoured, the read-only
root, the writable layer, the rootfs cache and its ownership, cleanup on every path, the
policy, and the per-user store. Needs root (the id range of `hull spec`'s user
namespace)."""
import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import tarfile
import time
import uuid

import pytest

from hullkit import BUSYBOX, HOST_ID_BASE, HULL, IS_HULL, base_dir, host_mountinfo

pytestmark = [
    pytest.mark.skipif(not IS_HULL, reason="hull-only command"),
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root"),
]

REF = "localhost/busybox:latest"
MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
PASSWD = b"root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n"
GROUP = b"root:x:0:\napp:x:1000:\nstaff:x:50:app\n"


def _busybox_layer():
    with open(BUSYBOX, "rb") as f:
        data = f.read()
    applets = subprocess.run([BUSYBOX, "--list"], capture_output=True, text=True,
                             check=True).stdout.split()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        def add(name, kind, mode, payload=None, link=None, uid=0):
            ti = tarfile.TarInfo(name)
            ti.type, ti.mode, ti.mtime, ti.uid, ti.gid = kind, mode, 0, uid, uid
            if link:
                ti.linkname = link
            if payload is not None:
                ti.size = len(payload)
            tf.addfile(ti, io.BytesIO(payload) if payload is not None else None)
        for d in ("bin", "etc", "home", "work"):
            add(d, tarfile.DIRTYPE, 0o755)
        add("home/app", tarfile.DIRTYPE, 0o755, uid=1000)
        add("bin/busybox", tarfile.REGTYPE, 0o755, data)
        for a in applets:
            if a != "busybox":
                add("bin/" + a, tarfile.SYMTYPE, 0o777, link="busybox")
        add("etc/passwd", tarfile.REGTYPE, 0o644, PASSWD)
        add("etc/group", tarfile.REGTYPE, 0o644, GROUP)
    return buf.getvalue()


_LAYER = None


def make_layout(path, config, raw_config=None):
    """An OCI layout of one busybox layer; `config` is the image config's "config"."""
    global _LAYER
    if _LAYER is None:
        _LAYER = _busybox_layer()
    os.makedirs(os.path.join(path, "blobs", "sha256"))

    def put(data):
        d = hashlib.sha256(data).hexdigest()
        with open(os.path.join(path, "blobs", "sha256", d), "wb") as f:
            f.write(data)
        return {"digest": "sha256:" + d, "size": len(data)}

    layer = put(_LAYER)
    layer["mediaType"] = "application/vnd.oci.image.layer.v1.tar"
    doc = {"architecture": "amd64", "os": "linux", "config": config,
           "rootfs": {"type": "layers",
                      "diff_ids": ["sha256:" + hashlib.sha256(_LAYER).hexdigest()]}}
    cfg = put(raw_config(doc) if raw_config else json.dumps(doc).encode())
    cfg["mediaType"] = "application/vnd.oci.image.config.v1+json"
    m = put(json.dumps({"schemaVersion": 2, "mediaType": MT_MANIFEST, "config": cfg,
                        "layers": [layer]}).encode())
    m["mediaType"] = MT_MANIFEST
    with open(os.path.join(path, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    with open(os.path.join(path, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [m]}, f)


class Store:
    def __init__(self):
        self.dir = os.path.join(base_dir(), "ri-" + uuid.uuid4().hex[:10])
        self.path = os.path.join(self.dir, "store")
        self.state = os.path.join(self.dir, "state")
        os.makedirs(self.state)
        os.chmod(self.dir, 0o755)

    def add(self, ref, config, raw_config=None):
        lay = os.path.join(self.dir, "layout-" + uuid.uuid4().hex[:8])
        make_layout(lay, config, raw_config)
        cp = self.hull("image", "import", lay, "--name", ref)
        assert cp.returncode == 0, cp.stderr

    def hull(self, *args, input=None, timeout=60):
        return subprocess.run([HULL, "--store", self.path, "--root", self.state, *args],
                              input=input, stdin=None if input else subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=timeout)

    def run(self, *args, **kw):
        return self.hull("run", *args, **kw)

    def mounts(self):
        return [l for l in host_mountinfo() if self.path in l]

    def containers(self):
        d = os.path.join(self.path, "containers")
        return sorted(os.listdir(d)) if os.path.isdir(d) else []

    def states(self):
        return sorted(os.listdir(self.state))

    def rootfs_dirs(self):
        return sorted(os.listdir(os.path.join(self.path, "rootfs")))

    def cleanup(self):
        for cid in self.states():
            self.hull("delete", "--force", cid)
        for l in self.mounts():
            subprocess.run(["umount", "-l", l.split()[4]], capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def store():
    s = Store()
    s.add(REF, {"Cmd": ["sh"]})
    yield s
    s.cleanup()


def wait_for_content(path):
    """The file's text once it ends with a newline (a container writes it)."""
    text = ""
    for _ in range(200):
        if os.path.exists(path):
            with open(path) as f:
                text = f.read()
            if text.endswith("\n"):
                break
        time.sleep(0.025)
    return text


def assert_nothing_left(s, cid=None):
    assert s.mounts() == []
    assert s.containers() == []
    assert s.states() == []


def test_echo_hi(store):
    cp = store.run(REF, "echo", "hi")
    assert (cp.returncode, cp.stdout) == (0, "hi\n"), cp.stderr
    assert_nothing_left(store)


def test_image_config_honoured(store):
    store.add("localhost/app:1", {
        "Entrypoint": ["/bin/sh", "-c"],
        "Cmd": ['echo "foo=$FOO"; id; pwd; echo "home=$HOME"'],
        "Env": ["FOO=bar", "PATH=/bin"],
        "WorkingDir": "/home/app", "User": "app",
        "Labels": {"org.example": "yes"}, "StopSignal": "SIGINT",
    })
    cp = store.run("localhost/app:1")
    assert cp.returncode == 0, cp.stderr
    # app's supplementary group (staff lists it in /etc/group) comes along too.
    assert cp.stdout.splitlines() == ["foo=bar", "uid=1000(app) gid=1000(app) groups=50(staff)",
                                      "/home/app", "home=/home/app"]
    # CMD replaces Cmd (the Entrypoint stays); -e, -u name:group, -w.
    cp = store.run("-e", "FOO=baz", "-u", "app:staff", "-w", "/work", "localhost/app:1",
                   'echo "$FOO $PATH"; id -u; id -g; pwd')
    assert cp.stdout.splitlines() == ["baz /bin", "1000", "50", "/work"], cp.stderr
    # -e NAME takes the value from hull's environment.
    env = dict(os.environ, HULL_IT_VAR="from-host")
    cp = subprocess.run([HULL, "--store", store.path, "--root", store.state, "run", "-e",
                         "HULL_IT_VAR", "-u", "0", REF, "sh", "-c", 'echo "$HULL_IT_VAR"'],
                        capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL,
                        timeout=60)
    assert cp.stdout == "from-host\n", cp.stderr


def test_read_only_root(store):
    cp = store.run(REF, "sh", "-c", "touch /x; echo rc=$?; touch /tmp/t /run/r && echo tmp-ok")
    assert cp.returncode == 0, cp.stderr
    assert "Read-only file system" in cp.stderr
    assert cp.stdout.splitlines() == ["rc=1", "tmp-ok"]


def test_ownership_mapped(store):
    cp = store.run(REF, "sh", "-c",
                   "stat -c '%u %g' /bin/busybox /etc/passwd /; cat /proc/self/uid_map")
    assert cp.returncode == 0, cp.stderr
    lines = cp.stdout.splitlines()
    assert lines[:3] == ["0 0"] * 3
    assert lines[3].split() == ["0", str(HOST_ID_BASE), "65536"]
    (key,) = store.rootfs_dirs()
    cached = os.path.join(store.path, "rootfs", key)
    for rel in ("", "bin/busybox", "etc/passwd"):
        st = os.lstat(os.path.join(cached, rel))
        assert (st.st_uid, st.st_gid) == (HOST_ID_BASE, HOST_ID_BASE), rel
    st = os.lstat(os.path.join(cached, "home/app"))
    assert st.st_uid == HOST_ID_BASE + 1000


def test_cache_reused(store):
    assert store.run(REF, "true").returncode == 0
    (key,) = store.rootfs_dirs()
    assert len(key) == 64 + 1 + 16  # chain id + id map hash
    before = os.stat(os.path.join(store.path, "rootfs", key))
    assert store.run(REF, "true").returncode == 0
    assert store.rootfs_dirs() == [key]
    after = os.stat(os.path.join(store.path, "rootfs", key))
    assert (before.st_ino, before.st_mtime_ns) == (after.st_ino, after.st_mtime_ns)


def test_read_write_layer(store):
    cp = store.run("-d", "--read-write", "--name", "rw1", "-u", "0", REF, "sh", "-c",
                   "echo data > /new && sleep 60")
    assert (cp.returncode, cp.stdout) == (0, "rw1\n"), cp.stderr
    upper = os.path.join(store.path, "containers", "rw1", "upper", "new")
    assert wait_for_content(upper) == "data\n"
    (key,) = store.rootfs_dirs()
    assert not os.path.lexists(os.path.join(store.path, "rootfs", key, "new"))
    assert any("containers/rw1/merged" in l for l in store.mounts())
    cp = store.hull("delete", "--force", "rw1")
    assert cp.returncode == 0, cp.stderr
    assert_nothing_left(store)
    # The foreground writes too, and leaves nothing.
    cp = store.run("--read-write", "-u", "0", REF, "sh", "-c", "echo x > /y && cat /y")
    assert (cp.returncode, cp.stdout) == (0, "x\n"), cp.stderr
    assert_nothing_left(store)
    # --read-only=false is the same (the spelling runc's CLI library accepts).
    cp = store.run("--read-only=false", "-u", "0", REF, "sh", "-c", "echo z > /y && cat /y")
    assert (cp.returncode, cp.stdout) == (0, "z\n"), cp.stderr
    assert_nothing_left(store)
    cp = store.run("--read-only=maybe", REF, "true")
    assert cp.returncode == 125 and "true or false" in cp.stderr, cp.stderr


def test_missing_workdir_not_in_cache(store):
    # The runtime creates a missing working directory (as runc does): in the container's
    # own layer, never in the shared cache.
    cp = store.run("-w", "/made/here", REF, "pwd")
    assert (cp.returncode, cp.stdout) == (0, "/made/here\n"), cp.stderr
    (key,) = store.rootfs_dirs()
    assert not os.path.lexists(os.path.join(store.path, "rootfs", key, "made"))
    assert_nothing_left(store)


def test_rm_leaves_nothing(store):
    cp = store.run("--rm", "--name", "gone", REF, "true")
    assert cp.returncode == 0, cp.stderr
    assert_nothing_left(store)


@pytest.mark.parametrize("args,code,needle", [
    (["--cap-add", "SYS_ADMIN", REF, "true"], 125, "HULL-CAP-001"),
    ([REF, "no-such-command"], 127, "no-such-command"),
    ([REF, "/etc/passwd"], 126, "/etc/passwd"),
    (["-u", "ghost", REF, "true"], 125, "user `ghost`: not found in the image's /etc/passwd"),
    (["-v", "/nonexistent-hull-src:/data", REF, "true"], 125, "/nonexistent-hull-src"),
    (["-w", "relative/dir", REF, "true"], 125, "relative/dir"),
    (["-w", "/bin/busybox", REF, "true"], 125, "/bin/busybox"),
    (["localhost/no-such-image:1", "true"], 125, "localhost/no-such-image:1"),
])
def test_errors_leave_nothing(store, args, code, needle):
    cp = store.run(*args)
    assert cp.returncode == code, cp.stderr
    assert needle in cp.stderr
    assert_nothing_left(store)


def test_cap_add_refused_with_reason(store):
    cp = store.run("--cap-add", "SYS_ADMIN", REF, "true")
    assert cp.returncode == 125
    assert "policy HULL-CAP-001 (enforce)" in cp.stderr
    assert "CAP_SYS_ADMIN" in cp.stderr and "allow it with" in cp.stderr
    # A harmless one passes, and is in the bounding set.
    cp = store.run("--cap-add", "NET_BIND_SERVICE", "-u", "0", REF, "grep", "CapBnd",
                   "/proc/self/status")
    assert cp.returncode == 0, cp.stderr
    assert cp.stdout.split()[1] == "%016x" % (1 << 10)


def container_init(cmdline):
    """The host pid of a process with this cmdline that is pid 1 of its namespace."""
    for d in os.listdir("/proc"):
        try:
            with open("/proc/%s/cmdline" % d, "rb") as f:
                if f.read() != cmdline:
                    continue
            with open("/proc/%s/status" % d) as f:
                nspid = [l.split()[1:] for l in f if l.startswith("NSpid:")][0]
        except (OSError, ValueError, IndexError):
            continue
        if len(nspid) == 2 and nspid[1] == "1":
            return int(d)
    return 0


def test_exit_status(store):
    assert store.run(REF, "sh", "-c", "exit 7").returncode == 7
    # Killed by signal 9: 128 + 9.
    p = subprocess.Popen([HULL, "--store", store.path, "--root", store.state, "run", "--name",
                          "sig", REF, "sleep", "60"], stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    pid = 0
    for _ in range(400):
        pid = container_init(b"sleep\x0060\x00")
        if pid:
            break
        time.sleep(0.025)
    assert pid > 0
    os.kill(pid, signal.SIGKILL)
    assert p.wait(timeout=60) == 137, p.stderr.read()
    assert_nothing_left(store)


def test_detach_then_delete(store):
    cp = store.run("-d", REF, "sh", "-c", "echo to-log; sleep 60")
    assert cp.returncode == 0, cp.stderr
    cid = cp.stdout.strip()
    assert cid.startswith("hull-") and len(cid) == 17
    assert store.containers() == [cid]
    assert json.loads(store.hull("state", cid).stdout)["status"] == "running"
    log = os.path.join(store.path, "containers", cid, "log")
    assert wait_for_content(log) == "to-log\n"
    cp = store.hull("delete", "--force", cid)
    assert cp.returncode == 0, cp.stderr
    assert_nothing_left(store)


def test_volumes(store):
    src = os.path.join(store.dir, "vol")
    os.makedirs(src)
    os.chmod(src, 0o777)
    with open(os.path.join(src, "f"), "w") as f:
        f.write("host\n")
    cp = store.run("-v", src + ":/data:ro", REF, "sh", "-c",
                   "cat /data/f; echo x > /data/g; echo rc=$?")
    assert cp.stdout.splitlines() == ["host", "rc=1"], cp.stderr
    assert "Read-only file system" in cp.stderr
    cp = store.run("-v", src + ":/data", REF, "sh", "-c", "echo x > /data/g")
    assert cp.returncode == 0, cp.stderr
    assert os.path.exists(os.path.join(src, "g"))
    # The mount point /data was not in the image: the cache did not get it.
    (key,) = store.rootfs_dirs()
    assert not os.path.lexists(os.path.join(store.path, "rootfs", key, "data"))
    cp = store.run("-v", src + ":data", REF, "true")
    assert cp.returncode == 125 and "not absolute" in cp.stderr
    cp = store.run("-v", "/etc:/data", REF, "true")
    assert cp.returncode == 125 and "HULL-MNT-001" in cp.stderr
    assert_nothing_left(store)


def test_hostile_image_config(store):
    store.add("localhost/bad:types", {"Cmd": "sh"})
    cp = store.run("localhost/bad:types")
    assert cp.returncode == 125 and "config.Cmd: expected an array" in cp.stderr
    store.add("localhost/bad:env", {"Cmd": ["true"], "Env": [1]})
    cp = store.run("localhost/bad:env")
    assert cp.returncode == 125 and "config.Env[0]" in cp.stderr
    store.add("localhost/bad:huge", {"Cmd": ["true"], "Env": ["A=1"] * 5000})
    cp = store.run("localhost/bad:huge")
    assert cp.returncode == 125 and "more than" in cp.stderr
    store.add("localhost/bad:user", {"Cmd": ["true"], "User": "nobody"})
    cp = store.run("localhost/bad:user")
    assert cp.returncode == 125
    assert "user `nobody`: not found in the image's /etc/passwd" in cp.stderr
    assert_nothing_left(store)


def test_terminal(store):
    if shutil.which("script") is None:
        pytest.skip("no script(1)")
    cmd = "%s --store %s --root %s run -it %s sh -c tty" % (HULL, store.path, store.state, REF)
    cp = subprocess.run(["script", "-qec", cmd, "/dev/null"], capture_output=True, text=True,
                        timeout=60, stdin=subprocess.DEVNULL)
    assert cp.returncode == 0, cp.stdout + cp.stderr
    assert "/dev/pts/0" in cp.stdout


def test_stdin_only_with_i(store):
    cp = store.run("-i", REF, "cat", input="piped\n")
    assert cp.stdout == "piped\n", cp.stderr
    cp = store.run(REF, "cat", input="piped\n")
    assert cp.stdout == ""


def test_mode_dispatch(store, tmp_path):
    # Not a reference with a registry, no config.json: image mode says why.
    cp = subprocess.run([HULL, "--store", store.path, "--root", store.state, "run", "busybox"],
                        capture_output=True, text=True, cwd=str(tmp_path), timeout=60)
    assert cp.returncode == 125 and "busybox" in cp.stderr
    assert "names no registry" in cp.stderr or "not in the store" in cp.stderr


def test_per_user_store(tmp_path):
    home = os.path.join(base_dir(), "home-" + uuid.uuid4().hex[:8])
    os.makedirs(home)
    os.chown(home, 65534, 65534)
    try:
        drop = ["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups"]
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home}
        cp = subprocess.run(drop + [HULL, "image", "ls"], capture_output=True, text=True,
                            env=env, timeout=60)
        assert cp.returncode == 0, cp.stderr
        assert os.path.isdir(os.path.join(home, ".local", "share", "hull", "blobs"))
        env["XDG_DATA_HOME"] = os.path.join(home, "xdg")
        cp = subprocess.run(drop + [HULL, "image", "ls"], capture_output=True, text=True,
                            env=env, timeout=60)
        assert cp.returncode == 0, cp.stderr
        assert os.path.isdir(os.path.join(home, "xdg", "hull", "blobs"))
    finally:
        shutil.rmtree(home, ignore_errors=True)
