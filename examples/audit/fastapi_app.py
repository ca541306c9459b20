"""A FastAPI app with two routes one URL can slow down, for ``safename audit-routes``.

``safename audit-routes examples.audit.fastapi_app:app`` flags ``/d/{a}-{b}.txt`` and
``/p/{a:path}/{b:path}/x``.
"""

from __future__ import annotations

from fastapi import FastAPI

app = FastAPI()


@app.get("/user/{user_id:int}")
def user(user_id: int) -> int:
    """One variable in its segment: safe."""
    return user_id


@app.get("/d/{a}-{b}.txt")
def dashed(a: str, b: str) -> list[str]:
    """Two variables that both take '-': quadratic in Starlette's regex."""
    return [a, b]


@app.get("/p/{a:path}/{b:path}/x")
def two_paths(a: str, b: str) -> list[str]:
    """Two path variables: quadratic in Starlette's regex."""
    return [a, b]
