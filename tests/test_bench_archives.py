"""The archive benchmark measures what it claims, and a refused bomb costs no memory."""

from __future__ import annotations

import pytest

from benchmarks.bench_archives import measure_bomb


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["zip", "tar.gz from a pipe"])
def test_refusing_a_two_gigabyte_bomb_keeps_memory_flat(kind: str) -> None:
    result = measure_bomb(kind)
    assert result["reason"] == "compression_ratio"
    growth_kib = int(str(result["peak_kib"])) - int(str(result["baseline_kib"]))
    assert growth_kib < 8 * 1024
