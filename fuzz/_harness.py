"""What every harness shares: fuzzer bytes as text, and one way to state an invariant.

Harnesses import this module before they import safename inside
``atheris.instrument_imports()``, so it must not import safename itself.
"""

from __future__ import annotations

#: Separates the parts of an input meant for several arguments (``safe_join``'s
#: pathnames): the ASCII unit separator, rare in the seeds, easy for libFuzzer to find.
PART_SEPARATOR = "\x1f"


class InvariantError(AssertionError):
    """A guarantee of safename did not hold for a fuzzer's input."""


def text_of(data: bytes) -> str:
    """Decode UTF-8; each byte that is not UTF-8 becomes a lone surrogate (U+DC80-U+DCFF).

    So every byte string is a distinct ``str``, and the library meets lone
    surrogates, which it claims to handle, as well as every valid code point.
    """
    return data.decode("utf-8", "surrogateescape")


def expect(condition: bool, message: str, *values: object) -> None:
    """Raise :class:`InvariantError` with *message* and the *values* unless *condition*.

    Not ``assert``: a harness must keep checking under ``python -O``.
    """
    if not condition:
        raise InvariantError(message + ": " + ", ".join(map(repr, values)))
