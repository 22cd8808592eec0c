# SPDX-License-Identifier: GPL-2.0-or-later
"""hull on a pure cgroup v2 host: /sys/fs/cgroup is cgroup2 and no v1 hierarchy exists.

This project's machines are hybrid (v1 controllers), so these tests run inside the
guest of tests/vm/run-in-vm (`make check` suite "vm (cgroup v2)"):

    tests/vm/run-in-vm -- /usr/bin/python3 -m pytest -q tests/integration/test_cgroup_v2.py

On any host whose /sys/fs/cgroup is not cgroup2 every test skips with the reason.
"""
import json
import math
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
        # The sleeper's loop forks a new `sleep 1` every second: compare again when one
        # was replaced between the two reads.
        for _ in range(5):
            got = set(json.loads(ok(bundle, "ps", "--format", "json", cid).stdout))
            if got == cg_procs(cid):
                break
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


def hull_run(bundle, args, *global_args):
    """`hull [GLOBAL...] run` of args in the bundle; returns (CompletedProcess, id)."""
    bundle.config["process"]["args"] = list(args)
    bundle.write_config()
    cid = hullkit.new_id()
    bundle.ids.append(cid)
    return rt(bundle, *global_args, "run", "--bundle", bundle.path, cid), cid


def test_clone_into_cgroup(bundle):
    """On v2 the container process is created by clone3(CLONE_INTO_CGROUP): it is in its
    own cgroup from its first instruction (seen without a cgroup namespace), and hull's
    debug log says which clone it used."""
    hullkit.drop_namespace(bundle.config, "cgroup")
    cp, cid = hull_run(bundle, ["cat", "/proc/self/cgroup"], "--debug")
    assert cp.returncode == 0, hullkit.explain(cp)
    assert cp.stdout == "0::/hull/%s\n" % cid, cp.stdout
    assert "clone3 with CLONE_INTO_CGROUP" in cp.stderr, cp.stderr


def test_memory_max_oom_kill(bundle):
    """tail -c N buffers N bytes of the pipe: past memory.max the kernel OOM-kills it,
    and sh reports the last command's 128+SIGKILL."""
    bundle.config["linux"]["resources"] = {"memory": {"limit": 16 << 20, "swap": 16 << 20}}
    cp, _ = hull_run(bundle, ["sh", "-c", "head -c 60000000 /dev/zero | tail -c 40000000 >/dev/null"])
    assert cp.returncode == 137, hullkit.explain(cp)


def test_oom_kill_counted_by_events(bundle):
    bundle.config["process"]["args"] = ["sh", "-c", "head -c 60000000 /dev/zero | tail -c 40000000 "
                                        ">/dev/null; exec sleep 1000"]
    bundle.config["linux"]["resources"] = {"memory": {"limit": 16 << 20, "swap": 16 << 20}}
    bundle.write_config()
    cid = hullkit.new_id()
    bundle.ids.append(cid)
    cp = rt(bundle, "create", "--bundle", bundle.path, cid)
    assert cp.returncode == 0, hullkit.explain(cp)
    try:
        ok(bundle, "start", cid)
        assert read(os.path.join(cg_dir(cid), "memory.max")).strip() == str(16 << 20)
        assert read(os.path.join(cg_dir(cid), "memory.swap.max")).strip() == "0"

        def stats():
            ev = json.loads(ok(bundle, "events", "--stats", cid).stdout.splitlines()[0])
            return ev if ev["data"]["memory"]["oomKills"] >= 1 else None

        ev = wait_for(stats, "an OOM kill in `hull events --stats`", timeout=30)
        assert ev["type"] == "stats" and ev["id"] == cid
        assert ev["data"]["memory"]["usage"]["limit"] == 16 << 20
    finally:
        ok(bundle, "delete", "--force", cid)


