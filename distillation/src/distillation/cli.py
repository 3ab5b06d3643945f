"""The engine's commands (``generate``, ``relabel``, ``prefer``, ``estimate``, ``advise``, ``validate``,
``export``, ``push``, ``finetune``, ``push-model``, ``evaluate``).

They are added to a host's Typer app.

The library reads no environment: the host (``distillery``, in the backend) passes a ``credentials``
function that maps a provider name ("openai", "anthropic", "google", "groq", ...) to its key and
endpoint, and the directory holding ``domains.yaml`` and ``prices.yaml``.

Example:
    >>> import typer
    >>> from distillation.cli import register
    >>> app = typer.Typer()
    >>> register(app, credentials=lambda provider: None, config_dir=None)
    >>> sorted(command.name or "" for command in app.registered_commands)  # doctest: +NORMALIZE_WHITESPACE
    ['advise', 'estimate', 'evaluate', 'export', 'finetune', 'generate', 'prefer', 'provider-finetune',
     'push', 'push-model', 'relabel', 'validate']

    Then, from a shell (offline, with the bundled local model everywhere)::

        distillery generate --data-type qa --domain "Customer Support" --count 40 --output qa.jsonl
        distillery relabel prompts.csv --teacher openai:gpt-4o --output answers.jsonl
        distillery prefer prompts.csv --teacher openai:gpt-4o --student openai:gpt-4o-mini --output dpo.jsonl
        distillery estimate --data-type qa --count 1000 --teacher openai:gpt-4o --student openai:gpt-4o-mini
        distillery advise --teacher openai:gpt-4o --data-type qa --count 200
        distillery validate qa.jsonl --data-type qa
        distillery export qa.jsonl --format openai --output out/ --splits 0.8,0.1,0.1
        HF_TOKEN=hf_... distillery push qa.jsonl --repo me/support-qa --splits 0.9,0.1
        distillery finetune qa.jsonl --output runs/qa --max-steps 60
        HF_TOKEN=hf_... distillery push-model runs/qa me/qa-lora --outputs adapter,gguf
        distillery provider-finetune qa.jsonl --provider openai --base-model gpt-4o-mini-2024-07-18
        distillery evaluate qa.jsonl --run runs/qa
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from distillation.commands.options import (
    LOCAL_MODEL,
    ConfigDir,
    Environment,
    OutputFormat,
    RunOptions,
    with_run_options,
)

if TYPE_CHECKING:
    from distillation.promptsets import PromptFormat
    from distillation.providers import Credentials

# The options of the commands that read a prompt file (relabel, prefer), written once.
PromptsArg = Annotated[
    Path,
    typer.Argument(
        exists=True, help="JSONL, JSON, CSV or Parquet file, or a Hugging Face save_to_disk folder."
    ),
]
OutputOpt = Annotated[Path, typer.Option(help="Output file.")]
InputFormatOpt = Annotated[
    str | None, typer.Option(help="jsonl, json, csv, parquet or hf (detected when omitted).")
]
PromptFieldOpt = Annotated[str | None, typer.Option(help="Field holding the user prompt.")]
SystemFieldOpt = Annotated[str | None, typer.Option(help="Field holding the system prompt.")]
MessagesFieldOpt = Annotated[str, typer.Option(help="Field holding chat messages.")]
KeepDuplicatesOpt = Annotated[bool, typer.Option(help="Answer repeated prompts again.")]
MaxErrorsOpt = Annotated[int | None, typer.Option(min=0, help="Stop the import past this many bad lines.")]
PromptConcurrencyOpt = Annotated[int, typer.Option(min=1, help="Prompts in flight at once.")]
AnswerTokensOpt = Annotated[int, typer.Option(min=16, help="Output token cap per answer.")]
TemperatureOpt = Annotated[float, typer.Option(min=0.0, max=2.0, help="Sampling temperature.")]
AnswerSeedOpt = Annotated[int, typer.Option(help="Seed of the answers' sampling.")]


def _prompt_format(input_format: str | None) -> PromptFormat | None:
    """``--input-format`` as a prompt-file format (detected from the file when None)."""
    from distillation.promptsets import PromptFormat

    try:
        return PromptFormat(input_format) if input_format else None
    except ValueError:
        raise typer.BadParameter(f"unknown format {input_format!r}", param_hint="--input-format") from None


def register(
    app: typer.Typer, *, credentials: Callable[[str], Credentials | None], config_dir: ConfigDir
) -> None:
    """Add the engine's commands (``generate``, ``relabel``, ``estimate``, ``validate``...) to ``app``.

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
        ("relabel", _relabel(env)),
        ("prefer", _prefer(env)),
        ("estimate", with_run_options(_estimate(env))),
        ("advise", _advise(env)),
        ("validate", _validate),
        ("export", _export),
        ("push", _push),
        ("finetune", _finetune),
        ("push-model", _push_model),
        ("provider-finetune", _provider_finetune(env)),
        ("evaluate", _evaluate(env)),
    ):
        app.command(name, help=_help(command.__doc__))(command)
    app.add_typer(_task_app(), name="task", help="List, show and check task specs.")


