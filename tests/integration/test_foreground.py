# SPDX-License-Identifier: GPL-2.0-or-later
"""A foreground `hull run` holds the container's state lock only while it creates or
removes state, as runc and crun do: while the container runs, `state`, `list`, `ps`,
`exec`, `kill` and `delete --force` answer at once, and the run still cleans up
everything when its container goes, whoever ended it."""
import glob
import json
import os
import signal
import subprocess
import tempfile
import time

import pytest

import hullkit
from hullkit import HULL, TIMEOUT, explain

SLEEP = ["/usr/bin/hull-probe", "sleep", "120"]
QUICK = 2  # seconds a command may take while the container runs


def hull(bundle, *args, timeout=QUICK):
    return subprocess.run([HULL, "--root", bundle.state, *args], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=timeout)


def cgroup_dirs(cid):
    """Directories named after the container in any cgroup hierarchy."""
    return [p for p in glob.glob("/sys/fs/cgroup/**/" + cid, recursive=True) if os.path.isdir(p)]


def ppid_of(pid):
    with open("/proc/%d/stat" % pid) as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


class Foreground:
    """`hull run --bundle B ID` in the foreground (Popen); its output goes to a file, so
    nothing waits for a pipe the container holds."""

    def __init__(self, bundle, args=SLEEP, cid=None, write=True):
        bundle.config["process"]["args"] = list(args)
        if write:
            bundle.write_config()
        self.bundle = bundle
        self.id = cid or hullkit.new_id()
        bundle.ids.append(self.id)
        self.out = tempfile.TemporaryFile(mode="w+")
        self.p = subprocess.Popen([HULL, "--root", bundle.state, "run", "--bundle",
                                   bundle.path, self.id], stdin=subprocess.DEVNULL,
                                  stdout=self.out, stderr=subprocess.STDOUT, cwd=bundle.path)

    def output(self):
        self.out.seek(0)
        return self.out.read()

    def wait_running(self):
        """The state once it says running. Every `hull state` must answer within QUICK
        seconds (a timeout raises): creation holds the lock only briefly."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            assert self.p.poll() is None, "run ended early: %s\n%s" % (self.p.returncode,
                                                                      self.output())
            cp = hull(self.bundle, "state", self.id)
            if cp.returncode == 0 and json.loads(cp.stdout)["status"] == "running":
                return json.loads(cp.stdout)
            time.sleep(0.05)
        pytest.fail("container never reported running: " + self.output())

    def wait(self):
        try:
            return self.p.wait(timeout=TIMEOUT)
        finally:
            if self.p.poll() is None:
                self.p.kill()
                self.p.wait()

    def close(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()
        self.out.close()


@pytest.fixture
def fg_list():
    runs = []
    yield runs
    for r in runs:
        r.close()


def assert_gone(bundle, cid):
    assert not os.path.lexists(os.path.join(bundle.state, cid)), "state directory left"
    assert not cgroup_dirs(cid), "cgroup left: %s" % cgroup_dirs(cid)
    cp = hull(bundle, "state", cid)
    assert cp.returncode != 0 and "does not exist" in cp.stderr, explain(cp)


def test_state_list_ps_exec_kill_during_foreground_run(bundle, fg_list):
    fg = Foreground(bundle)
    fg_list.append(fg)
    st = fg.wait_running()
    pid = st["pid"]
    assert st["id"] == fg.id
    # The right pid: the container's init, a child of this very `hull run`.
    assert ppid_of(pid) == fg.p.pid
    with open("/proc/%d/cmdline" % pid, "rb") as f:
        assert f.read().split(b"\0")[:2] == [b"/usr/bin/hull-probe", b"sleep"]
    # Again, now that it certainly runs: one more answer within QUICK seconds.
    t0 = time.monotonic()
    cp = hull(bundle, "state", fg.id)
    assert cp.returncode == 0 and time.monotonic() - t0 < QUICK, explain(cp)
    assert json.loads(cp.stdout)["status"] == "running"
    cp = hull(bundle, "list", "--format", "json")
    assert cp.returncode == 0, explain(cp)
    rows = [c for c in json.loads(cp.stdout) if c["id"] == fg.id]
    assert len(rows) == 1 and rows[0]["status"] == "running" and rows[0]["pid"] == pid, rows
    cp = hull(bundle, "ps", "--format", "json", fg.id)
    assert cp.returncode == 0 and pid in json.loads(cp.stdout), explain(cp)
    cp = hull(bundle, "exec", fg.id, "true", timeout=TIMEOUT)
    assert cp.returncode == 0, explain(cp)
    cp = hull(bundle, "exec", fg.id, "sh", "-c", "exit 7", timeout=TIMEOUT)
    assert cp.returncode == 7, explain(cp)
    cp = hull(bundle, "kill", fg.id, "KILL")
    assert cp.returncode == 0, explain(cp)
    assert fg.wait() == 137, fg.output()
    assert_gone(bundle, fg.id)


def test_pause_and_resume_during_foreground_run(bundle, fg_list):
    fg = Foreground(bundle)
    fg_list.append(fg)
    fg.wait_running()
    cp = hull(bundle, "pause", fg.id)
    assert cp.returncode == 0, explain(cp)
    assert json.loads(hull(bundle, "state", fg.id).stdout)["status"] == "paused"
    cp = hull(bundle, "resume", fg.id)
    assert cp.returncode == 0, explain(cp)
    assert json.loads(hull(bundle, "state", fg.id).stdout)["status"] == "running"
    # KILL: the probe is the pid namespace's init, which has no default for TERM.
    assert hull(bundle, "kill", fg.id, "KILL").returncode == 0
    assert fg.wait() == 128 + signal.SIGKILL, fg.output()
    assert_gone(bundle, fg.id)


def poststop_counter(bundle):
    """A poststop hook that appends a line to a file per call; returns the file."""
    out = os.path.join(bundle.host_dir("poststop-out", 0o777), "calls")
    hook = os.path.join(bundle.host_dir("poststop-bin"), "hook")
    with open(hook, "w") as f:
        f.write("#!/bin/sh\ncat >/dev/null\necho poststop >> %s\n" % out)
    os.chmod(hook, 0o755)
    bundle.config["hooks"] = {"poststop": [{"path": hook}]}
    return out


def calls(path):
    try:
        with open(path) as f:
            return f.read().split()
    except FileNotFoundError:
        return []


def test_delete_force_during_foreground_run(bundle, fg_list):
    """delete --force ends the container and removes everything; the run returns with
    the container's status and neither leaves nor removes anything else. poststop runs
    once, not once for delete and again for the run."""
    counter = poststop_counter(bundle)
    fg = Foreground(bundle)
    fg_list.append(fg)
    fg.wait_running()
    cp = hull(bundle, "delete", "--force", fg.id, timeout=TIMEOUT)
    assert cp.returncode == 0, explain(cp)
    assert fg.wait() == 137, fg.output()
    assert_gone(bundle, fg.id)
    assert calls(counter) == ["poststop"]


def test_container_exit_runs_poststop_once_and_cleans_up(bundle, fg_list):
    counter = poststop_counter(bundle)
    fg = Foreground(bundle, args=["/usr/bin/hull-probe", "exit", "3"])
    fg_list.append(fg)
    assert fg.wait() == 3, fg.output()
    assert_gone(bundle, fg.id)
    assert calls(counter) == ["poststop"]


def test_run_does_not_remove_a_new_container_with_the_same_id(bundle, fg_list):
    """The run is stopped while its container is deleted and the id reused; resumed, it
    must leave the new container's state and cgroup alone, and not run poststop again."""
    counter = poststop_counter(bundle)
    fg = Foreground(bundle)
    fg_list.append(fg)
    fg.wait_running()
    os.kill(fg.p.pid, signal.SIGSTOP)
    try:
        cp = hull(bundle, "delete", "--force", fg.id, timeout=TIMEOUT)
        assert cp.returncode == 0, explain(cp)
        # Its stderr is a file: the detached container keeps it, a pipe would block.
        with tempfile.TemporaryFile(mode="w+") as err:
            cp = subprocess.run([HULL, "--root", bundle.state, "run", "--detach", "--bundle",
                                 bundle.path, fg.id], stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=err, timeout=TIMEOUT)
            err.seek(0)
            assert cp.returncode == 0, err.read()
    finally:
        os.kill(fg.p.pid, signal.SIGCONT)
    assert fg.wait() == 137, fg.output()
    cp = hull(bundle, "state", fg.id)
    assert cp.returncode == 0, explain(cp)
    st = json.loads(cp.stdout)
    assert st["status"] == "running", st
    assert cgroup_dirs(fg.id), "the new container's cgroup was removed"
    assert calls(counter) == ["poststop"], "poststop ran again"
    cp = hull(bundle, "delete", "--force", fg.id, timeout=TIMEOUT)
    assert cp.returncode == 0, explain(cp)
    assert_gone(bundle, fg.id)