@pytest.mark.parametrize("allow", [False, True])
def test_device_rules_ebpf(bundle, allow):
    """linux.resources.devices on v2 is an eBPF program attached to the cgroup: /dev/fuse
    (created by linux.devices, so mknod is allowed) cannot be opened without a rule,
    can with one, and the default devices (/dev/null) stay usable."""
    if not os.path.exists("/sys/module/fuse"):
        pytest.skip("no fuse driver in this kernel: opening 10:229 fails either way")
    # Without a user namespace hull mknods the node itself (fileMode 0666): in one it
    # bind-mounts the guest's 0600 node owned by an unmapped root, and the open would
    # fail on the file mode whatever the device program says.
    hullkit.drop_namespace(bundle.config, "user")
    bundle.config["linux"]["devices"] = [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229,
                                          "fileMode": 0o666}]
    rules = [{"allow": False, "access": "rwm"}]
    if allow:
        rules.append({"allow": True, "type": "c", "major": 10, "minor": 229, "access": "rw"})
    bundle.config["linux"]["resources"] = {"devices": rules}
    script = "(exec 3</dev/fuse) 2>/dev/null && echo opened; echo x > /dev/null && echo null"
    cp, _ = hull_run(bundle, ["sh", "-c", script])
    assert cp.returncode == 0, hullkit.explain(cp)
    assert ("opened" in cp.stdout) == allow, cp.stdout + cp.stderr
    assert "null" in cp.stdout


def block_device():
    """"MAJ:MIN" of a whole disk of the guest (io.max refuses partitions), or None."""
    for name in sorted(os.listdir("/sys/block")):
        if name.startswith(("vd", "sd", "nvme", "loop", "zram", "ram")):
            dev = os.path.join("/sys/block", name, "dev")
            if os.path.exists(dev):
                return read(dev).strip()
    return None


def shares_to_weight(shares):
    """crun's conversion (cgroup-limits.c hull_cgroup_shares_to_weight): 2..262144 ->
    1..10000 on a log scale that maps 2, 1024 and 262144 to 1, 100 and 10000."""
    l = math.log2(shares)
    return math.ceil(10 ** ((l * l + 125 * l) / 612.0 - 7.0 / 34.0) - 1e-9)


