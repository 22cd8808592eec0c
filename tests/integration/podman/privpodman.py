# SPDX-License-Identifier: GPL-2.0-or-later
"""A private podman: its own containers.conf, storage.conf, registries.conf, graph root,
run root, tmp dir, events log and network config dir, all under one temp dir, so that
nothing system-wide is touched. Used by tests/integration/test_podman.py and by
bench/podman-run.

    python3 privpodman.py setup DIR      # writes the configs, imports hulltest/busybox,
                                         # prints shell `export` lines for the env
    python3 privpodman.py cleanup DIR    # removes containers, images, mounts, DIR

Two host-wide things podman 4.3 creates regardless of configuration are removed by
cleanup when they did not exist at setup: the SHM lock segment /dev/shm/libpod_lock and
the blob-info cache /var/lib/containers/cache.
"""
import json
import os
import resource
import shutil
import subprocess
import sys
import tarfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
IMAGE = "hulltest/busybox"
BUSYBOX = os.environ.get("HULL_BUSYBOX", "/bin/busybox")
PODMAN = os.environ.get("HULL_PODMAN", "/usr/bin/podman")
HOST_WIDE = ["/dev/shm/libpod_lock", "/var/lib/containers/cache", "/var/lib/containers"]
STATE_FILE = "privpodman.json"


def _fill(template, out, values):
    with open(os.path.join(HERE, template)) as f:
        text = f.read()
    for k, v in values.items():
        text = text.replace("@%s@" % k, str(v))
    with open(out, "w") as f:
        f.write(text)


def busybox_applets():
    try:
        out = subprocess.run([BUSYBOX, "--list-full"], capture_output=True, text=True, check=True).stdout
        return [l.strip() for l in out.splitlines() if l.strip()]
    except (OSError, subprocess.CalledProcessError):
        out = subprocess.run([BUSYBOX, "--list"], capture_output=True, text=True, check=True).stdout
        return ["bin/" + l.strip() for l in out.splitlines() if l.strip()]


