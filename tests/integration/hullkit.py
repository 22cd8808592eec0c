# SPDX-License-Identifier: GPL-2.0-or-later
"""Shared helpers for hull's integration and security tests.

The runtime under test is the binary named by $HULL (default
<repo>/build/src/cli/hull). Any OCI runtime with runc's CLI works too
(HULL=/usr/bin/crun, HULL=/usr/sbin/runc), which is how the tests themselves
are checked against known-good runtimes.

The probe (tests/init/hull-probe.c) is named by $HULL_PROBE (default
<repo>/build/tests/init/hull-probe).
"""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import uuid

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HULL = os.environ.get("HULL", os.path.join(REPO, "build", "src", "cli", "hull"))
HULL_PROBE = os.environ.get("HULL_PROBE", os.path.join(REPO, "build", "tests", "init", "hull-probe"))
BUSYBOX = os.environ.get("HULL_BUSYBOX", "/bin/busybox")
TIMEOUT = float(os.environ.get("HULL_TEST_TIMEOUT", "30"))
# crun 1.8 refuses ociVersion 1.2.0; HULL_TEST_OCI_VERSION=1.0.2 when checking the tests with it.
OCI_VERSION = os.environ.get("HULL_TEST_OCI_VERSION", "1.2.0")

# The container's root is host uid/gid 100000 (see default_config); bundle rootfses
# are owned by it.
HOST_ID_BASE = 100000
ID_RANGE = 65536

RUNTIME_NAME = os.path.basename(HULL)
IS_HULL = RUNTIME_NAME.startswith("hull")

# crun's defaults (crun spec), which runc's match except for /proc/scsi.
MASKED_PATHS = [
    "/proc/acpi",
    "/proc/asound",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/sys/firmware",
    "/proc/scsi",
]
READONLY_PATHS = [
    "/proc/bus",
    "/proc/fs",
    "/proc/irq",
    "/proc/sys",
    "/proc/sysrq-trigger",
]


def default_config(args=None):
    """The suite's baseline config.json, as a dict the test may modify.

    It is deliberately independent of `hull spec`: a user namespace mapping
    container 0 to host 100000, every namespace but time, no capabilities,
    noNewPrivileges, a read-only root and crun's masked and read-only paths."""
    return {
        "ociVersion": OCI_VERSION,
        "process": {
            "terminal": False,
            "user": {"uid": 0, "gid": 0},
            "args": list(args) if args else ["/usr/bin/hull-probe", "report"],
            "env": [
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "TERM=xterm",
            ],
            "cwd": "/",
            "capabilities": {
                "bounding": [],
                "effective": [],
                "inheritable": [],
                "permitted": [],
                "ambient": [],
            },
            "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
            "noNewPrivileges": True,
        },
        "root": {"path": "rootfs", "readonly": True},
        "hostname": "hulltest",
        "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc"},
            {
                "destination": "/dev",
                "type": "tmpfs",
                "source": "tmpfs",
                "options": ["nosuid", "strictatime", "mode=755", "size=65536k"],
            },
            {
                "destination": "/dev/pts",
                "type": "devpts",
                "source": "devpts",
                "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"],
            },
            {
                "destination": "/dev/shm",
                "type": "tmpfs",
                "source": "shm",
                "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"],
            },
            {
                "destination": "/dev/mqueue",
                "type": "mqueue",
                "source": "mqueue",
                "options": ["nosuid", "noexec", "nodev"],
            },
            {
                "destination": "/sys",
                "type": "sysfs",
                "source": "sysfs",
                "options": ["nosuid", "noexec", "nodev", "ro"],
            },
            {
                "destination": "/tmp",
                "type": "tmpfs",
                "source": "tmpfs",
                "options": ["nosuid", "nodev", "mode=1777"],
            },
        ],
        "linux": {
            "namespaces": [
                {"type": "pid"},
                {"type": "network"},
                {"type": "ipc"},
                {"type": "uts"},
                {"type": "mount"},
                {"type": "cgroup"},
                {"type": "user"},
            ],
            "uidMappings": [{"containerID": 0, "hostID": HOST_ID_BASE, "size": ID_RANGE}],
            "gidMappings": [{"containerID": 0, "hostID": HOST_ID_BASE, "size": ID_RANGE}],
            "maskedPaths": list(MASKED_PATHS),
            "readonlyPaths": list(READONLY_PATHS),
        },
    }