def _generate(env: Environment) -> Callable[..., None]:
    def generate(
        options: RunOptions,
        batch: Annotated[
            bool,
            typer.Option(
                "--batch",
                help="Send the seed, bulk, judge and fix requests through the providers' batch APIs "
                "(OpenAI Batch, Anthropic Message Batches): half the price, answered within 24 hours "
                "instead of seconds.",
            ),
        ] = False,
        batch_poll: Annotated[
            float, typer.Option(min=0.01, help="Seconds between two checks of a pending batch.")
        ] = 30.0,
        delivery: Annotated[
            str,
            typer.Option(
                help="online; batch (as --batch); or auto: batch while the --deadline leaves the "
                "providers' 24-hour batch window, online after."
            ),
        ] = "online",
        deadline: Annotated[
            str | None,
            typer.Option(
                help="When the rows are due, for --delivery auto: a duration (90m, 36h, 2d) or an ISO "
                "date and time (UTC unless it says)."
            ),
        ] = None,
    ) -> None:
        """Generate a dataset: teacher seed rows, a task policy, student bulk rows, judged and deduplicated.

        Rows stream to the output with their provenance; rejected rows go to <stem>.rejected.jsonl and
        every answer to <stem>.cache.jsonl, so rerunning the same command after an interruption or a
        budget stop resumes without paying again. With --batch (or --delivery batch/auto), the batches
        submitted are kept in <stem>.batches.jsonl: a rerun waits for a pending batch instead of
        submitting it again. Exit code 2 when the run stopped early.
        """
        from distillation.commands.generate import generate_command

        _exit(
            generate_command(
                options, env, batch=batch, batch_poll=batch_poll, delivery=delivery, deadline=deadline
            )
        )

    return generate


