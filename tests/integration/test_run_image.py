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
import resource
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


def _extra_layer(entries):
    """A layer of (name, kind, payload-or-link) entries, owned by root."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for name, kind, arg in entries:
            ti = tarfile.TarInfo(name)
            ti.type, ti.mode, ti.mtime = kind, 0o777 if kind == tarfile.SYMTYPE else 0o755, 0
            if kind == tarfile.SYMTYPE:
                ti.linkname = arg
            elif kind == tarfile.REGTYPE:
                ti.size = len(arg)
            tf.addfile(ti, io.BytesIO(arg) if kind == tarfile.REGTYPE else None)
    return buf.getvalue()


def make_layout(path, config, raw_config=None, extra=None):
    """An OCI layout of one busybox layer (and a layer of `extra` entries); `config` is
    the image config's "config"."""
    global _LAYER
    if _LAYER is None:
        _LAYER = _busybox_layer()
    os.makedirs(os.path.join(path, "blobs", "sha256"))

    def put(data):
        d = hashlib.sha256(data).hexdigest()
        with open(os.path.join(path, "blobs", "sha256", d), "wb") as f:
            f.write(data)
        return {"digest": "sha256:" + d, "size": len(data)}

    layers = [_LAYER] + ([_extra_layer(extra)] if extra else [])
    descs = []
    for data in layers:
        descs.append(put(data))
        descs[-1]["mediaType"] = "application/vnd.oci.image.layer.v1.tar"
    doc = {"architecture": "amd64", "os": "linux", "config": config,
           "rootfs": {"type": "layers",
                      "diff_ids": ["sha256:" + hashlib.sha256(d).hexdigest() for d in layers]}}
    cfg = put(raw_config(doc) if raw_config else json.dumps(doc).encode())
    cfg["mediaType"] = "application/vnd.oci.image.config.v1+json"
    m = put(json.dumps({"schemaVersion": 2, "mediaType": MT_MANIFEST, "config": cfg,
                        "layers": descs}).encode())
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

    def add(self, ref, config, raw_config=None, extra=None):
        lay = os.path.join(self.dir, "layout-" + uuid.uuid4().hex[:8])
        make_layout(lay, config, raw_config, extra)
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
        # rm copes with trees deeper than Python's recursion limit.
        subprocess.run(["rm", "-rf", self.dir], capture_output=True)


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
    # The layer holds files the container made (setuid ones too): only root and the
    # container's mapped root group may reach it, not every local user.
    st = os.stat(os.path.join(store.path, "containers", "rw1"))
    assert (st.st_mode & 0o7777, st.st_uid, st.st_gid) == (0o710, 0, HOST_ID_BASE)
    cp = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                         "cat", upper], capture_output=True, text=True)
    assert cp.returncode != 0 and "Permission denied" in cp.stderr, cp
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


def test_symlinked_mount_points_stay_out_of_cache(store):
    # /run and /tmp as symlinks: the runtime mounts through them inside the root, and
    # never creates anything in the shared cache (a dangling link is refused).
    D, L = tarfile.DIRTYPE, tarfile.SYMTYPE
    store.add("localhost/links:1", {"Cmd": ["sh"]}, extra=[
        ("var", D, None), ("var/run", D, None), ("var/tmp", D, None),
        ("run", L, "/var/run"), ("tmp", L, "/var/tmp")])
    cp = store.run("-u", "0", "localhost/links:1", "sh", "-c",
                   "echo a > /run/x && echo b > /tmp/y && cat /var/run/x /var/tmp/y")
    assert (cp.returncode, cp.stdout) == (0, "a\nb\n"), cp.stderr
    store.add("localhost/links:2", {"Cmd": ["sh"]}, extra=[("run", L, "/var/run")])
    cp = store.run("localhost/links:2", "true")
    assert cp.returncode == 125 and "/run" in cp.stderr, cp.stderr
    # A /sys symlink is refused by the runtime (CVE-2019-19921), still without a trace.
    store.add("localhost/links:3", {"Cmd": ["sh"]}, extra=[("sys", L, "/nosys")])
    cp = store.run("localhost/links:3", "true")
    assert cp.returncode == 125 and "/sys" in cp.stderr, cp.stderr
    for key in store.rootfs_dirs():
        cached = os.path.join(store.path, "rootfs", key)
        for made in ("var/run/x", "var/tmp/y", "nosys"):
            assert not os.path.lexists(os.path.join(cached, made)), (key, made)
        if os.path.isdir(os.path.join(cached, "var")):
            assert sorted(os.listdir(os.path.join(cached, "var"))) == ["run", "tmp"]
        else:
            assert not os.path.lexists(os.path.join(cached, "var"))
    assert_nothing_left(store)


