"""Prompt sets: a user's own prompts, imported from a file, that a relabel job has the teacher answer.

A prompt set is versioned like a dataset: its upload is version 1; appending a file or removing prompts
makes the next version. A prompt row is immutable and keeps its position; it is live in version N when
``added_in <= N`` and (``removed_in`` is null or ``> N``), so every version stays readable and a job that
answers version N reads the same prompts on every resume, whatever versions come after. Each prompt is
stored as the library's ``PromptRecord`` (messages, tools, variables, reference, source line, fingerprint).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, IdMixin, TimestampMixin, utcnow


class PromptSet(IdMixin, TimestampMixin, Base):
    """An imported prompt file: its name, how its columns were mapped, what was kept and left out."""

    __tablename__ = "prompt_sets"

    name: Mapped[str] = mapped_column(String(200), index=True)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True, default=None
    )
    filename: Mapped[str] = mapped_column(String(255), default="")
    file_format: Mapped[str] = mapped_column(String(16))
    # The current version (1: the upload); each append or removal adds one.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # The column mapping asked for (``PromptMapping`` fields; None: detected per record).
    mapping: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Prompts in the current version.
    prompt_count: Mapped[int] = mapped_column(Integer, default=0)
    # Of the upload (version 1); a later version's are in its ``PromptSetVersion``.
    duplicate_count: Mapped[int] = mapped_column(Integer, default=0)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    # The first bad lines ({"line", "reason"}), as the upload reported them.
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class PromptSetVersion(Base):
    """Why a version of a prompt set exists: what it added and removed, and how many prompts it holds."""

    __tablename__ = "prompt_set_versions"

    prompt_set_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("prompt_sets.id", ondelete="CASCADE"), primary_key=True
    )
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    reason: Mapped[str] = mapped_column(String(200))
    prompt_count: Mapped[int] = mapped_column(Integer, default=0)
    added: Mapped[int] = mapped_column(Integer, default=0)
    removed: Mapped[int] = mapped_column(Integer, default=0)
    # An append's file: its name, and the lines it left out (duplicates of live prompts included).
    filename: Mapped[str] = mapped_column(String(255), default="")
    duplicate_count: Mapped[int] = mapped_column(Integer, default=0)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Prompt(Base):
    """One prompt of a set, at its position (0-based, file order then append order, duplicates left out).

    A position is never reused: an appended prompt takes the next one, a removed prompt keeps its own.
    """

    __tablename__ = "prompts"
    __table_args__ = (Index("ix_prompts_set_live", "prompt_set_id", "removed_in", "position"),)

    prompt_set_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("prompt_sets.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    line: Mapped[int] = mapped_column(Integer)
    fingerprint: Mapped[str] = mapped_column(String(64))
    added_in: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    removed_in: Mapped[int | None] = mapped_column(Integer, default=None)
    # The library's ``PromptRecord`` as JSON.
    record: Mapped[dict[str, Any]] = mapped_column(JSON)
