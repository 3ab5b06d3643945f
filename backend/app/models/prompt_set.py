"""Prompt sets: a user's own prompts, imported from a file, that a relabel job has the teacher answer.

A prompt set is written once by its upload and never changed (a new upload is a new set), so a job
that answers it reads the same prompts on every resume. Each prompt is stored as the library's
``PromptRecord`` (messages, tools, variables, reference, source line, fingerprint).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, IdMixin, TimestampMixin


class PromptSet(IdMixin, TimestampMixin, Base):
    """An imported prompt file: its name, how its columns were mapped, what was kept and left out."""

    __tablename__ = "prompt_sets"

    name: Mapped[str] = mapped_column(String(200), index=True)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True, default=None
    )
    filename: Mapped[str] = mapped_column(String(255), default="")
    file_format: Mapped[str] = mapped_column(String(16))
    # The column mapping asked for (``PromptMapping`` fields; None: detected per record).
    mapping: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prompt_count: Mapped[int] = mapped_column(Integer, default=0)
    duplicate_count: Mapped[int] = mapped_column(Integer, default=0)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    # The first bad lines ({"line", "reason"}), as the upload reported them.
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class Prompt(Base):
    """One prompt of a set, at its position (0-based, file order, duplicates left out)."""

    __tablename__ = "prompts"

    prompt_set_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("prompt_sets.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    line: Mapped[int] = mapped_column(Integer)
    fingerprint: Mapped[str] = mapped_column(String(64))
    # The library's ``PromptRecord`` as JSON.
    record: Mapped[dict[str, Any]] = mapped_column(JSON)
