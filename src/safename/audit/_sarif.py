"""The findings as SARIF 2.1.0, the format GitHub code scanning reads."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, Final

from safename.audit._check import RouteFinding

SCHEMA: Final = "https://json.schemastore.org/sarif-2.1.0.json"
_RULES: Final = (
    {
        "id": "slow-route",
        "name": "SuperlinearRoute",
        "shortDescription": {"text": "A URL can make matching this route superlinear"},
        "fullDescription": {
            "text": "Two variables of the route can take the same repeated text, so the "
            "framework's backtracking regex does more than linear work on one URL."
        },
        "helpUri": "https://safename.readthedocs.io/en/latest/auditing.html",
        "defaultConfiguration": {"level": "error"},
    },
    {
        "id": "unchecked-route",
        "name": "UncheckedRoute",
        "shortDescription": {"text": "The audit cannot model this route"},
        "fullDescription": {
            "text": "The route holds a regex the audit does not model (a re_path, look-around, "
            "a back-reference, a repeat of a repeat): it is not claimed safe."
        },
        "helpUri": "https://safename.readthedocs.io/en/latest/auditing.html",
        "defaultConfiguration": {"level": "warning"},
    },
)


def sarif(findings: Sequence[RouteFinding], version: str) -> dict[str, Any]:
    """A SARIF 2.1.0 log with one result per exposed or unchecked route.

    >>> log = sarif([RouteFinding("flask", "/a", "a", False, status="unchecked")], "1")
    >>> log["version"], [r["ruleId"] for r in log["runs"][0]["results"]]
    ('2.1.0', ['unchecked-route'])
    """
    results = [_result(finding) for finding in findings if _reported(finding)]
    return {
        "version": "2.1.0",
        "$schema": SCHEMA,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "safename audit-routes",
                        "version": version,
                        "informationUri": "https://safename.readthedocs.io/",
                        "rules": list(_RULES),
                    }
                },
                "results": results,
            }
        ],
    }


def _reported(finding: RouteFinding) -> bool:
    return finding.exposed or finding.status == "unchecked"


def _result(finding: RouteFinding) -> dict[str, Any]:
    slow = finding.status == "slow"
    if slow and finding.witness is not None:
        text = (
            f"{finding.framework} route {finding.route}: {finding.candidate}; a witness of "
            f"{finding.witness.lengths[1]} characters took {finding.witness.step_growth:.1f}x "
            f"the steps of one half as long. {finding.advice}"
        )
    else:
        text = f"{finding.framework} route {finding.route} was not checked: {finding.reason}"
    location: dict[str, Any] = {
        "logicalLocations": [{"name": finding.route, "kind": "resource"}],
    }
    physical = _physical(finding.location)
    if physical:
        location["physicalLocation"] = physical
    return {
        "ruleId": "slow-route" if slow else "unchecked-route",
        "ruleIndex": 0 if slow else 1,
        "level": "error" if slow else "warning",
        "message": {"text": text},
        "locations": [location],
        "partialFingerprints": {"route": f"{finding.framework}:{finding.route}"},
    }


def _physical(where: str) -> dict[str, Any]:
    path, _, line = where.rpartition(":")
    if not path or not line.isdigit():
        return {}
    relative = os.path.relpath(path)
    uri = relative if not relative.startswith("..") else path
    return {
        "artifactLocation": {"uri": uri.replace(os.sep, "/")},
        "region": {"startLine": max(int(line), 1)},
    }
