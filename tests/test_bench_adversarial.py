"""The hostile-path benchmark: its growth exponents and its extrapolation, on known times."""

from __future__ import annotations

import pytest

from benchmarks.bench_adversarial import LENGTHS, Growth, fitted


@pytest.mark.parametrize("exponent", [0.0, 1.0, 2.0, 4.0])
def test_the_fit_finds_the_exponent_of_a_power_law(exponent: float) -> None:
    seconds = {length: 1e-6 * length**exponent for length in (64, 128, 256, 512, *LENGTHS)}
    assert fitted(seconds, sorted(seconds)) == pytest.approx(exponent)
    assert fitted(seconds, [1000, 8000]) == pytest.approx(exponent)


def test_one_length_shows_no_growth() -> None:
    assert fitted({1000: 0.5}, [1000]) == 0.0


@pytest.mark.parametrize(
    ("measured", "label"),
    [
        (frozenset(LENGTHS), "werkzeug (n^2.0)"),
        (frozenset({64, 128, 256}), "werkzeug (n^2.0, extrapolated)"),
    ],
)
def test_the_label_says_when_the_8k_time_is_extrapolated(
    measured: frozenset[int], label: str
) -> None:
    assert Growth("werkzeug", {}, measured, 2.0).label() == label