def test_no_change_ids_refused(store):
    # (uid_t)-1 is setresuid's "leave unchanged": the process would stay root.
    store.add("localhost/ids:1", {"Cmd": ["id"]}, extra=[
        ("etc/passwd", tarfile.REGTYPE, PASSWD + b"minus:x:4294967295:0::/:/bin/sh\n")])
    for user in ("4294967295", "0:4294967295", "minus"):
        cp = store.run("-u", user, "localhost/ids:1", "id", "-u")
        assert cp.returncode == 125, (user, cp.stdout + cp.stderr)
        assert "4294967295" in cp.stderr
    assert_nothing_left(store)


def test_concurrent_first_runs(store):
    # Two first runs of one image: one builds the rootfs under the store lock, the other
    # waits and reuses it; no temporary build is left.
    cmd = [HULL, "--store", store.path, "--root", store.state, "run", REF, "echo", "ok"]
    ps = [subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in ps]
    assert [p.returncode for p in ps] == [0, 0], outs
    assert [o[0] for o in outs] == ["ok\n", "ok\n"]
    (key,) = store.rootfs_dirs()
    assert not key.startswith(".tmp-")
    assert_nothing_left(store)


def test_deep_tree_in_layer_removed(store):
    # The container owns its writable layer: a tree deeper than the fds hull may hold
    # open (here 256) must not make the cleanup fail and leave the layer behind.
    def few_fds():
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))
    cp = subprocess.run([HULL, "--store", store.path, "--root", store.state, "run",
                         "--read-write", "-u", "0", REF, "sh", "-c",
                         "i=0; while [ $i -lt 400 ]; do mkdir d && cd d || exit 1; "
                         "i=$((i+1)); done; echo deep"],
                        capture_output=True, text=True, stdin=subprocess.DEVNULL,
                        timeout=60, preexec_fn=few_fds)
    assert (cp.returncode, cp.stdout) == (0, "deep\n"), cp.stderr
    assert_nothing_left(store)


def test_volume_of_store_or_state_refused(store):
    # The container's root owns the cached rootfs: a volume holding the store (or the
    # state root) would let it rewrite every image's cache. --store and --root are not
    # the default paths the policy knows.
    assert store.run(REF, "true").returncode == 0
    for src in (store.path, os.path.join(store.path, "rootfs"), store.dir, store.state):
        cp = store.run("-v", src + ":/x", REF, "true")
        assert cp.returncode == 125, (src, cp.stderr)
        assert "image store" in cp.stderr or "container state" in cp.stderr, cp.stderr
    assert_nothing_left(store)
    # A sibling whose name merely starts like the store's is fine.
    sib = store.path + "-sibling"
    os.makedirs(sib)
    cp = store.run("-v", sib + ":/x", REF, "true")
    assert cp.returncode == 0, cp.stderr


def test_cache_stays_read_only_with_sys_admin(store):
    # A policy may allow CAP_SYS_ADMIN (in the container's user namespace). The root is
    # then still a read-only mount the container cannot remount read-write: the cache
    # is shared by every container of the image.
    pol = os.path.join(store.dir, "policy.json")
    with open(pol, "w") as f:
        json.dump({"rules": {"HULL-CAP-001": {"mode": "off"}}}, f)
    cp = store.hull("--policy", pol, "run", "--cap-add", "SYS_ADMIN", "-u", "0", REF, "sh",
                    "-c", "mount -o remount,rw,bind / ; echo pwned > /bin/owned; "
                    "mount -o remount,rw / ; echo pwned > /etc/owned; cat /bin/owned /etc/owned")
    assert "pwned" not in cp.stdout, cp.stderr
    (key,) = store.rootfs_dirs()
    for p in ("bin/owned", "etc/owned"):
        assert not os.path.lexists(os.path.join(store.path, "rootfs", key, p))
    assert_nothing_left(store)


def test_killed_while_unpacking_leaves_no_container(store):
    # ^C during a first run's (long) unpack: only a `.tmp-` build is left, which prune
    # removes; no STORE/containers/ID that nothing would ever delete.
    store.add("localhost/big:1", {"Cmd": ["true"]},
              extra=[("big", tarfile.REGTYPE, b"\0" * (32 << 20))])
    rootfs = os.path.join(store.path, "rootfs")
    p = subprocess.Popen([HULL, "--store", store.path, "--root", store.state, "run", "--name",
                          "killed", "localhost/big:1", "true"], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    building = False
    for _ in range(5000):
        if os.path.isdir(rootfs) and any(n.startswith(".tmp-") for n in os.listdir(rootfs)):
            building = True
            break
        time.sleep(0.002)
    p.kill()
    p.wait(timeout=60)
    assert building, "the unpack was never seen"
    assert store.containers() == []
    cp = store.run("--name", "killed", "localhost/big:1", "true")
    assert cp.returncode == 0, cp.stderr
    assert_nothing_left(store)