def _relabel(env: Environment) -> Callable[..., None]:
    def relabel(
        prompts: PromptsArg,
        output: OutputOpt,
        teacher: Annotated[str, typer.Option(help="Model answering the prompts.")] = LOCAL_MODEL,
        judge: Annotated[
            str | None, typer.Option(help="Model scoring answers (the teacher when omitted).")
        ] = None,
        input_format: InputFormatOpt = None,
        prompt_field: PromptFieldOpt = None,
        system_field: SystemFieldOpt = None,
        reference_field: Annotated[str | None, typer.Option(help="Field holding a reference answer.")] = None,
        variable_field: Annotated[
            list[str] | None, typer.Option(help="Field kept as a variable (repeatable; default: the others).")
        ] = None,
        messages_field: MessagesFieldOpt = "messages",
        keep_duplicates: KeepDuplicatesOpt = False,
        preview: Annotated[
            int | None, typer.Option(min=1, help="Only show the first N prompts as mapped; send nothing.")
        ] = None,
        max_errors: MaxErrorsOpt = None,
        format: Annotated[OutputFormat, typer.Option("--format", help="Output format.")] = OutputFormat.JSONL,
        budget: Annotated[
            float | None,
            typer.Option(
                min=0,
                help="US dollars this run may spend on new requests: never passed; the last answers "
                "are capped to what is left.",
            ),
        ] = None,
        concurrency: PromptConcurrencyOpt = 8,
        max_tokens: AnswerTokensOpt = 512,
        temperature: TemperatureOpt = 0.8,
        seed: AnswerSeedOpt = 0,
        judge_sample_rate: Annotated[
            float, typer.Option(min=0.0, max=1.0, help="Share of answers the judge scores.")
        ] = 1.0,
        min_score: Annotated[
            float | None, typer.Option(help="Remove answers the judge scores below this.")
        ] = None,
        student: Annotated[
            str | None, typer.Option(help="Model answering first in a cascade (--cascade or --pilot).")
        ] = None,
        cascade: Annotated[
            bool, typer.Option(help="The student answers first; the teacher re-answers what fails.")
        ] = False,
        escalate_below: Annotated[
            float,
            typer.Option(
                min=0.0, max=10.0, help="Cascade: student answers the judge scores below this escalate."
            ),
        ] = 7.0,
        pilot: Annotated[
            int | None,
            typer.Option(
                min=1,
                help="Cascade pilot on the first N prompts (the teacher answers them too): threshold table.",
            ),
        ] = None,
        pilot_then_run: Annotated[
            bool, typer.Option(help="After the pilot, run the cascade with its recommended threshold.")
        ] = False,
        pilot_margin: Annotated[
            float,
            typer.Option(
                min=0.0, max=10.0, help="Pilot: how far below the teacher's mean score kept answers may be."
            ),
        ] = 0.5,
        batch: Annotated[
            bool,
            typer.Option(
                "--batch",
                help="Send the answers' and the judge's requests through the providers' batch APIs "
                "(OpenAI Batch, Anthropic Message Batches): half the price, answered within 24 hours "
                "instead of seconds.",
            ),
        ] = False,
        batch_poll: Annotated[
            float, typer.Option(min=0.01, help="Seconds between two checks of a pending batch.")
        ] = 30.0,
        task: Annotated[
            Path | None,
            typer.Option(
                help="A task spec (YAML): answers are asked in its output schema and pass its "
                "validators; its policy and rubric reach the judge (see docs/task-specs.md)."
            ),
        ] = None,
    ) -> None:
        """Have the teacher answer your own prompts: a prompt set in, chat rows with provenance out.

        Each line's prompt (a messages array, also an OpenAI request log or batch line, or the
        prompt/system/reference columns) is sent as it is; bad lines are reported with their number and
        skipped, repeated prompts answered once. Answers get the judge like generated rows; every answer
        goes to <stem>.cache.jsonl, so rerunning the same command resumes without paying again. With
        --student and --cascade the student answers first and the teacher re-answers only what the judge
        scores below --escalate-below or the checks fail; --pilot N prints a threshold table from the
        first N prompts (answered by both) and stops, or goes on with --pilot-then-run. With --batch the
        requests go through the provider's batch API, and a rerun resumes a pending batch
        (<stem>.batches.jsonl). Exit code 2 when the run stopped early.
        """
        from decimal import Decimal

        from distillation.commands.relabel import RelabelOptions, relabel_command
        from distillation.promptsets import PromptMapping

        fmt = _prompt_format(input_format)
        mapping = PromptMapping(
            prompt_field=prompt_field,
            system_field=system_field,
            reference_field=reference_field,
            variable_fields=tuple(variable_field) if variable_field else None,
            messages_field=messages_field,
        )
        options = RelabelOptions(
            prompts=prompts,
            output=output,
            teacher=teacher,
            judge=judge,
            input_format=fmt,
            mapping=mapping,
            keep_duplicates=keep_duplicates,
            preview=preview,
            max_errors=max_errors,
            format=format,
            budget=None if budget is None else Decimal(str(budget)),
            concurrency=concurrency,
            max_tokens=max_tokens,
            temperature=temperature,
            seed=seed,
            judge_sample_rate=judge_sample_rate,
            min_score=min_score,
            student=student,
            cascade=cascade,
            escalate_below=escalate_below,
            pilot=pilot,
            pilot_then_run=pilot_then_run,
            pilot_margin=pilot_margin,
            batch_poll=batch_poll if batch else None,
            task=task,
        )
        _exit(relabel_command(options, env))

    return relabel


