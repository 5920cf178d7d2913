"""A seccomp filter built by hand: a small classic-BPF assembler for x86_64 and aarch64.

The filter lets everything through except:

- always: `ptrace` and the `io_uring_*` calls (EPERM), creating a user namespace through `unshare` or `clone`
  (EPERM), and `clone3` (ENOSYS, whose flags live in memory a filter cannot read; libc falls back to `clone`);
- with the network off: `socket`/`socketpair` for any family but AF_UNIX, and `connect accept accept4 bind listen
  getpeername getsockname shutdown sendto sendmmsg recvmmsg getsockopt setsockopt` (EPERM), as Codex does;
- with the network routed through the proxy (`proxied`): `socket` for any family but AF_UNIX, AF_INET and AF_INET6,
  and `socketpair` but for AF_UNIX (EPERM). The command then runs in its own network namespace where loopback, with
  the proxy's forwarder on it, is the only thing an inet socket can reach; netlink, packet and the other families
  that could reconfigure or sniff that namespace stay closed.

A syscall made with another architecture's convention (32-bit `int 0x80` on x86_64) kills the process; x32 calls
on x86_64 get EPERM. The program is returned as raw `struct sock_filter` bytes, the form bubblewrap's `--seccomp FD`
and `prctl(PR_SET_SECCOMP)` take.
"""

from __future__ import annotations

import errno
import platform
import struct
from dataclasses import dataclass

# struct seccomp_data: int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6];
_OFF_NR = 0
_OFF_ARCH = 4
_OFF_ARG0_LOW = 16  # little-endian: the low 32 bits of args[0] come first

_BPF_LD_W_ABS = 0x20
_BPF_JEQ_K = 0x15
_BPF_JGE_K = 0x35
_BPF_JSET_K = 0x45
_BPF_RET_K = 0x06

RET_ALLOW = 0x7FFF0000
RET_KILL_PROCESS = 0x80000000
_RET_ERRNO = 0x00050000

_X32_SYSCALL_BIT = 0x40000000
_AF_UNIX = 1
_AF_INET = 2
_AF_INET6 = 10
_CLONE_NEWUSER = 0x10000000


def ret_errno(code: int) -> int:
    """The filter return value that fails a syscall with `code`."""
    return _RET_ERRNO | (code & 0xFFFF)


@dataclass(frozen=True)
class Arch:
    """The audit architecture and syscall numbers of one ABI."""

    name: str
    audit_arch: int
    has_x32: bool
    numbers: dict[str, int]


_SOCKET_CALLS = (
    "connect accept accept4 bind listen getpeername getsockname shutdown sendto sendmmsg recvmmsg getsockopt setsockopt"
).split()

X86_64 = Arch(
    "x86_64",
    0xC000003E,
    True,
    {
        "socket": 41,
        "connect": 42,
        "accept": 43,
        "sendto": 44,
        "shutdown": 48,
        "bind": 49,
        "listen": 50,
        "getsockname": 51,
        "getpeername": 52,
        "socketpair": 53,
        "setsockopt": 54,
        "getsockopt": 55,
        "clone": 56,
        "ptrace": 101,
        "unshare": 272,
        "accept4": 288,
        "recvmmsg": 299,
        "sendmmsg": 307,
        "io_uring_setup": 425,
        "io_uring_enter": 426,
        "io_uring_register": 427,
        "clone3": 435,
    },
)

AARCH64 = Arch(
    "aarch64",
    0xC00000B7,
    False,
    {
        "unshare": 97,
        "ptrace": 117,
        "socket": 198,
        "socketpair": 199,
        "bind": 200,
        "listen": 201,
        "accept": 202,
        "connect": 203,
        "getsockname": 204,
        "getpeername": 205,
        "sendto": 206,
        "setsockopt": 208,
        "getsockopt": 209,
        "shutdown": 210,
        "clone": 220,
        "accept4": 242,
        "recvmmsg": 243,
        "sendmmsg": 269,
        "io_uring_setup": 425,
        "io_uring_enter": 426,
        "io_uring_register": 427,
        "clone3": 435,
    },
)

_ARCHES = {"x86_64": X86_64, "amd64": X86_64, "aarch64": AARCH64, "arm64": AARCH64}


def native_arch() -> Arch | None:
    """The ABI of this machine, or None when the filter does not know it."""
    return _ARCHES.get(platform.machine().lower())


