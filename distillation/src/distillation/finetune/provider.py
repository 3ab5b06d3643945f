"""Fine-tuning through a provider's API: OpenAI's Fine-tuning API, or a Together-style service.

The dataset (any layout Distillery reads) is exported to OpenAI's chat fine-tuning JSONL and
checked (`validate_openai_dataset`); the file is uploaded, the job created and followed: its status,
its events (metrics events carry `step` and `train_loss`) and, once it has succeeded, the new model
id and the trained tokens. A job is resumable by its id (`follow_job`), can be cancelled
(`cancel_job`, or `should_stop` while following), and its cost is estimated from the trained tokens
and the provider's training price (see `distillation.cost.training`).

Example:
    >>> client = provider_client("openai", {"api_key": "sk-..."})  # doctest: +SKIP
    >>> result = provider_finetune(client, Path("qa.jsonl"), Path("runs/qa-openai"),
    ...                            ProviderFinetuneRequest(base_model="gpt-4o-mini-2024-07-18"))
    >>> result.job.fine_tuned_model  # doctest: +SKIP
    'ft:gpt-4o-mini-2024-07-18:org::abc123'
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, Protocol

import httpx
import orjson

from distillation.cost.training import TrainingPrices, training_cost
from distillation.providers import Credentials

__all__ = [
    "ENDED",
    "PROVIDERS",
    "ProviderEvent",
    "ProviderFinetuneClient",
    "ProviderFinetuneError",
    "ProviderFinetuneRequest",
    "ProviderFinetuneResult",
    "ProviderJob",
    "cancel_job",
    "follow_job",
    "prepare_training_file",
    "provider_client",
    "provider_finetune",
]

PROVIDERS = ("openai", "together")
ProviderName = Literal["openai", "together"]
Status = Literal["validating_files", "queued", "running", "succeeded", "failed", "cancelled"]
ENDED: tuple[Status, ...] = ("succeeded", "failed", "cancelled")
TOGETHER_BASE_URL = "https://api.together.xyz/v1"
# "training loss=0.8123", "loss: 0.81", "Loss 0.81": a loss said in an event's message.
_LOSS = re.compile(r"\bloss\s*[=:]?\s*([0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)", re.IGNORECASE)
# Together's job states, named as OpenAI's.
_TOGETHER_STATUS: Mapping[str, Status] = {
    "pending": "validating_files",
    "queued": "queued",
    "running": "running",
    "compressing": "running",
    "uploading": "running",
    "completed": "succeeded",
    "error": "failed",
    "user_error": "failed",
    "cancel_requested": "cancelled",
    "cancelled": "cancelled",
}


class ProviderFinetuneError(Exception):
    """The dataset cannot be sent, or the provider refused a call; the message says which."""


@dataclass(frozen=True)
class ProviderFinetuneRequest:
    """What to fine-tune.

    Attributes:
        base_model: The provider's model id, e.g. ``gpt-4o-mini-2024-07-18``.
        n_epochs: Passes over the file; None lets the provider choose.
        suffix: Added to the new model's name.
        seed: The provider's training seed.
    """

    base_model: str
    n_epochs: int | None = None
    suffix: str | None = None
    seed: int | None = None


@dataclass(frozen=True)
class ProviderJob:
    """A provider's fine-tuning job, in OpenAI's terms whichever the provider."""

    id: str
    base_model: str
    status: Status
    training_file: str
    fine_tuned_model: str | None = None
    trained_tokens: int | None = None
    error: str | None = None

    @property
    def ended(self) -> bool:
        """Whether the job will not change any more."""
        return self.status in ENDED


@dataclass(frozen=True)
class ProviderEvent:
    """One event of a job; metrics events carry ``step`` and ``train_loss``."""

    id: str
    created_at: int
    level: str
    message: str
    step: int | None = None
    train_loss: float | None = None


class ProviderFinetuneClient(Protocol):
    """The calls a provider's fine-tuning API answers."""

    provider: ProviderName

    def upload(self, path: Path) -> str:
        """Uploads a training file; returns its id."""

    def create(self, training_file: str, request: ProviderFinetuneRequest) -> ProviderJob:
        """Creates a job."""

    def retrieve(self, job_id: str) -> ProviderJob:
        """The job now."""

    def events(self, job_id: str) -> list[ProviderEvent]:
        """Every event of the job, oldest first."""

    def cancel(self, job_id: str) -> ProviderJob:
        """Cancels the job."""


