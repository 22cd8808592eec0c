# SPDX-License-Identifier: GPL-2.0-or-later
"""OCI hooks with `hull run` (config.md "POSIX-platform Hooks", runtime.md "Lifecycle").

Every hook records what it saw into a shared host directory (also bind-mounted at /mnt in
the container): the state JSON it got on stdin, its mount namespace, its argv and env, and
its name appended to `order`. Host-side hooks are a small Python script; startContainer
runs inside the container, so its hook is a busybox shell script in the rootfs."""
import json
import os
import time

import pytest

import hullkit

RECORD_HOOK = r"""#!/usr/bin/python3
import json, os, sys
os.umask(0)  # hooks run as host root and as the container's root: all share `out`
out, name = sys.argv[1], sys.argv[2]
raw = sys.stdin.read()
# /proc/self/environ: what execve got (Python adds LC_CTYPE to os.environ itself).
with open("/proc/self/environ", "rb") as f:
    env = [e.decode() for e in f.read().split(b"\0") if e]
rec = {"name": name, "raw": raw, "argv": sys.argv, "env": env,
       "mntns": os.readlink("/proc/self/ns/mnt")}
try:
    rec["state"] = json.loads(raw)
except ValueError as e:
    rec["state_error"] = str(e)
pid = rec.get("state", {}).get("pid") or 0
if pid > 0:
    try:
        rec["target_mntns"] = os.readlink("/proc/%d/ns/mnt" % pid)
    except OSError as e:
        rec["target_error"] = str(e)
with open(os.path.join(out, "order"), "a") as f:
    f.write(name + "\n")
with open(os.path.join(out, name + ".json.tmp"), "w") as f:
    json.dump(rec, f)
os.rename(os.path.join(out, name + ".json.tmp"), os.path.join(out, name + ".json"))
sys.exit(int(os.environ.get("HOOK_EXIT", "0")))
"""

# Inside the container (busybox): the path resolves in the container's root.
START_HOOK = """#!/bin/sh
cat > "/mnt/$1.raw"
readlink /proc/self/ns/mnt > "/mnt/$1.mntns"
echo "$1" >> /mnt/order
exit "${HOOK_EXIT:-0}"
"""

# The container records its own mount namespace, then stays up until poststart has run
# (at most ~5 s), so poststart can look at the running process; exits 7.
CONTAINER_SH = (
    "readlink /proc/self/ns/mnt > /mnt/container.mntns; "
    "i=0; while [ ! -e /mnt/poststart.json ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done; "
    "exit 7"
)

ALL_KINDS = ("prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop")


class Hooks:
    def __init__(self, bundle):
        self.bundle = bundle
        self.out = bundle.host_dir("hooks-out", 0o777)
        order = os.path.join(self.out, "order")
        open(order, "w").close()
        os.chmod(order, 0o666)
        hookdir = bundle.host_dir("hooks-bin", 0o755)
        self.record = os.path.join(hookdir, "record")
        with open(self.record, "w") as f:
            f.write(RECORD_HOOK)
        os.chmod(self.record, 0o755)
        start = os.path.join(bundle.rootfs, "hook-start.sh")
        with open(start, "w") as f:
            f.write(START_HOOK)
        os.chmod(start, 0o755)
        os.lchown(start, hullkit.HOST_ID_BASE, hullkit.HOST_ID_BASE)
        bundle.add_mount("/mnt", "bind", self.out, ["rbind", "rw"])
        bundle.config["process"]["args"] = ["/bin/sh", "-c", CONTAINER_SH]
        bundle.config["hooks"] = {}

    def add(self, kind, exit_status=0, name=None, timeout=None):
        name = name or kind
        if kind == "startContainer":
            h = {"path": "/hook-start.sh", "args": ["hook-start", name], "env": ["HOOK_EXIT=%d" % exit_status]}
        else:
            h = {
                "path": self.record,
                "args": ["record-hook", self.out, name],
                "env": ["HOOK_EXIT=%d" % exit_status, "HULL_HOOK_KIND=" + kind],
            }
        if timeout is not None:
            h["timeout"] = timeout
        self.bundle.config["hooks"].setdefault(kind, []).append(h)
        return h

    def add_all(self):
        for k in ALL_KINDS:
            self.add(k)

    def order(self):
        with open(os.path.join(self.out, "order")) as f:
            return f.read().split()

    def rec(self, name):
        p = os.path.join(self.out, name + ".json")
        assert os.path.exists(p), "hook %s did not run; order: %s" % (name, self.order())
        with open(p) as f:
            return json.load(f)

    def text(self, name):
        with open(os.path.join(self.out, name)) as f:
            return f.read()


def host_mntns():
    return os.readlink("/proc/self/ns/mnt")


def check_state(bundle, cid, state, status):
    assert state["id"] == cid
    assert state["status"] == status, state
    assert state["bundle"] == bundle.path
    assert "ociVersion" in state


