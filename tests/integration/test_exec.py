# SPDX-License-Identifier: GPL-2.0-or-later
"""`hull exec`: a process joins a running container (namespaces, root, identity),
exit statuses, --detach/--pid-file, --process, terminals, and the CVE-2019-5736 class
(nothing of hull reachable from the container)."""
import array
import json
import os
import signal
import socket
import subprocess
import tempfile
import time

import pytest

import hullkit
from hullkit import HULL, TIMEOUT, explain

SLEEP = ["/usr/bin/hull-probe", "sleep", "120"]


def hull(bundle, *args, input=None, timeout=TIMEOUT, **kw):
    return subprocess.run(
        [HULL, "--root", bundle.state, *args],
        input=input,
        stdin=None if input is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        **kw,
    )


def exec_(bundle, cid, *args, opts=(), **kw):
    return hull(bundle, "exec", *opts, cid, *args, **kw)


def start(bundle, args=SLEEP):
    """A running container (`run --detach`), its id. The container's stdio go nowhere:
    a pipe it inherited would keep subprocess waiting."""
    bundle.config["process"]["args"] = list(args)
    bundle.write_config()
    cid = hullkit.new_id()
    bundle.ids.append(cid)
    detached(bundle, "run", "--detach", "--bundle", bundle.path, cid)
    return cid


def detached(bundle, *args):
    """hull ARGS... whose container keeps hull's stdio: a file, never a pipe (a pipe the
    container holds would keep subprocess waiting for its end)."""
    with tempfile.TemporaryFile(mode="w+") as err:
        cp = subprocess.run([HULL, "--root", bundle.state, *args], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=err, timeout=TIMEOUT)
        err.seek(0)
        assert cp.returncode == 0, "%s: %s" % (" ".join(args[:2]), err.read())


def delete(bundle, cid):
    cp = hull(bundle, "delete", "--force", cid)
    assert cp.returncode == 0, explain(cp)


def state(bundle, cid):
    cp = hull(bundle, "state", cid)
    assert cp.returncode == 0, explain(cp)
    return json.loads(cp.stdout)


def report(bundle, cid, opts=()):
    cp = exec_(bundle, cid, "/usr/bin/hull-probe", "report", opts=opts)
    assert cp.returncode == 0, explain(cp)
    return json.loads(cp.stdout)


def ns_of(pid):
    return {n: os.stat("/proc/%d/ns/%s" % (pid, n)).st_ino
            for n in ("pid", "net", "mnt", "ipc", "uts", "user", "cgroup", "time")}


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


@pytest.fixture
def container(bundle):
    """(bundle, id) of a running container, deleted after the test."""
    cid = start(bundle)
    yield bundle, cid
    delete(bundle, cid)


# ---- where the process is ------------------------------------------------------------------


def test_exec_joins_every_namespace_of_the_container(container):
    bundle, cid = container
    init = state(bundle, cid)["pid"]
    p = report(bundle, cid)
    assert p["ns"] == ns_of(init)
    # ... and every one the config asked for is not the host's.
    for n in ("pid", "net", "mnt", "ipc", "uts", "user", "cgroup"):
        assert p["ns"][n] != hullkit.host_ns_inode(n), n


def test_exec_sees_the_container_root(container):
    bundle, cid = container
    with open(os.path.join(bundle.rootfs, "etc", "only-in-rootfs"), "w") as f:
        f.write("marker-7d1c\n")
    cp = exec_(bundle, cid, "cat", "/etc/only-in-rootfs")
    assert cp.returncode == 0, explain(cp)
    assert cp.stdout == "marker-7d1c\n"
    cp = exec_(bundle, cid, "cat", "/etc/hostname")
    assert cp.stdout == "rootfs\n", explain(cp)


def test_exec_is_in_the_pid_namespace_with_init(container):
    bundle, cid = container
    p = report(bundle, cid)
    assert p["pid"] != 1
    assert p["ppid"] == 0  # its parent (hull) is outside the namespace
    cp = exec_(bundle, cid, "ps")
    assert cp.returncode == 0, explain(cp)
    lines = cp.stdout.splitlines()[1:]
    assert any(l.split()[0] == "1" and "hull-probe sleep" in l for l in lines), cp.stdout


def test_hostname_is_the_containers(container):
    bundle, cid = container
    assert report(bundle, cid)["hostname"] == "hulltest"


# ---- the process description ---------------------------------------------------------------


