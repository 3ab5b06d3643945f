"""The options ``generate`` and ``estimate`` share, and how they become a run's config, files and clients.

Typer builds each command's options from the function signature; both commands take the same
generation options, declared once here (:func:`with_run_options`) instead of twice by hand.

The engine is imported only when a command runs: the host's other commands (``distillery serve``...)
should not pay for loading it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from distillation.cost import PriceTable
    from distillation.pipeline import GenerationConfig
    from distillation.providers import Credentials, RateLimit
    from distillation.quality import QualityThresholds
    from distillation.taskspec import TaskSpec

CredentialsHook = Callable[[str], "Credentials | None"]
ConfigDir = Path | Callable[[], Path | None] | None
# The bundled model (distillation.pipeline.LOCAL_MODEL, repeated to keep this module light; a test
# keeps the two equal).
LOCAL_MODEL = "local:smollm2-135m"

LOCAL_JUDGE_NOTE = (
    "the judge is the bundled local model (135M parameters), too weak to delete or rewrite rows: "
    "auto-remove and auto-fix are off, its scores are still recorded (pass --min-score or --fix-below "
    "to turn them on)"
)


class OptionsError(ValueError):
    """The options do not form a valid run; the message says which option and why."""


class OutputFormat(StrEnum):
    """File formats ``generate`` can write."""

    JSONL = "jsonl"
    JSON = "json"
    CSV = "csv"
    PARQUET = "parquet"
    OPENAI = "openai"
    ALPACA = "alpaca"
    SHAREGPT = "sharegpt"


@dataclass(frozen=True)
class RunOptions:
    """What the user asked for on the command line (see ``distillery generate --help``)."""

    data_type: str = "qa"
    domain: tuple[str, ...] = ()
    count: int = 40
    output: Path = Path("dataset.jsonl")
    subdomain: str | None = None
    instruction: str | None = None
    labels: tuple[str, ...] | None = None
    language: str | None = None
    teacher: str = LOCAL_MODEL
    student: str = LOCAL_MODEL
    judge: str | None = None
    teacher_ratio: float = 0.1
    budget: Decimal | None = None
    seed: int = 0
    concurrency: int = 64
    rpm: int | None = None
    tpm: int | None = None
    format: OutputFormat = OutputFormat.JSONL
    min_score: float | None = None
    fix_below: float | None = None
    judge_sample_rate: float = 1.0
    cheap_judge: str | None = None
    judge_share: float = 0.25
    escalate_margin: float = 1.0
    max_tokens: int = 512
    task: Path | None = None

    def config(self) -> tuple[GenerationConfig, list[str]]:
        """The run's config, and notes the user should read (e.g. why auto-remove is off).

        Raises:
            OptionsError: The options do not form a valid run.
        """
        from distillation.pipeline import GenerationConfig, JudgePolicy

        judge = self.judge or self.teacher
        thresholds, notes = quality_thresholds(self.min_score, self.fix_below, judge)
        spec = read_task_spec(self.task)
        try:
            config = GenerationConfig(
                task=spec,
                data_type=self.data_type,
                count=self.count,
                domains=self.domain,
                subdomain=self.subdomain,
                instruction=self.instruction,
                labels=self.labels,
                language=self.language,
                teacher=self.teacher,
                student=self.student,
                judge=self.judge,
                teacher_ratio=self.teacher_ratio,
                seed=self.seed,
                judge_sample_rate=self.judge_sample_rate,
                judge_policy=JudgePolicy(
                    cheap_judge=self.cheap_judge, share=self.judge_share, escalate_margin=self.escalate_margin
                ),
                thresholds=thresholds,
                max_tokens=self.max_tokens,
                concurrency=self.concurrency,
                budget_usd=self.budget,
            )
        except ValueError as exc:
            raise OptionsError(_first_error(exc)) from None
        return config, notes


def read_task_spec(path: Path | None) -> TaskSpec | None:
    """The task spec of ``--task``, or None without one.

    Raises:
        OptionsError: The file cannot be read or is not a valid spec (the message names its lines).
    """
    if path is None:
        return None
    from distillation.taskspec import TaskSpecError, load_task_spec

    try:
        return load_task_spec(path)
    except TaskSpecError as exc:
        raise OptionsError(str(exc)) from None


def quality_thresholds(
    min_score: float | None, fix_below: float | None, judge: str
) -> tuple[QualityThresholds, list[str]]:
    """Thresholds from ``--min-score`` / ``--fix-below``; a local judge without them only records scores."""
    from distillation.quality import QualityThresholds

    if min_score is None and fix_below is None:
        if judge == LOCAL_MODEL:
            return QualityThresholds(auto_fix=False, auto_remove=False), [LOCAL_JUDGE_NOTE]
        return QualityThresholds(), []
    defaults = QualityThresholds()
    fix = fix_below if fix_below is not None else max(defaults.fix_below, min_score or 0.0)
    remove = min_score if min_score is not None else min(defaults.remove_below, fix)
    try:
        return QualityThresholds(fix_below=fix, remove_below=remove), []
    except ValueError:
        raise OptionsError(f"--min-score ({remove}) must not exceed --fix-below ({fix})") from None


@dataclass(frozen=True)
class RunPaths:
    """The files of one run, all beside the output.

    Attributes:
        output: The file the user asked for.
        rows: Accepted rows with provenance (JSONL); the output itself when the format is ``jsonl``.
        rejected: Rejected rows with their reasons and raw output.
        cache: Answers already paid for, by request fingerprint: what makes a rerun resume for free.
        batches: Provider batches submitted (``--batch``), by request fingerprint: a rerun polls a
            pending batch instead of submitting its requests again.
    """

    output: Path
    rows: Path
    rejected: Path
    cache: Path
    batches: Path

    @classmethod
    def beside(cls, output: Path, fmt: OutputFormat) -> RunPaths:
        """The paths for ``output`` (``qa.jsonl`` → ``qa.rejected.jsonl``, ``qa.cache.jsonl``)."""
        stem = output.with_suffix("")
        rows = output if fmt is OutputFormat.JSONL else Path(f"{stem}.provenance.jsonl")
        return cls(
            output,
            rows,
            Path(f"{stem}.rejected.jsonl"),
            Path(f"{stem}.cache.jsonl"),
            Path(f"{stem}.batches.jsonl"),
        )


@dataclass(frozen=True)
class Environment:
    """What the host application hands the commands: keys and the configuration directory.

    Attributes:
        credentials: Provider name → key and base URL (None: the provider has none).
        config_dir: The directory of ``domains.yaml`` and ``prices.yaml``, or a function returning it
            when a command runs (so a host can read its settings lazily).
    """

    credentials: CredentialsHook
    config_dir: ConfigDir

    def credentials_for(self, *model_ids: str) -> dict[str, Credentials]:
        """Credentials per provider name of the given models (providers without any are left out)."""
        found = {}
        for provider in dict.fromkeys(model_id.partition(":")[0] for model_id in model_ids):
            value = self.credentials(provider)
            if value is not None:
                found[provider] = value
        return found

    def config_file(self, name: str) -> Path | None:
        """``config_dir/name`` when it exists."""
        directory = self.config_dir() if callable(self.config_dir) else self.config_dir
        if directory is None:
            return None
        path = directory / name
        return path if path.is_file() else None

    def prices(self) -> PriceTable:
        """Bundled prices, with ``config_dir/prices.yaml`` overrides when present."""
        from distillation.cost import PriceTable

        return PriceTable.load(self.config_file("prices.yaml"))


def rate_limits(
    config: GenerationConfig, rpm: int | None = None, tpm: int | None = None
) -> dict[str, RateLimit]:
    """Each provider model's limits: ``--rpm``/``--tpm`` and at most ``--concurrency`` in flight.

    Limits not given are learned from the provider's rate-limit headers. In-process models keep
    their own one-at-a-time limit (``distillation.pipeline.build.default_rate_limit``).
    """
    from distillation.providers import RateLimit, runs_in_process

    models = dict.fromkeys((config.teacher, config.student, config.judge_model, config.cheap_judge_model))
    return {
        model: RateLimit(requests_per_minute=rpm, tokens_per_minute=tpm, max_concurrency=config.concurrency)
        for model in models
        if not runs_in_process(model)
    }


def _first_error(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first: Mapping[str, Any] = errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ()))
        return f"{where}: {first.get('msg')}" if where else str(first.get("msg"))
    return str(exc)


def _csv(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    items = tuple(item.strip() for item in value.split(",") if item.strip())
    return items or None


def _template(
    data_type: Annotated[
        str, typer.Option(help="qa, classification, generation, code, translation or ner.")
    ] = "qa",
    domain: Annotated[
        list[str] | None,
        typer.Option(help="Domain to draw scenarios from (id or name; repeatable). All when omitted."),
    ] = None,
    count: Annotated[int, typer.Option(min=1, help="Rows the dataset must hold.")] = 40,
    output: Annotated[Path, typer.Option(help="Output file.")] = Path("dataset.jsonl"),
    subdomain: Annotated[str | None, typer.Option(help="One subdomain of the (single) domain.")] = None,
    instruction: Annotated[str | None, typer.Option(help="What the dataset trains for.")] = None,
    labels: Annotated[str | None, typer.Option(help="Allowed labels, comma-separated.")] = None,
    language: Annotated[str | None, typer.Option(help="Language of the rows.")] = None,
    teacher: Annotated[str, typer.Option(help="Model writing the seed rows and the policy.")] = LOCAL_MODEL,
    student: Annotated[str, typer.Option(help="Model writing the bulk.")] = LOCAL_MODEL,
    judge: Annotated[
        str | None,
        typer.Option(help="Strong judge: scores teacher rows and escalated ones (the teacher when omitted)."),
    ] = None,
    teacher_ratio: Annotated[float, typer.Option(help="Share of rows the teacher writes.")] = 0.1,
    budget: Annotated[
        float | None,
        typer.Option(
            help="US dollars this run may spend on new requests: never passed; the last calls are sent "
            "with a lower --max-tokens to fit what is left, and the run stops when not even a call as "
            "long as the answers so far fits."
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of scenario sampling and of the models.")] = 0,
    concurrency: Annotated[
        int,
        typer.Option(
            min=1,
            help="Most requests in flight at once, per model. With a requests or tokens limit known "
            "(--rpm/--tpm, or learned from the provider's headers) the client keeps only as many in "
            "flight as that limit needs at the observed latency.",
        ),
    ] = 64,
    rpm: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Requests per minute each provider model may take (the account tier's limit). "
            "Learned from the provider's rate-limit headers when omitted.",
        ),
    ] = None,
    tpm: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Tokens (input + output) per minute each provider model may take. Learned from the "
            "provider's rate-limit headers when omitted.",
        ),
    ] = None,
    format: Annotated[OutputFormat, typer.Option("--format", help="Output format.")] = OutputFormat.JSONL,
    min_score: Annotated[float | None, typer.Option(help="Remove rows the judge scores below this.")] = None,
    fix_below: Annotated[float | None, typer.Option(help="Rewrite rows the judge scores below this.")] = None,
    judge_sample_rate: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Share of all rows any judge may score (0: checks only).")
    ] = 1.0,
    cheap_judge: Annotated[
        str | None, typer.Option(help="Cheap judge of student rows (the student when omitted).")
    ] = None,
    judge_share: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Share of student rows the cheap judge scores.")
    ] = 0.25,
    escalate_margin: Annotated[
        float,
        typer.Option(
            min=0.0, max=10.0, help="Cheap scores below --fix-below plus this go to the strong judge."
        ),
    ] = 1.0,
    max_tokens: Annotated[int, typer.Option(min=16, help="Output token cap per generation request.")] = 512,
    task: Annotated[
        Path | None,
        typer.Option(
            help="A task spec (YAML): output schema, prompts, policy, rubric and validators; it sets "
            "the data type, and the instruction and labels unless given (see docs/task-specs.md)."
        ),
    ] = None,
) -> None:
    """The shared options; only the signature is used."""


def _options(values: Mapping[str, Any]) -> RunOptions:
    budget = values["budget"]
    return RunOptions(
        **{
            **values,
            "domain": tuple(values["domain"] or ()),
            "labels": _csv(values["labels"]),
            "budget": None if budget is None else Decimal(str(budget)),
        }
    )


# eval_str: this module uses postponed annotations, and Typer needs the real Annotated objects.
_SHARED = inspect.signature(_template, eval_str=True).parameters


def with_run_options(command: Callable[..., None]) -> Callable[..., None]:
    """Give ``command(options: RunOptions, **own)`` the shared options as its command-line signature.

    Typer reads ``__signature__``, so ``--data-type``, ``--count``... appear in ``--help`` and arrive
    here as keyword arguments; they are bundled into one :class:`RunOptions` for the command.
    """
    own = [p for name, p in inspect.signature(command, eval_str=True).parameters.items() if name != "options"]

    def wrapper(**kwargs: Any) -> None:
        shared = {name: kwargs.pop(name) for name in _SHARED}
        command(options=_options(shared), **kwargs)

    wrapper.__name__ = command.__name__
    wrapper.__doc__ = command.__doc__
    wrapper.__signature__ = inspect.Signature([*_SHARED.values(), *own])  # type: ignore[attr-defined]
    return wrapper
