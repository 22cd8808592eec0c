# SPDX-License-Identifier: GPL-2.0-or-later
"""The runtime-spec operations (runtime.md) and lifecycle, through the runc-compatible
CLI: create, state, start, kill, delete, plus features (features.md), list and ps.

Written against runc's CLI semantics: HULL=/usr/sbin/runc runs them unchanged.
Every container's process writes marker files into a bind-mounted host directory
(/mnt in the container), which is how "has not run the user command yet" is observed.
"""
import json
import os
import re
import subprocess
import tempfile
import time

import pytest

import hullkit
from hullkit import HULL, TIMEOUT

# sh is PID 1 of its pid namespace: it needs a trap to act on TERM.
SLEEPER = "touch /mnt/started; trap 'touch /mnt/got-term; exit 0' TERM; while :; do sleep 1; done"


def rt(bundle, *args, timeout=TIMEOUT):
    """`hull --root STATE ARGS...` with stdio on files, not pipes: a created container
    inherits the caller's stdio, and a pipe held open by it would block the read."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        cp = subprocess.run(hullkit.runtime_cmd(bundle.state, *args), stdin=subprocess.DEVNULL, stdout=out,
                            stderr=err, timeout=timeout, cwd=bundle.path)
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(cp.args, cp.returncode, out.read(), err.read())


def explain(cp):
    return "%s\n%s" % (" ".join(cp.args), hullkit.explain(cp))


def ok(bundle, *args, **kw):
    cp = rt(bundle, *args, **kw)
    assert cp.returncode == 0, explain(cp)
    return cp


def marker_dir(bundle):
    d = bundle.host_dir("mnt-%d" % len(bundle.ids), 0o777)
    return d


def create(bundle, script, cid=None, annotations=None):
    """Write the config (sh -c SCRIPT, /mnt bound to a fresh host dir) and `create` it.
    Returns (id, host marker dir)."""
    d = marker_dir(bundle)
    cfg = bundle.config
    cfg["mounts"] = [m for m in cfg["mounts"] if m["destination"] != "/mnt"]
    cfg["mounts"].append({"destination": "/mnt", "type": "bind", "source": d, "options": ["rbind", "rw"]})
    cfg["process"]["args"] = ["/bin/sh", "-c", script]
    if annotations is not None:
        cfg["annotations"] = annotations
    bundle.write_config()
    cid = cid or hullkit.new_id()
    bundle.ids.append(cid)
    ok(bundle, "create", "--bundle", bundle.path, cid)
    return cid, d


def state(bundle, cid):
    cp = ok(bundle, "state", cid)
    try:
        return json.loads(cp.stdout)
    except ValueError:
        raise AssertionError("state is not JSON:\n" + explain(cp))


def wait_for(pred, what, timeout=10):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.05)


def wait_status(bundle, cid, status, timeout=10):
    last = {}

    def check():
        last["s"] = state(bundle, cid)
        return last["s"]["status"] == status

    try:
        wait_for(check, "status %s" % status, timeout)
    except AssertionError:
        raise AssertionError("status never became %r: %r" % (status, last.get("s")))
    return last["s"]


def alive(pid):
    """True if pid exists and is not a zombie."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def force_delete(bundle, cid):
    rt(bundle, "delete", "--force", cid)


@pytest.fixture
def containers(bundle):
    """The bundle; every container the test made is force-deleted afterwards (before the
    bundle fixture checks for leftovers)."""
    yield bundle
    for cid in bundle.ids:
        force_delete(bundle, cid)


# ---- create / state / start / stopped -----------------------------------------------------------


def test_create_does_not_run_the_user_command(containers):
    b = containers
    cid, d = create(b, SLEEPER)
    st = state(b, cid)
    assert st["status"] == "created", st
    assert st["id"] == cid
    assert isinstance(st["pid"], int) and st["pid"] > 0, st
    assert alive(st["pid"]), "the container process %d does not exist after create" % st["pid"]
    time.sleep(0.3)
    assert not os.path.exists(os.path.join(d, "started")), "the user command ran before start"
    assert state(b, cid)["status"] == "created"


def test_start_runs_the_user_command(containers):
    b = containers
    cid, d = create(b, SLEEPER)
    pid = state(b, cid)["pid"]
    ok(b, "start", cid)
    wait_for(lambda: os.path.exists(os.path.join(d, "started")), "the marker written by the user command")
    st = state(b, cid)
    assert st["status"] == "running", st
    assert st["pid"] == pid, "the pid changed from create to start: %r" % st