def test_env_and_cwd_come_from_the_config(container):
    bundle, cid = container
    p = report(bundle, cid)
    assert sorted(p["env"]) == sorted(bundle.config["process"]["env"])
    assert p["cwd"] == "/"


def test_env_and_cwd_options(container):
    bundle, cid = container
    p = report(bundle, cid, opts=("--env", "HULL_X=1", "-e", "TERM=dumb", "--cwd", "/usr/bin"))
    assert "HULL_X=1" in p["env"]
    assert "TERM=dumb" in p["env"] and "TERM=xterm" not in p["env"]
    assert any(e.startswith("PATH=") for e in p["env"])
    assert p["cwd"] == "/usr/bin"


def test_missing_cwd_is_an_error(container):
    bundle, cid = container
    cp = exec_(bundle, cid, "true", opts=("--cwd", "/does/not/exist"))
    hullkit.assert_hull_error(cp, "/does/not/exist")


def test_user_option_changes_ids(container):
    bundle, cid = container
    p = report(bundle, cid, opts=("--user", "1000:1000", "--additional-gids", "5"))
    assert (p["uid"], p["euid"], p["gid"], p["egid"]) == (1000, 1000, 1000, 1000)
    assert p["groups"] == [5]
    p = report(bundle, cid, opts=("-u", "1234"))
    assert (p["uid"], p["gid"]) == (1234, 0)
    # (uid_t) -1 would make setresuid a no-op and leave the process root.
    for u in ("4294967295", "0:4294967295"):
        cp = exec_(bundle, cid, "true", opts=("--user", u))
        hullkit.assert_hull_error(cp, "4294967295")


def test_capabilities_empty_by_default_and_cap_adds_one(container):
    bundle, cid = container
    p = report(bundle, cid)
    for s in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
        assert int(p[s], 16) == 0, s
    p = report(bundle, cid, opts=("--cap", "CAP_NET_RAW"))
    raw = hullkit.cap_mask(13)
    for s in ("CapPrm", "CapEff", "CapBnd"):
        assert int(p[s], 16) == raw, (s, p[s])
    # Never inheritable (nor ambient): CVE-2022-29162, runc >= 1.1.2.
    assert int(p["CapInh"], 16) == 0
    assert int(p["CapAmb"], 16) == 0


def test_unknown_capability_is_refused(container):
    bundle, cid = container
    cp = exec_(bundle, cid, "true", opts=("--cap", "CAP_MAKE_COFFEE"))
    hullkit.assert_hull_error(cp, "CAP_MAKE_COFFEE")


def test_no_new_privs_from_config_and_option(bundle):
    bundle.config["process"]["noNewPrivileges"] = False
    cid = start(bundle)
    try:
        assert report(bundle, cid)["NoNewPrivs"] == "0"
        assert report(bundle, cid, opts=("--no-new-privs",))["NoNewPrivs"] == "1"
    finally:
        delete(bundle, cid)


def test_rlimits_come_from_the_config(container):
    bundle, cid = container
    assert report(bundle, cid)["rlimits"]["RLIMIT_NOFILE"] == {"soft": 1024, "hard": 1024}


def test_process_file(container, tmp_path):
    bundle, cid = container
    proc = {
        "terminal": False,
        "user": {"uid": 7, "gid": 8},
        "args": ["/usr/bin/hull-probe", "report"],
        "env": ["PATH=/bin:/usr/bin", "FROM_FILE=yes"],
        "cwd": "/tmp",
        "noNewPrivileges": True,
    }
    path = tmp_path / "process.json"
    path.write_text(json.dumps(proc))
    cp = hull(bundle, "exec", "--process", str(path), cid)
    assert cp.returncode == 0, explain(cp)
    p = json.loads(cp.stdout)
    assert (p["uid"], p["gid"]) == (7, 8)
    assert sorted(p["env"]) == sorted(proc["env"])
    assert p["cwd"] == "/tmp"
    assert int(p["CapEff"], 16) == 0


def test_process_file_errors_name_the_field(container, tmp_path):
    bundle, cid = container
    path = tmp_path / "process.json"
    path.write_text(json.dumps({"user": {"uid": -1, "gid": 0}, "args": ["true"], "cwd": "/"}))
    cp = hull(bundle, "exec", "--process", str(path), cid)
    hullkit.assert_hull_error(cp, "process.user.uid")
    path.write_text('{"args": ["true"],\n "cwd": "/", oops}')
    cp = hull(bundle, "exec", "--process", str(path), cid)
    hullkit.assert_hull_error(cp, "process.json:2")


