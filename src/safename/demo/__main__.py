"""``python -m safename.demo``: serve the demo app, saying first where its data goes.

This works from an installed wheel (``pip install 'safename[flask]'``) as well as from a
checkout; ``bash scripts/run-demo`` runs it too.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence

from flask import Flask

from safename.demo import INSTANCE_ENVIRONMENT_VARIABLE, create_app, storage

__all__ = ["describe", "main"]


def describe(app: Flask, url: str) -> list[str]:
    """The lines printed before serving *app* at *url*: where its data goes, what it answers.

    >>> app = create_app({"SECRET_KEY": "doctest", "UPLOAD_FOLDER": "/srv/uploads"})
    >>> print("\\n".join(describe(app, "http://127.0.0.1:5000/")[1:]))
    uploads: /srv/uploads
    Host names answered (TRUSTED_HOSTS): localhost, 127.0.0.1
    serving http://127.0.0.1:5000/ (Ctrl+C to stop)
    """
    trusted = app.config.get("TRUSTED_HOSTS")
    return [
        f"instance folder: {app.instance_path} (set {INSTANCE_ENVIRONMENT_VARIABLE} to move it)",
        f"uploads: {storage.where(app)}",
        f"Host names answered (TRUSTED_HOSTS): {', '.join(trusted) if trusted else 'any'}",
        f"serving {url} (Ctrl+C to stop)",
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """Serve the demo on ``--host`` and ``--port`` (127.0.0.1:5000), after printing
    :func:`describe`'s lines.

    ``--debug`` (or ``FLASK_DEBUG=1``) turns on the reloader and the debugger: never on an
    address others can reach.

    :returns: 0 once the server stops.
    """
    parser = argparse.ArgumentParser(
        prog="python -m safename.demo", description="Serve the safename demo app."
    )
    parser.add_argument("--host", default="127.0.0.1", help="default: %(default)s")
    parser.add_argument("--port", type=int, default=5000, help="default: %(default)s")
    parser.add_argument(
        "--debug", action="store_true", help="the reloader and the debugger (local use only)"
    )
    arguments = parser.parse_args(argv)
    app = create_app()
    # With the reloader, this module runs again in a child process: describe only once.
    if os.environ.get("WERKZEUG_RUN_MAIN") != "true":
        url = f"http://{arguments.host}:{arguments.port}/"
        for line in describe(app, url):
            print(f"safename demo: {line}", flush=True)
    app.run(host=arguments.host, port=arguments.port, debug=True if arguments.debug else None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
