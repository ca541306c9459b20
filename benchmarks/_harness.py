"""Time competing implementations on the same inputs in one run, and report ratios."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Timing:
    """The best time of one implementation over the whole input list.

    *note* qualifies the time in the report (how it was found, say); the rows
    of one table are told apart by *name* alone, in every build.
    """

    name: str
    seconds: float
    calls: int
    note: str = ""

    @property
    def per_call_us(self) -> float:
        """Microseconds per call."""
        return self.seconds / self.calls * 1e6


def _one_pass(function: Callable[[Any], object], inputs: Sequence[Any]) -> float:
    start = time.perf_counter()
    for item in inputs:
        function(item)
    return time.perf_counter() - start


def best_of(function: Callable[[Any], object], inputs: Sequence[Any], *, repeat: int = 7) -> float:
    """The fastest of *repeat* passes of *function* over *inputs*, in seconds."""
    return min(_one_pass(function, inputs) for _ in range(repeat))


def compare(
    title: str,
    contenders: dict[str, Callable[[Any], object]],
    inputs: Sequence[Any],
    *,
    repeat: int = 7,
) -> list[Timing]:
    """Time every contender on *inputs*, interleaved in one run; print and return the timings.

    The first contender is the reference: each row says how many times
    faster it is than that row (``> 1`` means the reference wins).

    Passes are interleaved so that a burst of load elsewhere on the machine
    slows every contender alike, and each round starts one contender later
    (A, B, C, then B, C, A, then C, A, B, ...): a pass finds the caches as
    the pass before it left them, and with one fixed order the first
    contender would always follow the last, never any other.
    """
    best = dict.fromkeys(contenders, float("inf"))
    names = list(contenders)
    for round_number in range(repeat):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            best[name] = min(best[name], _one_pass(contenders[name], inputs))
    timings = [Timing(name, seconds, len(inputs)) for name, seconds in best.items()]
    reference = timings[0]
    print(f"\n{title} ({len(inputs)} inputs, best of {repeat})")
    for timing in timings:
        ratio = timing.seconds / reference.seconds
        speed = f"{timing.per_call_us:9.3f} us/call"
        print(f"  {timing.name:32} {speed}   {reference.name} is {ratio:6.2f}x")
    return timings