def test_process_file_and_command_exclude_each_other(container, tmp_path):
    bundle, cid = container
    path = tmp_path / "process.json"
    path.write_text(json.dumps({"user": {"uid": 0, "gid": 0}, "args": ["true"], "cwd": "/"}))
    cp = hull(bundle, "exec", "--process", str(path), cid, "true")
    assert cp.returncode == 125, explain(cp)


# ---- exit statuses and errors -------------------------------------------------------------


@pytest.mark.parametrize("status", [0, 3, 42])
def test_exit_status_is_passed_through(container, status):
    bundle, cid = container
    cp = exec_(bundle, cid, "/usr/bin/hull-probe", "exit", str(status))
    assert cp.returncode == status, explain(cp)


def test_killed_by_signal_is_128_plus_n(container):
    bundle, cid = container
    cp = exec_(bundle, cid, "sh", "-c", "kill -TERM $$")
    assert cp.returncode == 128 + signal.SIGTERM, explain(cp)


def test_stdio_are_the_callers(container):
    bundle, cid = container
    cp = exec_(bundle, cid, "sh", "-c", "cat; echo err >&2", input="hello\n" * 1000)
    assert cp.returncode == 0, explain(cp)
    assert cp.stdout == "hello\n" * 1000
    assert "err" in cp.stderr


def test_missing_command_is_127(container):
    bundle, cid = container
    cp = exec_(bundle, cid, "no-such-command")
    assert cp.returncode == 127, explain(cp)
    assert "no-such-command" in cp.stderr


def test_not_executable_is_126(container):
    bundle, cid = container
    cp = exec_(bundle, cid, "/etc/passwd")
    assert cp.returncode == 126, explain(cp)


def test_missing_container_is_125(bundle):
    cp = exec_(bundle, "no-such-container", "true")
    hullkit.assert_hull_error(cp, "no-such-container")


def test_stopped_container_is_refused(bundle):
    cid = start(bundle, args=["/usr/bin/hull-probe", "exit", "0"])
    try:
        deadline = time.monotonic() + TIMEOUT
        while state(bundle, cid)["status"] != "stopped" and time.monotonic() < deadline:
            time.sleep(0.05)
        cp = exec_(bundle, cid, "true")
        hullkit.assert_hull_error(cp, cid, "not running", "stopped")
    finally:
        delete(bundle, cid)


def test_created_container_accepts_exec_like_runc(bundle):
    # runc and crun refuse only stopped (and paused) containers.
    bundle.config["process"]["args"] = SLEEP
    bundle.write_config()
    cid = hullkit.new_id()
    bundle.ids.append(cid)
    detached(bundle, "create", "--bundle", bundle.path, cid)
    try:
        assert state(bundle, cid)["status"] == "created"
        cp = exec_(bundle, cid, "cat", "/etc/hostname")
        assert cp.returncode == 0, explain(cp)
        assert cp.stdout == "rootfs\n"
    finally:
        delete(bundle, cid)


def test_bad_usage_is_125(container):
    bundle, cid = container
    for opts in (("--bogus",), ("--user", "x:y"), ("--env", "NOEQUALS"), ("--cwd", "relative")):
        cp = exec_(bundle, cid, "true", opts=opts)
        assert cp.returncode == 125, explain(cp)
    cp = hull(bundle, "exec", cid)
    assert cp.returncode == 125, explain(cp)


# ---- detach, pid file, preserved fds, terminals -------------------------------------------


def test_detach_writes_the_pid_of_a_live_process(container):
    bundle, cid = container
    pid_file = os.path.join(bundle.path, "exec.pid")
    with tempfile.TemporaryFile(mode="w+") as out:
        cp = subprocess.run([HULL, "--root", bundle.state, "exec", "--detach", "--pid-file",
                             pid_file, cid, "/usr/bin/hull-probe", "sleep", "60"],
                            stdin=subprocess.DEVNULL, stdout=out, stderr=out, timeout=TIMEOUT)
        out.seek(0)
        assert cp.returncode == 0 and out.read() == ""
    with open(pid_file) as f:
        pid = int(f.read())
    assert alive(pid)
    init = state(bundle, cid)["pid"]
    assert ns_of(pid) == ns_of(init)
    assert os.readlink("/proc/%d/root" % pid) == os.readlink("/proc/%d/root" % init)
    assert [p for p in os.listdir(bundle.path) if p.startswith("exec.pid.")] == []
    os.kill(pid, signal.SIGKILL)