def build_rootfs_tar(path):
    """A busybox rootfs like the `bundle` fixture's: /bin/busybox, one symlink per applet,
    /etc/passwd and /etc/group, empty mount points."""
    def add_dir(tf, name, mode=0o755):
        ti = tarfile.TarInfo(name)
        ti.type = tarfile.DIRTYPE
        ti.mode = mode
        tf.addfile(ti)

    def add_file(tf, name, data, mode=0o644):
        import io
        ti = tarfile.TarInfo(name)
        ti.size = len(data)
        ti.mode = mode
        tf.addfile(ti, io.BytesIO(data))

    with tarfile.open(path, "w") as tf:
        for d in ("bin", "sbin", "usr", "usr/bin", "usr/sbin", "etc", "proc", "sys", "dev", "mnt", "root", "var", "run"):
            add_dir(tf, d)
        add_dir(tf, "tmp", 0o1777)
        with open(BUSYBOX, "rb") as f:
            add_file(tf, "bin/busybox", f.read(), 0o755)
        seen = {"bin/busybox"}
        for applet in busybox_applets():
            if applet in seen:
                continue
            seen.add(applet)
            ti = tarfile.TarInfo(applet)
            ti.type = tarfile.SYMTYPE
            ti.linkname = "/bin/busybox"
            ti.mode = 0o777
            tf.addfile(ti)
        add_file(tf, "etc/passwd", b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n")
        add_file(tf, "etc/group", b"root:x:0:\ntty:x:5:\nnogroup:x:65534:\n")


class PrivatePodman:
    def __init__(self, dir, runtime=None, driver=None):
        self.dir = os.path.abspath(dir)
        self.runtime = runtime
        self.driver = driver or os.environ.get("HULL_PODMAN_STORAGE", "overlay")
        self.env = dict(os.environ)
        self.env.update(
            CONTAINERS_CONF=os.path.join(self.dir, "containers.conf"),
            CONTAINERS_STORAGE_CONF=os.path.join(self.dir, "storage.conf"),
            CONTAINERS_REGISTRIES_CONF=os.path.join(self.dir, "registries.conf"),
        )
        # Not inherited from a caller's podman setup.
        for k in ("CONTAINER_HOST", "CONTAINER_CONNECTION", "CONTAINERS_CONF_OVERRIDE"):
            self.env.pop(k, None)

    # ---- setup -------------------------------------------------------------------------------

    def setup(self, import_image=True):
        os.makedirs(self.dir, exist_ok=True)
        os.chmod(self.dir, 0o755)
        for d in ("tmp", "networks", "root", "runroot"):
            os.makedirs(os.path.join(self.dir, d), exist_ok=True)
        pre_existing = [p for p in HOST_WIDE if os.path.lexists(p)]
        with open(os.path.join(self.dir, STATE_FILE), "w") as f:
            json.dump({"pre_existing": pre_existing, "driver": self.driver}, f)
        nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        if nofile == resource.RLIM_INFINITY:
            nofile = 1048576
        _fill("containers.conf.in", self.env["CONTAINERS_CONF"], {"DIR": self.dir, "NOFILE": nofile})
        _fill("storage.conf.in", self.env["CONTAINERS_STORAGE_CONF"], {"DIR": self.dir, "DRIVER": self.driver})
        with open(self.env["CONTAINERS_REGISTRIES_CONF"], "w") as f:
            f.write("# no registries: images are imported from a local tarball\nunqualified-search-registries = []\n")
        if import_image:
            tar = os.path.join(self.dir, "rootfs.tar")
            build_rootfs_tar(tar)
            cp = self.podman("import", "--quiet", tar, IMAGE)
            if cp.returncode != 0:
                raise RuntimeError("podman import failed: " + cp.stderr)
            os.unlink(tar)

    def base_args(self, runtime=None):
        args = [PODMAN, "--root", os.path.join(self.dir, "root"), "--runroot", os.path.join(self.dir, "runroot"),
                "--storage-driver", self.driver, "--tmpdir", os.path.join(self.dir, "tmp"),
                "--cgroup-manager", "cgroupfs", "--events-backend", "file"]
        rt = runtime or self.runtime
        if rt:
            args += ["--runtime", rt]
        return args

    def cmd(self, *args, runtime=None):
        return self.base_args(runtime) + list(args)

    def podman(self, *args, runtime=None, timeout=60, input=None, **kw):
        kw.setdefault("capture_output", True)
        kw.setdefault("text", True)
        if input is None and "stdin" not in kw:
            kw["stdin"] = subprocess.DEVNULL
        return subprocess.run(self.cmd(*args, runtime=runtime), env=self.env, timeout=timeout, input=input, **kw)

    # ---- cleanup -------------------------------------------------------------------------------

    def mounts_under(self):
        out = []
        prefix = self.dir.rstrip("/") + "/"
        with open("/proc/self/mountinfo") as f:
            for l in f:
                mp = l.split()[4].replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\")
                if (mp + "/").startswith(prefix) or self.dir in l:
                    out.append(l.rstrip("\n"))
        return out

    def cleanup(self):
        """Remove everything; returns a list of problems (empty when clean)."""
        problems = []
        if not os.path.isdir(self.dir):
            return problems
        try:
            with open(os.path.join(self.dir, STATE_FILE)) as f:
                st = json.load(f)
        except (OSError, ValueError):
            st = {"pre_existing": list(HOST_WIDE)}
        for args in (("rm", "--all", "--force", "--time", "0"), ("rmi", "--all", "--force"),
                     ("system", "reset", "--force")):
            try:
                cp = self.podman(*args, timeout=60)
                if cp.returncode != 0:
                    problems.append("podman %s: %s" % (" ".join(args), cp.stderr.strip()[-500:]))
            except subprocess.TimeoutExpired:
                problems.append("podman %s timed out" % " ".join(args))
        # Anything still mounted under DIR (overlay merged dirs, shm, the storage's own
        # private bind mount): deepest first, lazily.
        for _ in range(5):
            left = self.mounts_under()
            if not left:
                break
            for l in sorted(left, key=lambda l: len(l.split()[4]), reverse=True):
                mp = l.split()[4].replace("\\040", " ")
                subprocess.run(["umount", "-l", mp], capture_output=True)
            time.sleep(0.1)
        left = self.mounts_under()
        if left:
            problems.append("still mounted: " + "; ".join(left))
        else:
            shutil.rmtree(self.dir, ignore_errors=True)
        pre = set(st.get("pre_existing", HOST_WIDE))
        for p in HOST_WIDE:
            if p in pre or not os.path.lexists(p):
                continue
            try:
                if os.path.isdir(p) and not os.path.islink(p):
                    if p == "/var/lib/containers":
                        os.rmdir(p)  # only if empty: never more than podman's cache
                    else:
                        shutil.rmtree(p)
                else:
                    os.unlink(p)
            except OSError:
                pass
        return problems


def main(argv):
    if len(argv) < 3 or argv[1] not in ("setup", "cleanup"):
        sys.stderr.write("usage: privpodman.py setup|cleanup DIR\n")
        return 2
    pp = PrivatePodman(argv[2])
    if argv[1] == "setup":
        pp.setup()
        for k in ("CONTAINERS_CONF", "CONTAINERS_STORAGE_CONF", "CONTAINERS_REGISTRIES_CONF"):
            print("export %s=%s" % (k, pp.env[k]))
        print("PODMAN_ARGS=(%s)" % " ".join("'%s'" % a for a in pp.base_args()[1:]))
        return 0
    problems = pp.cleanup()
    for p in problems:
        sys.stderr.write("privpodman cleanup: %s\n" % p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
