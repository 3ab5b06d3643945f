"""The engine's commands (``generate``, ``estimate``, ``validate``, ``export``), added to a host's Typer app.

The library reads no environment: the host (``distillery``, in the backend) passes a ``credentials``
function that maps a provider name ("openai", "anthropic", "google", "groq", ...) to its key and
endpoint, and the directory holding ``domains.yaml`` and ``prices.yaml``.

Example:
    >>> import typer
    >>> from distillation.cli import register
    >>> app = typer.Typer()
    >>> register(app, credentials=lambda provider: None, config_dir=None)
    >>> sorted(command.name or "" for command in app.registered_commands)
    ['estimate', 'export', 'generate', 'validate']

    Then, from a shell (offline, with the bundled local model everywhere)::

        distillery generate --data-type qa --domain "Customer Support" --count 40 --output qa.jsonl
        distillery estimate --data-type qa --count 1000 --teacher openai:gpt-4o --student openai:gpt-4o-mini
        distillery validate qa.jsonl --data-type qa
        distillery export qa.jsonl --format openai --output out/ --splits 0.8,0.1,0.1
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from distillation.commands.options import ConfigDir, Environment, RunOptions, with_run_options

if TYPE_CHECKING:
    from distillation.providers import Credentials


def register(
    app: typer.Typer, *, credentials: Callable[[str], Credentials | None], config_dir: ConfigDir
) -> None:
    """Add ``generate``, ``estimate``, ``validate`` and ``export`` to ``app``.

    Nothing heavy is imported until a command runs, so the host's other commands start fast.

    Args:
        app: The host's Typer app.
        credentials: Provider name → its key and base URL, or None when it has none.
        config_dir: Directory of ``domains.yaml`` and ``prices.yaml`` (each used when present), or a
            function returning it when a command runs.
    """
    env = Environment(credentials, config_dir)
    for name, command in (
        ("generate", with_run_options(_generate(env))),
        ("estimate", with_run_options(_estimate(env))),
        ("validate", _validate),
        ("export", _export),
    ):
        app.command(name, help=_help(command.__doc__))(command)


def _generate(env: Environment) -> Callable[..., None]:
    def generate(options: RunOptions) -> None:
        """Generate a dataset: teacher seed rows, a task policy, student bulk rows, judged and deduplicated.

        Rows stream to the output with their provenance; rejected rows go to <stem>.rejected.jsonl and
        every answer to <stem>.cache.jsonl, so rerunning the same command after an interruption or a
        budget stop resumes without paying again. Exit code 2 when the run stopped early.
        """
        from distillation.commands.generate import generate_command

        _exit(generate_command(options, env))

    return generate


def _estimate(env: Environment) -> Callable[..., None]:
    def estimate(options: RunOptions) -> None:
        """Estimate a generation's cost from a short pilot (a couple of items per stage).

        The pilot's answers go to <stem>.cache.jsonl, so the generate command with the same options
        reuses the seed rows it already paid for.
        """
        from distillation.commands.estimate import estimate_command

        _exit(estimate_command(options, env))

    return estimate


def _validate(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="JSONL, JSON or CSV file.")],
    data_type: Annotated[
        str | None, typer.Option(help="Also check each row's record against this data type.")
    ] = None,
) -> None:
    """Check every row of a dataset file; prints each bad row's line number and reason. Exit code 1 if any."""
    from distillation.commands.check import validate_command

    _exit(validate_command(file, data_type))


def _export(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="JSONL, JSON or CSV file.")],
    format: Annotated[
        str,
        typer.Option("--format", help="jsonl, json, csv, parquet, hf, openai, alpaca or sharegpt."),
    ],
    output: Annotated[Path, typer.Option(help="Output file (a directory with --splits).")],
    splits: Annotated[
        str | None, typer.Option(help="Ratios: 0.8,0.1,0.1 (train,validation,test) or train=0.9,test=0.1.")
    ] = None,
    style: Annotated[
        str | None, typer.Option(help="chat, instruction, sharegpt or prompt_completion.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the split assignment.")] = 0,
) -> None:
    """Export a dataset file to a training format, optionally split into train/validation/test."""
    from distillation.commands.convert import export_command, parse_splits

    try:
        ratios = parse_splits(splits)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--splits") from None
    _exit(export_command(file, format, output, splits=ratios, style=style, seed=seed))


def _help(doc: str | None) -> str:
    """A docstring as help text: paragraphs kept, the line breaks inside them dropped."""
    paragraphs = inspect.cleandoc(doc or "").split("\n\n")
    return "\n\n".join(" ".join(paragraph.split()) for paragraph in paragraphs)


def _exit(code: int) -> None:
    if code:
        raise typer.Exit(code)