def drop_namespace(cfg, ns_type):
    """Remove one namespace from cfg (and the id maps with the user namespace)."""
    lin = cfg["linux"]
    lin["namespaces"] = [n for n in lin["namespaces"] if n["type"] != ns_type]
    if ns_type == "user":
        lin.pop("uidMappings", None)
        lin.pop("gidMappings", None)
    if ns_type == "network":
        # sysfs can only be mounted by the owner of the network namespace; bind the
        # host's instead, read-only (what runc and crun do for rootless containers).
        for m in cfg["mounts"]:
            if m["destination"] == "/sys":
                m.clear()
                m.update(
                    {
                        "destination": "/sys",
                        "type": "bind",
                        "source": "/sys",
                        "options": ["rbind", "nosuid", "noexec", "nodev", "ro"],
                    }
                )
    if ns_type == "ipc":
        cfg["mounts"] = [m for m in cfg["mounts"] if m["destination"] != "/dev/mqueue"]


def namespace_types(cfg):
    return [n["type"] for n in cfg["linux"]["namespaces"]]


# ---- rootfs template -------------------------------------------------------------------------

_TEMPLATE = None


def _busybox_applets():
    try:
        out = subprocess.run([BUSYBOX, "--list-full"], capture_output=True, text=True, check=True).stdout
        return [l.strip() for l in out.splitlines() if l.strip()]
    except (OSError, subprocess.CalledProcessError):
        out = subprocess.run([BUSYBOX, "--list"], capture_output=True, text=True, check=True).stdout
        return ["bin/" + l.strip() for l in out.splitlines() if l.strip()]


def build_rootfs(dest):
    """A minimal busybox rootfs with the probe at /usr/bin/hull-probe."""
    for d in ("bin", "sbin", "usr/bin", "usr/sbin", "etc", "tmp", "proc", "sys", "dev", "mnt", "root", "var"):
        os.makedirs(os.path.join(dest, d), exist_ok=True)
    os.chmod(os.path.join(dest, "tmp"), 0o1777)
    shutil.copy2(BUSYBOX, os.path.join(dest, "bin", "busybox"))
    os.chmod(os.path.join(dest, "bin", "busybox"), 0o755)
    for applet in _busybox_applets():
        p = os.path.join(dest, applet)
        if os.path.lexists(p) or applet == "bin/busybox":
            continue
        os.makedirs(os.path.dirname(p), exist_ok=True)
        os.symlink("/bin/busybox", p)
    shutil.copy2(HULL_PROBE, os.path.join(dest, "usr", "bin", "hull-probe"))
    os.chmod(os.path.join(dest, "usr", "bin", "hull-probe"), 0o755)
    with open(os.path.join(dest, "etc", "passwd"), "w") as f:
        f.write("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n")
    with open(os.path.join(dest, "etc", "group"), "w") as f:
        f.write("root:x:0:\ntty:x:5:\nnogroup:x:65534:\n")
    with open(os.path.join(dest, "etc", "hostname"), "w") as f:
        f.write("rootfs\n")


def base_dir():
    """A private, world-traversable directory for bundles.

    pytest's tmp_path lives under a 0700 directory, which the container's root
    (host uid 100000) cannot traverse; bundles and bind sources live here instead."""
    global _BASE
    try:
        return _BASE
    except NameError:
        pass
    _BASE = tempfile.mkdtemp(prefix="hull-it-", dir=os.environ.get("HULL_TEST_TMP", "/tmp"))
    os.chmod(_BASE, 0o755)
    return _BASE


def rootfs_template():
    global _TEMPLATE
    if _TEMPLATE is None:
        t = os.path.join(base_dir(), "template-rootfs")
        build_rootfs(t)
        _TEMPLATE = t
    return _TEMPLATE


# ---- bundles and running ---------------------------------------------------------------------


