"""``safename audit-routes``: load an app by its import path, audit it, print the findings."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from typing import Any

from safename._packaging import require
from safename.audit._check import RouteFinding, report_lines
from safename.audit._frameworks import audit, audit_django

# --- the command --------------------------------------------------------------------------------


class _UsageError(Exception):
    """The target could not be loaded: exit status 2."""


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """The options of ``safename audit-routes``."""
    parser.description = (
        "Report the routes whose matching time a URL can make grow faster than linearly, "
        "each with a witness URL timed at two lengths. Exit status: 0 clean, 1 findings, "
        "2 usage error."
    )
    parser.add_argument(
        "target",
        nargs="?",
        metavar="TARGET",
        help="package.module:attr, a Flask, Starlette or FastAPI app or a factory of one",
    )
    parser.add_argument("--django", metavar="SETTINGS_MODULE", help="audit a Django URLconf")
    parser.add_argument("--json", action="store_true", help="print the findings as JSON")


def run_command(parser: argparse.ArgumentParser, arguments: argparse.Namespace) -> int:
    """Run ``safename audit-routes``: 0 when clean, 1 with findings (``parser.error``: 2)."""
    if (arguments.target is None) == (arguments.django is None):
        parser.error("give either TARGET or --django SETTINGS_MODULE")
    try:
        findings = _load_and_audit(arguments.target, arguments.django)
    except _UsageError as error:
        parser.error(str(error))
    if arguments.json:
        print(json.dumps([finding.to_json() for finding in findings], indent=2))
    else:
        for line in report_lines(findings):
            print(line)
    return 1 if any(finding.exposed for finding in findings) else 0


def _load_and_audit(target: str | None, django_settings: str | None) -> list[RouteFinding]:
    if django_settings is not None:
        os.environ["DJANGO_SETTINGS_MODULE"] = django_settings
        try:
            require("django", "django").setup()
        except (ImportError, ValueError) as error:
            raise _UsageError(f"cannot set up Django with {django_settings!r}: {error}") from None
        return audit_django()
    app = _load(target or "")
    try:
        return audit(app)
    except TypeError as error:
        raise _UsageError(str(error)) from None


def _load(target: str) -> Any:
    module_name, _, attribute = target.partition(":")
    if not module_name or not attribute:
        raise _UsageError(f"TARGET must be package.module:attr, got {target!r}")
    sys.path.insert(0, os.getcwd())
    try:
        found: Any = importlib.import_module(module_name)
        for name in attribute.split("."):
            found = getattr(found, name)
    except (ImportError, AttributeError) as error:
        raise _UsageError(f"cannot load {target!r}: {error}") from None
    finally:
        sys.path.remove(os.getcwd())
    is_app = hasattr(found, "url_map") or hasattr(found, "routes")
    if not is_app and callable(found):
        try:
            found = found()
        except TypeError as error:  # a function that is not a zero-argument factory
            raise _UsageError(f"{target!r} is not an app nor a factory of one: {error}") from None
    return found
