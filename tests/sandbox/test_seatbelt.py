"""The Seatbelt profile text (snapshot-tested on any OS) and the sandbox-exec command line."""

from __future__ import annotations

from pathlib import Path

from inline_snapshot import snapshot

from sandbox._plan import Plan, WritableRoot
from sandbox._seatbelt import SANDBOX_EXEC, seatbelt_argv, seatbelt_profile

WORKSPACE = Plan(
    full_write=False,
    network=False,
    roots=(
        WritableRoot(Path("/work/repo"), (Path("/work/repo/.git"), Path("/work/repo/.codex"))),
        WritableRoot(Path("/scratch"), ()),
    ),
)


def tail(profile: str) -> str:
    """The part after the fixed base: reading, writing and network sections."""
    return profile[profile.index("; Reading:") :]


def test_read_only_profile_allows_reading_and_nothing_else() -> None:
    profile, params = seatbelt_profile(Plan(full_write=False, network=False))
    assert params == {}
    assert tail(profile) == snapshot("""\
; Reading: everywhere.
(allow file-read*)

; Writing: nowhere but /dev/null.

; Network: denied (nothing allows it).
""")


def test_workspace_profile_writes_beneath_roots_except_their_protected_paths() -> None:
    profile, params = seatbelt_profile(WORKSPACE)
    assert params == {
        "WRITABLE_ROOT_0": "/work/repo",
        "WRITABLE_ROOT_0_EXCLUDED_0": "/work/repo/.git",
        "WRITABLE_ROOT_0_EXCLUDED_1": "/work/repo/.codex",
        "WRITABLE_ROOT_1": "/scratch",
    }
    assert tail(profile) == snapshot("""\
; Reading: everywhere.
(allow file-read*)

; Writing: beneath the writable roots, never their protected paths.
(allow file-write*
  (require-all
    (subpath (param "WRITABLE_ROOT_0"))
    (require-not (literal (param "WRITABLE_ROOT_0_EXCLUDED_0")))
    (require-not (subpath (param "WRITABLE_ROOT_0_EXCLUDED_0")))
    (require-not (literal (param "WRITABLE_ROOT_0_EXCLUDED_1")))
    (require-not (subpath (param "WRITABLE_ROOT_0_EXCLUDED_1"))))
  (subpath (param "WRITABLE_ROOT_1")))

; Network: denied (nothing allows it).
""")


def test_network_section_and_user_cache_dir_appear_only_with_network() -> None:
    plan = Plan(full_write=False, network=True, roots=(WritableRoot(Path("/w"), ()),))
    profile, params = seatbelt_profile(plan, user_cache_dir="/cache")
    assert params == {"WRITABLE_ROOT_0": "/w", "DARWIN_USER_CACHE_DIR": "/cache"}
    assert profile[profile.index("; Network:") :] == snapshot("""\
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

; The per-user cache directory, which the network stack writes to.
(allow file-write*
  (subpath (param "DARWIN_USER_CACHE_DIR")))
""")


def test_base_profile_denies_by_default_and_scopes_signals_to_the_sandbox() -> None:
    profile, _ = seatbelt_profile(WORKSPACE)
    assert profile.startswith(
        "(version 1)\n\n; Closed by default: only what is listed below is allowed.\n(deny default)\n"
    )
    assert "(allow signal (target same-sandbox))" in profile
    assert profile.count("(") == profile.count(")")


def test_full_write_plan_allows_writing_everywhere() -> None:
    profile, _ = seatbelt_profile(Plan(full_write=True, network=False))
    assert '(allow file-write* (regex #"^/"))' in profile


def test_argv_passes_the_profile_and_each_parameter_before_the_command() -> None:
    argv = seatbelt_argv(WORKSPACE, ["ls", "-l"])
    assert argv[:2] == [SANDBOX_EXEC, "-p"]
    assert argv[3:] == [
        "-DWRITABLE_ROOT_0=/work/repo",
        "-DWRITABLE_ROOT_0_EXCLUDED_0=/work/repo/.git",
        "-DWRITABLE_ROOT_0_EXCLUDED_1=/work/repo/.codex",
        "-DWRITABLE_ROOT_1=/scratch",
        "--",
        "ls",
        "-l",
    ]
