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
from safename.audit._sarif import sarif

# --- the command --------------------------------------------------------------------------------


class _UsageError(Exception):
    """The target could not be loaded: exit status 2."""


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """The options of ``safename audit-routes``."""
    parser.description = (
        "Report the routes whose matching work a URL can make grow faster than linearly, "
        "each with a witness URL counted at two lengths. Exit status: 0 clean, 1 a slow "
        "route (or, with --strict, an unchecked one), 2 a usage or load error."
    )
    parser.add_argument(
        "target",
        nargs="?",
        metavar="TARGET",
        help="package.module:attr, a Flask, Starlette or FastAPI app or a factory of one",
    )
    parser.add_argument("--django", metavar="SETTINGS_MODULE", help="audit a Django URLconf")
    parser.add_argument(
        "--format",
        choices=("text", "json", "sarif"),
        default="text",
        help="text (the default), JSON, or SARIF 2.1.0 for GitHub code scanning",
    )
    parser.add_argument("--json", action="store_true", help="the same as --format json")
    parser.add_argument(
        "--strict",
        action="store_true",
        help="count unchecked routes as findings too (exit status 1)",
    )


def run_command(parser: argparse.ArgumentParser, arguments: argparse.Namespace) -> int:
    """Run ``safename audit-routes``: 0 when clean, 1 with findings (``parser.error``: 2)."""
    if (arguments.target is None) == (arguments.django is None):
        parser.error("give either TARGET or --django SETTINGS_MODULE")
    try:
        findings = _load_and_audit(arguments.target, arguments.django)
    except _UsageError as error:
        parser.error(str(error))
    output = "json" if arguments.json else arguments.format
    if output == "json":
        print(json.dumps([finding.to_json() for finding in findings], indent=2))
    elif output == "sarif":
        version = importlib.import_module("safename").__version__
        print(json.dumps(sarif(findings, version), indent=2))
    else:
        for line in report_lines(findings):
            print(line)
    return exit_status(findings, strict=arguments.strict)


def exit_status(findings: list[RouteFinding], *, strict: bool = False) -> int:
    """1 when a route is exposed (or, if *strict*, unchecked), else 0: a linter's convention.

    >>> exit_status([RouteFinding("flask", "/a", "a", False, status="unchecked")])
    0
    >>> exit_status([RouteFinding("flask", "/a", "a", False, status="unchecked")], strict=True)
    1
    """
    counted = (f.exposed or (strict and f.status == "unchecked") for f in findings)
    return 1 if any(counted) else 0


def _load_and_audit(target: str | None, django_settings: str | None) -> list[RouteFinding]:
    if django_settings is not None:
        # As manage.py does: the project's root, the current directory, is importable.
        if os.getcwd() not in sys.path:
            sys.path.insert(0, os.getcwd())
        os.environ["DJANGO_SETTINGS_MODULE"] = django_settings
        django = require("django", "django")
        try:
            django.setup()
            return audit_django()
        except Exception as error:  # the project's own code: any error is a load error
            raise _UsageError(f"cannot load Django with {django_settings!r}: {error}") from None
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
    except Exception as error:  # the app's own module may raise anything: a load error
        raise _UsageError(f"cannot load {target!r}: {error}") from None
    finally:
        sys.path.remove(os.getcwd())
    is_app = hasattr(found, "url_map") or hasattr(found, "routes")
    if not is_app and callable(found):
        try:
            found = found()
        except Exception as error:  # not a zero-argument factory, or one that failed
            raise _UsageError(f"{target!r} is not an app nor a factory of one: {error}") from None
    return found