class Bundle:
    """A fresh bundle: `path`, `rootfs`, `config` (a dict written on each run) and a
    private state directory `state` passed as the global --root."""

    def __init__(self, path):
        self.path = path
        self.rootfs = os.path.join(path, "rootfs")
        self.state = os.path.join(path, "state")
        self.config = default_config()
        self.ids = []
        os.makedirs(self.state)
        shutil.copytree(rootfs_template(), self.rootfs, symlinks=True)
        # Owned by the container's root, as podman prepares rootfses for a user
        # namespace: the runtime can create mount points, root can write when the
        # root is not read-only.
        chown_tree(self.rootfs, HOST_ID_BASE, HOST_ID_BASE)
        os.chmod(path, 0o755)

    def write_config(self, cfg=None):
        with open(os.path.join(self.path, "config.json"), "w") as f:
            json.dump(self.config if cfg is None else cfg, f, indent=1)

    def host_dir(self, name, mode=0o755):
        """A directory next to the bundle, for bind-mount sources."""
        p = os.path.join(self.path, "host", name)
        os.makedirs(p)
        os.chmod(os.path.dirname(p), 0o755)
        os.chmod(p, mode)
        return p

    def add_mount(self, destination, type_=None, source=None, options=None):
        m = {"destination": destination}
        if type_ is not None:
            m["type"] = type_
        if source is not None:
            m["source"] = source
        if options is not None:
            m["options"] = list(options)
        self.config["mounts"].append(m)
        return m

    def run(self, args=None, id=None, write=True, input=None, timeout=TIMEOUT, bundle_arg=None,
            global_args=(), pass_fds=(), env=None):
        return run(self, args=args, id=id, write=write, input=input, timeout=timeout,
                   bundle_arg=bundle_arg, global_args=global_args, pass_fds=pass_fds, env=env)

    def probe(self, *args, **kw):
        return probe(self, *args, **kw)


def chown_tree(path, uid, gid):
    os.lchown(path, uid, gid)
    for d, dirs, files in os.walk(path):
        for n in dirs + files:
            os.lchown(os.path.join(d, n), uid, gid)


def new_id():
    return "hulltest-" + uuid.uuid4().hex[:12]


def runtime_cmd(state, *args):
    return [HULL, "--root", state, *args]


def run(bundle, args=None, id=None, write=True, input=None, timeout=TIMEOUT, bundle_arg=None,
        global_args=(), pass_fds=(), env=None):
    """Write the config (with process.args replaced by `args` when given) and run
    `hull run --bundle B ID`. Returns the CompletedProcess (text mode)."""
    if args is not None:
        bundle.config["process"]["args"] = list(args)
    if write:
        bundle.write_config()
    cid = id or new_id()
    bundle.ids.append(cid)
    cmd = [HULL, "--root", bundle.state, *global_args, "run", "--bundle",
           bundle.path if bundle_arg is None else bundle_arg, cid]
    return subprocess.run(
        cmd,
        input=input,
        stdin=None if input is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        pass_fds=pass_fds,
        env=env,
        cwd=bundle.path,
    )


def explain(cp):
    return "exit %s\n--- stdout\n%s\n--- stderr\n%s" % (cp.returncode, cp.stdout[-4000:], cp.stderr[-4000:])


def probe(bundle, *args, **kw):
    """Run `hull-probe report` (or hull-probe ARGS... that print JSON) in the bundle
    and return the parsed JSON; fails the test if the container did not exit 0."""
    cp = run(bundle, args=["/usr/bin/hull-probe", *(args or ("report",))], **kw)
    assert cp.returncode == 0, explain(cp)
    try:
        return json.loads(cp.stdout)
    except ValueError:
        raise AssertionError("probe output is not JSON: " + explain(cp))


def probe_text(bundle, *args, **kw):
    """Run hull-probe ARGS...; return (exit status, stdout stripped)."""
    cp = run(bundle, args=["/usr/bin/hull-probe", *args], **kw)
    assert cp.returncode in (0, 1), explain(cp)
    return cp.returncode, cp.stdout.strip()


def error_lines(cp):
    return [l for l in cp.stderr.splitlines() if l.strip()]


# HULL_TEST_LENIENT_ERRORS=1: when checking the tests against runc or crun, accept any
# failure exit status and any number of lines, only requiring that the run failed.
LENIENT_ERRORS = os.environ.get("HULL_TEST_LENIENT_ERRORS") == "1"


def assert_hull_error(cp, *needles):
    """Exit 125, one error line, naming each of `needles`."""
    if LENIENT_ERRORS:
        assert cp.returncode != 0, explain(cp)
        return
    assert cp.returncode == 125, explain(cp)
    lines = error_lines(cp)
    assert len(lines) == 1, "expected one error line:\n" + explain(cp)
    for n in needles:
        assert n in lines[0], "error line does not name %r:\n%s" % (n, explain(cp))


