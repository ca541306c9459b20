"""Counting the work of a call, to prove a linear bound without a clock.

:func:`work` counts the Python lines a call runs (``sys.settrace`` line
events) and the steps every linear-time matcher (``PartNFA``) counts itself:
deterministic in both builds. The lines see the pure build's loops and, in
the compiled build, every converter and Werkzeug adapter, which stay Python;
the matchers' own steps see the loops the compiled build turns into C, which
line tracing cannot. :func:`counts` counts the lines run in safename's own
modules only, and the calls of chosen ``os`` functions: what a writer does to
the file system. :func:`assert_linear` runs a family of inputs at sizes n, 2n,
4n, 8n and fails when one doubling costs more than :data:`GROWTH` times the
one before.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from itertools import pairwise
from pathlib import Path
from types import FrameType
from typing import Any

import safename
from safename.routing._nfa import PartNFA

#: The most a doubling of the input may multiply the work by.
GROWTH = 2.5
SIZES = (500, 1000, 2000, 4000)
#: Where safename's own code lives: only its lines are counted by :func:`counts`.
PACKAGE = str(Path(safename.__file__).resolve().parent) + os.sep

Measure = Callable[[Callable[[], object]], Mapping[str, int]]


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


@contextlib.contextmanager
def counting_os(*names: str) -> Iterator[dict[str, int]]:
    """Count the calls of ``os.<name>`` for each of *names*, from anyone, while inside."""
    tally = dict.fromkeys(names, 0)
    real = {name: getattr(os, name) for name in names}

    def counted(name: str) -> Callable[..., Any]:
        function = real[name]

        def call(*arguments: Any, **keywords: Any) -> Any:
            tally[name] += 1
            return function(*arguments, **keywords)

        return call

    # The wrappers take descriptors where the real functions do: safename asks these sets.
    supports = [os.supports_fd, os.supports_dir_fd, os.supports_follow_symlinks]
    for name in names:
        wrapper = counted(name)
        for functions in supports:
            if real[name] in functions:
                functions.add(wrapper)
        setattr(os, name, wrapper)
    try:
        yield tally
    finally:
        for name, function in real.items():
            for functions in supports:
                functions.discard(getattr(os, name))
            setattr(os, name, function)


def counts(call: Callable[[], object], *os_calls: str) -> dict[str, int]:
    """Lines run in safename's modules, and calls of each of ``os.<os_calls>``, by *call*.

    Other modules' frames are not traced at all (the trace function declines
    them), so the standard library's and the test's own lines do not count.
    *call* must not raise: a family that expects a refusal catches it itself,
    so that an input refused at its first byte cannot pass for a linear one.
    """
    lines = 0

    def trace(frame: FrameType, event: str, argument: Any) -> Any:
        nonlocal lines
        if event == "call":
            return trace if frame.f_code.co_filename.startswith(PACKAGE) else None
        if event == "line":
            lines += 1
        return trace

    with counting_os(*os_calls) as tally:
        sys.settrace(trace)
        try:
            call()
        finally:
            sys.settrace(None)
    return {"lines": lines, **{f"os.{name}": number for name, number in tally.items()}}


def assert_linear(
    name: str,
    make: Callable[[int], Callable[[], object]],
    sizes: tuple[int, ...] = SIZES,
    *,
    measure: Measure = lambda call: {"lines": work(call)},
    units: Callable[[int], int] | None = None,
) -> list[dict[str, int]]:
    """Fail unless each count of ``make(n)()`` grows at most GROWTH-fold per doubling of n.

    ``make(n)`` prepares the input (uncounted) and returns the call to count.
    With *units*, a doubling may cost GROWTH times the work per unit (per
    name component, per member...) instead: for families whose input grows
    faster than n. Returns the counts, size by size.
    """
    measured = [dict(measure(make(size))) for size in sizes]
    for key in measured[0]:
        counted = [
            max(row[key], 1) / (units(size) if units else 1)
            for row, size in zip(measured, sizes, strict=True)
        ]
        for (small, large), (low, high) in zip(pairwise(sizes), pairwise(counted), strict=True):
            ratio = high / low
            bound = GROWTH / 2 if units else GROWTH * (large / small) / 2
            assert ratio <= bound, (
                f"{name}: {key} {low:g} at n={small}, {high:g} at n={large} (x{ratio:.2f})"
                + (" per unit" if units else "")
            )
    return measured


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
