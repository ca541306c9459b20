"""Rule patterns in Werkzeug's syntax, and a router that picks Werkzeug's winner, fast.

The package holds the rule grammar (:mod:`safename.routing.rules`), the
matcher that owns the rule tree and the hot loop
(:mod:`safename.routing.matcher`), and the router
(:mod:`safename.routing.router`); the public names import from here.

:class:`Pattern` is one rule: ``match`` reads a decoded path into values and
``build`` writes values into a percent-encoded path, with the promise that
``match(unquote(build(**values))) == values``: a value that would not come back
raises :class:`~safename.ConversionError` when the URL is built. ``string`` and
``path`` variables also take values that are not ``str``, written as Werkzeug
writes them, ``str(value)``; those come back as that text (``42`` as ``"42"``).

:class:`Router` holds many rules. When several match a path, the winner is
Werkzeug's: static parts beat variables segment by segment, then the lower
converter weight, then the rule added first. Static rules sit in a dict and
the others in a tree of segments, so the cost of a match does not grow with
the number of rules; it is linear in the length of the path.

>>> router = Router()
>>> router.add("/post/<int:post_id>", "post")
Pattern('/post/<int:post_id>')
>>> router.match("/post/42")
('post', {'post_id': 42})
>>> router.build("post", post_id=7)
'/post/7'
"""

from safename.routing.router import Pattern, Router
from safename.routing.rules import RulePart, RuleVariable, parse_converter_args, parse_rule

__all__ = [
    "Pattern",
    "Router",
    "RulePart",
    "RuleVariable",
    "parse_converter_args",
    "parse_rule",
]