def _prefer(env: Environment) -> Callable[..., None]:
    def prefer(
        prompts: PromptsArg,
        output: OutputOpt,
        student: Annotated[str, typer.Option(help="Model whose answers are compared with the teacher's.")],
        teacher: Annotated[str, typer.Option(help="Model answering the prompts.")] = LOCAL_MODEL,
        judge: Annotated[
            str | None, typer.Option(help="Model comparing the answers (the teacher when omitted).")
        ] = None,
        min_margin: Annotated[
            float,
            typer.Option(
                min=0.0,
                max=10.0,
                help="How much higher (0-10) both orders must score the preferred answer for a pair "
                "to be kept.",
            ),
        ] = 2.0,
        format: Annotated[
            str,
            typer.Option(
                "--format",
                help="trl-dpo (TRL prompt/chosen/rejected), openai-preference (OpenAI preference "
                "fine-tuning) or jsonl (the pairs with their verdicts and cost).",
            ),
        ] = "trl-dpo",
        input_format: InputFormatOpt = None,
        prompt_field: PromptFieldOpt = None,
        system_field: SystemFieldOpt = None,
        messages_field: MessagesFieldOpt = "messages",
        keep_duplicates: KeepDuplicatesOpt = False,
        max_errors: MaxErrorsOpt = None,
        budget: Annotated[
            float | None,
            typer.Option(min=0, help="US dollars this run may spend on new requests: never passed."),
        ] = None,
        concurrency: PromptConcurrencyOpt = 8,
        max_tokens: AnswerTokensOpt = 512,
        temperature: TemperatureOpt = 0.8,
        seed: AnswerSeedOpt = 0,
    ) -> None:
        """Build preference pairs: the teacher's and the student's answers, judged in both orders.

        The judge compares the two answers to each prompt twice, with their order swapped; a pair is
        kept when both orders prefer the same answer by at least --min-margin, and written as a
        prompt / chosen / rejected row (--format trl-dpo or openai-preference). The others go to
        <stem>.rejected.jsonl with the reason (position-inconsistent, tie, below margin); both
        verdicts, the models and the cost of every kept pair to <stem>.provenance.jsonl. Every answer
        goes to <stem>.cache.jsonl, so rerunning the same command resumes without paying again. Exit
        code 2 when the budget stopped the run.
        """
        from decimal import Decimal

        from distillation.commands.prefer import PreferOptions, prefer_command
        from distillation.promptsets import PromptMapping

        fmt = _prompt_format(input_format)
        options = PreferOptions(
            prompts=prompts,
            output=output,
            teacher=teacher,
            student=student,
            judge=judge,
            min_margin=min_margin,
            format=format,
            input_format=fmt,
            mapping=PromptMapping(
                prompt_field=prompt_field, system_field=system_field, messages_field=messages_field
            ),
            keep_duplicates=keep_duplicates,
            max_errors=max_errors,
            budget=None if budget is None else Decimal(str(budget)),
            concurrency=concurrency,
            max_tokens=max_tokens,
            temperature=temperature,
            seed=seed,
        )
        _exit(prefer_command(options, env))

    return prefer


def _task_app() -> typer.Typer:
    task_app = typer.Typer(no_args_is_help=True)

    @task_app.command("list")
    def task_list() -> None:
        """List the built-in task specs (one per built-in data type)."""
        from distillation.commands.tasks import list_command

        _exit(list_command())

    @task_app.command("show")
    def task_show(
        spec: Annotated[str, typer.Argument(help="A spec file (YAML), or a built-in spec's name (qa...).")],
    ) -> None:
        """Print a task spec as YAML: a file after its checks, or a built-in one by name."""
        from distillation.commands.tasks import show_command

        _exit(show_command(spec))

    @task_app.command("validate")
    def task_validate(
        spec: Annotated[Path, typer.Argument(help="A spec file (YAML).")],
    ) -> None:
        """Check a task spec file: YAML, fields, JSON Schema, templates (rendered in the sandboxed
        environment) and validators; prints each problem with its line. Exit code 1 if any."""
        from distillation.commands.tasks import validate_command

        _exit(validate_command(spec))

    return task_app


def _estimate(env: Environment) -> Callable[..., None]:
    def estimate(
        options: RunOptions,
        pilot: Annotated[
            bool, typer.Option(help="Measure a paid pilot (a couple of items per stage) instead of offline.")
        ] = False,
        human_rate: Annotated[
            float, typer.Option(min=0.0, help="US dollars per row a human annotator costs, to compare.")
        ] = 0.5,
    ) -> None:
        """Estimate a generation's cost, by stage and by lever, against the teacher alone and humans.

        Offline by default: the data type's token model priced from the price table, with no key and no
        request. --pilot measures a couple of items per stage instead (paid); its answers go to
        <stem>.cache.jsonl, so the generate command with the same options reuses the seed rows it
        already paid for. With --budget, warns when the estimate exceeds it.
        """
        from decimal import Decimal

        from distillation.commands.estimate import estimate_command

        _exit(estimate_command(options, env, pilot=pilot, human_rate=Decimal(str(human_rate))))

    return estimate


