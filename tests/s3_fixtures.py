"""The real S3 servers (``s3_servers.py``) as session fixtures, for test modules to import."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from s3_servers import STARTERS, Server, stop


@pytest.fixture(scope="session", params=sorted(STARTERS))
def s3_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """Each real S3 server in turn, started once per session."""
    name: str = request.param
    yield from _running(name, tmp_path_factory)


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """SeaweedFS alone (the server that checks credentials)."""
    yield from _running("seaweedfs", tmp_path_factory)


_RUNNING: dict[str, Server] = {}


def _running(name: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if name in _RUNNING:
        yield _RUNNING[name]
        return
    server, process = STARTERS[name](tmp_path_factory.mktemp(name))
    _RUNNING[name] = server
    try:
        yield server
    finally:
        del _RUNNING[name]
        stop(process)