def test_nothing_left_after_delete(bundle):
    cid = start(bundle)
    pid_file = os.path.join(bundle.path, "exec.pid")
    detached(bundle, "exec", "-d", "--pid-file", pid_file, cid, "/usr/bin/hull-probe", "sleep", "60")
    with open(pid_file) as f:
        pid = int(f.read())
    delete(bundle, cid)
    deadline = time.monotonic() + 5
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(pid)
    assert hullkit.leftovers(bundle) == []


def test_preserve_fds(container):
    bundle, cid = container
    out = os.path.join(bundle.path, "fd3.out")
    cmd = [HULL, "--root", bundle.state, "exec", "--preserve-fds", "1", cid,
           "sh", "-c", "echo through-fd3 >&3"]
    cp = subprocess.run(["sh", "-c", 'exec 3>"$0"; exec "$@"', out, *cmd],
                        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=TIMEOUT)
    assert cp.returncode == 0, explain(cp)
    with open(out) as f:
        assert f.read() == "through-fd3\n"


def test_no_hull_fd_reaches_the_process(container):
    bundle, cid = container
    cp = exec_(bundle, cid, "/usr/bin/hull-probe", "fds")
    assert cp.returncode == 0, explain(cp)
    assert json.loads(cp.stdout)["fds"] == [0, 1, 2]


def recv_fd(conn):
    fds = array.array("i")
    msg, anc, _, _ = conn.recvmsg(4096, socket.CMSG_SPACE(fds.itemsize))
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
    assert len(fds) == 1, "expected one fd, got %r" % (list(fds),)
    return fds[0]


def read_pty(master, timeout=TIMEOUT):
    data = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the slave side is closed
            break
        if not chunk:
            break
        data += chunk
    return data.decode(errors="replace")


