"""macOS: the Seatbelt profile for a plan, and the `sandbox-exec` command line that applies it.

Paths never appear in the profile text; they are passed as `-D` parameters (`WRITABLE_ROOT_i`,
`WRITABLE_ROOT_i_EXCLUDED_j`, `DARWIN_USER_CACHE_DIR`), so the text depends only on the shape of the plan and can be
snapshot-tested anywhere.
"""

from __future__ import annotations

import os
import sys

from ._plan import Plan

SANDBOX_EXEC = "/usr/bin/sandbox-exec"

_BASE = """\
(version 1)

; Closed by default: only what is listed below is allowed.
(deny default)

; Commands may start other programs; children inherit this profile.
(allow process-exec)
(allow process-fork)

; Signals and process inspection only towards processes in this same sandbox.
(allow signal (target same-sandbox))
(allow process-info* (target same-sandbox))

; /dev/null is always writable.
(allow file-write-data
  (require-all
    (path "/dev/null")
    (vnode-type CHARACTER-DEVICE)))

; System facts that compilers, runtimes and build tools ask for.
(allow sysctl-read
  (sysctl-name "hw.activecpu")
  (sysctl-name "hw.busfrequency_compat")
  (sysctl-name "hw.byteorder")
  (sysctl-name "hw.cacheconfig")
  (sysctl-name "hw.cachelinesize_compat")
  (sysctl-name "hw.cpufamily")
  (sysctl-name "hw.cpufrequency_compat")
  (sysctl-name "hw.cputype")
  (sysctl-name "hw.l1dcachesize_compat")
  (sysctl-name "hw.l1icachesize_compat")
  (sysctl-name "hw.l2cachesize_compat")
  (sysctl-name "hw.l3cachesize_compat")
  (sysctl-name "hw.logicalcpu_max")
  (sysctl-name "hw.machine")
  (sysctl-name "hw.memsize")
  (sysctl-name "hw.ncpu")
  (sysctl-name "hw.nperflevels")
  (sysctl-name "hw.packages")
  (sysctl-name "hw.pagesize_compat")
  (sysctl-name "hw.pagesize")
  (sysctl-name "hw.physicalcpu")
  (sysctl-name "hw.physicalcpu_max")
  (sysctl-name "hw.tbfrequency_compat")
  (sysctl-name "hw.vectorunit")
  (sysctl-name "kern.argmax")
  (sysctl-name "kern.bootargs")
  (sysctl-name "kern.hostname")
  (sysctl-name "kern.maxfilesperproc")
  (sysctl-name "kern.maxproc")
  (sysctl-name "kern.osproductversion")
  (sysctl-name "kern.osrelease")
  (sysctl-name "kern.ostype")
  (sysctl-name "kern.osvariant_status")
  (sysctl-name "kern.osversion")
  (sysctl-name "kern.secure_kernel")
  (sysctl-name "kern.usrstack64")
  (sysctl-name "kern.version")
  (sysctl-name "sysctl.proc_cputype")
  (sysctl-name "vm.loadavg")
  (sysctl-name-prefix "hw.optional.")
  (sysctl-name-prefix "hw.perflevel")
  (sysctl-name-prefix "kern.proc.pgrp.")
  (sysctl-name-prefix "kern.proc.pid.")
  (sysctl-name-prefix "net.routetable."))

; Looking up users and groups (getpwuid and friends).
(allow mach-lookup
  (global-name "com.apple.system.opendirectoryd.libinfo")
  (global-name "com.apple.PowerManagement.control"))

; POSIX semaphores, which Python's multiprocessing needs.
(allow ipc-posix-sem)

; Pseudo terminals, for interactive commands.
(allow pseudo-tty)
(allow file-read* file-write* file-ioctl (literal "/dev/ptmx"))
(allow file-read* file-write*
  (require-all
    (regex #"^/dev/ttys[0-9]+")
    (extension "com.apple.sandbox.pty")))
(allow file-ioctl (regex #"^/dev/ttys[0-9]+"))
"""

