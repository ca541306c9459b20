"""Counting the work of a call, to prove a linear bound without a clock.

:func:`work` counts the Python lines a call runs (``sys.settrace`` line
events) and the steps every linear-time matcher (``PartNFA``) counts itself:
deterministic in both builds. The lines see the pure build's loops and, in
the compiled build, every converter and Werkzeug adapter, which stay Python;
the matchers' own steps see the loops the compiled build turns into C, which
line tracing cannot. :func:`assert_linear` runs a family of inputs at sizes
n, 2n, 4n, 8n and fails when one doubling costs more than :data:`GROWTH`
times the one before.
"""

from __future__ import annotations

import contextlib
import gc
import sys
from collections.abc import Callable
from itertools import pairwise
from types import FrameType
from typing import Any

from safename.routing._nfa import PartNFA

#: The most a doubling of the input may multiply the work by.
GROWTH = 2.5
SIZES = (500, 1000, 2000, 4000)


def matchers() -> list[PartNFA]:
    """Every linear-time matcher alive: the parts of every router, pattern and map made."""
    gc.collect()
    return [found for found in gc.get_objects() if type(found) is PartNFA]


def matcher_steps(call: Callable[[], object]) -> int:
    """The steps the linear-time matchers alive before *call* count while it runs."""
    counted = matchers()
    before = sum(matcher.steps for matcher in counted)
    with contextlib.suppress(ValueError):  # a refusal is an answer: its cost counts as well
        call()
    return sum(matcher.steps for matcher in counted) - before


def work(call: Callable[[], object]) -> int:
    """The Python lines *call* runs, and the steps of the matchers it uses."""
    counted = matchers()
    before = sum(matcher.steps for matcher in counted)
    lines = 0

    def trace(frame: FrameType, event: str, argument: Any) -> Any:
        nonlocal lines
        if event == "line":
            lines += 1
        return trace

    sys.settrace(trace)
    try:
        call()
    except ValueError:
        pass  # a refusal is an answer: its cost counts as well
    finally:
        sys.settrace(None)
    return lines + sum(matcher.steps for matcher in counted) - before


def assert_linear(
    name: str, make: Callable[[int], Callable[[], object]], sizes: tuple[int, ...] = SIZES
) -> list[int]:
    """Fail unless the work of ``make(n)()`` grows at most GROWTH-fold per doubling of n."""
    counts = [max(work(make(size)), 1) for size in sizes]
    for (small, large), (low, high) in zip(pairwise(sizes), pairwise(counts), strict=True):
        ratio = high / low
        assert ratio <= GROWTH * (large / small) / 2, (
            f"{name}: work {low} at n={small}, {high} at n={large} (x{ratio:.2f})"
        )
    return counts


def called(call: Callable[[], object]) -> list[str]:
    """The names of the Python functions *call* calls, in order (``sys.setprofile``)."""
    names: list[str] = []

    def profile(frame: FrameType, event: str, argument: Any) -> None:
        if event == "call":
            names.append(frame.f_code.co_name)

    sys.setprofile(profile)
    try:
        call()
    finally:
        sys.setprofile(None)
    return names
