"""The hand-built seccomp program: run through a small classic-BPF interpreter for both architectures, and loaded
into a real child process on this machine."""

from __future__ import annotations

import errno
import socket
import struct
import subprocess
import sys

import pytest

from sandbox._seccomp import AARCH64, RET_ALLOW, RET_KILL_PROCESS, X86_64, Arch, build_filter, disassemble, ret_errno

EPERM = ret_errno(errno.EPERM)
ENOSYS = ret_errno(errno.ENOSYS)


def run_bpf(program: bytes, *, arch: int, nr: int, args: tuple[int, ...] = ()) -> int:
    """Evaluate a seccomp program (loads, conditional jumps, returns) on one seccomp_data."""
    padded = (*args, *([0] * (6 - len(args))))
    data = struct.pack("<iIQ6Q", nr, arch, 0, *padded)
    code = disassemble(program)
    pc = acc = 0
    while True:
        op, jt, jf, k = code[pc]
        if op == 0x20:
            acc = struct.unpack_from("<I", data, k)[0]
            pc += 1
        elif op in (0x15, 0x35, 0x45):
            taken = acc == k if op == 0x15 else acc >= k if op == 0x35 else bool(acc & k)
            pc += 1 + (jt if taken else jf)
        elif op == 0x06:
            return k
        else:
            raise AssertionError(f"unexpected opcode {op:#x}")


ARCHES = [pytest.param(X86_64, id="x86_64"), pytest.param(AARCH64, id="aarch64")]
SOCKET_CALLS = [
    *"connect accept accept4 bind listen getpeername getsockname shutdown sendto sendmmsg recvmmsg".split(),
    "getsockopt",
    "setsockopt",
]


def verdict(arch: Arch, name: str, *args: int, network: bool) -> int:
    return run_bpf(build_filter(network=network, arch=arch), arch=arch.audit_arch, nr=arch.numbers[name], args=args)


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("network", [False, True])
def test_ptrace_and_io_uring_fail_with_eperm_whatever_the_network(arch: Arch, network: bool) -> None:
    for name in ("ptrace", "io_uring_setup", "io_uring_enter", "io_uring_register"):
        assert verdict(arch, name, network=network) == EPERM, name


@pytest.mark.parametrize("arch", ARCHES)
def test_without_network_only_unix_sockets_can_be_created(arch: Arch) -> None:
    assert verdict(arch, "socket", socket.AF_UNIX, network=False) == RET_ALLOW
    assert verdict(arch, "socketpair", socket.AF_UNIX, network=False) == RET_ALLOW
    for family in (socket.AF_INET, socket.AF_INET6, socket.AF_NETLINK, socket.AF_PACKET):
        assert verdict(arch, "socket", family, network=False) == EPERM
        assert verdict(arch, "socketpair", family, network=False) == EPERM


@pytest.mark.parametrize("arch", ARCHES)
def test_the_family_is_read_as_a_32_bit_int_so_high_bits_cannot_smuggle_inet(arch: Arch) -> None:
    assert verdict(arch, "socket", (1 << 32) | socket.AF_INET, network=False) == EPERM
    assert verdict(arch, "socket", (1 << 32) | socket.AF_UNIX, network=False) == RET_ALLOW


@pytest.mark.parametrize("arch", ARCHES)
def test_without_network_codex_socket_calls_fail_and_recvfrom_sendmsg_recvmsg_do_not(arch: Arch) -> None:
    for name in SOCKET_CALLS:
        assert verdict(arch, name, network=False) == EPERM, name
        assert verdict(arch, name, network=True) == RET_ALLOW, name
    for nr in (45, 46, 47) if arch is X86_64 else (207, 211, 212):  # recvfrom, sendmsg, recvmsg
        assert run_bpf(build_filter(network=False, arch=arch), arch=arch.audit_arch, nr=nr) == RET_ALLOW


@pytest.mark.parametrize("arch", ARCHES)
def test_with_network_every_socket_family_is_allowed(arch: Arch) -> None:
    assert verdict(arch, "socket", socket.AF_INET, network=True) == RET_ALLOW


@pytest.mark.parametrize("arch", ARCHES)
def test_new_user_namespaces_are_refused_and_clone3_reports_enosys(arch: Arch) -> None:
    clone_newuser, clone_newns = 0x10000000, 0x00020000
    assert verdict(arch, "unshare", clone_newuser, network=True) == EPERM
    assert verdict(arch, "unshare", clone_newns, network=True) == RET_ALLOW
    assert verdict(arch, "clone", clone_newuser | 0x11, network=True) == EPERM
    assert verdict(arch, "clone", 0x11, network=True) == RET_ALLOW
    assert verdict(arch, "clone3", network=True) == ENOSYS


@pytest.mark.parametrize("arch", ARCHES)
def test_a_syscall_made_with_another_architectures_convention_kills_the_process(arch: Arch) -> None:
    other = AARCH64 if arch is X86_64 else X86_64
    program = build_filter(network=True, arch=arch)
    assert run_bpf(program, arch=other.audit_arch, nr=arch.numbers["ptrace"]) == RET_KILL_PROCESS
    assert run_bpf(program, arch=0x40000003, nr=1) == RET_KILL_PROCESS  # i386


def test_x32_system_calls_on_x86_64_are_refused() -> None:
    program = build_filter(network=True, arch=X86_64)
    assert run_bpf(program, arch=X86_64.audit_arch, nr=0x40000000 | 41) == EPERM
    assert run_bpf(program, arch=X86_64.audit_arch, nr=0) == RET_ALLOW  # read


def test_ordinary_system_calls_pass() -> None:
    for arch in (X86_64, AARCH64):
        for nr in (0, 1, 2, 3, 59, 60, 63, 64, 93, 221):
            if nr in arch.numbers.values():
                continue
            assert run_bpf(build_filter(network=False, arch=arch), arch=arch.audit_arch, nr=nr) == RET_ALLOW


LOADED = """
import os, socket, sys
from sandbox._landlock import drop_privileges, install_seccomp
from sandbox._seccomp import build_filter
drop_privileges()
install_seccomp(build_filter(network=False))
results = []
for family in (socket.AF_INET, socket.AF_UNIX):
    try:
        socket.socket(family).close()
        results.append("ok")
    except PermissionError:
        results.append("EPERM")
print(" ".join(results))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="seccomp is Linux-only")
def test_the_program_loads_into_the_kernel_and_blocks_inet_but_not_unix_sockets() -> None:
    from sandbox._detect import detect

    if not detect().seccomp:
        pytest.skip("kernel without seccomp filter support (/proc/sys/kernel/seccomp/actions_avail lacks errno)")
    result = subprocess.run([sys.executable, "-c", LOADED], capture_output=True, text=True, check=True, timeout=30)
    assert result.stdout.split() == ["EPERM", "ok"]
