# SPDX-License-Identifier: GPL-2.0-or-later
"""hull on a pure cgroup v2 host: /sys/fs/cgroup is cgroup2 and no v1 hierarchy exists.

This project's machines are hybrid (v1 controllers), so these tests run inside the
guest of tests/vm/run-in-vm (`make check` suite "vm (cgroup v2)"):

    tests/vm/run-in-vm -- /usr/bin/python3 -m pytest -q tests/integration/test_cgroup_v2.py

On any host whose /sys/fs/cgroup is not cgroup2 every test skips with the reason.
"""
import json
import os
import subprocess
import tempfile
import time

import pytest

import hullkit
from hullkit import HULL, TIMEOUT

CGROOT = "/sys/fs/cgroup"
CGROUP2_SUPER_MAGIC = 0x63677270


def _is_cgroup2():
    try:
        out = subprocess.run(["stat", "-f", "-c", "%t", CGROOT], capture_output=True, text=True).stdout
        return int(out.strip() or "0", 16) == CGROUP2_SUPER_MAGIC
    except (OSError, ValueError):
        return False


pytestmark = pytest.mark.skipif(not _is_cgroup2(), reason="%s is not cgroup2 (run in tests/vm/run-in-vm)" % CGROOT)

SLEEPER = "touch /mnt/started; sleep 1000 & sleep 1000 & trap 'exit 0' TERM; while :; do sleep 1; done"