def _advise(env: Environment) -> Callable[..., None]:
    def advise(
        teacher: Annotated[str, typer.Option(help="The teacher, as provider:model (e.g. openai:gpt-4o).")],
        data_type: Annotated[str, typer.Option(help="The planned job's data type.")] = "qa",
        count: Annotated[int, typer.Option(min=1, max=1_000_000, help="The planned job's rows.")] = 1000,
        max_tokens: Annotated[int, typer.Option(min=16, max=32_000, help="Its answer cap.")] = 512,
        limit: Annotated[int, typer.Option(min=1, max=50, help="Suggestions per role.")] = 5,
    ) -> None:
        """Suggest students and cheap judges for a teacher from the price catalogue.

        Each suggestion shows its price against the teacher's, its context window and schema-mode
        support (or that they are unknown) and the planned job's estimated cost and saving against
        the teacher alone. Offline: no key needed, nothing sent. Only models with a known price.
        """
        from distillation.commands.advise import advise_command

        _exit(
            advise_command(
                env, teacher=teacher, data_type=data_type, count=count, max_tokens=max_tokens, limit=limit
            )
        )

    return advise


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


def _push(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="JSONL, JSON or CSV file.")],
    repo: Annotated[str, typer.Option(help="The Hub dataset repo: owner/name.")],
    token: Annotated[
        str,
        typer.Option(
            envvar="HF_TOKEN", help="A Hub write token (from HF_TOKEN; never printed).", show_default=False
        ),
    ],
    format: Annotated[str, typer.Option("--format", help="parquet or jsonl.")] = "parquet",
    splits: Annotated[
        str | None, typer.Option(help="Ratios: 0.8,0.1,0.1 (train,validation,test) or train=0.9,test=0.1.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the split assignment.")] = 0,
    public: Annotated[bool, typer.Option(help="Make a new repo public (private by default).")] = False,
    endpoint: Annotated[
        str | None,
        typer.Option(envvar="HF_ENDPOINT", help="The Hub's address (default https://huggingface.co)."),
    ] = None,
) -> None:
    """Push a dataset file to a Hugging Face Hub dataset repo as Parquet or JSONL with a dataset card."""
    from distillation.commands.convert import parse_splits, push_command

    try:
        ratios = parse_splits(splits)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--splits") from None
    _exit(
        push_command(
            file, repo, token, fmt=format, splits=ratios, seed=seed, private=not public, endpoint=endpoint
        )
    )


def _provider_finetune(env: Environment) -> Callable[..., None]:
    def provider_finetune(
        dataset: Annotated[
            Path | None,
            typer.Argument(exists=True, dir_okay=False, help="JSONL, JSON or CSV file (not with --job)."),
        ] = None,
        provider: Annotated[str, typer.Option(help="openai, or together (a Together-style API).")] = "openai",
        base_model: Annotated[
            str | None, typer.Option(help="The provider's model id, e.g. gpt-4o-mini-2024-07-18.")
        ] = None,
        output: Annotated[
            Path | None, typer.Option(help="Run folder (default: runs/<dataset>-<provider>).")
        ] = None,
        epochs: Annotated[
            int | None, typer.Option(min=1, help="Passes over the file (provider default).")
        ] = None,
        suffix: Annotated[str | None, typer.Option(help="Added to the new model's name.")] = None,
        seed: Annotated[int | None, typer.Option(help="The provider's training seed.")] = None,
        job: Annotated[
            str | None, typer.Option(help="Follow (resume) this job instead of starting one.")
        ] = None,
        cancel: Annotated[bool, typer.Option(help="With --job: cancel it.")] = False,
        poll: Annotated[float, typer.Option(min=0.0, help="Seconds between polls.")] = 10.0,
    ) -> None:
        """Fine-tune through a provider's API (OpenAI, or a Together-style service).

        The dataset is exported to OpenAI chat JSONL and checked, uploaded, and the job created and
        followed: status, events and the training loss per step, then the new model id (use it as
        a student, e.g. --student openai:ft:...), the trained tokens and the estimated cost (training
        prices: bundled for OpenAI, else training_prices in prices.yaml). Ctrl-C cancels the job;
        --job resumes following one. Exit code 2 when the job was cancelled.
        """
        from distillation.commands.provider_finetune import provider_finetune_command
        from distillation.cost.training import TrainingPrices
        from distillation.finetune.provider import (
            ProviderFinetuneError,
            ProviderFinetuneRequest,
            provider_client,
        )
        from distillation.providers import ConfigurationError

        if job is None and (dataset is None or base_model is None):
            raise typer.BadParameter("give a dataset and --base-model, or --job to follow one")
        try:
            client = provider_client(provider, env.credentials(provider))
            prices = TrainingPrices.load(env.config_file("prices.yaml"))
        except (ProviderFinetuneError, ConfigurationError, ValueError) as exc:
            raise typer.BadParameter(str(exc), param_hint="--provider") from None
        request = None
        if base_model is not None:
            request = ProviderFinetuneRequest(
                base_model=base_model, n_epochs=epochs, suffix=suffix, seed=seed
            )
        stem = dataset.stem if dataset is not None else job
        run_dir = output or Path("runs") / f"{stem}-{provider}"
        _exit(
            provider_finetune_command(
                client, dataset, run_dir, request, prices, job_id=job, cancel=cancel, poll_s=poll
            )
        )

    return provider_finetune


