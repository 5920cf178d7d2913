"""Skills in a real `Session` driven by `ScriptedModel`: found in every root, listed to the model once, given whole
when named with `$name`, malformed ones reported at the start; and the pieces (frontmatter, budget, mentions)."""
# pyright: reportPrivateUsage=false

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import anyio
import pytest

import agent
from agent.model import Prompt, ScriptedModel, reply, text
from agent.protocol import Event, Warning
from agent.skills import (
    FrontmatterError,
    SkillProblem,
    SkillRoot,
    discover,
    fit_descriptions,
    mentioned_skills,
    parse_frontmatter,
    read_skill,
    skills_instructions,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
def places(tmp_path: Path, codex_home: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """A git repository with a subfolder to work in, a home folder and a system config folder (all empty)."""
    repo = tmp_path / "repo"
    (repo / "pkg").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    home = tmp_path / "home"
    home.mkdir()
    system = tmp_path / "etc-codex"
    system.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("PYCODEX_SYSTEM_CONFIG_DIR", str(system))
    return {"repo": repo, "cwd": repo / "pkg", "home": home, "system": system, "codex_home": codex_home}


def write_skill(folder: Path, name: str | None, description: str, *, extra: str = "", body: str = "Do it.\n") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["---"]
    if name is not None:
        lines.append(f"name: {name}")
    lines.append(f"description: {description}")
    if extra:
        lines.append(extra)
    lines.append("---")
    path = folder / "SKILL.md"
    path.write_text("\n".join(lines) + "\n" + body, encoding="utf-8")
    return path


def config_for(cwd: Path, *overrides: str) -> agent.Config:
    return agent.load_config(
        agent.ConfigOverrides(cwd=cwd, approval_policy="never", sandbox_mode="read-only"),
        ['model_providers.unused={base_url="http://127.0.0.1:9/v1"}', "model_provider=unused", *overrides],
    )


def texts_of(prompt: Prompt, role: str) -> list[str]:
    return [
        str(part.get("text", ""))
        for item in prompt.input
        if item.get("type") == "message" and item.get("role") == role
        for part in item.get("content", [])
    ]


def drain(session: agent.Session) -> list[Event]:
    events: list[Event] = []
    stream = session.events()
    while True:
        try:
            events.append(stream.receive_nowait())
        except anyio.WouldBlock:
            return events


def one_of_each(places: dict[str, Path]) -> dict[str, Path]:
    """A skill in every root, a malformed one, and the project trusted (so `.codex/skills` is read)."""
    repo = places["repo"]
    (places["codex_home"] / "config.toml").write_text(f'[projects."{repo}"]\ntrust_level = "trusted"\n')
    return {
        "deploy": write_skill(repo / ".codex/skills/deploy", "deploy", "Ship the service to staging."),
        "lint": write_skill(repo / ".agents/skills/lint", "lint", "Run the linters and fix what they report."),
        "pkg-notes": write_skill(places["cwd"] / ".agents/skills/notes", "pkg-notes", "Notes for the pkg folder."),
        "changelog": write_skill(places["codex_home"] / "skills/a/b/changelog", "changelog", "Write a changelog."),
        "tidy": write_skill(places["home"] / ".agents/skills/tidy", "tidy", "Tidy imports."),
        "policy": write_skill(places["system"] / "skills/policy", "policy", "The company's review policy."),
        "broken": write_skill(places["codex_home"] / "skills/broken", None, "Has no name."),
    }


async def test_skills_from_every_root_are_listed_once_and_a_named_one_is_given_whole(
    places: dict[str, Path],
) -> None:
    paths = one_of_each(places)
    model = ScriptedModel([reply(text("linted")), reply(text("again"))])
    async with agent.Session(config_for(places["cwd"]), model=model, ephemeral=True) as session:
        await session.run_turn([agent.TextInput(text="Please use $lint on this, then $nothing.")])
        await session.run_turn([agent.TextInput(text="and once more")])
        events = drain(session)

    [listing] = [t for t in texts_of(model.prompts[0], "developer") if t.startswith("<skills_instructions>")]
    assert listing.endswith("</skills_instructions>")
    order = [
        line.split(":")[0].removeprefix("- ")
        for line in listing.splitlines()
        if line.startswith("- ") and "(file: r" in line
    ]
    assert order == ["deploy", "pkg-notes", "lint", "changelog", "tidy", "policy"]
    assert f"- `r3` = `{places['codex_home'] / 'skills'}`" in listing
    assert "- changelog: Write a changelog. (file: r3/a/b/changelog/SKILL.md)" in listing
    assert "- lint: Run the linters and fix what they report. (file: r2/lint/SKILL.md)" in listing

    user = texts_of(model.prompts[0], "user")
    named = user.index("Please use $lint on this, then $nothing.")
    assert user[named + 1] == (
        f"<skill>\n<name>lint</name>\n<path>{paths['lint']}</path>\n{paths['lint'].read_text()}\n</skill>"
    )
    assert len([t for t in user if t.startswith("<skill>")]) == 1
    # The list is part of the thread's opening context, not repeated each turn.
    assert len([t for t in texts_of(model.prompts[1], "developer") if t.startswith("<skills_instructions>")]) == 1

    warnings = [e.msg.message for e in events if isinstance(e.msg, Warning)]
    assert warnings == [f"Skipped a skill: {paths['broken']} (field `name`): missing field `name` in the frontmatter"]


async def test_untrusted_projects_keep_their_codex_skills_out_but_not_agents_skills(places: dict[str, Path]) -> None:
    repo = places["repo"]
    write_skill(repo / ".codex/skills/deploy", "deploy", "Ship it.")
    write_skill(repo / ".agents/skills/lint", "lint", "Lint it.")
    skills = agent.skills.load_skills(config_for(places["cwd"]))
    assert [s.name for s in skills.skills] == ["lint"]


async def test_skills_config_turns_one_off_and_include_instructions_false_drops_the_list(
    places: dict[str, Path],
) -> None:
    repo = places["repo"]
    lint = write_skill(repo / ".agents/skills/lint", "lint", "Lint it.")
    write_skill(repo / ".agents/skills/fmt", "fmt", "Format it.")
    off = [f'skills.config=[{{path="{lint}", enabled=false}}]']
    model = ScriptedModel([reply(text("ok"))])
    async with agent.Session(config_for(places["cwd"], *off), model=model, ephemeral=True) as session:
        await session.run_turn([agent.TextInput(text="$lint and $fmt")])
        assert session.skills is not None
        assert [(s.name, s.enabled) for s in session.skills.skills] == [("fmt", True), ("lint", False)]
    [listing] = [t for t in texts_of(model.prompts[0], "developer") if t.startswith("<skills_instructions>")]
    assert "- fmt:" in listing and "- lint:" not in listing
    injected = [t for t in texts_of(model.prompts[0], "user") if t.startswith("<skill>")]
    assert [t.split("\n")[1] for t in injected] == ["<name>fmt</name>"]

    model = ScriptedModel([reply(text("ok"))])
    config = config_for(places["cwd"], "skills.include_instructions=false")
    async with agent.Session(config, model=model, ephemeral=True) as session:
        await session.run_turn([agent.TextInput(text="$fmt")])
    assert not any(t.startswith("<skills_instructions>") for t in texts_of(model.prompts[0], "developer"))
    assert any(t.startswith("<skill>\n<name>fmt</name>") for t in texts_of(model.prompts[0], "user"))


def test_each_malformed_skill_names_its_file_and_field(tmp_path: Path) -> None:
    root = SkillRoot(tmp_path, "user")
    cases: dict[str, tuple[str | None, str]] = {
        "no-front": (None, "missing YAML frontmatter delimited by ---"),
        "no-description": ("description", "missing field `description` in the frontmatter"),
        "long-name": ("name", "is 65 characters long; the most allowed is 64"),
        "long-description": ("description", "is 1025 characters long; the most allowed is 1024"),
        "bad-metadata": ("metadata", "must be a mapping"),
        "long-short": ("metadata.short-description", "is 1025 characters long; the most allowed is 1024"),
        "bad-yaml": (None, "line 3: expected `key: value`"),
    }
    contents = {
        "no-front": "# just markdown\n",
        "no-description": "---\nname: x\n---\n",
        "long-name": f"---\nname: {'n' * 65}\ndescription: d\n---\n",
        "long-description": f"---\nname: x\ndescription: {'d' * 1025}\n---\n",
        "bad-metadata": "---\nname: x\ndescription: d\nmetadata: flat\n---\n",
        "long-short": f"---\nname: x\ndescription: d\nmetadata:\n  short-description: {'s' * 1025}\n---\n",
        "bad-yaml": "---\nname: x\njust words\n---\n",
    }
    for case, (field, message) in cases.items():
        path = tmp_path / case / "SKILL.md"
        path.parent.mkdir()
        path.write_text(contents[case])
        problem = read_skill(path, root)
        assert isinstance(problem, SkillProblem), case
        assert (problem.path, problem.field) == (path, field), case
        assert message in problem.message, case


def test_frontmatter_reads_quotes_block_scalars_lists_and_nested_metadata() -> None:
    front, body = parse_frontmatter(
        "---\n"
        "name: 'it''s'\n"
        "description: >\n  Folded over\n  two lines.\n"
        "metadata:\n  short-description: \"Short: yes\"  # a comment\n  tags: [a, 'b, c']\n"
        "allowed-tools:\n  - Read\n  - Grep\n"
        "---\nBody.\n"
    )
    assert front == {
        "name": "it's",
        "description": "Folded over two lines.\n",
        "metadata": {"short-description": "Short: yes", "tags": ["a", "b, c"]},
        "allowed-tools": ["Read", "Grep"],
    }
    assert body == "Body.\n"
    with pytest.raises(FrontmatterError, match="line 3: this line is indented more than the key above it"):
        parse_frontmatter("---\nname: x\n  oops: y\n---\n")


def test_the_list_keeps_every_name_and_shortens_the_longest_descriptions_to_fit(tmp_path: Path) -> None:
    for index in range(3):
        write_skill(tmp_path / f"s{index}", f"s{index}", ("word " * (10 + 90 * index)).strip())
    skills = discover([SkillRoot(tmp_path, "user")])
    roomy = skills_instructions(skills, 100_000)
    tight = skills_instructions(skills, 400)
    assert roomy is not None and tight is not None
    lines = [line for line in tight.splitlines() if line.startswith("- s")]
    assert [line.split(":")[0] for line in lines] == ["- s0", "- s1", "- s2"]
    assert sum(len(line) for line in lines) <= 400
    assert lines[0] == "- s0: " + ("word " * 10).strip() + " (file: r0/s0/SKILL.md)"
    assert "…" in lines[1] and "…" in lines[2]
    assert fit_descriptions(["aaaa", "bbbbbbbb"], 8) == ["aaaa", "bbb…"]
    assert fit_descriptions(["aaaa", "bbbb"], 0) == ["", ""]


def test_a_mention_needs_the_whole_name(tmp_path: Path) -> None:
    write_skill(tmp_path / "lint", "lint", "d")
    write_skill(tmp_path / "lint-fix", "lint-fix", "d")
    skills = discover([SkillRoot(tmp_path, "user")])
    names: Any = [s.name for s in mentioned_skills(skills, "use $lint-fix, then $lint.")]
    assert names == ["lint-fix", "lint"]
    assert mentioned_skills(skills, "use $linter and $PATH") == []


def test_the_walk_stops_at_the_depth_limit_and_skips_hidden_folders(tmp_path: Path) -> None:
    write_skill(tmp_path / "1/2/3/4/5/six", "six", "deep enough")
    write_skill(tmp_path / "1/2/3/4/5/6/seven", "seven", "too deep")
    write_skill(tmp_path / ".hidden/x", "hidden", "not searched")
    skills = discover([SkillRoot(tmp_path, "user")])
    assert [s.name for s in skills.skills] == ["six"]


def test_the_skills_door_shows_these_names() -> None:
    assert sorted(agent.skills.__all__) == [
        "CustomPrompt",
        "FrontmatterError",
        "MAX_DEPTH",
        "MAX_DIRS_PER_ROOT",
        "PromptArgumentError",
        "Skill",
        "SkillProblem",
        "SkillRoot",
        "SkillScope",
        "SkillSet",
        "disabled_paths",
        "discover",
        "expand_prompt",
        "fit_descriptions",
        "listing_budget",
        "load_custom_prompts",
        "load_skills",
        "mentioned_skills",
        "parse_frontmatter",
        "prompts_dir",
        "read_custom_prompt",
        "read_skill",
        "skill_injections",
        "skill_message",
        "skill_roots",
        "skills_instructions",
    ]


def test_a_custom_prompt_fills_its_placeholders_and_keeps_arguments_it_has_no_place_for(tmp_path: Path) -> None:
    from agent.skills import PromptArgumentError, expand_prompt, load_custom_prompts

    prompts = tmp_path / "prompts"
    prompts.mkdir()
    (prompts / "fix.md").write_text("---\nargument-hint: ISSUE\n---\nFix issue $1; leave $9 alone; pay $$3.\n")
    (prompts / "plain.md").write_text("Tidy up.\n")
    (prompts / "two words.md").write_text("x")
    (prompts / "notes.txt").write_text("not a prompt")
    found, problems = load_custom_prompts(tmp_path)
    assert [(p.name, p.argument_hint, p.takes_arguments) for p in found] == [
        ("fix", "ISSUE", True),
        ("plain", None, False),
    ]
    assert problems == [
        f"Skipped the custom prompt {prompts / 'two words.md'}: its file name must have no spaces, since the name is "
        "typed as a command"
    ]
    fix, plain = found
    assert expand_prompt(fix, "'#12 and #13'") == "Fix issue #12 and #13; leave  alone; pay $3."
    assert expand_prompt(plain, "the tests folder") == "Tidy up.\n\nthe tests folder"
    assert expand_prompt(plain, "") == "Tidy up."
    with pytest.raises(PromptArgumentError, match="the arguments of /prompts:fix cannot be read"):
        expand_prompt(fix, '"unclosed')


def test_a_root_with_too_many_folders_is_reported_and_a_link_loop_is_walked_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agent.skills import _discover

    write_skill(tmp_path / "a", "a", "first")
    (tmp_path / "a" / "loop").symlink_to(tmp_path)
    assert [s.name for s in discover([SkillRoot(tmp_path, "user")]).skills] == ["a"]

    for name in ("b", "c", "d"):
        write_skill(tmp_path / name, name, "more")
    monkeypatch.setattr(_discover, "MAX_DIRS_PER_ROOT", 3)
    skills = discover([SkillRoot(tmp_path, "user")])
    [problem] = skills.problems
    assert problem.path == tmp_path
    assert problem.message == "stopped looking for skills here after 3 folders; skills further in are not used"
    assert [s.name for s in skills.skills] == ["a", "b"]


def test_a_misspelt_key_in_skills_config_is_reported(places: dict[str, Path]) -> None:
    config = config_for(places["cwd"], 'skills.config=[{path="/x/SKILL.md", enabeld=false}]')
    assert any("unknown configuration key `skills.config.0.enabeld`" in w for w in config.warnings)
    assert agent.skills.disabled_paths(config) == set()


async def test_a_skill_named_in_input_added_to_a_running_turn_follows_that_input(places: dict[str, Path]) -> None:
    write_skill(places["repo"] / ".agents/skills/fmt", "fmt", "Format it.")
    sessions: list[agent.Session] = []

    def script(prompt: Prompt) -> Any:
        if len(model.prompts) == 1:
            sessions[0].add_input([agent.TextInput(text="also run $fmt")])
            return reply(text("first"))
        return reply(text("second"))

    model = ScriptedModel(script)
    async with agent.Session(config_for(places["cwd"]), model=model, ephemeral=True) as session:
        sessions.append(session)
        await session.run_turn([agent.TextInput(text="go")])
    user = texts_of(model.prompts[1], "user")
    assert user[-2] == "also run $fmt"
    assert user[-1].startswith("<skill>\n<name>fmt</name>\n")