def rt(bundle, *args, timeout=TIMEOUT):
    """hull --root STATE ARGS... with stdio on files (a created container inherits them)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        cp = subprocess.run(hullkit.runtime_cmd(bundle.state, *args), stdin=subprocess.DEVNULL, stdout=out,
                            stderr=err, timeout=timeout, cwd=bundle.path)
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(cp.args, cp.returncode, out.read(), err.read())


def ok(bundle, *args, **kw):
    cp = rt(bundle, *args, **kw)
    assert cp.returncode == 0, "%s\n%s" % (" ".join(cp.args), hullkit.explain(cp))
    return cp


def wait_for(pred, what, timeout=10):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.05)


def read(path):
    with open(path) as f:
        return f.read()


def cg_dir(cid):
    return os.path.join(CGROOT, "hull", cid)


def cg_procs(cid):
    return {int(x) for x in read(os.path.join(cg_dir(cid), "cgroup.procs")).split()}


def state(bundle, cid):
    return json.loads(ok(bundle, "state", cid).stdout)


def start_sleeper(bundle, resources=None):
    """A running container (create + start) whose sh has two background sleeps; its id
    and host marker dir."""
    d = bundle.host_dir("mnt-%d" % len(bundle.ids), 0o777)
    bundle.config["mounts"].append({"destination": "/mnt", "type": "bind", "source": d, "options": ["rbind", "rw"]})
    bundle.config["process"]["args"] = ["/bin/sh", "-c", SLEEPER]
    if resources is not None:
        bundle.config["linux"]["resources"] = resources
    bundle.write_config()
    cid = hullkit.new_id()
    bundle.ids.append(cid)
    cp = rt(bundle, "create", "--bundle", bundle.path, cid)
    assert cp.returncode == 0, hullkit.explain(cp)
    ok(bundle, "start", cid)
    wait_for(lambda: os.path.exists(os.path.join(d, "started")), "the container to start")
    wait_for(lambda: len(cg_procs(cid)) >= 3, "sh and its two sleeps")
    return cid, d


def gone(pids):
    for p in pids:
        try:
            with open("/proc/%d/stat" % p) as f:
                if f.read().rsplit(")", 1)[1].split()[0] != "Z":
                    return False
        except OSError:
            pass
    return True


def test_host_is_pure_v2():
    """The premise: one cgroup2 tree and no v1 hierarchy (cgroup_no_v1=all in the guest)."""
    types = [l.split(" - ")[1].split()[0] for l in hullkit.host_mountinfo()]
    assert "cgroup" not in types
    assert read("/proc/self/cgroup").startswith("0::")
    assert "memory" in read(os.path.join(CGROOT, "cgroup.controllers")).split()


def test_features_report_v2():
    f = hullkit.features_json()
    assert f is not None
    assert f["linux"]["cgroup"]["v2"] is True


def test_run_in_own_cgroup_with_cgroupns(bundle):
    """`hull run` of the busybox bundle: the container sees the root of its own cgroup
    namespace ("0::/"), the host sees it in /hull/<id>, and state.json records the v2
    layout (hull detected v2, with no v1 directory)."""
    cid = hullkit.new_id()
    d = bundle.host_dir("out", 0o777)
    bundle.config["mounts"].append({"destination": "/mnt", "type": "bind", "source": d, "options": ["rbind", "rw"]})
    script = "cat /proc/self/cgroup; ls /sys/fs/cgroup > /mnt/ls; cp /proc/self/cgroup /mnt/cg; " \
             "cat /proc/1/cgroup > /dev/null; sleep 1"
    bundle.config["process"]["args"] = ["/bin/sh", "-c", script]
    bundle.write_config()
    bundle.ids.append(cid)
    p = subprocess.Popen([HULL, "--root", bundle.state, "run", "--bundle", bundle.path, cid],
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         cwd=bundle.path)
    try:
        wait_for(lambda: os.path.exists(os.path.join(bundle.state, cid, "state.json")), "state.json")
        wait_for(lambda: os.path.exists(os.path.join(d, "cg")), "the container to run")
        st = json.loads(read(os.path.join(bundle.state, cid, "state.json")))
        pid = st["pid"]
        assert read("/proc/%d/cgroup" % pid) == "0::/hull/%s\n" % cid
        cg = json.loads(st["cgroup"])
        assert cg["mode"] == "v2", st["cgroup"]
        assert [(x["controllers"], x["mount"], x["path"]) for x in cg["dirs"]] == [("", CGROOT, "/hull/" + cid)]
        out, err = p.communicate(timeout=TIMEOUT)
    finally:
        if p.poll() is None:
            p.kill()
            p.communicate()
    assert p.returncode == 0, "exit %s\n%s\n%s" % (p.returncode, out, err)
    assert out == "0::/\n", out
    assert read(os.path.join(d, "cg")) == "0::/\n"
    assert not os.path.exists(cg_dir(cid)), "run left its cgroup behind"


def test_ps_lists_the_cgroup(bundle):
    cid, _ = start_sleeper(bundle)
    try:
        pid = state(bundle, cid)["pid"]
        assert read("/proc/%d/cgroup" % pid) == "0::/hull/%s\n" % cid
        got = set(json.loads(ok(bundle, "ps", "--format", "json", cid).stdout))
        assert got == cg_procs(cid) and pid in got and len(got) >= 3
    finally:
        ok(bundle, "delete", "--force", cid)


def test_pause_resume_use_cgroup_freeze(bundle):
    cid, _ = start_sleeper(bundle)
    try:
        d = cg_dir(cid)
        ok(bundle, "pause", cid)
        assert read(os.path.join(d, "cgroup.freeze")).strip() == "1"
        assert "frozen 1" in read(os.path.join(d, "cgroup.events"))
        assert state(bundle, cid)["status"] == "paused"
        ok(bundle, "resume", cid)
        assert read(os.path.join(d, "cgroup.freeze")).strip() == "0"
        assert "frozen 0" in read(os.path.join(d, "cgroup.events"))
        assert state(bundle, cid)["status"] == "running"
    finally:
        ok(bundle, "delete", "--force", cid)


def test_kill_all_empties_the_cgroup(bundle):
    """kill --all KILL (cgroup.kill on v2): every process, forks included, even when paused."""
    cid, _ = start_sleeper(bundle)
    try:
        assert os.path.exists(os.path.join(cg_dir(cid), "cgroup.kill"))
        pids = cg_procs(cid)
        ok(bundle, "pause", cid)
        ok(bundle, "kill", "--all", cid, "KILL")
        wait_for(lambda: gone(pids), "every process to die")
        wait_for(lambda: not cg_procs(cid), "an empty cgroup")
        wait_for(lambda: state(bundle, cid)["status"] == "stopped", "status stopped")
    finally:
        ok(bundle, "delete", "--force", cid)


def test_delete_removes_the_cgroup(bundle):
    cid, _ = start_sleeper(bundle)
    assert os.path.isdir(cg_dir(cid))
    ok(bundle, "kill", cid, "TERM")
    wait_for(lambda: state(bundle, cid)["status"] == "stopped", "status stopped")
    ok(bundle, "delete", cid)
    assert not os.path.exists(cg_dir(cid))
    assert rt(bundle, "state", cid).returncode != 0


def test_delete_force_of_running_removes_the_cgroup(bundle):
    cid, _ = start_sleeper(bundle)
    pids = cg_procs(cid)
    ok(bundle, "delete", "--force", cid)
    assert not os.path.exists(cg_dir(cid))
    assert gone(pids)


def test_memory_and_pids_limits(bundle):
    """linux.resources on v2: memory.max and pids.max of the container's cgroup."""
    res = {"memory": {"limit": 64 << 20}, "pids": {"limit": 50}}
    cid, _ = start_sleeper(bundle, resources=res)
    try:
        d = cg_dir(cid)
        assert read(os.path.join(d, "memory.max")).strip() == str(64 << 20)
        assert read(os.path.join(d, "pids.max")).strip() == "50"
    finally:
        ok(bundle, "delete", "--force", cid)


def test_pids_limit_is_enforced(bundle):
    """With pids.max = 8 a fork loop in the container stops at the limit: the kernel
    counts the refused forks in pids.events and the cgroup never holds more than 8."""
    loop = "i=0; while [ $i -lt 20 ]; do sleep 1000 & i=$((i+1)); done; wait"
    bundle.config["process"]["args"] = ["/bin/sh", "-c", "sh -c '%s' 2>/dev/null; exec sleep 1000" % loop]
    bundle.config["linux"]["resources"] = {"pids": {"limit": 8}}
    bundle.write_config()
    cid = hullkit.new_id()
    bundle.ids.append(cid)
    cp = rt(bundle, "create", "--bundle", bundle.path, cid)
    assert cp.returncode == 0, hullkit.explain(cp)
    try:
        ok(bundle, "start", cid)
        d = cg_dir(cid)
        assert read(os.path.join(d, "pids.max")).strip() == "8"

        def refused():
            ev = dict(l.split() for l in read(os.path.join(d, "pids.events")).splitlines())
            return int(ev.get("max", "0")) > 0

        wait_for(refused, "a fork refused by pids.max")
        assert int(read(os.path.join(d, "pids.current"))) <= 8
        assert len(cg_procs(cid)) <= 8
    finally:
        ok(bundle, "delete", "--force", cid)