def _finetune(
    dataset: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="JSONL, JSON or CSV file.")],
    output: Annotated[Path | None, typer.Option(help="Run folder (default: runs/<dataset name>).")] = None,
    base_model: Annotated[
        str,
        typer.Option(
            help="local:smollm2-135m, a .gguf file, a Hugging Face model folder, or a model id "
            "(org/name) in the local Hugging Face cache (never downloaded)."
        ),
    ] = "local:smollm2-135m",
    lora_r: Annotated[int, typer.Option(min=1, help="LoRA rank.")] = 16,
    lora_alpha: Annotated[int, typer.Option(min=1, help="LoRA alpha (scale alpha/r).")] = 32,
    lora_dropout: Annotated[float, typer.Option(min=0.0, max=0.99, help="LoRA dropout.")] = 0.05,
    target_modules: Annotated[
        str, typer.Option(help="Modules that get adapters, comma-separated.")
    ] = "q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj",
    epochs: Annotated[float, typer.Option(min=0.01, help="Passes over the training rows.")] = 3.0,
    max_steps: Annotated[
        int | None, typer.Option(min=1, help="Optimizer steps (overrides --epochs).")
    ] = None,
    learning_rate: Annotated[float, typer.Option(help="Peak learning rate.")] = 2e-4,
    lr_scheduler: Annotated[
        str, typer.Option(help="linear, cosine, constant or constant_with_warmup.")
    ] = "cosine",
    warmup_ratio: Annotated[float, typer.Option(min=0.0, max=0.99, help="Share of steps warming up.")] = 0.05,
    batch_size: Annotated[int, typer.Option(min=1, help="Rows per forward pass.")] = 4,
    gradient_accumulation: Annotated[int, typer.Option(min=1, help="Forward passes per step.")] = 1,
    max_seq_length: Annotated[int, typer.Option(min=8, help="Longest row, in tokens.")] = 1024,
    seed: Annotated[int, typer.Option(help="Seed of the split, order, initialisation and dropout.")] = 0,
    heldout_fraction: Annotated[
        float, typer.Option(min=0.0, max=0.9, help="Share of rows held out for evaluation.")
    ] = 0.1,
    drop_long_rows: Annotated[bool, typer.Option(help="Drop rows over --max-seq-length.")] = False,
    eval_every: Annotated[int | None, typer.Option(min=1, help="Held-out loss every N steps.")] = None,
    save_every: Annotated[int, typer.Option(min=1, help="Checkpoint every N steps.")] = 50,
    merge: Annotated[bool, typer.Option(help="Also write the merged model (transformers format).")] = False,
    gguf: Annotated[
        str, typer.Option(help="Export the merged model to GGUF: f16, q8_0, q4_0, q4_k_m (comma-separated).")
    ] = "",
    quantize: Annotated[str, typer.Option(help="none, or 4bit (QLoRA; CUDA GPU only).")] = "none",
    gradient_checkpointing: Annotated[
        bool, typer.Option(help="Recompute activations in the backward pass (less memory).")
    ] = False,
    device: Annotated[str, typer.Option(help="auto, cpu, cuda or mps.")] = "auto",
    check: Annotated[bool, typer.Option(help="Only run the pre-flight check.")] = False,
    restart: Annotated[bool, typer.Option(help="Ignore checkpoints and start over.")] = False,
    overwrite: Annotated[bool, typer.Option(help="Replace a run folder that holds another run.")] = False,
    push_to_hub: Annotated[
        str | None,
        typer.Option(help="Then push the run to this Hub model repo (owner/name); see push-model."),
    ] = None,
    push_outputs: Annotated[
        str, typer.Option(help="With --push-to-hub: what to push, comma-separated: adapter, merged, gguf.")
    ] = "adapter",
    hub_token: Annotated[
        str | None,
        typer.Option(
            envvar="HF_TOKEN",
            help="With --push-to-hub: a Hub write token (from HF_TOKEN).",
            show_default=False,
        ),
    ] = None,
    hub_endpoint: Annotated[
        str | None,
        typer.Option(
            envvar="HF_ENDPOINT",
            help="With --push-to-hub: the Hub's address (default https://huggingface.co).",
        ),
    ] = None,
) -> None:
    """LoRA-fine-tune a small model on a dataset; the loss covers the assistant turns only.

    A pre-flight check first shows a few rows as the model sees them (trained tokens highlighted)
    and the token-length histogram, and refuses rows with nothing to learn or longer than
    --max-seq-length. Ctrl-C stops after the current step with a checkpoint; rerunning the same
    command resumes from the newest checkpoint. Exit code 2 when stopped early. With --push-to-hub
    the completed run is then pushed to a Hub model repo (private), as push-model does.
    """
    values = dict(locals())
    for name in (
        "dataset",
        "output",
        "check",
        "restart",
        "overwrite",
        "push_to_hub",
        "push_outputs",
        "hub_token",
        "hub_endpoint",
    ):
        del values[name]
    if push_to_hub is not None:
        from distillation.export import HubTarget

        if not hub_token:
            raise typer.BadParameter("--push-to-hub needs a token: set HF_TOKEN or give --hub-token")
        try:  # a bad repo id is refused before training, not after
            HubTarget(push_to_hub, hub_token)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--push-to-hub") from None
    from pydantic import ValidationError

    from distillation.commands.finetune import finetune_command
    from distillation.finetune import FinetuneConfig

    values["target_modules"] = tuple(m.strip() for m in target_modules.split(",") if m.strip())
    values["gguf"] = tuple(kind.strip() for kind in gguf.split(",") if kind.strip())
    try:
        config = FinetuneConfig(**values)
    except ValidationError as exc:
        raise typer.BadParameter(str(exc.errors()[0]["msg"])) from None
    run_dir = output or Path("runs") / dataset.stem
    code = finetune_command(dataset, run_dir, config, check_only=check, restart=restart, overwrite=overwrite)
    if code == 0 and not check and push_to_hub is not None and hub_token:
        from distillation.commands.finetune import push_model_command

        what = tuple(part.strip() for part in push_outputs.split(",") if part.strip())
        code = push_model_command(run_dir, push_to_hub, hub_token, what, endpoint=hub_endpoint)
    _exit(code)