_NETWORK = """\
; Network: allowed by the policy.
(allow network-outbound)
(allow network-inbound)
(allow system-socket)
(allow mach-lookup
  (global-name "com.apple.bsd.dirhelper")
  (global-name "com.apple.system.opendirectoryd.membership")
  (global-name "com.apple.SecurityServer")
  (global-name "com.apple.networkd")
  (global-name "com.apple.ocspd")
  (global-name "com.apple.trustd.agent")
  (global-name "com.apple.SystemConfiguration.DNSConfiguration")
  (global-name "com.apple.SystemConfiguration.configd")
  (global-name "com.apple.dnssd.service"))
"""

_CACHE_DIR_WRITE = """\
; The per-user cache directory, which the network stack writes to.
(allow file-write*
  (subpath (param "DARWIN_USER_CACHE_DIR")))
"""


def _canonical(path: str) -> str:
    # /tmp and /var are symlinks into /private on macOS; Seatbelt matches the resolved path.
    return os.path.realpath(path)


def seatbelt_profile(plan: Plan, *, user_cache_dir: str | None = None) -> tuple[str, dict[str, str]]:
    """The profile text for `plan` and the `-D` parameters it refers to."""
    params: dict[str, str] = {}
    sections = [_BASE, "; Reading: everywhere.\n(allow file-read*)\n"]
    if plan.full_write:
        sections.append('; Writing: everywhere.\n(allow file-write* (regex #"^/"))\n')
    elif plan.roots:
        clauses: list[str] = []
        for i, root in enumerate(plan.roots):
            name = f"WRITABLE_ROOT_{i}"
            params[name] = _canonical(str(root.root))
            if not root.read_only_subpaths:
                clauses.append(f'  (subpath (param "{name}"))')
                continue
            parts = [f'    (subpath (param "{name}"))']
            for j, sub in enumerate(root.read_only_subpaths):
                excluded = f"{name}_EXCLUDED_{j}"
                params[excluded] = _canonical(str(sub))
                parts.append(f'    (require-not (literal (param "{excluded}")))')
                parts.append(f'    (require-not (subpath (param "{excluded}")))')
            clauses.append("  (require-all\n" + "\n".join(parts) + ")")
        sections.append(
            "; Writing: beneath the writable roots, never their protected paths.\n(allow file-write*\n"
            + "\n".join(clauses)
            + ")\n"
        )
    else:
        sections.append("; Writing: nowhere but /dev/null.\n")
    if plan.network:
        sections.append(_NETWORK)
        if user_cache_dir:
            params["DARWIN_USER_CACHE_DIR"] = _canonical(user_cache_dir)
            sections.append(_CACHE_DIR_WRITE)
    else:
        sections.append("; Network: denied (nothing allows it).\n")
    return "\n".join(sections), params


def darwin_user_cache_dir() -> str | None:
    """`confstr(_CS_DARWIN_USER_CACHE_DIR)` on macOS, else None."""
    if sys.platform != "darwin":
        return None
    import ctypes

    libc = ctypes.CDLL(None)
    buf = ctypes.create_string_buffer(1024)
    length = int(libc.confstr(65538, buf, ctypes.c_size_t(len(buf))))  # _CS_DARWIN_USER_CACHE_DIR
    return buf.value.decode() if 0 < length <= len(buf) else None


def seatbelt_argv(plan: Plan, command: list[str], *, user_cache_dir: str | None = None) -> list[str]:
    """`sandbox-exec -p PROFILE -DNAME=VALUE... -- COMMAND...` for `plan`."""
    profile, params = seatbelt_profile(plan, user_cache_dir=user_cache_dir)
    return [SANDBOX_EXEC, "-p", profile, *(f"-D{k}={v}" for k, v in params.items()), "--", *command]