def test_cpu_io_unified_and_update(bundle):
    """One container for the files-read-back checks: cpu.max and cpu.weight (shares
    converted), io.weight and io.max on a guest disk, unified keys written as given,
    then `hull update` of memory.max."""
    dev = block_device()
    res = {"cpu": {"quota": 30000, "period": 100000, "shares": 512},
           "memory": {"limit": 64 << 20},
           "blockIO": {"weight": 300},
           "unified": {"memory.high": str(48 << 20), "pids.max": "77"}}
    if dev is not None:
        major, minor = (int(x) for x in dev.split(":"))
        res["blockIO"]["throttleReadBpsDevice"] = [{"major": major, "minor": minor, "rate": 1 << 20}]
        res["blockIO"]["throttleWriteIOPSDevice"] = [{"major": major, "minor": minor, "rate": 123}]
    cid, _ = start_sleeper(bundle, resources=res)
    try:
        d = cg_dir(cid)
        assert read(os.path.join(d, "cpu.max")).strip() == "30000 100000"
        assert read(os.path.join(d, "cpu.weight")).strip() == str(shares_to_weight(512))
        if os.path.exists(os.path.join(d, "io.bfq.weight")):
            assert read(os.path.join(d, "io.bfq.weight")).split()[1] == "300"
        else:
            # crun/runc: blkio 10..1000 -> io.weight 1..10000.
            assert read(os.path.join(d, "io.weight")).splitlines()[0] == "default %d" % (
                1 + (300 - 10) * 9999 // 990)
        if dev is None:
            print("io.max: no block device in this guest, not tested")
        else:
            lines = [l.split() for l in read(os.path.join(d, "io.max")).splitlines()]
            got = {l[0]: dict(kv.split("=") for kv in l[1:]) for l in lines}
            assert got[dev]["rbps"] == str(1 << 20) and got[dev]["wiops"] == "123", got
        assert read(os.path.join(d, "memory.high")).strip() == str(48 << 20)
        assert read(os.path.join(d, "pids.max")).strip() == "77"
        ok(bundle, "update", "--memory", str(96 << 20), cid)
        assert read(os.path.join(d, "memory.max")).strip() == str(96 << 20)
    finally:
        ok(bundle, "delete", "--force", cid)


def start_script(bundle, script, resources):
    """A running container whose sh runs script with its output to /mnt/out, then writes
    /mnt/done and sleeps (the cgroup stays for reading); its id and host marker dir."""
    d = bundle.host_dir("mnt-%d" % len(bundle.ids), 0o777)
    bundle.config["mounts"].append({"destination": "/mnt", "type": "bind", "source": d, "options": ["rbind", "rw"]})
    bundle.config["process"]["args"] = ["/bin/sh", "-c", "(%s) >/mnt/out 2>&1; touch /mnt/done; exec sleep 1000" % script]
    bundle.config["linux"]["resources"] = resources
    bundle.write_config()
    cid = hullkit.new_id()
    bundle.ids.append(cid)
    ok(bundle, "create", "--bundle", bundle.path, cid)
    return cid, d


def test_io_max_throttles_reads(bundle):
    """io.max on the guest's virtio disk (tests/vm/run-in-vm attaches /dev/vda): rbps and
    wbps read back from the container's cgroup, and a 2 MiB read of the disk inside the
    container, with rbps = 1 MiB/s, takes about 2 s (blk-throttle, cgroup-v2.rst "IO")."""
    if not os.path.exists("/sys/block/vda/dev"):
        pytest.skip("no /dev/vda in this guest (tests/vm/run-in-vm attaches one)")
    dev = read("/sys/block/vda/dev").strip()
    major, minor = (int(x) for x in dev.split(":"))
    # hull mknods the node itself only outside a user namespace (see test_device_rules_ebpf).
    hullkit.drop_namespace(bundle.config, "user")
    bundle.config["linux"]["devices"] = [{"path": "/dev/vda", "type": "b", "major": major, "minor": minor,
                                          "fileMode": 0o444}]
    res = {"blockIO": {"throttleReadBpsDevice": [{"major": major, "minor": minor, "rate": 1 << 20}],
                       "throttleWriteBpsDevice": [{"major": major, "minor": minor, "rate": 2 << 20}]},
           "devices": [{"allow": False, "access": "rwm"},
                       {"allow": True, "type": "b", "major": major, "minor": minor, "access": "r"}]}
    # Cold blocks (the guest is fresh and only the first sectors were read at probe):
    # 32 x 64 KiB from 8 MiB on.
    script = ("read a _ </proc/uptime; dd if=/dev/vda of=/dev/null bs=65536 count=32 skip=128 "
              "2>/dev/null && echo read-ok; read b _ </proc/uptime; echo elapsed $a $b")
    cid, d = start_script(bundle, script, res)
    try:
        lines = [l.split() for l in read(os.path.join(cg_dir(cid), "io.max")).splitlines()]
        got = {l[0]: dict(kv.split("=") for kv in l[1:]) for l in lines}
        assert got[dev]["rbps"] == str(1 << 20) and got[dev]["wbps"] == str(2 << 20), got
        ok(bundle, "start", cid)
        wait_for(lambda: os.path.exists(os.path.join(d, "done")), "the read to finish", timeout=30)
        out = read(os.path.join(d, "out"))
        assert "read-ok" in out, out
        a, b = (float(x) for x in out.split("elapsed")[1].split())
        assert b - a >= 1.5, "2 MiB at rbps=1MiB/s took %.2f s: %s" % (b - a, out)
        stat = {l.split()[0]: dict(kv.split("=") for kv in l.split()[1:])
                for l in read(os.path.join(cg_dir(cid), "io.stat")).splitlines()}
        assert int(stat[dev]["rbytes"]) >= 2 << 20, stat
    finally:
        ok(bundle, "delete", "--force", cid)


def test_cpu_max_throttles_a_busy_loop(bundle):
    """cpu.max = 10000 100000 (10 % of a CPU): a one-second busy loop in the container is
    throttled, as cpu.stat's nr_throttled and throttled_usec show."""
    script = "timeout 1 sh -c 'while :; do :; done'; echo looped"
    cid, d = start_script(bundle, script, {"cpu": {"quota": 10000, "period": 100000}})
    try:
        assert read(os.path.join(cg_dir(cid), "cpu.max")).strip() == "10000 100000"
        ok(bundle, "start", cid)
        wait_for(lambda: os.path.exists(os.path.join(d, "done")), "the loop to end", timeout=30)
        assert "looped" in read(os.path.join(d, "out"))
        stat = dict(l.split() for l in read(os.path.join(cg_dir(cid), "cpu.stat")).splitlines())
        assert int(stat["nr_throttled"]) > 0 and int(stat["throttled_usec"]) > 0, stat
    finally:
        ok(bundle, "delete", "--force", cid)