# ---- host-side views ---------------------------------------------------------------------------


def host_ns_inode(name):
    return os.stat("/proc/self/ns/" + name).st_ino


def host_mountinfo():
    with open("/proc/self/mountinfo") as f:
        return f.read().splitlines()


def unescape_mountinfo(s):
    return s.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\")


def mount_points(mountinfo_lines):
    return [unescape_mountinfo(l.split()[4]) for l in mountinfo_lines]


def find_mount(mountinfo_lines, mount_point):
    """The parsed last (topmost) mountinfo entry at mount_point, or None."""
    found = None
    for l in mountinfo_lines:
        parts = l.split()
        if unescape_mountinfo(parts[4]) != mount_point:
            continue
        sep = parts.index("-")
        found = {
            "root": unescape_mountinfo(parts[3]),
            "mount_point": mount_point,
            "options": parts[5].split(","),
            "optional": parts[6:sep],
            "fstype": parts[sep + 1],
            "source": parts[sep + 2],
            "super_options": parts[sep + 3].split(",") if len(parts) > sep + 3 else [],
        }
    return found


def processes_inside(path):
    """PIDs whose root or cwd is inside `path` (seen from the host)."""
    found = []
    prefix = os.path.realpath(path).rstrip("/") + "/"
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        for what in ("root", "cwd"):
            try:
                target = os.readlink("/proc/%s/%s" % (pid, what))
            except OSError:
                continue
            if (target + "/").startswith(prefix):
                found.append((int(pid), what, target))
    return found


def leftovers(bundle):
    """Everything a finished container left behind: mounts, state, processes."""
    problems = []
    for l in host_mountinfo():
        if bundle.path in unescape_mountinfo(l):
            problems.append("mount: " + l)
    if os.path.isdir(bundle.state):
        for cid in bundle.ids:
            if os.path.lexists(os.path.join(bundle.state, cid)):
                problems.append("state: %s" % os.path.join(bundle.state, cid))
    for pid, what, target in processes_inside(bundle.path):
        problems.append("process %d has its %s in %s" % (pid, what, target))
    return problems


def force_cleanup(bundle):
    """Best-effort cleanup after a leak, so one broken test does not poison others:
    kill the leaked processes, lazily unmount leaked mounts (deepest first), then
    remove the bundle. Never rmtree through a mount."""
    for cid in bundle.ids:
        subprocess.run([HULL, "--root", bundle.state, "delete", "--force", cid],
                       capture_output=True, timeout=TIMEOUT)
    for pid, _, _ in processes_inside(bundle.path):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    for _ in range(3):
        mps = [mp for mp in mount_points(host_mountinfo()) if mp.startswith(bundle.path)]
        for mp in sorted(mps, key=len, reverse=True):
            subprocess.run(["umount", "-l", mp], capture_output=True)
        if not mps:
            break


def remove_tree(path):
    """rmtree that refuses to cross into anything still mounted."""
    mps = [mp for mp in mount_points(host_mountinfo()) if (mp + "/").startswith(path.rstrip("/") + "/")]
    if mps:
        raise RuntimeError("refusing to remove %s: still mounted: %s" % (path, mps))

    def onerror(func, p, exc):
        # Directories the container made read-only or owned by the mapped root.
        try:
            os.chmod(os.path.dirname(p), 0o755)
            func(p)
        except OSError:
            pass

    shutil.rmtree(path, onerror=onerror)


def cap_mask(*numbers):
    m = 0
    for n in numbers:
        m |= 1 << n
    return m


def features_json():
    """`hull features` as a dict, or None."""
    try:
        cp = subprocess.run([HULL, "features"], capture_output=True, text=True, timeout=TIMEOUT)
    except OSError:
        return None
    if cp.returncode != 0:
        return None
    try:
        return json.loads(cp.stdout)
    except ValueError:
        return None


def spec_config():
    """`hull spec --stdout` as a dict, or None when the runtime cannot produce it."""
    try:
        cp = subprocess.run([HULL, "spec", "--stdout"], capture_output=True, text=True, timeout=TIMEOUT)
    except OSError:
        return None
    if cp.returncode != 0:
        return None
    try:
        return json.loads(cp.stdout)
    except ValueError:
        return None
