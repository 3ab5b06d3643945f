"""Translation pairs."""

from __future__ import annotations

import re

from pydantic import Field

from distillation.datatypes.base import (
    DEFAULT_CONTEXT,
    DataType,
    InstructionExample,
    Message,
    Record,
    TextField,
    ValidationContext,
    with_system,
)

# ISO 639-1 codes for the languages people name most; lets "en" and "English" compare equal.
_LANGUAGE_CODES = {
    "en": "english",
    "es": "spanish",
    "fr": "french",
    "de": "german",
    "it": "italian",
    "pt": "portuguese",
    "nl": "dutch",
    "ru": "russian",
    "zh": "chinese",
    "ja": "japanese",
    "ko": "korean",
    "ar": "arabic",
    "hi": "hindi",
    "tr": "turkish",
    "pl": "polish",
    "sv": "swedish",
    "uk": "ukrainian",
}
_LANGUAGE_TAG = re.compile(r"^([a-z]{2,3})(?:[-_][a-z0-9]+)*$")
# Beyond these length ratios a "translation" is usually truncated or padded; short texts are exempt.
_MIN_RATIO, _MAX_RATIO, _RATIO_MIN_CHARS = 1 / 6, 6.0, 20


class TranslationRecord(Record):
    """A source text and its translation."""

    source_lang: str = Field(description="Language of the source text, e.g. English.")
    target_lang: str = Field(description="Language of the translation, e.g. French.")
    source: str = Field(description="The text to translate.")
    target: str = Field(description="The faithful, fluent translation of the source.")


class TranslationDataType(DataType[TranslationRecord]):
    """Translation between two languages."""

    name = "translation"
    title = "Translation pairs"
    description = "A natural source text and a faithful, fluent translation into the target language."
    record_model = TranslationRecord

    def normalize(
        self, record: TranslationRecord, context: ValidationContext = DEFAULT_CONTEXT
    ) -> TranslationRecord:
        """Strip whitespace."""
        return TranslationRecord(
            source_lang=record.source_lang.strip(),
            target_lang=record.target_lang.strip(),
            source=record.source.strip(),
            target=record.target.strip(),
        )

    def text_fields(self, record: TranslationRecord) -> list[TextField]:
        """Return both language names and texts (the target is the response)."""
        return [
            TextField("source_lang", record.source_lang, False),
            TextField("target_lang", record.target_lang, False),
            TextField("source", record.source, False),
            TextField("target", record.target, True),
        ]

    def _check(self, record: TranslationRecord, context: ValidationContext) -> list[str]:
        reasons = []
        if record.source_lang.strip() and canonical_language(record.source_lang) == canonical_language(
            record.target_lang
        ):
            reasons.append("source_lang and target_lang are the same language")
        if record.source.strip() and _squash(record.source) == _squash(record.target):
            reasons.append("target is identical to source (not translated)")
        ratio = _length_ratio(record.source, record.target)
        if ratio is not None and not _MIN_RATIO <= ratio <= _MAX_RATIO:
            reasons.append(f"target is {ratio:.2f}x the length of source (likely truncated or padded)")
        return reasons

    def to_messages(
        self, record: TranslationRecord, *, system: str | None = None, instruction: str | None = None
    ) -> list[Message]:
        """User asks for the translation of the source; the assistant gives the target."""
        user = f"{_task(record, instruction)}\n\n{record.source}"
        return with_system(
            system, [{"role": "user", "content": user}, {"role": "assistant", "content": record.target}]
        )

    def to_instruction(
        self, record: TranslationRecord, *, instruction: str | None = None
    ) -> InstructionExample:
        """Instruction: translate from X to Y; input: the source; output: the target."""
        return InstructionExample(
            instruction=_task(record, instruction), input=record.source, output=record.target
        )

    def example(self) -> TranslationRecord:
        """Return a sample record."""
        return TranslationRecord(
            source_lang="English",
            target_lang="French",
            source="Your order has shipped and should arrive within three business days.",
            target="Votre commande a été expédiée et devrait arriver sous trois jours ouvrables.",
        )


def canonical_language(language: str) -> str:
    """Return a comparable form of a language name or ISO 639-1 code (``EN`` → ``english``)."""
    lowered = language.strip().casefold()
    tagged = _LANGUAGE_TAG.match(lowered)
    return _LANGUAGE_CODES.get(tagged.group(1), lowered) if tagged else lowered


def _squash(text: str) -> str:
    return " ".join(text.casefold().split())


def _length_ratio(source: str, target: str) -> float | None:
    source_len, target_len = len(source.strip()), len(target.strip())
    if source_len < _RATIO_MIN_CHARS or target_len == 0:
        return None
    return target_len / source_len


def _task(record: TranslationRecord, instruction: str | None) -> str:
    return instruction or f"Translate the following text from {record.source_lang} to {record.target_lang}."