def _push_model(
    run: Annotated[Path, typer.Argument(exists=True, file_okay=False, help="Fine-tune run folder.")],
    repo: Annotated[str, typer.Argument(help="The Hub model repo: owner/name.")],
    token: Annotated[
        str,
        typer.Option(
            "--hub-token",
            envvar="HF_TOKEN",
            help="A Hub write token (from HF_TOKEN; never printed).",
            show_default=False,
        ),
    ],
    outputs: Annotated[
        str, typer.Option(help="What to push, comma-separated: adapter, merged, gguf.")
    ] = "adapter",
    evaluation: Annotated[
        Path | None,
        typer.Option(
            exists=True, dir_okay=False, help="An evaluation report (evaluate --report) for the card."
        ),
    ] = None,
    public: Annotated[bool, typer.Option(help="Make a new repo public (private by default).")] = False,
    endpoint: Annotated[
        str | None,
        typer.Option(envvar="HF_ENDPOINT", help="The Hub's address (default https://huggingface.co)."),
    ] = None,
) -> None:
    """Push a fine-tune run (adapter, merged model, GGUF files) to a Hub model repo with a model card.

    The main output goes at the repo's root (the merged model, else the adapter, else the GGUF files),
    the others in adapter/ or gguf/; the card names the base model, the dataset, the training settings
    and, with --evaluation, the evaluation's results.
    """
    from distillation.commands.finetune import push_model_command

    what = tuple(part.strip() for part in outputs.split(",") if part.strip())
    _exit(
        push_model_command(
            run, repo, token, what, evaluation=evaluation, private=not public, endpoint=endpoint
        )
    )


