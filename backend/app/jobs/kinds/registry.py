"""Every job kind, by ``JobKind``: adding a kind is one module and one line here."""

from __future__ import annotations

from app.jobs.kinds.amplify import AmplifyKind
from app.jobs.kinds.base import Kind
from app.jobs.kinds.generate import GenerateKind
from app.jobs.kinds.preference import PreferenceKind
from app.jobs.kinds.quality import QualityKind
from app.jobs.kinds.regenerate import RegenerateKind
from app.jobs.kinds.relabel import RelabelKind
from app.models import JobKind

KINDS: dict[JobKind, Kind] = {
    kind.kind: kind
    for kind in (
        GenerateKind(),
        AmplifyKind(),
        QualityKind(),
        RegenerateKind(),
        RelabelKind(),
        PreferenceKind(),
    )
}


def kind_of(kind: JobKind) -> Kind:
    """The registered kind."""
    return KINDS[kind]
