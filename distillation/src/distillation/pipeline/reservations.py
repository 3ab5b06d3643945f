"""What an attempt may cost before it is sent, and the output cap that keeps it within a budget.

A reservation is the worst case of the request *as sent*: its input's bound plus its ``max_tokens``
at the output rate. The provider cannot write more than ``max_tokens``, so when the reservations of
every call in flight fit the budget, spending cannot pass it, whatever each answer turns out to be.
What makes a budget spend what it allows is the cap: when the room left cannot cover a call's full
``max_tokens``, the call is sent with the largest cap that fits, as long as that cap is no less than
what answers to the same prompt needed so far (a high quantile of their output lengths, with a
margin); a smaller one would be cut off and wasted, so such a call is not sent.

The input is bounded from the client's pre-flight estimate (about four characters a token): at the
largest ratio of reported to estimated input tokens that answers to the prompt showed, with a margin;
before the prompt's first answer, at one token a character, or at the ratio the model's other prompts
showed when that is lower.
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict, deque
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

from distillation.cost import ModelPrice, TokenUsage
from distillation.providers import AttemptStart, Usage

# Answers kept per prompt to take the quantile of; the quantile and the margin over it.
WINDOW = 256
QUANTILE = 0.95
OUTPUT_MARGIN = 1.25
INPUT_MARGIN = 1.25
# Before a prompt's first answer: the estimate counts four characters a token, the bound one.
UNSEEN_INPUT_RATIO = 4.0

# Answers are told apart by model and prompt template: the seed prompt and the judge's need different
# lengths, and so do the teacher and the student.
PromptKey = tuple[str, str]


def prompt_key(start: AttemptStart) -> PromptKey:
    """The model and prompt template an attempt's observations are kept under."""
    return (start.model_id, start.template_hash)


@dataclass(frozen=True, slots=True)
class Need:
    """What one attempt may cost: its input's bound, the cap it asks for and the least cap worth sending.

    Attributes:
        price: The model's unit prices; None when unknown (the attempt is then reserved at zero).
        input_tokens: An upper bound of its input tokens.
        max_tokens: The output cap the request asks for.
        min_tokens: The smallest cap worth sending (what answers to its prompt needed so far).
    """

    price: ModelPrice | None
    input_tokens: int
    max_tokens: int
    min_tokens: int

    def cost(self, cap: int | None = None) -> Decimal:
        """The worst case with output cap ``cap`` (the full ``max_tokens`` by default)."""
        if self.price is None:
            return Decimal(0)
        return self.price.cost(TokenUsage(self.input_tokens, self.max_tokens if cap is None else cap))

    def fit(self, room: Decimal | None) -> int | None:
        """The largest cap from ``min_tokens`` to ``max_tokens`` whose worst case fits ``room``.

        ``room`` None is no limit (the full cap); None is returned when not even ``min_tokens`` fits.

        Example:
            >>> price = ModelPrice("openai:gpt-4o", Decimal("2.5"), Decimal("10"))
            >>> Need(price, input_tokens=400, max_tokens=512, min_tokens=100).fit(Decimal("0.003"))
            200
        """
        if room is None or self.cost() <= room:
            return self.max_tokens
        base = self.cost(0)
        per_token = self.cost(1) - base
        if per_token <= 0 or room < base:
            return None
        cap = int(((room - base) / per_token).to_integral_value(rounding=ROUND_FLOOR))
        return cap if cap >= self.min_tokens else None


@dataclass
class Observations:
    """What the answers so far tell of each prompt: output lengths and reported-to-estimated input."""

    _outputs: dict[PromptKey, _Lengths] = field(default_factory=lambda: defaultdict(_Lengths))
    # Per prompt, and per model (the tokenizer's, for a prompt not answered yet).
    _input_ratio: dict[PromptKey | str, float] = field(default_factory=dict)

    def add(self, key: PromptKey, estimated_input: int, usage: Usage) -> None:
        """Learn from one answered attempt's usage."""
        if usage.output_tokens > 0:
            self._outputs[key].add(usage.output_tokens)
        if usage.input_tokens > 0 and estimated_input > 0:
            ratio = usage.input_tokens / estimated_input
            for where in (key, key[0]):
                self._input_ratio[where] = max(ratio, self._input_ratio.get(where, 0.0))

    def need(self, start: AttemptStart, price: ModelPrice | None) -> Need:
        """What ``start`` may cost and the smallest cap worth sending it with."""
        key = prompt_key(start)
        asked = start.max_tokens if start.max_tokens is not None else UNCAPPED
        ratio = self._input_bound_ratio(key)
        input_bound = math.ceil(start.input_tokens * max(ratio, 1.0))
        outputs = self._outputs.get(key)
        least = asked if outputs is None else min(asked, math.ceil(outputs.quantile() * OUTPUT_MARGIN))
        return Need(price, input_bound, asked, max(1, least))

    def _input_bound_ratio(self, key: PromptKey) -> float:
        """Input tokens per estimated one that bound the prompt's input."""
        if (seen := self._input_ratio.get(key)) is not None:
            return seen * INPUT_MARGIN
        if (model := self._input_ratio.get(key[0])) is not None:  # never above the unseen bound
            return min(model * INPUT_MARGIN, UNSEEN_INPUT_RATIO)
        return UNSEEN_INPUT_RATIO


# A request without max_tokens is reserved as if it asked for this many (the providers' usual default).
UNCAPPED = 4096


@dataclass
class _Lengths:
    """The last ``WINDOW`` output lengths of one prompt, in arrival order and sorted (a quantile per call)."""

    arrived: deque[int] = field(default_factory=deque)
    ordered: list[int] = field(default_factory=list)

    def add(self, tokens: int) -> None:
        if len(self.arrived) == WINDOW:
            del self.ordered[bisect.bisect_left(self.ordered, self.arrived.popleft())]
        self.arrived.append(tokens)
        bisect.insort(self.ordered, tokens)

    def quantile(self) -> int:
        """The ``QUANTILE``-th length (the largest of a few)."""
        ordered = self.ordered
        return ordered[min(len(ordered) - 1, math.ceil(QUANTILE * len(ordered)) - 1)]
