"""Dataset record views, conversions between them, a safe streaming reader and the OpenAI validator.

The canonical record is a chat ``{"messages": [...], "metadata"?: {...}}``; see ``convert`` for the other
views (Alpaca instruction, ShareGPT, prompt/completion, flat CSV columns).
"""

from distillation.formats.convert import (
    ConversionError,
    Converted,
    LossyConversion,
    RecordFormat,
    detect_format,
    from_chat,
    to_chat,
)
from distillation.formats.openai import (
    OpenAIIssue,
    OpenAIValidationReport,
    estimate_tokens,
    validate_openai_dataset,
    validate_openai_example,
)
from distillation.formats.reader import (
    FileFormat,
    FileFormatError,
    InputLimitError,
    ReadLimits,
    ReadRow,
    detect_file_format,
    read_chat_records,
    read_records,
)
from distillation.formats.records import CHAT_ROLES, ChatRecord, Message, RecordError, validate_chat

__all__ = [
    "CHAT_ROLES",
    "ChatRecord",
    "ConversionError",
    "Converted",
    "FileFormat",
    "FileFormatError",
    "InputLimitError",
    "LossyConversion",
    "Message",
    "OpenAIIssue",
    "OpenAIValidationReport",
    "ReadLimits",
    "ReadRow",
    "RecordError",
    "RecordFormat",
    "detect_file_format",
    "detect_format",
    "estimate_tokens",
    "from_chat",
    "read_chat_records",
    "read_records",
    "to_chat",
    "validate_chat",
    "validate_openai_dataset",
    "validate_openai_example",
]
