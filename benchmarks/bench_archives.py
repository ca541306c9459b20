"""Archive extraction: peak memory while a bomb is refused, and throughput on 10,000 files.

``python -m benchmarks.bench_archives`` (``--files 10000 --repeat 3`` by default).

* Memory: a 2 MB zip and a 2 MB tar.gz that each expand to 2 GiB of zeros are
  built here, then given to :func:`safename.archives.safe_extract` in a fresh
  process (from a file), which reports its peak resident set size (``VmHWM``)
  before and after. Their honest headers get them refused before any data is
  read; a third run gives the tar.gz on the process's stdin, a real pipe (size
  unknown), with the size limit above 2 GiB, so that only the ratio of the
  bytes written can stop it, while it streams.
* Throughput: an archive of *files* small files in 100 directories, extracted
  into a fresh directory by ``safe_extract``, by ``zipfile.ZipFile.extractall``
  and by ``tarfile.TarFile.extractall(filter="data")``; the best of *repeat*
  runs of each, interleaved.

The bombs are built without ever holding or writing 2 GiB: a deflate block of
1 MiB of zeros, ended by a full flush, does not refer to what came before, so
the block repeated 2,048 times is a valid stream of 2 GiB of zeros
(:func:`zip_bomb`, :func:`tar_gz_bomb`). The tests use the same builders.

This module defines no ``run``: it measures memory and whole extractions, so
``python -m benchmarks`` does not include it in the timing report.
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Final

from benchmarks.bench_upload_memory import _peak_rss_kib

_MEBIBYTE: Final = 1 << 20
_BOMB_MEBIBYTES: Final = 2048
_ROOT: Final = Path(__file__).resolve().parent.parent
_BOMBS: Final = ("zip", "tar.gz", "tar.gz from a pipe")


def _zero_blocks(mebibytes: int, crc: int = 0) -> tuple[bytes, int]:
    """Deflate blocks (not final) of *mebibytes* MiB of zeros, and the CRC-32 carried over them."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    zeros = bytes(_MEBIBYTE)
    block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    for _ in range(mebibytes):
        crc = zlib.crc32(zeros, crc)
    return block * mebibytes, crc