@dataclass
class ProviderFinetuneResult:
    """A followed job: where it ended, every event, and its estimated cost.

    Attributes:
        job: The job as last seen.
        events: Its events, oldest first.
        price_per_million: The training price used, None when the model's price is unknown.
        cost_usd: trained tokens x price; None until trained tokens are known or without a price.
    """

    job: ProviderJob
    events: list[ProviderEvent] = field(default_factory=list)
    price_per_million: Decimal | None = None
    cost_usd: Decimal | None = None

    @property
    def metrics(self) -> list[tuple[int, float]]:
        """(step, train loss) of the metrics events, in step order."""
        return sorted(
            (e.step, e.train_loss) for e in self.events if e.step is not None and e.train_loss is not None
        )


class OpenAIFinetunes:
    """OpenAI's Fine-tuning API through the ``openai`` SDK."""

    provider: ProviderName = "openai"

    def __init__(self, credentials: Credentials) -> None:
        import openai

        self._client = openai.OpenAI(
            api_key=credentials.require_key("openai", "OPENAI_API_KEY"),
            base_url=credentials.base_url,
            organization=credentials.organization,
            project=credentials.project,
            default_headers=dict(credentials.headers) or None,
            max_retries=3,
            timeout=120.0,  # the SDK's default is ten minutes a call; a follower polls far more often
        )

    def upload(self, path: Path) -> str:
        with _refusals():
            with path.open("rb") as handle:
                return str(self._client.files.create(file=handle, purpose="fine-tune").id)

    def create(self, training_file: str, request: ProviderFinetuneRequest) -> ProviderJob:
        extra: dict[str, Any] = {}
        if request.n_epochs is not None:
            hyper = {"n_epochs": request.n_epochs}
            extra["method"] = {"type": "supervised", "supervised": {"hyperparameters": hyper}}
        if request.suffix:
            extra["suffix"] = request.suffix
        if request.seed is not None:
            extra["seed"] = request.seed
        with _refusals():
            job = self._client.fine_tuning.jobs.create(
                model=request.base_model, training_file=training_file, **extra
            )
        return _openai_job(job)

    def retrieve(self, job_id: str) -> ProviderJob:
        with _refusals():
            return _openai_job(self._client.fine_tuning.jobs.retrieve(job_id))

    def events(self, job_id: str) -> list[ProviderEvent]:
        found: list[ProviderEvent] = []
        with _refusals():
            for event in self._client.fine_tuning.jobs.list_events(job_id, limit=100):  # pages on its own
                data = event.data if isinstance(event.data, dict) else {}
                found.append(
                    ProviderEvent(
                        id=event.id,
                        created_at=event.created_at,
                        level=event.level,
                        message=event.message,
                        step=_int(data.get("step")) if event.type == "metrics" else None,
                        train_loss=_float(data.get("train_loss")) if event.type == "metrics" else None,
                    )
                )
        return list(reversed(found))  # OpenAI lists newest first

    def cancel(self, job_id: str) -> ProviderJob:
        with _refusals():
            return _openai_job(self._client.fine_tuning.jobs.cancel(job_id))


