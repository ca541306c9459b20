"""Peak memory of a large upload through the demo app: ``save_upload`` against Werkzeug's way.

``python -m benchmarks.bench_upload_memory`` (``--megabytes 200`` by default).

Each way of saving runs in its own server process (the demo app on a free
port of 127.0.0.1, served by Werkzeug), so that one cannot inherit another's
memory. The client streams the multipart body from a generator, so the body is
never whole in any memory. The server takes a small upload first, so that
imports and first-request set-up are in the baseline, then reports its peak
resident set size (``VmHWM``) before and after the large upload; the
difference is the growth the upload caused. The ways:

* ``safename.save_upload``: the demo's ``/upload`` route;
* ``werkzeug FileStorage.save``: ``f.save(folder / secure_filename(f.filename))``,
  as Flask's quickstart writes it;
* ``f.read() into memory``: a naive handler, as a control that shows the
  measurement sees an upload held in memory.

This module defines no ``run``: it measures memory, not time, so
``python -m benchmarks`` does not include it in the timing report.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from flask import Flask, request
from werkzeug.serving import make_server
from werkzeug.utils import secure_filename

from safename.demo import create_app

_BOUNDARY: Final = "safename-benchmark-boundary"
_CHUNK: Final = bytes(range(256)) * 256  # 64 KiB of every byte value
_MEBIBYTE: Final = 1024 * 1024
_WARM_UP_BYTES: Final = 4096
_FILENAME: Final = "big upload.bin"
# The folder that holds the benchmarks package, so that "-m" finds it from any directory.
_ROOT: Final = Path(__file__).resolve().parent.parent
#: The ways of saving an upload, by name: the route each server exposes.
WAYS: Final = {
    "safename.save_upload": "/upload",
    "werkzeug FileStorage.save": "/bench/werkzeug-save",
    "f.read() into memory": "/bench/read-into-memory",
}


@dataclass(frozen=True)
class Result:
    """What one way of saving cost."""

    way: str
    megabytes: int
    seconds: float
    baseline_kib: int
    peak_kib: int
    stored_bytes: int

    @property
    def growth_mib(self) -> float:
        """The peak RSS growth the upload caused, in MiB."""
        return (self.peak_kib - self.baseline_kib) / 1024


def _peak_rss_kib() -> int:
    """This process's peak resident set size, in KiB.

    Linux's ``VmHWM`` belongs to this process's own address space, whereas
    ``ru_maxrss`` keeps the peak of the parent that forked it (a 60 MB pytest
    would hide a 16 MB upload), so ``ru_maxrss`` is only the fallback.
    """
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    match = re.search(r"^VmHWM:\s+(\d+) kB$", status, re.MULTILINE)
    if match is None:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(match.group(1))


def _build_server_app(folder: Path, max_bytes: int) -> Flask:
    """The demo app, plus Werkzeug-style routes to compare with (server process only)."""
    app = create_app(
        {
            "SECRET_KEY": "benchmark",
            "UPLOAD_FOLDER": str(folder),
            "WTF_CSRF_ENABLED": False,
            "MAX_CONTENT_LENGTH": max_bytes,
            "SAFENAME_UPLOAD_EXTENSIONS": None,
        }
    )

    @app.post("/bench/werkzeug-save")
    def werkzeug_save() -> str:
        the_file = request.files["the_file"]
        the_file.save(folder / secure_filename(the_file.filename or "upload"))
        return "saved"

    @app.post("/bench/read-into-memory")
    def read_into_memory() -> str:
        the_file = request.files["the_file"]
        data = the_file.read()
        (folder / secure_filename(the_file.filename or "upload")).write_bytes(data)
        return "saved"

    return app


def serve(folder: Path, max_bytes: int) -> None:
    """Server side: print the port, handle a warm-up and a measured upload, print the RSS."""
    server = make_server("127.0.0.1", 0, _build_server_app(folder, max_bytes))
    print(server.server_port, flush=True)
    server.handle_request()
    baseline = _peak_rss_kib()
    server.handle_request()
    print(json.dumps({"baseline_kib": baseline, "peak_kib": _peak_rss_kib()}), flush=True)


def _body(size: int) -> tuple[Iterator[bytes], int]:
    """A multipart body carrying *size* bytes in ``the_file``, as chunks, and its length."""
    head = (
        f"--{_BOUNDARY}\r\n"
        f'Content-Disposition: form-data; name="the_file"; filename="{_FILENAME}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    tail = f"\r\n--{_BOUNDARY}--\r\n".encode()

    def chunks() -> Iterator[bytes]:
        yield head
        whole, rest = divmod(size, len(_CHUNK))
        for _ in range(whole):
            yield _CHUNK
        yield _CHUNK[:rest]
        yield tail

    return chunks(), len(head) + size + len(tail)


def _post(port: int, path: str, size: int) -> int:
    chunks, length = _body(size)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    headers = {
        "Content-Type": f"multipart/form-data; boundary={_BOUNDARY}",
        "Content-Length": str(length),
    }
    connection.request("POST", path, body=chunks, headers=headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status


def measure(way: str, megabytes: int) -> Result:
    """Upload *megabytes* MiB through a fresh server process saving it *way*."""
    size = megabytes * _MEBIBYTE
    with tempfile.TemporaryDirectory(prefix="safename-bench-") as folder:
        command = [sys.executable, "-m", "benchmarks.bench_upload_memory", "--serve", folder]
        command += ["--max-bytes", str(size + _MEBIBYTE)]
        with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=_ROOT) as server:
            assert server.stdout is not None
            port = int(server.stdout.readline())
            path = WAYS[way]
            warm_up = _post(port, path, _WARM_UP_BYTES)
            for stored in Path(folder).iterdir():
                stored.unlink()
            start = time.perf_counter()
            status = _post(port, path, size)
            seconds = time.perf_counter() - start
            report = json.loads(server.stdout.readline())
        if {warm_up, status} - {200, 302}:
            raise RuntimeError(f"{way}: the server answered {warm_up} and {status}")
        stored_bytes = sum(entry.stat().st_size for entry in Path(folder).iterdir())
    if stored_bytes != size:
        raise RuntimeError(f"{way}: stored {stored_bytes} bytes of {size}")
    return Result(way, megabytes, seconds, report["baseline_kib"], report["peak_kib"], stored_bytes)


def main(argv: Sequence[str] | None = None) -> int:
    """Measure every way and print a table (or, with ``--serve``, be one server)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--megabytes", type=int, default=200, help="upload size in MiB")
    parser.add_argument("--serve", metavar="FOLDER", help=argparse.SUPPRESS)
    parser.add_argument("--max-bytes", type=int, default=0, help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.serve:
        serve(Path(arguments.serve), arguments.max_bytes)
        return 0
    print(f"Upload of {arguments.megabytes} MiB through the demo app, one server process each")
    print(f"{'way':28} {'seconds':>8} {'baseline MiB':>13} {'peak RSS growth MiB':>20}")
    for way in WAYS:
        result = measure(way, arguments.megabytes)
        baseline = result.baseline_kib / 1024
        print(f"{way:28} {result.seconds:8.2f} {baseline:13.1f} {result.growth_mib:20.1f}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
