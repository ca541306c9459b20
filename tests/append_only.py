"""A real append-only directory (``chattr +a``) for the tests that need one."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


@contextlib.contextmanager
def made_append_only(directory: Path) -> Iterator[Path]:
    """Make *directory* append-only for the ``with`` block, or skip the test with the reason.

    The machine refuses without ``chattr``, without root, or on a file system
    without the flag (tmpfs); CI runs as root on ext4.
    """
    chattr = shutil.which("chattr")
    if chattr is None:
        pytest.skip("chattr is not installed")
    result = subprocess.run([chattr, "+a", str(directory)], capture_output=True, check=False)
    if result.returncode != 0:
        pytest.skip(f"chattr +a refused here (needs root on ext4/XFS/Btrfs): {result.stderr!r}")
    try:
        yield directory
    finally:
        subprocess.run([chattr, "-a", str(directory)], check=True)
