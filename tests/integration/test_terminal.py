# SPDX-License-Identifier: GPL-2.0-or-later
"""process.terminal: the container's own pty, `run` attached to the caller's terminal,
and --console-socket (the conmon/podman protocol)."""
import array
import errno
import fcntl
import os
import select
import socket
import struct
import subprocess
import termios
import threading
import time

import pytest

import hullkit
from hullkit import HULL, TIMEOUT

# Behaviour where hull goes beyond runc and crun (checked with HULL=runc/crun): both
# leave the pty of `run -t` at 0x0 until a resize, need the caller's stdin to be a
# terminal, and runc takes --console-socket only with --detach.
hull_only = pytest.mark.skipif(not hullkit.IS_HULL, reason="hull's behaviour, not runc's or crun's")
not_runc = pytest.mark.skipif(hullkit.RUNTIME_NAME == "runc", reason="runc takes --console-socket only with --detach")


def set_winsize(fd, rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def read_available(fd, until=None, timeout=TIMEOUT, quiet=0.3, stop=None):
    """Read fd until `until` (bytes) appears, EIO (the other side is closed), or, once
    stop() is true, nothing arrives for `quiet` seconds. Returns the bytes read."""
    out = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = stop is not None and stop()
        r, _, _ = select.select([fd], [], [], quiet if done else 0.1)
        if not r:
            if done:
                break
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError as e:
            if e.errno == errno.EIO:
                break
            raise
        if not chunk:
            break
        out += chunk
        if until is not None and until in out:
            break
    return out


def terminal_config(bundle, args, **process):
    bundle.config["process"]["terminal"] = True
    bundle.config["process"]["args"] = list(args)
    bundle.config["process"].update(process)
    bundle.write_config()


class PtyRun:
    """`hull run` with a fresh pty as its stdin, stdout and stderr, as from a shell;
    hull's own stderr is captured apart for error messages."""

    def __init__(self, bundle, rows=None, cols=None):
        self.master, self.slave = os.openpty()
        if rows is not None:
            set_winsize(self.slave, rows, cols)
        self.termios_before = termios.tcgetattr(self.slave)
        cid = hullkit.new_id()
        bundle.ids.append(cid)
        self.p = subprocess.Popen(
            [HULL, "--root", bundle.state, "run", "--bundle", bundle.path, cid],
            stdin=self.slave,
            stdout=self.slave,
            stderr=subprocess.PIPE,
            cwd=bundle.path,
            start_new_session=True,
        )
        self.out = b""

    def read_until(self, needle, timeout=TIMEOUT):
        self.out += read_available(self.master, until=needle, timeout=timeout)
        return self.out

    def write(self, data):
        os.write(self.master, data)

    def finish(self, timeout=TIMEOUT):
        """Wait for hull, collect the rest of the output; returns (status, output)."""
        self.out += read_available(self.master, timeout=timeout, stop=lambda: self.p.poll() is not None)
        try:
            status = self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            raise
        self.err = self.p.stderr.read().decode(errors="replace")
        self.p.stderr.close()
        return status, self.out

    def close(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()
        os.close(self.master)
        os.close(self.slave)

    def explain(self):
        return "exit %s\n--- terminal\n%r\n--- hull stderr\n%s" % (self.p.returncode, self.out[-4000:], getattr(self, "err", ""))


@pytest.fixture
def pty_run():
    runs = []

    def start(bundle, **kw):
        r = PtyRun(bundle, **kw)
        runs.append(r)
        return r

    yield start
    for r in runs:
        r.close()


@hull_only
def test_run_on_a_terminal_sees_a_tty_of_the_callers_size(bundle, pty_run):
    terminal_config(bundle, ["/bin/sh", "-c", "tty; stty size; echo stdin=$(readlink /proc/self/fd/0)"])
    r = pty_run(bundle, rows=33, cols=101)
    status, out = r.finish()
    assert status == 0, r.explain()
    text = out.decode(errors="replace")
    # The container's own devpts instance: its first pty, never a host one.
    assert "/dev/pts/0\r\n" in text, r.explain()
    assert "33 101\r\n" in text, r.explain()
    assert "stdin=/dev/pts/0" in text, r.explain()


def test_terminal_settings_are_restored(bundle, pty_run):
    terminal_config(bundle, ["/bin/sh", "-c", "exit 0"])
    r = pty_run(bundle, rows=24, cols=80)
    status, _ = r.finish()
    assert status == 0, r.explain()
    assert termios.tcgetattr(r.slave) == r.termios_before


def test_input_reaches_the_container(bundle, pty_run):
    terminal_config(bundle, ["/bin/sh", "-c", "echo ready; read line; echo \"got:$line\""])
    r = pty_run(bundle, rows=24, cols=80)
    r.read_until(b"ready")
    r.write(b"hello there\r")
    status, out = r.finish()
    assert status == 0, r.explain()
    # \r became \n in the container's line discipline (ICRNL): the caller's is raw.
    assert b"got:hello there" in out, r.explain()


def test_ctrl_c_goes_to_the_container(bundle, pty_run):
    # The caller's terminal is raw: ^C is a byte for the container's pty, whose line
    # discipline turns it into SIGINT for the container's foreground process group.
    terminal_config(bundle, ["/bin/sh", "-c", "trap 'echo caught; exit 9' INT; echo ready; while :; do sleep 0.1; done"])
    r = pty_run(bundle, rows=24, cols=80)
    r.read_until(b"ready")
    r.write(b"\x03")
    status, out = r.finish()
    assert status == 9, r.explain()
    assert b"caught" in out, r.explain()


@hull_only
def test_window_size_change_propagates(bundle, pty_run):
    terminal_config(bundle, ["/bin/sh", "-c", "stty size; echo ready; read x; stty size"])
    r = pty_run(bundle, rows=20, cols=70)
    r.read_until(b"ready")
    set_winsize(r.slave, 45, 132)
    r.p.send_signal(28)  # SIGWINCH, as the caller's terminal would send to hull
    time.sleep(0.3)
    r.write(b"\r")
    status, out = r.finish()
    assert status == 0, r.explain()
    text = out.decode(errors="replace")
    assert "20 70" in text and "45 132" in text, r.explain()
    assert text.index("45 132") > text.index("20 70"), r.explain()


@pytest.mark.parametrize("code", [0, 3, 42])
def test_exit_status_through_the_terminal(bundle, pty_run, code):
    terminal_config(bundle, ["/bin/sh", "-c", "echo bye; exit %d" % code])
    r = pty_run(bundle, rows=24, cols=80)
    status, out = r.finish()
    assert status == code, r.explain()
    assert b"bye" in out, r.explain()


def test_killed_by_signal_through_the_terminal(bundle, pty_run):
    # pid 1 of its namespace dies of a real fault: 128+N.
    terminal_config(bundle, ["/usr/bin/hull-probe", "kill", "11"])
    r = pty_run(bundle, rows=24, cols=80)
    status, _ = r.finish()
    assert status == 128 + 11, r.explain()


def test_signals_are_forwarded_through_the_terminal(bundle, pty_run):
    terminal_config(bundle, ["/bin/sh", "-c", "trap 'echo term; exit 7' TERM; echo ready; while :; do sleep 0.1; done"])
    r = pty_run(bundle, rows=24, cols=80)
    r.read_until(b"ready")
    r.p.terminate()
    status, out = r.finish()
    assert status == 7, r.explain()
    assert b"term" in out, r.explain()


@hull_only
def test_output_without_a_caller_terminal(bundle):
    # stdin and stdout are not terminals: the proxy still copies the output (no raw
    # mode, nothing to restore) and process.consoleSize applies.
    terminal_config(bundle, ["/bin/sh", "-c", "tty; stty size; exit 5"], consoleSize={"height": 27, "width": 91})
    cp = bundle.run(write=False)
    assert cp.returncode == 5, hullkit.explain(cp)
    assert "/dev/pts/0" in cp.stdout, hullkit.explain(cp)
    assert "27 91" in cp.stdout, hullkit.explain(cp)


def test_tty_belongs_to_process_user(bundle, pty_run):
    terminal_config(bundle, ["/bin/sh", "-c", "stat -c 'owner=%u:%g' $(tty); echo hi > $(tty)"],
                    user={"uid": 1000, "gid": 1000})
    r = pty_run(bundle, rows=24, cols=80)
    status, out = r.finish()
    assert status == 0, r.explain()
    # The owner is process.user, so that it can reopen its terminal; the group stays
    # devpts' gid=5 (tty), as with runc.
    assert b"owner=1000:5" in out, r.explain()
    assert b"hi\r\n" in out, r.explain()


# ---- --console-socket ------------------------------------------------------------------------


class ConsoleSocket:
    """A listening unix socket that receives one pty master (what conmon does)."""

    def __init__(self, directory):
        self.path = os.path.join(directory, "console.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(self.path)
        self.sock.listen(1)
        self.master = None
        self.name = None
        self.error = None
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        try:
            self.sock.settimeout(TIMEOUT)
            conn, _ = self.sock.accept()
            with conn:
                fds = array.array("i")
                msg, anc, flags, _ = conn.recvmsg(4096, socket.CMSG_SPACE(4 * fds.itemsize))
                for level, type_, data in anc:
                    if level == socket.SOL_SOCKET and type_ == socket.SCM_RIGHTS:
                        fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
                assert len(fds) == 1, "expected one fd, got %d" % len(fds)
                self.name = msg.rstrip(b"\0").decode()
                self.master = fds[0]
        except Exception as e:  # reported by the test
            self.error = e

    def wait_master(self):
        self.thread.join(TIMEOUT)
        if self.error:
            raise self.error
        assert self.master is not None, "no pty master arrived on the console socket"
        return self.master

    def close(self):
        self.sock.close()
        if self.master is not None:
            os.close(self.master)


@pytest.fixture
def console_socket(bundle):
    c = ConsoleSocket(bundle.path)
    yield c
    c.close()


def run_with_console_socket(bundle, console, timeout=TIMEOUT):
    """`hull run --console-socket` in the background; returns (status, terminal output,
    hull's stderr)."""
    cid = hullkit.new_id()
    bundle.ids.append(cid)
    p = subprocess.Popen(
        [HULL, "--root", bundle.state, "run", "--console-socket", console.path, "--bundle", bundle.path, cid],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=bundle.path,
    )
    try:
        console.thread.join(timeout)
        if console.master is None:
            p.kill()
            out, err = p.communicate()
            raise AssertionError("no master received (%s)\n--- hull stdout\n%s\n--- stderr\n%s"
                                 % (console.error, out.decode(errors="replace"), err.decode(errors="replace")))
        # Read until EIO: the slave closes when the container exits.
        data = read_available(console.master, timeout=timeout, stop=lambda: p.poll() is not None)
        out, err = p.communicate(timeout=timeout)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert out == b"", "hull wrote to its own stdout with a console socket: %r" % out
    return p.returncode, data.decode(errors="replace"), err.decode(errors="replace")


@hull_only
def test_console_socket_receives_the_master(bundle, console_socket):
    terminal_config(bundle, ["/bin/sh", "-c", "tty; echo from-the-container"])
    status, data, err = run_with_console_socket(bundle, console_socket)
    assert status == 0, err
    assert "/dev/pts/0\r\n" in data, (data, err)
    assert "from-the-container\r\n" in data, (data, err)
    # runc sends the pty's name as the message payload.
    assert console_socket.name.startswith("/dev/pts/"), console_socket.name


@not_runc
def test_console_socket_console_size(bundle, console_socket):
    terminal_config(bundle, ["/bin/sh", "-c", "stty size"], consoleSize={"height": 27, "width": 91})
    status, data, err = run_with_console_socket(bundle, console_socket)
    assert status == 0, err
    assert "27 91\r\n" in data, (data, err)


@not_runc
def test_console_socket_exit_status(bundle, console_socket):
    terminal_config(bundle, ["/bin/sh", "-c", "exit 42"])
    status, _, err = run_with_console_socket(bundle, console_socket)
    assert status == 42, err


def test_console_socket_that_nobody_listens_on(bundle):
    terminal_config(bundle, ["/bin/true"])
    path = os.path.join(bundle.path, "nobody.sock")
    cid = hullkit.new_id()
    bundle.ids.append(cid)
    cp = subprocess.run(
        [HULL, "--root", bundle.state, "run", "--console-socket", path, "--bundle", bundle.path, cid],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=TIMEOUT, cwd=bundle.path,
    )
    hullkit.assert_hull_error(cp, path)


def test_create_start_with_console_socket(bundle, console_socket):
    # The conmon/podman sequence: create hands the master over, start runs the
    # process, the terminal carries its output, delete cleans up.
    terminal_config(bundle, ["/bin/sh", "-c", "tty; stty size; echo started"], consoleSize={"height": 19, "width": 77})
    cid = hullkit.new_id()
    bundle.ids.append(cid)
    cmd = hullkit.runtime_cmd(bundle.state)

    def runtime(*args):
        return subprocess.run(cmd + list(args), stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=TIMEOUT, cwd=bundle.path)

    cp = runtime("create", "--console-socket", console_socket.path, "--bundle", bundle.path, cid)
    try:
        assert cp.returncode == 0, hullkit.explain(cp)
        master = console_socket.wait_master()
        if hullkit.IS_HULL:  # runc sends the pty's name, crun a space; conmon ignores it
            assert console_socket.name.startswith("/dev/pts/"), console_socket.name
        cp = runtime("start", cid)
        assert cp.returncode == 0, hullkit.explain(cp)
        data = read_available(master, until=b"started\r\n").decode(errors="replace")
        assert "/dev/pts/0\r\n" in data and "19 77\r\n" in data, data
    finally:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            st = runtime("state", cid)
            if st.returncode != 0 or '"stopped"' in st.stdout:
                break
            time.sleep(0.05)
        runtime("delete", "--force", cid)
