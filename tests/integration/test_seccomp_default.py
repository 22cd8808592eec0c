# SPDX-License-Identifier: GPL-2.0-or-later
"""hull's default seccomp profile (data/seccomp/default.json, expanded by `hull spec`) and
the compiled-program cache (docs/seccomp.md)."""
import errno
import os
import shutil
import subprocess

import pytest

import hullkit
from hullkit import explain

# A static helper: `sc NR [A0 [A1]]` makes one raw syscall and prints its errno (0 on
# success), so a test sees exactly what the filter returned.
SC_SOURCE = r"""
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
int main (int argc, char **argv)
{
	long a[3] = { 0, 0, 0 };
	for (int i = 1; i < argc && i < 4; i++)
		a[i - 1] = (long) strtoull (argv[i], NULL, 0);
	long r = syscall (a[0], a[1], a[2], 0, 0, 0, 0);
	printf ("%d\n", r < 0 ? errno : 0);
	return 0;
}
"""

NR = {"keyctl": 250, "mount": 165, "unshare": 272, "io_uring_setup": 425, "ioctl": 16,
      "bpf": 321, "getppid": 110}


@pytest.fixture(scope="module")
def sc_binary(tmp_path_factory):
    if os.uname().machine != "x86_64" or shutil.which("gcc") is None:
        pytest.skip("needs gcc and x86_64 syscall numbers")
    d = tmp_path_factory.mktemp("sc")
    src = d / "sc.c"
    src.write_text(SC_SOURCE)
    out = d / "sc"
    subprocess.run(["gcc", "-static", "-O1", "-o", str(out), str(src)], check=True)
    return str(out)


@pytest.fixture
def default_bundle(bundle, sc_binary, tmp_path):
    spec = hullkit.spec_config()
    assert spec and "seccomp" in spec["linux"], "hull spec has no default seccomp profile"
    bundle.config["linux"]["seccomp"] = spec["linux"]["seccomp"]
    dst = os.path.join(bundle.rootfs, "usr", "bin", "sc")
    shutil.copy2(sc_binary, dst)
    os.chmod(dst, 0o755)
    bundle.cache = str(tmp_path / "cache")
    bundle.env = dict(os.environ, HULL_SECCOMP_CACHE=bundle.cache)
    return bundle


def syscall_errno(b, name, *args):
    cp = b.run(["/usr/bin/sc", str(NR[name]), *[str(a) for a in args]], env=b.env)
    assert cp.returncode == 0, explain(cp)
    return int(cp.stdout.strip())


def test_shell_works(default_bundle):
    cp = default_bundle.run(["/bin/sh", "-c", "echo hi; ls / >/dev/null; cat /etc/hostname; "
                             "grep Seccomp: /proc/self/status"], env=default_bundle.env)
    assert cp.returncode == 0, explain(cp)
    assert cp.stdout.split()[:2] == ["hi", "rootfs"], explain(cp)
    assert "Seccomp:\t2" in cp.stdout, explain(cp)


def test_unshare_user_eperm(default_bundle):
    cp = default_bundle.run(["/bin/sh", "-c", "unshare -U true; echo rc=$?"], env=default_bundle.env)
    assert cp.returncode == 0, explain(cp)
    assert "rc=1" in cp.stdout and "Operation not permitted" in cp.stderr, explain(cp)


@pytest.mark.parametrize("name", ["keyctl", "mount", "bpf"])
def test_dangerous_eperm(default_bundle, name):
    assert syscall_errno(default_bundle, name) == errno.EPERM


def test_unknown_syscall_enosys(default_bundle):
    assert syscall_errno(default_bundle, "io_uring_setup") == errno.ENOSYS


@pytest.mark.parametrize("cmd", [0x5412, 0x541C, 0x100005412], ids=["TIOCSTI", "TIOCLINUX", "TIOCSTI-high-bits"])
def test_tiocsti_eperm(default_bundle, cmd):
    assert syscall_errno(default_bundle, "ioctl", 0, cmd) == errno.EPERM


def test_other_ioctl_reaches_kernel(default_bundle):
    # FIONREAD on a bad fd: the kernel answers EBADF, so the filter let it through.
    assert syscall_errno(default_bundle, "ioctl", 99, 0x541B) == errno.EBADF


def debug_run(b, args):
    log = os.path.join(b.path, "hull-%d.log" % len(b.ids))
    cp = b.run(args, env=b.env, global_args=("--debug", "--log", log))
    assert cp.returncode == 0, explain(cp)
    with open(log) as f:
        return f.read()


def test_cache_second_start_compiles_nothing(default_bundle):
    b = default_bundle
    first = debug_run(b, ["/bin/true"])
    assert "seccomp: cache miss" in first, first
    entries = [e for e in os.listdir(b.cache) if not e.startswith(".")]
    assert len(entries) == 1, entries
    path = os.path.join(b.cache, entries[0])
    st = os.stat(path)
    assert st.st_mode & 0o777 == 0o600 and os.stat(b.cache).st_mode & 0o777 == 0o700
    second = debug_run(b, ["/bin/true"])
    assert "seccomp: cache hit" in second and "cache miss" not in second, second
    assert os.stat(path).st_mtime_ns == st.st_mtime_ns


def test_cache_corrupt_entry_rebuilt(default_bundle):
    b = default_bundle
    debug_run(b, ["/bin/true"])
    (entry,) = [e for e in os.listdir(b.cache) if not e.startswith(".")]
    path = os.path.join(b.cache, entry)
    with open(path, "r+b") as f:
        f.seek(200)
        c = f.read(1)
        f.seek(200)
        f.write(bytes([c[0] ^ 0x40]))
    log = debug_run(b, ["/bin/true"])
    assert "rejected (program digest mismatch)" in log and "cache miss" in log, log
    assert "seccomp: cache hit" in debug_run(b, ["/bin/true"])
