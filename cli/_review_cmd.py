"""`pycodex review` and `pycodex exec review`: a read-only reviewer looks at a change and reports findings.

Exit codes: 0 the review completed with no finding of priority 0 or 1 (or `--exit-zero`), or there was nothing to
review; 1 a finding of priority 0 or 1, the reviewer failed or its answer was not the findings JSON, a config or
provider error; 2 usage error (conflicting targets, an unknown branch or commit, not a git repository for a change
target, an empty prompt); 130 interrupted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from agent import Config, Event
    from agent.review import ReviewRequest, ReviewResult, ReviewTarget

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


@dataclass
class ReviewOptions:
    prompt: str | None = None
    uncommitted: bool = False
    base: str | None = None
    commit: str | None = None
    title: str | None = None
    json_mode: bool = False
    output_last_message: Path | None = None
    model: str | None = None
    cd: Path | None = None
    skip_git_repo_check: bool = False
    exit_zero: bool = False
    config: list[str] = field(default_factory=lambda: [])
    profile: str | None = None
    strict_config: bool = False


def register(app: typer.Typer) -> None:
    """Add `review` (and the hidden `exec-review` that `pycodex exec review` is rewritten to) to `app`."""
    _add(app, "review", hidden=False)
    _add(app, "exec-review", hidden=True)


def _add(app: typer.Typer, name: str, *, hidden: bool) -> None:
    @app.command(
        name,
        hidden=hidden,
        help="Review a change with a read-only reviewer and print its findings: the uncommitted changes (the "
        "default), the changes against a base branch, or a commit; or give PROMPT alone to say what to review (`-` "
        "reads it from stdin). Exits 1 when a finding of priority 0 or 1 is reported (unless --exit-zero).",
    )
    def review_command(  # pyright: ignore[reportUnusedFunction]
        prompt: Annotated[
            str | None, typer.Argument(help="What to review (alone), or extra instructions (with a target).")
        ] = None,
        uncommitted: Annotated[
            bool, typer.Option("--uncommitted", help="Review staged, unstaged and untracked changes.")
        ] = False,
        base: Annotated[str | None, typer.Option("--base", help="Review the changes against this branch.")] = None,
        commit: Annotated[str | None, typer.Option("--commit", help="Review the change made by this commit.")] = None,
        title: Annotated[str | None, typer.Option("--title", help="The commit's title (with --commit).")] = None,
        json_mode: Annotated[bool, typer.Option("--json", help="Print the findings as one JSON object.")] = False,
        output_last_message: Annotated[
            Path | None, typer.Option("--output-last-message", "-o", help="Write the rendered review to FILE.")
        ] = None,
        model: Annotated[str | None, typer.Option("--model", "-m", help="Model (default: review_model).")] = None,
        cd: Annotated[Path | None, typer.Option("--cd", "-C", help="Work in this directory.")] = None,
        skip_git_repo_check: Annotated[
            bool, typer.Option("--skip-git-repo-check", help="Allow a PROMPT review outside a git repository.")
        ] = False,
        exit_zero: Annotated[
            bool, typer.Option("--exit-zero", help="Exit 0 even when a finding of priority 0 or 1 is reported.")
        ] = False,
        config: Annotated[
            list[str] | None, typer.Option("--config", "-c", help="Override a config value: -c key=value (TOML).")
        ] = None,
        profile: Annotated[str | None, typer.Option("--profile", "-p", help="Config profile to use.")] = None,
        strict_config: Annotated[
            bool, typer.Option("--strict-config", help="Treat unknown config keys as errors.")
        ] = False,
    ) -> None:
        options = ReviewOptions(
            prompt=prompt,
            uncommitted=uncommitted,
            base=base,
            commit=commit,
            title=title,
            json_mode=json_mode,
            output_last_message=output_last_message,
            model=model,
            cd=cd,
            skip_git_repo_check=skip_git_repo_check,
            exit_zero=exit_zero,
            config=list(config or []),
            profile=profile,
            strict_config=strict_config,
        )
        raise typer.Exit(run_review_command(options))


class _Usage(Exception):
    pass


def _target(options: ReviewOptions) -> tuple[ReviewTarget, str | None]:
    """The target and the extra instructions, from the flags and PROMPT."""
    from agent.review import ReviewTarget

    chosen = [
        flag
        for flag, on in (
            ("--uncommitted", options.uncommitted),
            ("--base", options.base is not None),
            ("--commit", options.commit is not None),
        )
        if on
    ]
    if len(chosen) > 1:
        raise _Usage(f"choose one review target; got {' and '.join(chosen)}")
    if options.title is not None and options.commit is None:
        raise _Usage("--title names a commit's title; it needs --commit SHA")
    prompt = options.prompt
    if prompt == "-":
        from ._exec_run import UsageError, resolve_prompt

        try:
            prompt = resolve_prompt("-")
        except UsageError as exc:
            raise _Usage(str(exc)) from None
    if options.base is not None:
        if not options.base.strip():
            raise _Usage("--base needs a branch name")
        return ReviewTarget("base", branch=options.base), prompt
    if options.commit is not None:
        if not options.commit.strip():
            raise _Usage("--commit needs a commit SHA")
        return ReviewTarget("commit", sha=options.commit, title=options.title), prompt
    if options.uncommitted or prompt is None:
        return ReviewTarget("uncommitted"), prompt
    if not prompt.strip():
        raise _Usage("the review prompt is empty")
    return ReviewTarget("custom", instructions=prompt), None


def _err(message: str) -> None:
    import sys

    sys.stderr.write(message.rstrip("\n") + "\n")
    sys.stderr.flush()


def run_review_command(options: ReviewOptions) -> int:
    """Run `pycodex review` and return its exit code."""
    import agent
    from agent.review import ReviewTargetError, resolve_target, review_config

    try:
        for override in options.config:
            if "=" not in override:
                raise _Usage(f"invalid -c override (expected key=value): {override}")
        target, instructions = _target(options)
    except _Usage as exc:
        _err(f"Error: {exc}")
        return EXIT_USAGE
    if options.output_last_message is not None:
        _write(options.output_last_message, "")
    flags = agent.SessionFlags(model=options.model, profile=options.profile, cwd=options.cd)
    try:
        config = review_config(flags, options.config, strict=options.strict_config)
        config, notice = agent.choose_provider(config)
    except agent.FlagError as exc:
        _err(f"Error: {exc}")
        return EXIT_USAGE
    except agent.ConfigError as exc:
        _err(f"Error loading configuration: {exc}")
        return EXIT_FAILURE
    except agent.ProviderError as exc:
        _err(f"Error: {exc}")
        return EXIT_FAILURE
    if notice:
        _err(notice)
    if target.kind == "custom" and not options.skip_git_repo_check:
        from ._exec_run import _in_git_repo  # pyright: ignore[reportPrivateUsage]

        if not _in_git_repo(config.cwd):
            _err(
                f"Error: {config.cwd} is not inside a git repository; run the review in one, or pass "
                "--skip-git-repo-check."
            )
            return EXIT_FAILURE
    try:
        request = resolve_target(target, config.cwd, instructions)
    except ReviewTargetError as exc:
        _err(f"Error: {exc}")
        return EXIT_USAGE
    if request.empty:
        return _nothing_to_review(options, request)
    return _review(options, config, request)


def _nothing_to_review(options: ReviewOptions, request: ReviewRequest) -> int:
    import json
    import sys

    text = f"Nothing to review: there are no {request.target.hint}."
    if request.target.kind == "base":
        text = f"Nothing to review: no {request.target.hint}."
    _err(text)
    if options.json_mode:
        document: dict[str, Any] = {
            "target": request.target.as_json(),
            "hint": request.target.hint,
            "findings": [],
            "overall_correctness": None,
            "overall_explanation": text,
            "overall_confidence_score": None,
            "rendered": text,
            "blocking": 0,
        }
        sys.stdout.write(json.dumps(document, ensure_ascii=False) + "\n")
    return EXIT_OK


def _review(options: ReviewOptions, config: Config, request: ReviewRequest) -> int:
    import anyio

    import agent

    _err(f"pycodex review: {request.target.hint} · model {config.model} · sandbox read-only")
    try:
        result = anyio.run(_run, config, request)
    except agent.AgentError as exc:
        _err(f"Error: {exc}")
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    return _report(options, request, result)


async def _run(config: Config, request: ReviewRequest) -> ReviewResult:
    import io
    import signal
    import sys

    import anyio

    import agent
    from agent import protocol
    from agent.review import run_review

    from ._exec_render import HumanRenderer

    transcript = HumanRenderer(sys.stderr, io.StringIO())
    sessions: list[agent.Session] = []

    def on_event(event: Event) -> None:
        msg = event.msg
        if isinstance(msg, protocol.AgentMessage) and msg.message.lstrip().startswith(("{", "`")):
            return  # the findings JSON: rendered once the review is done
        transcript.on_event(event)

    async def interrupt_on_signals(scope: anyio.CancelScope) -> None:
        with scope, anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
            async for _ in signals:
                for session in sessions:
                    session.interrupt()

    scope = anyio.CancelScope()
    result: ReviewResult | None = None
    async with anyio.create_task_group() as tg:
        tg.start_soon(interrupt_on_signals, scope)
        result = await run_review(config, request, on_event=on_event, session_started=sessions.append)
        scope.cancel()
    transcript.finish(None)
    assert result is not None
    return result


def _report(options: ReviewOptions, request: ReviewRequest, result: ReviewResult) -> int:
    import json
    import sys

    from agent.review import render_review_output

    if result.output is None:
        _err(f"Error: {result.error}")
        if result.raw:
            _err("The reviewer said:\n" + result.raw)
        if options.json_mode:
            failure = {
                "target": request.target.as_json(),
                "hint": request.target.hint,
                "error": result.error,
                "raw": result.raw,
            }
            sys.stdout.write(json.dumps(failure, ensure_ascii=False) + "\n")
        return EXIT_INTERRUPTED if result.status == "aborted" else EXIT_FAILURE
    output = result.output
    rendered = render_review_output(output)
    blocking = output.blocking
    if options.json_mode:
        document = {
            "target": request.target.as_json(),
            "hint": request.target.hint,
            **output.model_dump(mode="json"),
            "rendered": rendered,
            "blocking": len(blocking),
        }
        sys.stdout.write(json.dumps(document, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(rendered + "\n")
    sys.stdout.flush()
    if options.output_last_message is not None:
        _write(options.output_last_message, rendered)
    if blocking and not options.exit_zero:
        _err(f"{len(blocking)} finding(s) of priority 0 or 1: exit 1 (pass --exit-zero to exit 0).")
        return EXIT_FAILURE
    return EXIT_OK


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        _err(f"Warning: cannot write {path}: {exc.strerror}")