def test_stopped_when_the_process_exits(containers):
    b = containers
    cid, d = create(b, "touch /mnt/started; exit 0")
    ok(b, "start", cid)
    st = wait_status(b, cid, "stopped")
    assert os.path.exists(os.path.join(d, "started"))
    assert st["id"] == cid


def test_start_twice_fails(containers):
    b = containers
    cid, d = create(b, SLEEPER)
    ok(b, "start", cid)
    cp = rt(b, "start", cid)
    assert cp.returncode != 0, explain(cp)
    assert cp.stderr.strip(), "no error message:\n" + explain(cp)
    assert state(b, cid)["status"] == "running"


def test_start_of_stopped_container_fails(containers):
    b = containers
    cid, _ = create(b, "exit 0")
    ok(b, "start", cid)
    wait_status(b, cid, "stopped")
    cp = rt(b, "start", cid)
    assert cp.returncode != 0, explain(cp)


def test_create_of_an_existing_id_fails(containers):
    b = containers
    cid, _ = create(b, SLEEPER)
    pid = state(b, cid)["pid"]
    cp = rt(b, "create", "--bundle", b.path, cid)
    assert cp.returncode != 0, explain(cp)
    assert cp.stderr.strip(), "no error message:\n" + explain(cp)
    st = state(b, cid)
    assert st["status"] == "created" and st["pid"] == pid, "the first container was disturbed: %r" % st


def test_state_json_fields(containers):
    b = containers
    ann = {"org.hulltest.one": "1", "org.hulltest.two": "zwei"}
    cid, _ = create(b, SLEEPER, annotations=ann)
    st = state(b, cid)
    for k in ("ociVersion", "id", "status", "pid", "bundle"):
        assert k in st, "state lacks %r: %r" % (k, st)
    assert isinstance(st["ociVersion"], str) and re.match(r"\d+\.\d+\.\d+", st["ociVersion"]), st
    assert st["id"] == cid
    assert os.path.realpath(st["bundle"]) == os.path.realpath(b.path), st
    assert st.get("annotations") == ann, st


def test_state_of_unknown_id_fails(containers):
    cp = rt(containers, "state", hullkit.new_id())
    assert cp.returncode != 0, explain(cp)
    assert cp.stderr.strip(), explain(cp)


# ---- kill -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("sig", ["TERM", "15", "SIGTERM"])
def test_kill_forms_of_sigterm(containers, sig):
    b = containers
    cid, d = create(b, SLEEPER)
    ok(b, "start", cid)
    wait_for(lambda: os.path.exists(os.path.join(d, "started")), "the container to start")
    ok(b, "kill", cid, sig)
    wait_status(b, cid, "stopped")
    assert os.path.exists(os.path.join(d, "got-term")), "the process did not get SIGTERM"


def test_kill_default_signal_is_sigterm(containers):
    b = containers
    cid, d = create(b, SLEEPER)
    ok(b, "start", cid)
    wait_for(lambda: os.path.exists(os.path.join(d, "started")), "the container to start")
    ok(b, "kill", cid)
    wait_status(b, cid, "stopped")
    assert os.path.exists(os.path.join(d, "got-term"))


def test_kill_sigkill_stops_a_created_container(containers):
    b = containers
    cid, d = create(b, SLEEPER)
    ok(b, "kill", cid, "KILL")
    wait_status(b, cid, "stopped")
    assert not os.path.exists(os.path.join(d, "started"))


def test_kill_of_a_stopped_container_fails(containers):
    b = containers
    cid, _ = create(b, "exit 0")
    ok(b, "start", cid)
    wait_status(b, cid, "stopped")
    cp = rt(b, "kill", cid, "KILL")
    assert cp.returncode != 0, explain(cp)
    assert cp.stderr.strip(), explain(cp)


def test_kill_of_unknown_id_fails(containers):
    cp = rt(containers, "kill", hullkit.new_id(), "KILL")
    assert cp.returncode != 0, explain(cp)


# ---- delete --------------------------------------------------------------------------------------


def test_delete_removes_a_stopped_container(containers):
    b = containers
    cid, _ = create(b, "exit 0")
    ok(b, "start", cid)
    wait_status(b, cid, "stopped")
    ok(b, "delete", cid)
    cp = rt(b, "state", cid)
    assert cp.returncode != 0, "state still works after delete:\n" + explain(cp)
    assert not os.path.lexists(os.path.join(b.state, cid)), "state directory left"


