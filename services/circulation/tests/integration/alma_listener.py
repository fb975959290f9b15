"""An Alma webhook listener as a library's tool writes one, for the webhook tests: a real HTTP
server (uvicorn, in the test's loop) that answers Alma's challenge and checks each POST's
``X-Exl-Signature`` itself, as Alma's documentation says a listener does (base64 of the
HMAC-SHA256 of the raw body under the shared secret), without the project's code: a body that
fails the check is answered 401 and not kept. It can be taken down and brought back on its port
(``stop``/``start``), or made to answer 503 (``failing``)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import socket
from typing import Any

import uvicorn
from fastapi import FastAPI, Request, Response

from rebub.testing.waiting import eventually


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class AlmaListener:
    """Keeps the raw bodies it accepted, in the order they came; counts what it refused."""

    def __init__(self, secret: str) -> None:
        self.port = free_port()
        self.secret = secret
        self.received: list[bytes] = []
        self.signatures: list[str] = []  # each accepted body's X-Exl-Signature
        self.refused_unsigned = 0
        self.answered_503 = 0
        self.challenged = 0
        self.failing = False
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None
        app = FastAPI()

        @app.get("/hook")
        async def challenge(challenge: str) -> dict[str, str]:
            self.challenged += 1
            return {"challenge": challenge}

        @app.post("/hook")
        async def receive(request: Request) -> Response:
            body, signature = await request.body(), request.headers.get("X-Exl-Signature", "")
            if not self.signed(body, signature):
                self.refused_unsigned += 1
                return Response(status_code=401)
            if self.failing:
                self.answered_503 += 1
                return Response(status_code=503)
            self.received.append(body)
            self.signatures.append(signature)
            return Response(status_code=200)

        self._app = app

    def signed(self, body: bytes, signature: str) -> bool:
        digest = hmac.new(self.secret.encode(), body, hashlib.sha256).digest()
        return hmac.compare_digest(base64.b64encode(digest).decode(), signature)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def start(self) -> None:
        config = uvicorn.Config(
            self._app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        await eventually(self._started)

    async def _started(self) -> bool:
        return bool(self._server and self._server.started)

    async def stop(self) -> None:
        assert self._server is not None
        assert self._task is not None
        self._server.should_exit = True
        await asyncio.wait_for(self._task, 10)

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(body) for body in self.received]

    async def has(self, n: int) -> bool:
        return len(self.received) >= n
