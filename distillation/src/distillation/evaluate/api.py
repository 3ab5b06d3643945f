"""``evaluate()``: base student vs tuned student (vs teacher) on the held-out rows."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from distillation.cost import PriceTable
from distillation.datatypes import DataType, get_datatype
from distillation.evaluate.inference import Answer, CallBook, local_answers, provider_answers
from distillation.evaluate.judge import judge_answers, win_rate
from distillation.evaluate.pairwise import PairwiseResult, RowVerdict, judge_pairwise
from distillation.evaluate.report import EvaluationReport, ModelEvaluation, Role, score_model, side_by_side
from distillation.evaluate.responses import ReadAnswer, infer_datatype
from distillation.finetune.config import BUNDLED_BASE_MODEL, Device
from distillation.finetune.data import (
    DatasetError,
    TrainingRow,
    heldout_split,
    load_rows,
    prompt_messages,
    split_by_ids,
    tokenize,
)
from distillation.finetune.log import perplexity
from distillation.finetune.loop import heldout_loss
from distillation.finetune.model import (
    load_model,
    load_tokenizer,
    load_tuned,
    pick_device,
    resolve_base_model,
)
from distillation.finetune.outputs import RunPaths, read_run
from distillation.providers import Credentials, RateLimit

ProgressCallback = Callable[[str, int, int], None]
"""``progress(stage, done, total)``; stages: ``base``, ``tuned``, ``teacher``, ``judge``, then the
pairwise comparisons ``vs base`` and ``vs teacher``."""


class EvaluationConfig(BaseModel):
    """How to evaluate.

    Attributes:
        base_model: The student before tuning (a fine-tune run's own base model takes precedence).
        data_type: The rows' data type; inferred from their records when omitted.
        heldout_fraction: Held-out share when no run is given (a run's recorded split is used otherwise).
        seed: Seed of that split.
        max_rows: Evaluate at most this many held-out rows.
        max_new_tokens: Answer length cap for every model.
        batch_size: Prompts per local generation batch.
        teacher: Also evaluate this provider model; it costs money, so it is off unless named.
        judge: Judge model for the win rates; off unless named. It scores each answer (the
            pointwise ``judge_score``) and compares the tuned model with the base and with the
            teacher pairwise, in both orders (``EvaluationReport.pairwise``).
        side_by_side_rows: Held-out prompts kept in the report with every model's answer.
        device: Device for the local models.
        concurrency: Most requests in flight to the teacher or the judge.
        rpm: Requests per minute the teacher and the judge may each take (learned from the
            provider's rate-limit headers when omitted).
        tpm: Tokens (input + output) per minute they may each take (likewise).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    base_model: str = BUNDLED_BASE_MODEL
    data_type: str | None = None
    heldout_fraction: float = Field(default=0.1, gt=0, lt=1)
    seed: int = 0
    max_rows: int | None = Field(default=None, ge=1)
    max_new_tokens: int = Field(default=256, ge=1)
    batch_size: int = Field(default=8, ge=1)
    teacher: str | None = None
    judge: str | None = None
    side_by_side_rows: int = Field(default=20, ge=0)
    device: Device = "auto"
    concurrency: int = Field(default=4, ge=1)
    rpm: int | None = Field(default=None, ge=1)
    tpm: int | None = Field(default=None, ge=1)

    def rate_limit(self) -> RateLimit:
        """The teacher's and the judge's limits."""
        return RateLimit(
            requests_per_minute=self.rpm, tokens_per_minute=self.tpm, max_concurrency=self.concurrency
        )


def evaluate(
    dataset: Path | Iterable[Mapping[str, Any]],
    run_dir: Path | None = None,
    config: EvaluationConfig | None = None,
    *,
    credentials: Mapping[str, Credentials] | None = None,
    prices: PriceTable | None = None,
    progress: ProgressCallback | None = None,
    gold: Path | Iterable[Mapping[str, Any]] | None = None,
    book: CallBook | None = None,
) -> EvaluationReport:
    """Evaluate the base student, the tuned student of ``run_dir`` and optionally the teacher.

    The held-out rows are the run's recorded split (never used as exemplars, never trained on), or
    the same kind of split drawn here when there is no run. Local models answer greedily and
    unconstrained; the teacher and judge are called through their providers (blocking: call this
    from a thread when an event loop is running).

    Args:
        dataset: The dataset the run was trained on (file or chat records).
        run_dir: A completed ``finetune`` run folder; None evaluates the base student alone.
        config: Settings.
        credentials: Provider name → key and base URL, for the teacher and the judge.
        prices: Price table for cost per 1,000 answers (bundled prices when omitted).
        progress: ``progress(stage, done, total)`` as answers arrive.
        gold: A gold set (file or chat records) to evaluate on instead of the held-out rows: every
            row is a reference (``max_rows`` still applies). Use rows the run never trained on.
        book: Books every teacher and judge attempt in a service's ledger (stage ``evaluate``), so
            its budgets and analytics count them; the report prices them either way.

    Raises:
        DatasetError: No held-out rows, or the run's held-out rows are missing from the dataset.
        FinetuneError: The run folder or a model cannot be used.

    Example:
        >>> report = evaluate(Path("qa.jsonl"), Path("runs/qa"))  # doctest: +SKIP
        >>> report.model("tuned").heldout_loss < report.model("base").heldout_loss  # doctest: +SKIP
        True
    """
    config = config or EvaluationConfig()
    rows, base_id = _heldout(dataset, run_dir, config)
    if gold is not None:
        rows = load_rows(gold)[: config.max_rows]
        if not rows:
            raise DatasetError("the gold set has no rows")
    datatype = _datatype(config.data_type, rows)
    source = resolve_base_model(base_id)
    device = pick_device(config.device)
    model = load_tuned(RunPaths(run_dir).adapter, source, device) if run_dir else load_model(source, device)
    price_id = base_id if ":" in base_id else f"local:{source.card_name}"
    session = _Session(
        rows, datatype, config, prices or PriceTable.load(None), credentials or {}, progress, book
    )
    tokenizer = load_tokenizer(source)
    with model.disable_adapter() if run_dir is not None else nullcontext():
        session.local("base", base_id, model, tokenizer, price_id)
    if run_dir is not None:
        session.local("tuned", str(run_dir), model, tokenizer, price_id)
    if config.teacher:
        session.teacher(config.teacher)
    if config.judge and datatype is not None:
        session.judge(config.judge, datatype)
    if config.judge and run_dir is not None:
        session.pairwise(config.judge, datatype or get_datatype("generation"))
    return EvaluationReport(
        data_type=datatype.name if datatype else None,
        heldout_ids=[row.id for row in rows],
        run_dir=run_dir,
        rows_source="heldout" if gold is None else "gold",
        models=[entry for entry, _ in session.results],
        pairwise=[result for result, _ in session.comparisons],
        side_by_side=side_by_side(
            rows,
            datatype,
            session.answers,
            [verdicts for _, verdicts in session.comparisons],
            config.side_by_side_rows,
        ),
    )


def _heldout(
    dataset: Path | Iterable[Mapping[str, Any]], run_dir: Path | None, config: EvaluationConfig
) -> tuple[list[TrainingRow], str]:
    rows = load_rows(dataset)
    if run_dir is not None:
        run = read_run(run_dir)
        split, base_id = split_by_ids(rows, run["heldout_ids"]), str(run["base_model"])
    else:
        split, base_id = heldout_split(rows, config.heldout_fraction, config.seed), config.base_model
    if not split.heldout:
        raise DatasetError("there are no held-out rows to evaluate on (the run held out none)")
    return split.heldout[: config.max_rows], base_id


def _datatype(name: str | None, rows: list[TrainingRow]) -> DataType[Any] | None:
    if name is not None:
        return get_datatype(name)
    if any(row.record is None for row in rows):
        return None
    found = {infer_datatype(row.record) for row in rows if row.record is not None}
    name = found.pop() if len(found) == 1 else None
    return get_datatype(name) if name is not None else None


@dataclass
class _Session:
    """The held-out rows and settings every model is evaluated with, and the results so far."""

    rows: list[TrainingRow]
    datatype: DataType[Any] | None
    config: EvaluationConfig
    prices: PriceTable
    credentials: Mapping[str, Credentials]
    progress: ProgressCallback | None
    book: CallBook | None
    results: list[tuple[ModelEvaluation, list[ReadAnswer | None]]] = field(default_factory=list)
    answers: dict[str, list[Answer]] = field(default_factory=dict)
    comparisons: list[tuple[PairwiseResult, list[RowVerdict]]] = field(default_factory=list)

    def local(self, role: Role, model_id: str, model: Any, tokenizer: Any, price_id: str) -> None:
        """Held-out loss and greedy, unconstrained answers of an in-process model."""
        tokenized = [tokenize(tokenizer, row.messages) for row in self.rows]
        loss = heldout_loss(model, tokenized, tokenizer.pad_token_id, batch_size=self.config.batch_size)
        answers = local_answers(
            model,
            tokenizer,
            [prompt_messages(row.messages) for row in self.rows],
            max_new_tokens=self.config.max_new_tokens,
            batch_size=self.config.batch_size,
            progress=_stage(self.progress, role),
        )
        entry, read = self._score(role, model_id, answers, price_id)
        self.results.append(
            (entry.model_copy(update={"heldout_loss": loss, "perplexity": perplexity(loss)}), read)
        )

    def teacher(self, teacher: str) -> None:
        """The teacher's answers, through its provider (priced from the usage it reports)."""
        answers = provider_answers(
            teacher,
            [prompt_messages(row.messages) for row in self.rows],
            credentials=self.credentials,
            max_tokens=self.config.max_new_tokens,
            concurrency=self.config.concurrency,
            rate_limit=self.config.rate_limit(),
            progress=_stage(self.progress, "teacher"),
            book=self.book,
        )
        self.results.append(self._score("teacher", teacher, answers, teacher))

    def judge(self, judge: str, datatype: DataType[Any]) -> None:
        """Judge every model's answers; win rates are against the base student (the first entry)."""
        stage = _stage(self.progress, "judge")
        scores = [
            judge_answers(
                judge,
                datatype,
                read,
                credentials=self.credentials,
                progress=stage,
                concurrency=self.config.concurrency,
                rate_limit=self.config.rate_limit(),
                book=self.book,
            )
            for _, read in self.results
        ]
        for index, ((entry, read), mine) in enumerate(zip(self.results, scores, strict=True)):
            known = [score for score in mine if score is not None]
            update = {
                "judge_score": sum(known) / len(known) if known else None,
                "judge_win_rate": None if index == 0 else win_rate(mine, scores[0]),
            }
            self.results[index] = (entry.model_copy(update=update), read)

    def pairwise(self, judge: str, datatype: DataType[Any]) -> None:
        """The judge compares the tuned model with every other model, both orders per prompt."""
        models = {entry.role: entry.model for entry, _ in self.results}
        tuned = ("tuned", models["tuned"], self.answers["tuned"])
        for role in ("base", "teacher"):
            if role not in self.answers:
                continue
            self.comparisons.append(
                judge_pairwise(
                    judge,
                    datatype,
                    self.rows,
                    tuned,
                    (role, models[role], self.answers[role]),
                    credentials=self.credentials,
                    prices=self.prices,
                    concurrency=self.config.concurrency,
                    rate_limit=self.config.rate_limit(),
                    progress=_stage(self.progress, f"vs {role}"),
                    book=self.book,
                )
            )

    def _score(
        self, role: Role, model_id: str, answers: list[Answer], price_id: str
    ) -> tuple[ModelEvaluation, list[ReadAnswer | None]]:
        self.answers[role] = list(answers)
        return score_model(
            role, model_id, self.datatype, self.rows, answers, price_id=price_id, prices=self.prices
        )


def _stage(progress: ProgressCallback | None, stage: str) -> Callable[[int, int], None] | None:
    if progress is None:
        return None
    return lambda done, total: progress(stage, done, total)