def test_tty_with_console_socket(container):
    bundle, cid = container
    sock_path = os.path.join(tempfile.mkdtemp(dir=bundle.path), "console.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(sock_path)
    srv.listen(1)
    srv.settimeout(TIMEOUT)
    try:
        cp = exec_(bundle, cid, "sh", "-c", "tty; echo done",
                   opts=("-t", "-d", "--console-socket", sock_path))
        assert cp.returncode == 0, explain(cp)
        conn, _ = srv.accept()
        master = recv_fd(conn)
        conn.close()
        out = read_pty(master)
        os.close(master)
        assert "/dev/pts/" in out and "done" in out, out
    finally:
        srv.close()


def test_tty_in_the_foreground(container):
    bundle, cid = container
    cp = exec_(bundle, cid, "sh", "-c", "tty; exit 3", opts=("-t",))
    assert cp.returncode == 3, explain(cp)
    assert "/dev/pts/" in cp.stdout


def test_detached_tty_needs_a_console_socket(container):
    bundle, cid = container
    cp = exec_(bundle, cid, "true", opts=("-t", "-d"))
    hullkit.assert_hull_error(cp, "console-socket")


# ---- CVE-2019-5736 class: nothing of hull within reach ----------------------------------

# Walk the exec'd process's parent chain as the container sees it and try to open every
# ancestor's exe and fds for writing (append, never truncating or writing: a success is
# the failure being tested, and must not damage anything).
WALK_PARENTS = r"""
p=$$
while :; do
    pp=$(sed -n 's/^PPid:[[:space:]]*//p' /proc/$p/status)
    echo "parent $p -> $pp"
    [ -z "$pp" ] || [ "$pp" = 0 ] && break
    for f in /proc/$pp/exe /proc/$pp/fd/*; do
        if ( exec 3>>"$f" ) 2>/dev/null; then echo "WRITABLE $f -> $(readlink $f)"; fi
    done
    p=$pp
done
"""

# Meanwhile, look at every process that appears in the container for anything of hull's:
# its binary as /proc/<pid>/exe, or its fds (the pidfd, the sync socket, the state dir).
WATCH = r"""
end=$(( $(date +%s) + $0 ))
while [ "$(date +%s)" -lt "$end" ]; do
    for d in /proc/[0-9]*; do
        [ "$d" = /proc/$$ ] && continue
        e=$(readlink $d/exe 2>/dev/null) && echo "exe $d $e"
        for f in $d/fd/*; do
            t=$(readlink $f 2>/dev/null) && echo "fd $f $t"
        done
    done
done > /tmp/watch.log 2>/dev/null
echo finished >> /tmp/watch.log
"""


def test_parent_chain_is_out_of_reach(container):
    bundle, cid = container
    cp = exec_(bundle, cid, "sh", "-c", WALK_PARENTS)
    assert cp.returncode == 0, explain(cp)
    assert "WRITABLE" not in cp.stdout, cp.stdout
    # The direct parent is hull, outside the pid namespace: the chain ends at once.
    assert cp.stdout.splitlines()[0].endswith("-> 0"), cp.stdout


def test_joining_processes_never_expose_hull(container):
    bundle, cid = container
    detached(bundle, "exec", "-d", cid, "sh", "-c", WATCH, "6")
    # Many joins while the watcher scans /proc: each one runs hull's code until execve.
    for _ in range(40):
        cp = exec_(bundle, cid, "true")
        assert cp.returncode == 0, explain(cp)
    deadline = time.monotonic() + 15
    log = ""
    while time.monotonic() < deadline:
        cp = exec_(bundle, cid, "cat", "/tmp/watch.log")
        log = cp.stdout
        if "finished" in log:
            break
        time.sleep(0.2)
    assert "finished" in log, log[-2000:]
    hull_bin = os.path.realpath(HULL)
    bad = [l for l in log.splitlines()
           if hull_bin in l or os.path.basename(hull_bin) in l.split("/")[-1:]
           or "pidfd" in l or bundle.state in l or "hull-it-" in l]
    assert not bad, "\n".join(bad[:20])


def ns_pids(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("NSpid:"):
                return [int(x) for x in line.split()[1:]]
    return []


def catch_joining_process(bundle, cid, attempts=50):
    """Start `hull exec ID true` and stop its process (hull's child, already in the
    container's pid namespace) before its execve. Returns (Popen, host pid, pid inside)
    or None when the window was never caught."""
    hull_bin = os.path.realpath(HULL)
    for _ in range(attempts):
        p = subprocess.Popen([HULL, "--root", bundle.state, "exec", cid, "true"],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        children = "/proc/%d/task/%d/children" % (p.pid, p.pid)
        while p.poll() is None:
            try:
                with open(children) as f:
                    kids = [int(k) for k in f.read().split()]
            except OSError:
                break
            for k in kids:
                try:
                    nspid = ns_pids(k)
                    if len(nspid) != 2 or os.readlink("/proc/%d/exe" % k) != hull_bin:
                        continue
                    os.kill(k, signal.SIGSTOP)
                    if os.readlink("/proc/%d/exe" % k) == hull_bin:
                        return p, k, nspid[1]
                    os.kill(k, signal.SIGCONT)
                except OSError:
                    pass
        p.wait(timeout=TIMEOUT)
    return None


# From the container, as its root with the capabilities that would defeat ordinary
# /proc permission checks (CAP_SYS_PTRACE, CAP_DAC_*): the stopped process must stay
# out of reach.
REACH = r"""
readlink /proc/$0/exe && echo EXE-READLINK
( exec 3</proc/$0/exe ) && echo EXE-OPENED
( exec 3>>/proc/$0/exe ) && echo EXE-WRITABLE
ls -l /proc/$0/fd/ && echo FDS-LISTED
for f in /proc/$0/fd/*; do ( exec 3>>"$f" ) && echo "FD-WRITABLE $f"; done
cat /proc/$0/environ >/dev/null && echo ENVIRON-READ
exit 0
"""


def test_process_is_unreachable_before_its_execve(container):
    # CVE-2019-5736: runc's joining process could be reached through /proc/<pid>/exe
    # and its binary overwritten. hull's is non-dumpable until execve.
    bundle, cid = container
    caught = catch_joining_process(bundle, cid)
    if caught is None:
        pytest.skip("never caught an exec before its execve")
    p, host_pid, inner_pid = caught
    try:
        caps = []
        for c in ("CAP_SYS_PTRACE", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_KILL"):
            caps += ["--cap", c]
        cp = exec_(bundle, cid, "sh", "-c", REACH, str(inner_pid), opts=caps)
        assert cp.returncode == 0, explain(cp)
        for what in ("EXE-", "FDS-LISTED", "FD-WRITABLE", "ENVIRON-READ"):
            assert what not in cp.stdout, explain(cp)
        assert os.path.realpath(HULL) not in cp.stdout
    finally:
        os.kill(host_pid, signal.SIGCONT)
    assert p.wait(timeout=TIMEOUT) == 0