class TogetherFinetunes:
    """A Together-style fine-tuning API over HTTP (``/files/upload``, ``/fine-tunes``)."""

    provider: ProviderName = "together"

    def __init__(self, credentials: Credentials, *, timeout_s: float = 60.0) -> None:
        key = credentials.require_key("together", "TOGETHER_API_KEY")
        headers = {"Authorization": f"Bearer {key}", **dict(credentials.headers)}
        base = (credentials.base_url or TOGETHER_BASE_URL).rstrip("/")
        self._http = httpx.Client(base_url=base, headers=headers, timeout=timeout_s)

    def upload(self, path: Path) -> str:
        with path.open("rb") as handle:
            files = {"file": (path.name, handle, "application/jsonl")}
            body = self._call(
                "POST", "/files/upload", files=files, data={"purpose": "fine-tune", "file_name": path.name}
            )
        return str(body["id"])

    def create(self, training_file: str, request: ProviderFinetuneRequest) -> ProviderJob:
        payload: dict[str, Any] = {"training_file": training_file, "model": request.base_model}
        if request.n_epochs is not None:
            payload["n_epochs"] = request.n_epochs
        if request.suffix:
            payload["suffix"] = request.suffix
        if request.seed is not None:
            payload["seed"] = request.seed
        return _together_job(self._call("POST", "/fine-tunes", json=payload))

    def retrieve(self, job_id: str) -> ProviderJob:
        return _together_job(self._call("GET", f"/fine-tunes/{job_id}"))

    def events(self, job_id: str) -> list[ProviderEvent]:
        found = []
        for raw in self._call("GET", f"/fine-tunes/{job_id}/events").get("data") or []:
            created = _seconds(raw.get("created_at"))
            message = str(raw.get("message") or "")
            key = str(raw.get("hash") or raw.get("id") or f"{created}:{message}")
            # Together's events carry the step; the loss is a field of some services, else in the message.
            loss = _float(raw.get("loss"))
            if loss is None and (said := _LOSS.search(message)) is not None:
                loss = float(said.group(1))
            step = _int(raw.get("step"))
            found.append(
                ProviderEvent(
                    id=key,
                    created_at=created,
                    level=str(raw.get("level") or "info"),
                    message=message,
                    step=step if loss is not None else None,
                    train_loss=loss if step is not None else None,
                )
            )
        return found

    def cancel(self, job_id: str) -> ProviderJob:
        return _together_job(self._call("POST", f"/fine-tunes/{job_id}/cancel"))

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise ProviderFinetuneError(f"together: {method} {path}: {exc}") from exc
        if response.status_code >= 400:
            raise ProviderFinetuneError(
                f"together: {method} {path}: {response.status_code} {_message(response)}"
            )
        body = response.json()
        if not isinstance(body, dict):
            raise ProviderFinetuneError(f"together: {method} {path}: not a JSON object")
        return body


def provider_client(
    provider: str, credentials: Credentials | Mapping[str, Any] | None
) -> ProviderFinetuneClient:
    """The fine-tuning client of ``provider`` (``openai`` or ``together``).

    Raises:
        ProviderFinetuneError: An unknown provider.
        MissingCredentialsError: No API key.
    """
    found = Credentials.coerce(credentials)
    if provider == "openai":
        return OpenAIFinetunes(found)
    if provider == "together":
        return TogetherFinetunes(found)
    raise ProviderFinetuneError(
        f"no fine-tuning API for provider {provider!r}; use one of {', '.join(PROVIDERS)}"
    )


def prepare_training_file(dataset: Path, out: Path) -> tuple[Path, int]:
    """Exports ``dataset`` to OpenAI's chat fine-tuning JSONL at ``out`` and checks it.

    Returns:
        The file and its number of examples.

    Raises:
        ProviderFinetuneError: No row could be exported, or the file breaks a rule the provider
            enforces (the first few issues are named).
    """
    from distillation.export import export
    from distillation.formats import read_records, validate_openai_dataset

    out.parent.mkdir(parents=True, exist_ok=True)
    records = (row.record for row in read_records(dataset) if row.record is not None)
    written = export(records, "openai", out)
    if written.total == 0:
        raise ProviderFinetuneError(f"{dataset}: no row could be exported as a chat example")
    examples = [orjson.loads(line) for line in out.read_bytes().splitlines() if line.strip()]
    report = validate_openai_dataset(examples)
    if report.errors:
        named = "; ".join(issue.message for issue in report.errors[:3])
        raise ProviderFinetuneError(f"{dataset}: the provider would refuse the file: {named}")
    return out, report.examples


