# SPDX-License-Identifier: GPL-2.0-or-later
"""linux.seccomp (config-linux.md "Seccomp"): a profile asked for is applied, or the
run fails with exit 125 naming the problem; never silently ignored."""
import ctypes
import ctypes.util
import json
import os
import signal

import socket
import threading
import pytest

import hullkit
from hullkit import assert_hull_error, explain, probe

DATA = os.path.join(hullkit.REPO, "tests", "data")


def profile(*rules, default="SCMP_ACT_ALLOW", **extra):
    p = {"defaultAction": default, "syscalls": list(rules)}
    p.update(extra)
    return p


def deny(names, errno=None, action="SCMP_ACT_ERRNO"):
    r = {"names": list(names), "action": action}
    if errno is not None:
        r["errnoRet"] = errno
    return r


DENY_MKDIR = profile(deny(["mkdir", "mkdirat"]))

MKDIR_SCRIPT = "mkdir /tmp/x; echo rc=$?; echo hello; ls -d /tmp"


def host_filters():
    """Filters the test itself already runs under (when the host is a container)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("Seccomp_filters:"):
                return int(line.split()[1])
    return 0


def podman_profile():
    """The linux.seccomp podman sends on x86_64 (see tests/data/seccomp/README.md)."""
    with open(os.path.join(DATA, "seccomp", "podman-default.json")) as f:
        return json.load(f)


def libseccomp_knows(arch):
    lib = ctypes.CDLL(ctypes.util.find_library("seccomp") or "libseccomp.so.2")
    lib.seccomp_arch_resolve_name.restype = ctypes.c_uint32
    return lib.seccomp_arch_resolve_name(arch.encode()) != 0


@pytest.mark.parametrize("nnp", [True, False], ids=["noNewPrivileges", "privileged-load"])
def test_denied_syscall_fails_others_work(bundle, nnp):
    # Without noNewPrivileges the filter is loaded before the capabilities are dropped
    # (seccomp(2) then needs CAP_SYS_ADMIN); the outcome must be the same.
    bundle.config["process"]["noNewPrivileges"] = nnp
    bundle.config["linux"]["seccomp"] = DENY_MKDIR
    cp = bundle.run(["/bin/sh", "-c", MKDIR_SCRIPT])
    assert cp.returncode == 0, explain(cp)
    assert "Operation not permitted" in cp.stderr, explain(cp)
    assert cp.stdout.split() == ["rc=1", "hello", "/tmp"], explain(cp)


def test_errno_ret_is_returned(bundle):
    bundle.config["linux"]["seccomp"] = profile(deny(["mkdir", "mkdirat"], errno=38))
    cp = bundle.run(["/bin/sh", "-c", MKDIR_SCRIPT])
    assert cp.returncode == 0, explain(cp)
    assert "Function not implemented" in cp.stderr, explain(cp)


def test_status_shows_one_filter(bundle):
    bundle.config["linux"]["seccomp"] = DENY_MKDIR
    p = probe(bundle)
    assert p["Seccomp"] == "2", p
    assert int(p["Seccomp_filters"]) == host_filters() + 1, p


def test_no_profile_no_filter(bundle):
    bundle.config["linux"].pop("seccomp", None)
    p = probe(bundle)
    assert int(p["Seccomp_filters"]) == host_filters(), p


def test_kill_action_kills_with_sigsys(bundle):
    bundle.config["linux"]["seccomp"] = profile(deny(["uname"], action="SCMP_ACT_KILL_PROCESS"))
    cp = bundle.run(["/bin/uname"])
    assert cp.returncode == 128 + int(signal.SIGSYS), explain(cp)


def test_podman_profile_runs_a_shell(bundle):
    bundle.config["linux"]["seccomp"] = podman_profile()
    cp = bundle.run(["/bin/sh", "-c", "echo hello; mkdir /tmp/y && echo made; "
                     "grep ^Seccomp: /proc/self/status | cut -f2; "
                     "grep ^Seccomp_filters: /proc/self/status | cut -f2"])
    assert cp.returncode == 0, explain(cp)
    assert cp.stdout.split() == ["hello", "made", "2", str(host_filters() + 1)], explain(cp)


def test_podman_profile_without_no_new_privileges(bundle):
    # Loaded before the identity is applied (CAP_SYS_ADMIN still held): the profile
    # must allow what setting the identity needs, and podman's does.
    bundle.config["process"]["noNewPrivileges"] = False
    bundle.config["linux"]["seccomp"] = podman_profile()
    p = probe(bundle)
    assert p["Seccomp"] == "2" and p["NoNewPrivs"] == "0", p


def test_unknown_architecture_is_refused(bundle):
    bundle.config["linux"]["seccomp"] = profile(architectures=["SCMP_ARCH_X86_64", "SCMP_ARCH_PDP11"])
    cp = bundle.run(["/bin/true"])
    assert_hull_error(cp, "SCMP_ARCH_PDP11")


def test_architecture_unknown_to_libseccomp_is_refused(bundle):
    # Names the spec lists but this libseccomp does not know (2.5 lacks these).
    unknown = [a for a in ("SCMP_ARCH_SHEB", "SCMP_ARCH_SH", "SCMP_ARCH_M68K", "SCMP_ARCH_LOONGARCH64")
               if not libseccomp_knows(a[len("SCMP_ARCH_"):].lower())]
    if not unknown:
        pytest.skip("libseccomp knows every architecture of the spec")
    bundle.config["linux"]["seccomp"] = profile(architectures=["SCMP_ARCH_X86_64", unknown[0]])
    cp = bundle.run(["/bin/true"])
    assert_hull_error(cp, "linux.seccomp.architectures[1]", unknown[0])


def test_unknown_syscall_name_is_skipped(bundle):
    bundle.config["linux"]["seccomp"] = profile(deny(["hull_no_such_syscall", "mkdir", "mkdirat"]))
    cp = bundle.run(["/bin/sh", "-c", MKDIR_SCRIPT])
    assert cp.returncode == 0, explain(cp)
    assert cp.stdout.split() == ["rc=1", "hello", "/tmp"], explain(cp)


def test_errno_ret_on_kill_is_refused(bundle):
    # As crun; runc ignores errnoRet there, hull does not guess what was meant.
    if hullkit.RUNTIME_NAME == "runc":
        pytest.skip("runc ignores errnoRet on actions without one")
    bundle.config["linux"]["seccomp"] = profile(deny(["uname"], errno=1, action="SCMP_ACT_KILL"))
    cp = bundle.run(["/bin/true"])
    assert_hull_error(cp, "linux.seccomp.syscalls[0]", "errnoRet")


def _listener_agent(path, got):
    """A seccomp agent: accept one connection, record the payload and the fd's kind, then
    close the listener: from then on the notified syscall fails with ENOSYS."""
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    srv.settimeout(20)

    def serve():
        try:
            conn, _ = srv.accept()
            msg, fds, _, _ = socket.recv_fds(conn, 65536, 4)
            got["payload"] = json.loads(msg.decode())
            got["kind"] = [os.readlink("/proc/self/fd/%d" % fd) for fd in fds]
            for fd in fds:
                os.close(fd)
            conn.close()
        except Exception as e:  # reported by the test
            got["error"] = repr(e)
        finally:
            srv.close()

    t = threading.Thread(target=serve)
    t.start()
    return t


@pytest.mark.parametrize("nnp", [True, False])
def test_notify_listener_reaches_listener_path(bundle, nnp):
    """SCMP_ACT_NOTIFY (config-linux.md "Seccomp", state.md): the listener fd goes to
    listenerPath with the container process state, metadata and pid."""
    path = os.path.join(bundle.path, "agent.sock")
    got = {}
    agent = _listener_agent(path, got)
    bundle.config["process"]["noNewPrivileges"] = nnp
    bundle.config["linux"]["seccomp"] = profile(
        deny(["uname"], action="SCMP_ACT_NOTIFY"), listenerPath=path,
        listenerMetadata="hull-test-meta")
    cp = bundle.run(["/bin/sh", "-c", "sleep 0.2; uname; echo rc=$?"])
    agent.join(30)
    assert "error" not in got, got
    assert cp.returncode == 0, explain(cp)
    assert got["kind"] == ["anon_inode:seccomp notify"], got
    p = got["payload"]
    assert p["fds"] == ["seccompFd"] and p["metadata"] == "hull-test-meta", p
    assert p["pid"] > 0 and p["state"]["id"] in bundle.ids, p
    # The agent closed the listener: the notified uname(2) now fails, and busybox
    # prints no system name (it would print "Linux").
    assert "Linux" not in cp.stdout, explain(cp)