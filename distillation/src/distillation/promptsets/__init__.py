"""Prompt sets: the user's own prompts, read from files, mapped to chat prompts and deduplicated.

``read_prompt_set`` reads JSONL / JSON / CSV (the upload reader), Parquet and Hugging Face
``save_to_disk`` folders, and OpenAI chat-completions request logs (``messages``, optional ``tools``,
also as batch lines ``{"body": {...}}``). A bad line is recorded with its number and reason; the
import goes on unless ``max_errors`` says otherwise. :mod:`distillation.relabel` has the teacher
answer them.
"""

from distillation.promptsets.read import (
    BadLine,
    Duplicate,
    PromptFormat,
    PromptSet,
    TooManyErrors,
    detect_prompt_format,
    read_prompt_set,
)
from distillation.promptsets.records import PromptError, PromptMapping, PromptRecord, fingerprint, to_prompt

__all__ = [
    "BadLine",
    "Duplicate",
    "PromptError",
    "PromptFormat",
    "PromptMapping",
    "PromptRecord",
    "PromptSet",
    "TooManyErrors",
    "detect_prompt_format",
    "fingerprint",
    "read_prompt_set",
    "to_prompt",
]
