"""Uploads into object storage: throughput and peak memory, ``save_upload`` against boto3.

``python -m benchmarks.bench_s3_upload`` (``--megabytes 200 --server seaweedfs --server
ministack`` by default) starts each server from its PyPI package (``tests/s3_servers.py``)
and, in a fresh process per way, streams a generated body of that size (never whole in
memory) into the bucket. It prints the throughput and the growth of the peak resident set
size (``VmHWM``) the upload caused, after a small upload has warmed up imports and
connections. The ways:

* ``safename.save_upload``: :class:`~safename.uploads.S3Bucket` with 8 MiB parts, one
  request at a time, each upload claimed and written conditionally;
* ``boto3 upload_fileobj``: boto3's managed transfer (default ``TransferConfig``: 8 MiB
  parts, 10 threads), which overwrites whatever is at the key.

This module defines no ``run``: it measures memory and a wall-clock rate against real
servers, so ``python -m benchmarks`` does not include it in the timing report.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Final

import boto3
from botocore.config import Config

from safename.uploads import S3Bucket, save_upload

_ROOT: Final = Path(__file__).resolve().parent.parent
_MEBIBYTE: Final = 1024 * 1024
_BLOCK: Final = bytes(range(256)) * 256  # 64 KiB of every byte value
WAYS: Final = ("safename.save_upload", "boto3 upload_fileobj")


class GeneratedStream:
    """*size* bytes made on the fly, read with ``read(n)``: never whole in memory."""

    def __init__(self, size: int) -> None:
        self.left = size

    def read(self, size: int = -1, /) -> bytes:
        size = self.left if size < 0 else min(size, self.left)
        chunk = (_BLOCK * (size // len(_BLOCK) + 1))[:size]
        self.left -= size
        return chunk

    def readable(self) -> bool:
        return True


def _peak_rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status")


def _client(endpoint: str, access: str, secret: str) -> Any:
    config = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 2})
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=access,
        aws_secret_access_key=secret,
        region_name="us-east-1",
        config=config,
    )


def _upload(way: str, client: Any, bucket: str, size: int) -> None:
    if way == "safename.save_upload":
        destination = S3Bucket(client, bucket, f"b{uuid.uuid4().hex}/")
        key = save_upload(GeneratedStream(size), "big.bin", destination).key
    else:
        key = f"b{uuid.uuid4().hex}/big.bin"
        client.upload_fileobj(GeneratedStream(size), bucket, key)
    stored = client.head_object(Bucket=bucket, Key=key)["ContentLength"]
    if stored != size:
        raise RuntimeError(f"{way} stored {stored} bytes of {size}")


def child(way: str, endpoint: str, bucket: str, access: str, secret: str, megabytes: int) -> None:
    """Measure one way in this process and print the result as JSON."""
    client = _client(endpoint, access, secret)
    _upload(way, client, bucket, 4096)
    before = _peak_rss_kib()
    started = time.perf_counter()
    _upload(way, client, bucket, megabytes * _MEBIBYTE)
    elapsed = time.perf_counter() - started
    growth = (_peak_rss_kib() - before) / 1024
    print(
        json.dumps({"seconds": elapsed, "growth_mib": growth, "peak_mib": _peak_rss_kib() / 1024})
    )


def measure(way: str, server: list[str], megabytes: int) -> dict[str, float]:
    """Run :func:`child` for *way* in a fresh interpreter; its JSON result."""
    command = [sys.executable, "-m", "benchmarks.bench_s3_upload", "--child", way, *server]
    command += ["--megabytes", str(megabytes)]
    output = subprocess.run(command, capture_output=True, text=True, check=True, cwd=_ROOT)
    result: dict[str, float] = json.loads(output.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=200)
    parser.add_argument("--server", action="append", choices=["seaweedfs", "ministack"])
    parser.add_argument("--ways", nargs="*", default=list(WAYS))
    parser.add_argument("--child", nargs=5, metavar=("WAY", "ENDPOINT", "BUCKET", "KEY", "SECRET"))
    arguments = parser.parse_args()
    if arguments.child:
        way, endpoint, bucket, access, secret = arguments.child
        child(way, endpoint, bucket, access, secret, arguments.megabytes)
        return
    for name in arguments.server or ["seaweedfs", "ministack"]:
        with tempfile.TemporaryDirectory() as directory:
            runner = subprocess.Popen(
                [sys.executable, str(_ROOT / "tests" / "s3_servers.py"), name, directory],
                stdout=subprocess.PIPE,
                text=True,
            )
            try:
                assert runner.stdout is not None
                server = runner.stdout.readline().split()
                for way in arguments.ways:
                    result = measure(way, server, arguments.megabytes)
                    rate = arguments.megabytes / result["seconds"]
                    growth, peak = result["growth_mib"], result["peak_mib"]
                    print(
                        f"{name:9} {way:22} {arguments.megabytes} MiB: {rate:7.1f} MiB/s, "
                        f"peak RSS +{growth:.1f} MiB (peak {peak:.0f} MiB)",
                        flush=True,
                    )
            finally:
                runner.terminate()
                runner.wait(timeout=60)


if __name__ == "__main__":
    main()
