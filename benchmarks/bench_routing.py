"""Time Router.match against Werkzeug's Map and Starlette's Router on the same rules.

Run: ``python -m benchmarks.bench_routing`` (``--quick`` for a short run).

The rules are those of a small web application (static pages, users, posts,
a blog archive, files, API objects): 50 of them, then the same set mounted
under ten prefixes for 500. Every rule is matched once per pass, by a path
built for it, plus paths that match nothing; the three routers must agree on
every endpoint before anything is timed.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from typing import Any, Final

from starlette.routing import Match, Route
from werkzeug.routing import Map, Rule

from benchmarks._harness import Timing, compare
from safename.routing import Router

UUID = "12345678-1234-5678-1234-567812345678"

# (rule, a path that it matches), in Werkzeug's syntax; 50 rules.
APP: tuple[tuple[str, str], ...] = (
    ("/", "/"),
    ("/about", "/about"),
    ("/contact", "/contact"),
    ("/login", "/login"),
    ("/logout", "/logout"),
    ("/signup", "/signup"),
    ("/pricing", "/pricing"),
    ("/search", "/search"),
    ("/help", "/help"),
    ("/help/faq", "/help/faq"),
    ("/blog", "/blog"),
    ("/blog/archive", "/blog/archive"),
    ("/blog/feed", "/blog/feed"),
    ("/blog/<int:year>", "/blog/2024"),
    ("/blog/<int:year>/<int:month>", "/blog/2024/5"),
    ("/blog/<int:year>/<int:month>/<slug>", "/blog/2024/5/hello-world"),
    ("/blog/tag/<tag>", "/blog/tag/python"),
    ("/blog/author/<name>", "/blog/author/ann"),
    ("/user/<int:user_id>", "/user/42"),
    ("/user/<int:user_id>/posts", "/user/42/posts"),
    ("/user/<int:user_id>/posts/<int:post_id>", "/user/42/posts/7"),
    ("/user/<int:user_id>/followers", "/user/42/followers"),
    ("/user/<int:user_id>/following", "/user/42/following"),
    ("/user/<int:user_id>/settings", "/user/42/settings"),
    ("/user/<username>/profile", "/user/ann/profile"),
    ("/post/<int:post_id>", "/post/99"),
    ("/post/<int:post_id>/edit", "/post/99/edit"),
    ("/post/<int:post_id>/comments", "/post/99/comments"),
    ("/post/<int:post_id>/comments/<int:comment_id>", "/post/99/comments/3"),
    ("/post/<int:post_id>/like", "/post/99/like"),
    ("/files/<path:filename>", "/files/docs/2024/report.pdf"),
    ("/static/<path:filename>", "/static/css/site.css"),
    ("/download/<name>", "/download/setup.exe"),
    ("/api/v1/status", "/api/v1/status"),
    ("/api/v1/users", "/api/v1/users"),
    ("/api/v1/users/<int:user_id>", "/api/v1/users/5"),
    ("/api/v1/users/<int:user_id>/tokens", "/api/v1/users/5/tokens"),
    ("/api/v1/items", "/api/v1/items"),
    ("/api/v1/items/<uuid:item_id>", f"/api/v1/items/{UUID}"),
    ("/api/v1/items/<uuid:item_id>/history", f"/api/v1/items/{UUID}/history"),
    ("/api/v1/prices/<float:amount>", "/api/v1/prices/9.99"),
    ("/api/v1/orders", "/api/v1/orders"),
    ("/api/v1/orders/<int:order_id>", "/api/v1/orders/1001"),
    ("/api/v1/orders/<int:order_id>/items", "/api/v1/orders/1001/items"),
    ("/shop/<category>", "/shop/books"),
    ("/shop/<category>/<int:product_id>", "/shop/books/17"),
    ("/shop/<category>/<int:product_id>/reviews", "/shop/books/17/reviews"),
    ("/wiki/<path:page>/edit", "/wiki/Main/Sub/edit"),
    ("/wiki/<path:page>", "/wiki/Main/Sub"),
    ("/<lang>/docs/<page>", "/en/docs/install"),
)
MISSES = ("/nowhere", "/user/ann/nothing", "/api/v2/status", "/blog/2024/5/a/b", "/post/x/edit")
PREFIXES = tuple(f"/app{number}" for number in range(10))


#: ``--quick``, here and in ``python -m benchmarks --quick``: fewer passes.
QUICK: Final = {"repeat": 3}


def rule_set(size: int) -> list[tuple[str, str, str]]:
    """(rule, endpoint, path) for *size* rules: 50, or 500 under ten prefixes."""
    if size == len(APP):
        return [(rule, f"e{index}", path) for index, (rule, path) in enumerate(APP)]
    return [
        (prefix + rule.rstrip("/"), f"e{number}_{index}", prefix + path.rstrip("/"))
        for number, prefix in enumerate(PREFIXES[: size // len(APP)])
        for index, (rule, path) in enumerate(APP)
    ]


def inputs_for(rules: list[tuple[str, str, str]]) -> list[str]:
    """One path per rule, and the misses under every prefix used."""
    prefixes = {rule[:5] if rule.startswith("/app") else "" for rule, _, _ in rules}
    misses = [prefix + miss for prefix in sorted(prefixes) for miss in MISSES]
    return [path for _, _, path in rules] + misses


def safename_matcher(rules: list[tuple[str, str, str]]) -> Callable[[str], Any]:
    router = Router()
    for rule, endpoint, _ in rules:
        router.add(rule, endpoint)

    def match(path: str) -> str | None:
        found = router.match(path)
        return None if found is None else found[0]

    return match


def werkzeug_matcher(rules: list[tuple[str, str, str]]) -> Callable[[str], Any]:
    adapter = Map([Rule(rule, endpoint=endpoint) for rule, endpoint, _ in rules]).bind("localhost")

    def match(path: str) -> str | None:
        try:
            endpoint, _ = adapter.match(path)
        except Exception:  # NotFound, or a redirect: no match either way
            return None
        return str(endpoint)

    return match


def starlette_matcher(rules: list[tuple[str, str, str]]) -> Callable[[str], Any]:
    def to_starlette(rule: str) -> str:
        return re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: f"{{{m[2]}:{m[1] or 'str'}}}", rule)

    def endpoint(request: object) -> None:  # never called
        return None

    routes = [Route(to_starlette(rule), endpoint, name=name) for rule, name, _ in rules]

    def match(path: str) -> str | None:
        scope = {"type": "http", "path": path, "method": "GET", "root_path": ""}
        for route in routes:
            found, _ = route.matches(scope)
            if found is Match.FULL:
                return route.name
        return None

    return match


def check_agreement(contenders: dict[str, Callable[[str], Any]], paths: list[str]) -> None:
    """Stop unless every router gives Werkzeug's endpoint for every path."""
    expected = [contenders["werkzeug MapAdapter.match"](path) for path in paths]
    for name, function in contenders.items():
        wrong = [(path, function(path), want) for path, want in zip(paths, expected, strict=True)]
        wrong = [row for row in wrong if row[1] != row[2]]
        if wrong:
            raise SystemExit(f"{name} disagrees with werkzeug on {wrong[:5]}")


def run(repeat: int = 7) -> list[tuple[str, list[Timing]]]:
    """Time the three routers on 50 and 500 rules; the ratios are relative to safename."""
    tables = []
    for size in (50, 500):
        rules = rule_set(size)
        paths = inputs_for(rules)
        contenders = {
            "safename Router.match": safename_matcher(rules),
            "werkzeug MapAdapter.match": werkzeug_matcher(rules),
            "starlette Route.matches scan": starlette_matcher(rules),
        }
        check_agreement(contenders, paths)
        title = f"match, {size} rules"
        tables.append((title, compare(title, contenders, paths, repeat=repeat)))
    return tables


def main(argv: list[str]) -> None:
    run(**(QUICK if "--quick" in argv else {}))


if __name__ == "__main__":
    main(sys.argv[1:])
