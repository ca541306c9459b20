"""The upload memory benchmark measures what it claims, and save_upload stays flat."""

from __future__ import annotations

from benchmarks.bench_upload_memory import measure

MEGABYTES = 16


def test_save_upload_memory_stays_flat_while_a_read_into_memory_does_not() -> None:
    streamed = measure("safename.save_upload", MEGABYTES)
    control = measure("f.read() into memory", MEGABYTES)
    assert streamed.stored_bytes == control.stored_bytes == MEGABYTES * 1024 * 1024
    # The control proves the meter sees an upload held in memory ...
    assert control.growth_mib >= MEGABYTES * 0.9
    # ... and save_upload holds a few chunks at most, whatever the size.
    assert streamed.growth_mib < 4