def test_delete_of_a_running_container_refuses(containers):
    b = containers
    cid, d = create(b, SLEEPER)
    ok(b, "start", cid)
    wait_for(lambda: os.path.exists(os.path.join(d, "started")), "the container to start")
    cp = rt(b, "delete", cid)
    assert cp.returncode != 0, explain(cp)
    # runc: "cannot delete container ID that is not stopped: running"; crun: "the
    # container `ID` is not in `created` or `stopped` state".
    assert re.search(r"running|stopped", cp.stderr, re.I), "unclear message:\n" + explain(cp)
    st = state(b, cid)
    assert st["status"] == "running" and alive(st["pid"]), st


def test_delete_of_a_created_container_kills_it(containers):
    # runtime.md says delete of a container that is not stopped must fail; runc and crun
    # both delete a created one without --force, and containerd's shim relies on it
    # (it deletes a never-started container without --force). runc's semantics win.
    b = containers
    cid, d = create(b, SLEEPER)
    pid = state(b, cid)["pid"]
    ok(b, "delete", cid)
    assert not alive(pid), "process %d survived delete" % pid
    assert not os.path.exists(os.path.join(d, "started")), "the user command ran"
    assert rt(b, "state", cid).returncode != 0


def test_delete_force_of_a_running_container(containers):
    b = containers
    cid, d = create(b, SLEEPER)
    ok(b, "start", cid)
    wait_for(lambda: os.path.exists(os.path.join(d, "started")), "the container to start")
    pid = state(b, cid)["pid"]
    ok(b, "delete", "--force", cid)
    assert not alive(pid), "process %d survived delete --force" % pid
    cp = rt(b, "state", cid)
    assert cp.returncode != 0, explain(cp)


def test_delete_force_of_a_created_container(containers):
    b = containers
    cid, d = create(b, SLEEPER)
    pid = state(b, cid)["pid"]
    ok(b, "delete", "--force", cid)
    assert not alive(pid)
    assert not os.path.exists(os.path.join(d, "started"))
    assert rt(b, "state", cid).returncode != 0


def test_delete_of_unknown_id_fails(containers):
    cp = rt(containers, "delete", hullkit.new_id())
    assert cp.returncode != 0, explain(cp)


def test_delete_force_of_unknown_id_succeeds(containers):
    # runc and crun: `delete --force` is idempotent (exit 0, no output) for an id that
    # does not exist, so that cleanup paths (conmon's exit command, containerd's shim,
    # a retried podman rm) need not race the runtime's own cleanup.
    cp = rt(containers, "delete", "--force", hullkit.new_id())
    assert cp.returncode == 0, explain(cp)


# ---- features, list, ps -------------------------------------------------------------------------


def test_features(containers):
    cp = ok(containers, "features")
    f = json.loads(cp.stdout)
    for k in ("ociVersionMin", "ociVersionMax"):
        assert re.match(r"^\d+\.\d+\.\d+", f.get(k, "")), f
    assert isinstance(f.get("hooks"), list) and {"prestart", "poststart", "poststop"} <= set(f["hooks"]), f
    assert isinstance(f.get("mountOptions"), list) and {"bind", "rbind", "ro", "nosuid"} <= set(f["mountOptions"]), f
    lin = f.get("linux")
    assert isinstance(lin, dict), f
    assert {"pid", "network", "ipc", "uts", "mount", "user", "cgroup"} <= set(lin.get("namespaces", [])), lin
    assert {"CAP_SYS_ADMIN", "CAP_CHOWN", "CAP_NET_RAW"} <= set(lin.get("capabilities", [])), lin
    assert isinstance(lin.get("cgroup"), dict), lin
    sc = lin.get("seccomp")
    assert isinstance(sc, dict) and sc.get("enabled") is True, lin
    assert "SCMP_ACT_ERRNO" in sc.get("actions", []) and "SCMP_ARCH_X86_64" in sc.get("archs", []), sc
    if "annotations" in f:
        assert isinstance(f["annotations"], dict)