def follow_job(
    client: ProviderFinetuneClient,
    job_id: str,
    *,
    prices: TrainingPrices | None = None,
    on_event: Callable[[ProviderEvent], None] | None = None,
    on_status: Callable[[ProviderJob], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    poll_s: float = 10.0,
    seen: set[str] | None = None,
) -> ProviderFinetuneResult:
    """Follows a job until it ends (resumes any job by its id).

    Args:
        client: The provider's client.
        job_id: The job.
        prices: Training prices (the bundled ones when omitted).
        on_event: Called once per event, oldest first (events in ``seen`` are skipped).
        on_status: Called whenever the job's status changes.
        should_stop: When it returns True the job is cancelled and followed to its end.
        poll_s: Seconds between polls.
        seen: Ids of events already reported (a resumed follow passes those it stored).

    Returns:
        The ended job, its events and its estimated cost.
    """
    reported = set(seen or ())
    events: list[ProviderEvent] = []
    status: str | None = None
    cancelled = False
    while True:
        job = client.retrieve(job_id)
        if job.status != status:
            status = job.status
            if on_status is not None:
                on_status(job)
        for event in client.events(job_id):
            if event.id not in {e.id for e in events}:
                events.append(event)
            if event.id not in reported:
                reported.add(event.id)
                if on_event is not None:
                    on_event(event)
        if job.ended:
            return _priced(job, events, prices or TrainingPrices(), client.provider)
        if should_stop is not None and should_stop() and not cancelled:
            client.cancel(job_id)
            cancelled = True
            continue
        time.sleep(poll_s)


def cancel_job(client: ProviderFinetuneClient, job_id: str) -> ProviderJob:
    """Cancels a job that has not ended; returns it as the provider reports it after the call."""
    job = client.retrieve(job_id)
    return job if job.ended else client.cancel(job_id)


def provider_finetune(
    client: ProviderFinetuneClient,
    dataset: Path,
    run_dir: Path,
    request: ProviderFinetuneRequest,
    *,
    prices: TrainingPrices | None = None,
    on_event: Callable[[ProviderEvent], None] | None = None,
    on_status: Callable[[ProviderJob], None] | None = None,
    on_created: Callable[[ProviderJob], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    poll_s: float = 10.0,
) -> ProviderFinetuneResult:
    """Exports and uploads the dataset, creates the job and follows it to its end.

    ``run_dir/training.jsonl`` is the file sent and ``run_dir/job.json`` names the job as soon as it
    exists, so an interrupted caller resumes with `follow_job` (the CLI's ``--job``).
    """
    path, _ = prepare_training_file(dataset, run_dir / "training.jsonl")
    file_id = client.upload(path)
    job = client.create(file_id, request)
    (run_dir / "job.json").write_bytes(
        orjson.dumps({"provider": client.provider, "job_id": job.id, "base_model": request.base_model})
    )
    if on_created is not None:
        on_created(job)
    return follow_job(
        client,
        job.id,
        prices=prices,
        on_event=on_event,
        on_status=on_status,
        should_stop=should_stop,
        poll_s=poll_s,
    )


def _priced(
    job: ProviderJob, events: list[ProviderEvent], prices: TrainingPrices, provider: str
) -> ProviderFinetuneResult:
    price = prices.per_million(f"{provider}:{job.base_model}")
    cost = None
    if price is not None and job.trained_tokens is not None:
        cost = training_cost(job.trained_tokens, price)
    return ProviderFinetuneResult(job, events, price, cost)


def _openai_job(job: Any) -> ProviderJob:
    error = job.error.message if job.error is not None and job.error.message else None
    return ProviderJob(
        id=job.id,
        base_model=job.model,
        status=job.status,
        training_file=job.training_file,
        fine_tuned_model=job.fine_tuned_model,
        trained_tokens=job.trained_tokens,
        error=error,
    )


def _together_job(body: Mapping[str, Any]) -> ProviderJob:
    raw = str(body.get("status") or "")
    status = _TOGETHER_STATUS.get(raw)
    if status is None:
        raise ProviderFinetuneError(f"together: unknown job status {raw!r}")
    error = body.get("error")
    return ProviderJob(
        id=str(body["id"]),
        base_model=str(body.get("model") or ""),
        status=status,
        training_file=str(body.get("training_file") or ""),
        fine_tuned_model=str(body["output_name"])
        if status == "succeeded" and body.get("output_name")
        else None,
        trained_tokens=_int(body.get("trained_tokens")),
        error=str(error) if error else None,
    )


class _refusals:
    """Turns the ``openai`` SDK's errors into `ProviderFinetuneError`."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: Any) -> None:
        import openai

        if isinstance(exc, openai.OpenAIError):
            raise ProviderFinetuneError(f"openai: {exc}") from exc


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return str(error.get("message") or error)
    return str(error or body)[:200]


def _seconds(value: object) -> int:
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str):
        try:
            return int(time.mktime(time.strptime(value[:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone)
        except ValueError:
            return 0
    return 0


def _int(value: object) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _float(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
