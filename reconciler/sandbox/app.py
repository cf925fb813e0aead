"""The sandbox as an ASGI app: Bria's routes, control routes, limits, faults and statistics.

Plan limits (429, 403 quota), faults and statistics wrap the whole app (not a middleware inside
it) because a dropped connection needs the server's own `send`: under uvicorn the connection's
transport is aborted, so the client sees the socket close with no response; in-process
(httpx.ASGITransport) there is no socket, so the app raises `ConnectionDropped`, an
`httpx.RemoteProtocolError` that httpx passes to the caller exactly like a real disconnect.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path
from starlette.types import Message, Receive, Scope, Send

from reconciler.sandbox.backend import Backend
from reconciler.sandbox.constraints import (
    BODY_FIELD,
    FAULT_ERROR,
    FAULT_RATE_LIMIT,
    METHOD_NOT_ALLOWED,
    NOT_FOUND,
    QUERY_PARAM,
)
from reconciler.sandbox.errors import CONSTRAINT_HEADER, BriaError
from reconciler.sandbox.faults import Decision
from reconciler.sandbox.limits import QUOTA_EXCEEDED_MESSAGE, LimitsConfig
from reconciler.sandbox.routes import control, datasets, fibo, models, projects
from reconciler.sandbox.stats import RequestStats

BRIA_PREFIXES = ("/v1/", "/v2/")


class ConnectionDropped(httpx.RemoteProtocolError):
    """Raised in-process where a real server would close the socket without answering."""


def _error(status: int, message: str, constraint_id: str, **headers: str) -> JSONResponse:
    return JSONResponse(
        {"message": message, "constraint_id": constraint_id},
        status_code=status,
        headers={CONSTRAINT_HEADER: constraint_id, **headers},
    )


async def _drop_connection(send: Send) -> None:
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is not None and hasattr(transport, "abort"):
        transport.abort()
        await asyncio.sleep(0.01)
        return
    raise ConnectionDropped("Server disconnected without sending a response.")


class SandboxApp(FastAPI):
    """FastAPI plus the fault and statistics layer in front of Bria's routes."""

    def index_bria_routes(self, routers: list[APIRouter]) -> None:
        """Remember every Bria route's pattern so a request maps to its template up front."""
        self._bria_routes: list[tuple[re.Pattern[str], frozenset[str], str]] = []
        for router in routers:
            for route in router.routes:
                if isinstance(route, APIRoute):
                    pattern, _, _ = compile_path(route.path)
                    self._bria_routes.append((pattern, frozenset(route.methods or ()), route.path))

    def _template(self, scope: Scope) -> str | None:
        partial: str | None = None
        for pattern, methods, template in self._bria_routes:
            if pattern.match(scope["path"]):
                if scope["method"] in methods:
                    return template
                partial = partial or template
        return partial

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(BRIA_PREFIXES):
            await super().__call__(scope, receive, send)
            return
        template = self._template(scope)
        if template is None:
            await super().__call__(scope, receive, send)
            return
        stats: RequestStats = self.state.stats
        backend: Backend = self.state.backend
        stats.record(scope["method"], template)
        admission = backend.limits.admit()
        if admission == "quota_exceeded":
            await JSONResponse(QUOTA_EXCEEDED_MESSAGE, status_code=403)(scope, receive, send)
            return
        if admission == "rate_limited":
            await Response(status_code=429)(scope, receive, send)
            return
        decision = backend.faults.decide(scope["method"])
        if not decision.held:
            await self._answer(decision, scope, receive, send)
            return
        try:
            await backend.faults.wait_held()
            await self._answer(decision, scope, receive, send)
        finally:
            backend.faults.done_held()

    async def _answer(self, decision: Decision, scope: Scope, receive: Receive, send: Send) -> None:
        """What the fault decision says: latency, then an injected failure or Bria's answer."""
        backend: Backend = self.state.backend
        if decision.latency_s > 0:
            await asyncio.sleep(decision.latency_s)
        config = backend.faults.config
        if decision.action == "rate_limit":
            response = _error(
                429,
                "Too many requests",
                FAULT_RATE_LIMIT.id,
                **{"Retry-After": str(config.retry_after_s)},
            )
            await response(scope, receive, send)
        elif decision.action == "error":
            await _error(config.error_status, "Injected server error", FAULT_ERROR.id)(
                scope, receive, send
            )
        elif decision.action == "drop":
            await _drop_connection(send)
        elif decision.action == "lose_after_commit":

            async def discard(message: Message) -> None:
                return None

            await super().__call__(scope, receive, discard)
            await _drop_connection(send)
        else:
            await super().__call__(scope, receive, send)


async def _bria_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, BriaError)
    return JSONResponse(error.body(), status_code=error.status, headers=error.headers())


async def _validation_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    problems = list(error.errors())
    if any(problem.get("loc", ("",))[0] == "path" for problem in problems):
        return _error(404, "Not found", NOT_FOUND.id)
    constraint = QUERY_PARAM if problems and problems[0]["loc"][0] == "query" else BODY_FIELD
    body: dict[str, Any] = {
        "constraint_id": constraint.id,
        "errors": [
            {
                "msg": str(problem.get("msg", "")),
                "field_name": ".".join(str(part) for part in problem.get("loc", ())[1:]),
                "field_input": str(problem.get("input", "")),
            }
            for problem in problems
        ],
    }
    return JSONResponse(body, status_code=400, headers={CONSTRAINT_HEADER: constraint.id})


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    if error.status_code == 405:
        return _error(405, "Method not allowed", METHOD_NOT_ALLOWED.id)
    if error.status_code == 404:
        return _error(404, "Not found", NOT_FOUND.id)
    return _error(error.status_code, str(error.detail), "HTTP-ERROR")


async def _unencodable(request: Request, error: Exception) -> JSONResponse:
    return _error(400, "The request contains text that is not valid Unicode", BODY_FIELD.id)


def create_app(
    *,
    db_path: str | None = None,
    training_seconds: float = 30.0,
    latency_ms: int = 0,
    public_url: str = "http://127.0.0.1:8787",
    api_tokens: frozenset[str] | None = None,
    requests_per_minute: int | None = None,
    quota: int | None = None,
) -> FastAPI:
    """A sandbox of Bria's Tailored Generation training API.

    `db_path=None` keeps everything in memory; a file path persists ids, images, jobs and the
    clock across restarts. `public_url` is the base of every URL the sandbox hands out.
    `api_tokens=None` accepts any non-empty token. `requests_per_minute` and `quota` limit
    Bria requests as a Bria plan does (429, then 403; None is unlimited); when neither is given,
    a file database keeps the limits last set by `PUT /_sandbox/limits`.
    """
    app = SandboxApp(
        title="Bria Tailored Generation (sandbox)",
        version="1",
        description="An emulator of Bria's Tailored Generation training API, for tests.",
    )
    app.state.backend = Backend(
        db_path=db_path,
        training_seconds=training_seconds,
        public_url=public_url,
        latency_ms=latency_ms,
        limits=LimitsConfig(requests_per_minute=requests_per_minute, quota=quota),
    )
    app.state.stats = RequestStats()
    app.state.api_tokens = api_tokens
    app.add_exception_handler(BriaError, _bria_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(UnicodeEncodeError, _unencodable)
    bria_routers = [projects.router, datasets.router, models.router, fibo.router, fibo.v2_router]
    for router in [*bria_routers, control.router]:
        app.include_router(router)
    app.index_bria_routes(bria_routers)
    return app