class _Assembler:
    """Collects instructions whose jump targets are labels, then resolves them to forward offsets."""

    def __init__(self) -> None:
        self._code: list[tuple[int, str | int, str | int, int]] = []
        self._labels: dict[str, int] = {}

    def label(self, name: str) -> None:
        self._labels[name] = len(self._code)

    def load(self, offset: int) -> None:
        self._code.append((_BPF_LD_W_ABS, 0, 0, offset))

    def jump(self, op: int, k: int, if_true: str | int, if_false: str | int = 0) -> None:
        self._code.append((op, if_true, if_false, k))

    def ret(self, value: int) -> None:
        self._code.append((_BPF_RET_K, 0, 0, value))

    def assemble(self) -> bytes:
        out = bytearray()
        for index, (code, jt, jf, k) in enumerate(self._code):
            out += struct.pack("<HBBI", code, self._offset(index, jt), self._offset(index, jf), k)
        return bytes(out)

    def _offset(self, index: int, target: str | int) -> int:
        if isinstance(target, int):
            return target
        offset = self._labels[target] - index - 1
        if not 0 <= offset <= 255:  # pragma: no cover - the program is far smaller than the 8-bit jump range
            raise ValueError(f"jump to {target} out of range")
        return offset


def build_filter(*, network: bool, arch: Arch | None = None, proxied: bool = False) -> bytes:
    """The filter program for `arch` (default: this machine); `network=False` adds the socket rules (the proxied
    variant of them with `proxied`)."""
    arch = arch or native_arch()
    if arch is None:
        raise ValueError(f"no seccomp syscall table for {platform.machine()}")
    nr = arch.numbers
    asm = _Assembler()
    asm.load(_OFF_ARCH)
    asm.jump(_BPF_JEQ_K, arch.audit_arch, 1, 0)
    asm.ret(RET_KILL_PROCESS)
    asm.load(_OFF_NR)
    if arch.has_x32:
        asm.jump(_BPF_JGE_K, _X32_SYSCALL_BIT, "eperm")
    for name in ("ptrace", "io_uring_setup", "io_uring_enter", "io_uring_register"):
        asm.jump(_BPF_JEQ_K, nr[name], "eperm")
    asm.jump(_BPF_JEQ_K, nr["clone3"], "enosys")
    asm.jump(_BPF_JEQ_K, nr["unshare"], "check_userns")
    asm.jump(_BPF_JEQ_K, nr["clone"], "check_userns")
    if not network and proxied:
        asm.jump(_BPF_JEQ_K, nr["socket"], "check_inet_family")
        asm.jump(_BPF_JEQ_K, nr["socketpair"], "check_family")
    elif not network:
        for name in _SOCKET_CALLS:
            asm.jump(_BPF_JEQ_K, nr[name], "eperm")
        asm.jump(_BPF_JEQ_K, nr["socket"], "check_family")
        asm.jump(_BPF_JEQ_K, nr["socketpair"], "check_family")
    asm.ret(RET_ALLOW)
    if not network and proxied:
        asm.label("check_inet_family")
        asm.load(_OFF_ARG0_LOW)
        asm.jump(_BPF_JEQ_K, _AF_INET, "allow")
        asm.jump(_BPF_JEQ_K, _AF_INET6, "allow")
        asm.jump(_BPF_JEQ_K, _AF_UNIX, "allow", "eperm")
    if not network:
        asm.label("check_family")
        # The kernel reads the family as an int, so the low 32 bits of the argument are what counts.
        asm.load(_OFF_ARG0_LOW)
        asm.jump(_BPF_JEQ_K, _AF_UNIX, "allow", "eperm")
    asm.label("check_userns")
    asm.load(_OFF_ARG0_LOW)
    asm.jump(_BPF_JSET_K, _CLONE_NEWUSER, "eperm", "allow")
    asm.label("allow")
    asm.ret(RET_ALLOW)
    asm.label("eperm")
    asm.ret(ret_errno(errno.EPERM))
    asm.label("enosys")
    asm.ret(ret_errno(errno.ENOSYS))
    return asm.assemble()


def disassemble(program: bytes) -> list[tuple[int, int, int, int]]:
    """The program as `(code, jt, jf, k)` tuples, for tests and `pycodex sandbox status --json`."""
    return [struct.unpack_from("<HBBI", program, i) for i in range(0, len(program), 8)]