def test_all_hooks_order_namespaces_and_state(bundle):
    h = Hooks(bundle)
    h.add_all()
    cid = hullkit.new_id()
    cp = bundle.run(id=cid)
    assert cp.returncode == 7, hullkit.explain(cp)
    assert h.order() == list(ALL_KINDS), hullkit.explain(cp)

    container_mnt = h.text("container.mntns").strip()
    assert container_mnt != host_mntns()

    # prestart and createRuntime: runtime namespace, after the container process exists.
    for kind, status in (("prestart", "creating"), ("createRuntime", "creating")):
        r = h.rec(kind)
        assert r["mntns"] == host_mntns(), kind
        check_state(bundle, cid, r["state"], status)
        assert r["state"]["pid"] > 0, kind
        assert r.get("target_mntns") == container_mnt, (kind, r)

    # createContainer: in the container's namespaces, path resolved in the runtime's view.
    r = h.rec("createContainer")
    assert r["mntns"] != host_mntns()
    assert r["mntns"] == container_mnt
    check_state(bundle, cid, r["state"], "creating")
    assert r["state"]["pid"] > 0

    # startContainer: inside the container, path resolved in the container's root.
    assert h.text("startContainer.mntns").strip() == container_mnt
    st = json.loads(h.text("startContainer.raw"))
    check_state(bundle, cid, st, "created")
    assert st["pid"] > 0

    # poststart: runtime namespace, while the container's process runs.
    r = h.rec("poststart")
    assert r["mntns"] == host_mntns()
    check_state(bundle, cid, r["state"], "running")
    assert r["state"]["pid"] > 0
    assert r.get("target_mntns") == container_mnt, r

    # poststop: runtime namespace, after the container stopped.
    r = h.rec("poststop")
    assert r["mntns"] == host_mntns()
    check_state(bundle, cid, r["state"], "stopped")


def test_hook_args_and_env_verbatim(bundle):
    h = Hooks(bundle)
    hook = h.add("createRuntime")
    hook["args"] = ["custom-argv0", h.out, "createRuntime", "extra arg"]
    hook["env"] = ["HOOK_EXIT=0", "ONE=1", "SPACED=a b"]
    cp = bundle.run()
    assert cp.returncode == 7, hullkit.explain(cp)
    r = h.rec("createRuntime")
    # argv[0] of a script is the interpreter's view (the script path); the rest is verbatim.
    assert r["argv"][1:] == [h.out, "createRuntime", "extra arg"]
    assert r["env"] == ["HOOK_EXIT=0", "ONE=1", "SPACED=a b"]


def test_hooks_of_one_kind_run_in_order(bundle):
    h = Hooks(bundle)
    for i in range(3):
        h.add("prestart", name="prestart%d" % i)
    cp = bundle.run()
    assert cp.returncode == 7, hullkit.explain(cp)
    assert h.order() == ["prestart0", "prestart1", "prestart2"]


def test_hook_stdout_does_not_reach_container_stdout(bundle):
    h = Hooks(bundle)
    out = os.path.join(bundle.host_dir("loud"), "loud")
    with open(out, "w") as f:
        f.write("#!/bin/sh\necho hook-stdout-marker\necho hook-stderr-marker >&2\n")
    os.chmod(out, 0o755)
    bundle.config["hooks"]["poststart"] = [{"path": out}]
    h.add("poststart")
    cp = bundle.run()
    assert cp.returncode == 7, hullkit.explain(cp)
    assert "hook-stdout-marker" not in cp.stdout
    assert "hook-stdout-marker" in cp.stderr
    assert "hook-stderr-marker" in cp.stderr


@pytest.mark.parametrize("kind", ["prestart", "createRuntime", "createContainer", "startContainer"])
def test_failing_create_hook_is_fatal(bundle, kind):
    h = Hooks(bundle)
    h.add_all()
    bundle.config["hooks"][kind] = []
    h.add(kind, name=kind + "-ok")
    h.add(kind, exit_status=3)
    cp = bundle.run()
    expected_path = "/hook-start.sh" if kind == "startContainer" else h.record
    hullkit.assert_hull_error(cp, kind, "hook 1", expected_path, "exited with status 3")
    order = h.order()
    # Later hooks and the container never ran; the create-time ones before it did.
    assert "poststart" not in order and not os.path.exists(os.path.join(h.out, "container.mntns"))
    idx = ALL_KINDS.index(kind)
    assert order[:idx] == list(ALL_KINDS[:idx]), order
    for later in ALL_KINDS[idx + 1 :]:
        if later != "poststop":
            assert later not in order, order
    # `bundle` asserts nothing is left behind (mounts, state, processes).


def test_missing_hook_is_fatal(bundle):
    h = Hooks(bundle)
    bundle.config["hooks"]["createRuntime"] = [{"path": "/nonexistent/hook"}]
    cp = bundle.run()
    hullkit.assert_hull_error(cp, "createRuntime", "/nonexistent/hook", "No such file or directory")
    assert not os.path.exists(os.path.join(h.out, "container.mntns"))


def test_hook_timeout_is_fatal(bundle):
    h = Hooks(bundle)
    slow = os.path.join(bundle.host_dir("slow"), "slow")
    with open(slow, "w") as f:
        f.write("#!/bin/sh\nsleep 30\n")
    os.chmod(slow, 0o755)
    bundle.config["hooks"]["createRuntime"] = [{"path": slow, "timeout": 1}]
    t0 = time.monotonic()
    cp = bundle.run()
    assert time.monotonic() - t0 < 10
    hullkit.assert_hull_error(cp, "createRuntime", slow, "timed out")
    assert not os.path.exists(os.path.join(h.out, "container.mntns"))


@pytest.mark.parametrize("kind", ["poststart", "poststop"])
def test_failing_post_hook_is_reported_not_fatal(bundle, kind):
    h = Hooks(bundle)
    h.add_all()
    bundle.config["hooks"][kind] = []
    h.add(kind, exit_status=3)
    cp = bundle.run()
    # The container's own status is what `hull run` returns.
    assert cp.returncode == 7, hullkit.explain(cp)
    assert kind in cp.stderr and "exited with status 3" in cp.stderr, hullkit.explain(cp)
    assert h.order() == list(ALL_KINDS)