def _evaluate(env: Environment) -> Callable[..., None]:
    def evaluate(
        dataset: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="The dataset trained on.")],
        run: Annotated[
            Path | None, typer.Option(exists=True, file_okay=False, help="Fine-tune run folder.")
        ] = None,
        model: Annotated[
            str | None,
            typer.Option(help="The run evaluated, as a model id: tuned:<run folder> (same as --run)."),
        ] = None,
        data_type: Annotated[
            str | None, typer.Option(help="Rows' data type (inferred when omitted).")
        ] = None,
        base_model: Annotated[
            str, typer.Option(help="Base student when no --run is given.")
        ] = "local:smollm2-135m",
        teacher: Annotated[
            str | None,
            typer.Option(
                help="Also evaluate this model, and judge the tuned student against it: the teacher, "
                "any provider model or another run (tuned:<run folder>); a paid model costs money."
            ),
        ] = None,
        judge: Annotated[
            str | None,
            typer.Option(
                help="Judge model: scores each answer and compares the tuned student with the base "
                "and the teacher pairwise, in both orders (its calls cost money)."
            ),
        ] = None,
        max_rows: Annotated[int | None, typer.Option(min=1, help="Evaluate at most N held-out rows.")] = None,
        max_new_tokens: Annotated[int, typer.Option(min=1, help="Answer length cap.")] = 256,
        heldout_fraction: Annotated[
            float, typer.Option(min=0.01, max=0.9, help="Held-out share when no --run is given.")
        ] = 0.1,
        seed: Annotated[int, typer.Option(help="Seed of that split.")] = 0,
        device: Annotated[str, typer.Option(help="auto, cpu, cuda or mps.")] = "auto",
        report: Annotated[Path | None, typer.Option(help="Also write the report as JSON here.")] = None,
        concurrency: Annotated[
            int, typer.Option(min=1, help="Most requests in flight to the teacher or the judge.")
        ] = 4,
        rpm: Annotated[
            int | None,
            typer.Option(
                min=1,
                help="Requests per minute the teacher and the judge may each take "
                "(learned from the provider's rate-limit headers when omitted).",
            ),
        ] = None,
        tpm: Annotated[
            int | None,
            typer.Option(
                min=1, help="Tokens (input + output) per minute they may each take (learned when omitted)."
            ),
        ] = None,
    ) -> None:
        """Compare the base and the tuned student (and the teacher) on held-out rows.

        Held-out loss and perplexity, format validity of unconstrained answers, exact match, field
        accuracy and ROUGE-L as fit the data type, the cost of 1,000 answers and the latency; with
        --judge, the pairwise win / tie / loss rates of the tuned student (both orders, position-
        inconsistent verdicts counted) and the first prompt side by side with the judge's reasons.
        The held-out rows are the run's own: never used as exemplars, never trained on.
        """
        values = {
            name: value
            for name, value in locals().items()
            if name not in {"dataset", "run", "report", "env", "model"}
        }
        run = _run_of_model(model, run)
        from pydantic import ValidationError

        from distillation.commands.evaluate import evaluate_command
        from distillation.evaluate import EvaluationConfig

        try:
            config = EvaluationConfig(**values)
        except ValidationError as exc:
            raise typer.BadParameter(str(exc.errors()[0]["msg"])) from None
        _exit(evaluate_command(dataset, run, config, env, report))

    return evaluate


def _run_of_model(model: str | None, run: Path | None) -> Path | None:
    """The run folder ``--model tuned:<run folder>`` names (``--run`` when no model is given)."""
    if model is None:
        return run
    provider, _, folder = model.partition(":")
    if provider != "tuned" or not folder:
        raise typer.BadParameter(
            "--model takes tuned:<run folder>; compare with a provider model through --teacher",
            param_hint="--model",
        )
    if run is not None:
        raise typer.BadParameter("give --model or --run, not both", param_hint="--model")
    if not Path(folder).is_dir():
        raise typer.BadParameter(f"no run folder at {folder}", param_hint="--model")
    return Path(folder)


def _help(doc: str | None) -> str:
    """A docstring as help text: paragraphs kept, the line breaks inside them dropped."""
    paragraphs = inspect.cleandoc(doc or "").split("\n\n")
    return "\n\n".join(" ".join(paragraph.split()) for paragraph in paragraphs)


def _exit(code: int) -> None:
    if code:
        raise typer.Exit(code)
