"""The patch tool against a workspace that changes under it while the user is being asked (issue 14, item 1).

A real sandboxed command, started through the sandbox's one door while the approval is pending, replaces a folder of
the workspace by a symbolic link to a folder outside. After the approval nothing may land outside the workspace.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import anyio
import pytest

import agent
import sandbox
from agent.protocol import ApplyPatchApprovalRequest, ApprovalRequest, ReviewDecision
from tests.support.model_server import ScriptedModelServer, custom_tool_call, message

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the swapper runs in the Linux sandbox"),
]

POLICY = sandbox.WorkspaceWrite(exclude_slash_tmp=True, exclude_tmpdir_env_var=True)


class SwappingApprover:
    """Approves each patch, but first lets a sandboxed command swap `sub` for a link to `outside`."""

    def __init__(self, work: Path, outside: Path) -> None:
        self.work = work
        self.outside = outside
        self.swapper_output = ""

    async def request_approval(self, request: ApprovalRequest, turn_id: str) -> ReviewDecision:
        assert isinstance(request, ApplyPatchApprovalRequest), request
        script = f"mv sub sub.old && ln -s {self.outside} sub"
        with anyio.fail_after(30):
            async with anyio.create_task_group() as tg:
                proc = await sandbox.spawn(
                    ["/bin/sh", "-c", script], cwd=self.work, env=dict(os.environ), policy=POLICY, task_group=tg
                )
                code = await proc.wait()
                self.swapper_output = proc.take_output().decode(errors="replace")
                assert code == 0, self.swapper_output
        assert (self.work / "sub").is_symlink()
        return "approved"


async def run_patch(work: Path, approver: SwappingApprover, patch: str) -> str:
    steps = [{"items": [custom_tool_call("apply_patch", patch, "p1")]}, {"items": [message("ok")]}]
    with ScriptedModelServer(steps) as server:
        config = agent.load_config(
            agent.ConfigOverrides(cwd=work, approval_policy="untrusted", sandbox_mode="workspace-write"),
            [
                f'model_providers.mock={{base_url="{server.base_url}"}}',
                "model_provider=mock",
                "sandbox_workspace_write.exclude_slash_tmp=true",
                "sandbox_workspace_write.exclude_tmpdir_env_var=true",
            ],
        )
        async with agent.Session(config, approvals=approver, ephemeral=True) as session:
            await session.run_turn([agent.TextInput(text="go")])
        outputs = [str(i["output"]) for i in server.requests[-1].body["input"] if i.get("type", "").endswith("_output")]
    return outputs[-1]


@pytest.fixture
def arena(tmp_path: Path) -> tuple[Path, Path]:
    work, outside = tmp_path / "work", tmp_path / "outside"
    (work / "sub").mkdir(parents=True)
    (work / "sub" / "a.txt").write_text("a\n", encoding="utf-8")
    outside.mkdir()
    return work, outside


async def test_a_folder_swapped_for_a_link_while_approval_is_pending_cannot_carry_an_added_file_outside(
    arena: tuple[Path, Path],
) -> None:
    work, outside = arena
    approver = SwappingApprover(work, outside)
    output = await run_patch(work, approver, "*** Begin Patch\n*** Add File: sub/new.txt\n+pwned\n*** End Patch\n")
    assert list(outside.iterdir()) == []
    assert output.startswith("Exit code: 1"), output
    assert f"Failed to write file {work}/sub/new.txt" in output
    assert f"the symbolic link {work}/sub leads there" in output
    assert sorted(p.name for p in (work / "sub.old").iterdir()) == ["a.txt"]


async def test_a_folder_swapped_for_a_link_cannot_carry_a_move_or_a_delete_outside(
    arena: tuple[Path, Path],
) -> None:
    work, outside = arena
    (work / "keep.txt").write_text("k\n", encoding="utf-8")
    (outside / "a.txt").write_text("a\n", encoding="utf-8")  # what verification saw, now also outside
    approver = SwappingApprover(work, outside)
    patch = (
        "*** Begin Patch\n*** Update File: keep.txt\n*** Move to: sub/moved.txt\n@@\n-k\n+m\n"
        "*** Delete File: sub/a.txt\n*** End Patch\n"
    )
    output = await run_patch(work, approver, patch)
    assert sorted(p.name for p in outside.iterdir()) == ["a.txt"], output
    assert (outside / "a.txt").read_text(encoding="utf-8") == "a\n"
    assert (work / "keep.txt").read_text(encoding="utf-8") == "k\n"
    assert output.startswith("Exit code: 1"), output