def _final_block(data: bytes) -> bytes:
    """*data* as a last deflate block that refers to nothing before it."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def zip_bomb(mebibytes: int = _BOMB_MEBIBYTES, name: str = "zeros.bin") -> bytes:
    """A zip of one deflated member of *mebibytes* MiB of zeros, honest in its headers."""
    blocks, crc = _zero_blocks(mebibytes)
    data = blocks + _final_block(b"")
    size = mebibytes * _MEBIBYTE
    encoded = name.encode()
    # version, flags, method (deflate), time, date, CRC, compressed and real sizes
    common = struct.pack("<HHHHHIII", 20, 0, 8, 0, 0x21, crc, len(data), size)
    local = b"PK\x03\x04" + common + struct.pack("<HH", len(encoded), 0) + encoded
    # name, extra and comment lengths, disk, internal and external attributes, offset 0
    central = b"PK\x01\x02" + struct.pack("<H", 20) + common
    central += struct.pack("<HHHHHII", len(encoded), 0, 0, 0, 0, 0, 0) + encoded
    offset = len(local) + len(data)
    end = b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, 1, 1, len(central), offset, 0)
    return local + data + central + end


def tar_gz_bomb(mebibytes: int = _BOMB_MEBIBYTES, name: str = "zeros.bin") -> bytes:
    """A gzip-compressed tar of one member of *mebibytes* MiB of zeros, honest in its headers."""
    info = tarfile.TarInfo(name)
    info.size = mebibytes * _MEBIBYTE
    header = info.tobuf(format=tarfile.PAX_FORMAT)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = compressor.compress(header) + compressor.flush(zlib.Z_FULL_FLUSH)
    blocks, crc = _zero_blocks(mebibytes, zlib.crc32(header))
    end_of_archive = bytes(2 * tarfile.BLOCKSIZE)
    crc = zlib.crc32(end_of_archive, crc)
    total = len(header) + info.size + len(end_of_archive)
    body = head + blocks + _final_block(end_of_archive)
    gzip_header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return gzip_header + body + struct.pack("<II", crc, total & 0xFFFFFFFF)


def many_files(count: int, *, kind: str = "zip", size: int = 100) -> bytes:
    """An archive (``zip`` or ``tar.gz``) of *count* files of *size* bytes in 100 directories."""
    buffer = io.BytesIO()
    contents = [(f"dir{index % 100:02d}/file{index:05d}.txt", bytes([65 + index % 26]) * size)
                for index in range(count)]  # fmt: skip
    if kind == "zip":
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in contents:
                archive.writestr(name, data)
    else:
        with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
            for name, data in contents:
                info = tarfile.TarInfo(name)
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


# --- memory ------------------------------------------------------------------------------------


def refuse_bomb(kind: str, bomb_file: str) -> None:
    """Refuse the bomb in *bomb_file* (or on stdin, a pipe) here; print the peak RSS around it.

    The bomb is built by the parent process, so that building it is not in this one's peak.
    """
    from safename.archives import UnsafeArchiveError, safe_extract  # noqa: PLC0415

    # From a pipe the archive's size is unknown, so only the bytes written can be judged:
    # with a size limit above the bomb, the ratio stops it while it streams.
    piped = kind == "tar.gz from a pipe"
    limit = 4 << 30 if piped else 1 << 30
    baseline = _peak_rss_kib()
    with tempfile.TemporaryDirectory() as folder, open(bomb_file, "rb") as from_disk:
        source = sys.stdin.buffer if piped else from_disk
        start = time.perf_counter()
        try:
            safe_extract(source, folder, max_total_bytes=limit)
        except UnsafeArchiveError as error:
            reason = error.reason.value
        else:
            raise RuntimeError("the bomb was extracted")
        seconds = time.perf_counter() - start
    peak = _peak_rss_kib()
    report = {"reason": reason, "seconds": seconds}
    print(json.dumps({**report, "baseline_kib": baseline, "peak_kib": peak}), flush=True)


def measure_bomb(kind: str) -> dict[str, object]:
    """Refuse the bomb of *kind* in a fresh process; what it cost."""
    bomb = zip_bomb() if kind == "zip" else tar_gz_bomb()
    with tempfile.NamedTemporaryFile(suffix=".bomb") as bomb_file:
        bomb_file.write(bomb)
        bomb_file.flush()
        command = [sys.executable, "-m", "benchmarks.bench_archives", "--refuse-bomb", kind]
        command += ["--bomb-file", bomb_file.name]
        output = subprocess.run(command, input=bomb, capture_output=True, check=True, cwd=_ROOT)
    result: dict[str, object] = json.loads(output.stdout.decode().splitlines()[-1])
    return {**result, "bomb_bytes": len(bomb)}


# --- throughput --------------------------------------------------------------------------------


def _extractors(data: bytes, kind: str) -> dict[str, Callable[[Path], object]]:
    from safename.archives import safe_extract  # noqa: PLC0415

    def stdlib(target: Path) -> None:
        if kind == "zip":
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                archive.extractall(target)
        else:
            with tarfile.open(fileobj=io.BytesIO(data)) as archive:
                archive.extractall(target, filter="data")

    stdlib_name = "zipfile.extractall" if kind == "zip" else 'tarfile.extractall(filter="data")'
    return {
        "safename.safe_extract": lambda target: safe_extract(io.BytesIO(data), target),
        stdlib_name: stdlib,
    }


def throughput(files: int, kind: str, repeat: int) -> dict[str, float]:
    """The best seconds of each extractor over *repeat* interleaved runs."""
    data = many_files(files, kind=kind)
    best: dict[str, float] = {}
    for _ in range(repeat):
        for name, extract in _extractors(data, kind).items():
            target = Path(tempfile.mkdtemp(prefix="safename-bench-"))
            try:
                start = time.perf_counter()
                extract(target)
                seconds = time.perf_counter() - start
            finally:
                shutil.rmtree(target)
            best[name] = min(best.get(name, seconds), seconds)
    return best


def main(argv: Sequence[str] | None = None) -> int:
    """Measure the bombs' memory and the throughput, and print both tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--files", type=int, default=10_000, help="files in the archive")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each extractor")
    parser.add_argument("--refuse-bomb", choices=_BOMBS, help=argparse.SUPPRESS)
    parser.add_argument("--bomb-file", help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.refuse_bomb:
        refuse_bomb(arguments.refuse_bomb, arguments.bomb_file)
        return 0
    print("A 2 GiB bomb refused by safe_extract, one fresh process each")
    print(f"{'archive':18} {'bytes':>10} {'reason':>18} {'seconds':>8} {'peak RSS growth MiB':>20}")
    for kind in _BOMBS:
        result = measure_bomb(kind)
        growth = (int(str(result["peak_kib"])) - int(str(result["baseline_kib"]))) / 1024
        seconds = float(str(result["seconds"]))
        print(f"{kind:18} {result['bomb_bytes']:>10} {result['reason']!s:>18} "
              f"{seconds:8.3f} {growth:20.1f}")  # fmt: skip
    for kind in ("zip", "tar.gz"):
        print(f"\n{arguments.files} files of 100 bytes ({kind}), best of {arguments.repeat}")
        timings = throughput(arguments.files, kind, arguments.repeat)
        reference = timings["safename.safe_extract"]
        for name, seconds in timings.items():
            print(f"{name:34} {seconds:8.3f} s  {seconds / reference:5.2f}x safename's time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