def test_list(containers):
    b = containers
    c1, _ = create(b, SLEEPER)
    c2, d2 = create(b, SLEEPER)
    ok(b, "start", c2)
    wait_for(lambda: os.path.exists(os.path.join(d2, "started")), "the container to start")
    pids = {c1: state(b, c1)["pid"], c2: state(b, c2)["pid"]}

    cp = ok(b, "list")
    lines = cp.stdout.splitlines()
    # runc: ID PID STATUS BUNDLE CREATED OWNER (crun says NAME for ID).
    assert lines and lines[0].split()[:3] in (["ID", "PID", "STATUS"], ["NAME", "PID", "STATUS"]), explain(cp)
    rows = {l.split()[0]: l.split() for l in lines[1:] if l.strip()}
    assert set(rows) == {c1, c2}, explain(cp)
    assert rows[c1][1:3] == [str(pids[c1]), "created"], explain(cp)
    assert rows[c2][1:3] == [str(pids[c2]), "running"], explain(cp)

    cp = ok(b, "list", "-q")
    assert sorted(cp.stdout.split()) == sorted([c1, c2]), explain(cp)

    cp = ok(b, "list", "--format", "json")
    got = {c["id"]: c for c in json.loads(cp.stdout)}
    assert set(got) == {c1, c2}, explain(cp)
    for cid, status in ((c1, "created"), (c2, "running")):
        assert got[cid]["status"] == status and got[cid]["pid"] == pids[cid], got[cid]
        assert os.path.realpath(got[cid]["bundle"]) == os.path.realpath(b.path), got[cid]


def test_list_when_empty(containers):
    cp = ok(containers, "list", "-q")
    assert cp.stdout.strip() == "", explain(cp)


def test_ps(containers):
    b = containers
    cid, d = create(b, "sleep 1000 & touch /mnt/started; wait")
    ok(b, "start", cid)
    wait_for(lambda: os.path.exists(os.path.join(d, "started")), "the container to start")
    init = state(b, cid)["pid"]

    def children():
        try:
            with open("/proc/%d/task/%d/children" % (init, init)) as f:
                return [int(x) for x in f.read().split()]
        except OSError:
            return []

    kids = wait_for(children, "the background sleep")
    want = {init, *kids}

    cp = ok(b, "ps", "--format", "json", cid)
    got = json.loads(cp.stdout)
    assert isinstance(got, list) and set(got) == want, explain(cp)

    cp = ok(b, "ps", cid)
    lines = cp.stdout.splitlines()
    assert "PID" in lines[0].split(), explain(cp)
    col = lines[0].split().index("PID")
    assert {int(l.split()[col]) for l in lines[1:] if l.strip()} == want, explain(cp)


def test_systemd_cgroup_is_refused_clearly(bundle):
    """--systemd-cgroup is accepted as a global flag (runc's), but a container cannot be
    created under it: hull has no systemd cgroup manager, and says so."""
    bundle.write_config()
    cid = hullkit.new_id()
    cp = subprocess.run([hullkit.HULL, "--root", bundle.state, "--systemd-cgroup", "create",
                         "--bundle", bundle.path, cid], capture_output=True, text=True,
                        timeout=30, stdin=subprocess.DEVNULL)
    hullkit.assert_hull_error(cp, "--systemd-cgroup", "cgroupfs")
    assert not os.path.exists(os.path.join(bundle.state, cid))


def test_preserve_fds_and_listen_fds_reach_the_container(bundle):
    """conmon and socket activation hand fds 3.. to the runtime: with --preserve-fds N
    exactly those pass into the container (LISTEN_FDS in process.env tells the program),
    and nothing else of hull's."""
    data = os.path.join(bundle.path, "fd3-data")
    with open(data, "w") as f:
        f.write("from-the-host\n")
    bundle.config["process"]["env"].append("LISTEN_FDS=1")
    bundle.config["process"]["args"] = ["/bin/sh", "-c",
                                        "echo $LISTEN_FDS; ls /proc/self/fd; cat <&3"]
    bundle.write_config()
    cid = hullkit.new_id()
    bundle.ids.append(cid)
    # A shell opens fd 3 and execs hull, as conmon would hand it over.
    cmd = 'exec 3<"$1"; shift; exec "$@"'
    cp = subprocess.run(["/bin/sh", "-c", cmd, "sh", data, hullkit.HULL, "--root", bundle.state,
                         "run", "--preserve-fds", "1", "--bundle", bundle.path, cid],
                        capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert cp.returncode == 0, hullkit.explain(cp)
    lines = cp.stdout.split()
    assert lines[0] == "1"
    assert "from-the-host" in lines
    fds = [x for x in lines[1:] if x.isdigit()]
    # ls opens its own directory fd: 0 1 2 3 and one more at most.
    assert "3" in fds and all(int(x) <= 4 for x in fds), cp.stdout
