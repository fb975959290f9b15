"""Log lines: JSON with the service's context, FastStream's lines among them."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from rebub_shared.logging import configure_logging, get_logger
from rebub_shared.messaging import BROKER_LOGGER, make_broker
from rebub_shared.settings import KafkaSettings


@pytest.fixture
def restore_root() -> object:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield root
    root.handlers[:] = handlers
    root.setLevel(level)


def test_broker_lines_are_json_with_their_topic_and_the_service_context(
    restore_root: object, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging(service="circulation", tenant="inp", json=True)
    broker = make_broker(KafkaSettings(bootstrap="127.0.0.1:1"), client_id="t")
    # FastStream keeps the logger it was given (internal API, pinned version): ours, not its own.
    given = broker.config.logger.params_storage.get_logger(context=None)  # type: ignore[attr-defined]
    assert given is logging.getLogger(BROKER_LOGGER)
    # What FastStream does with the logger it was given: a stdlib call with its context as extra.
    logging.getLogger(BROKER_LOGGER).info(
        "Received", extra={"topic": "inp.circulation.loan.v1", "group_id": "g", "message_id": "7"}
    )
    get_logger("circulation").info("loan_created", loan_id="L1")

    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    received, created = lines[-2], lines[-1]
    assert (received["event"], received["logger"]) == ("Received", BROKER_LOGGER)
    assert (received["topic"], received["message_id"]) == ("inp.circulation.loan.v1", "7")
    assert (received["service"], received["tenant"]) == ("circulation", "inp")
    assert (created["event"], created["loan_id"], created["tenant"]) == (
        "loan_created",
        "L1",
        "inp",
    )


def test_the_access_log_and_http_client_lines_keep_no_query_string(
    restore_root: object, capsys: pytest.CaptureFixture[str]
) -> None:
    # A desk search's ``?name=`` is a person's name: a real uvicorn's access line, and httpx's
    # line for the same request, show the path without it (docs/privacy.md, Logs).
    configure_logging(service="patron-sync", tenant="ub", json=True)
    app = FastAPI()

    @app.get("/patrons")
    async def search(name: str) -> dict[str, int]:
        return {"found": len(name)}

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(500):  # started within seconds
            if server.started:
                break
            time.sleep(0.01)
        answer = httpx.get(f"http://127.0.0.1:{port}/patrons", params={"name": "Quenouillère"})
        assert answer.json() == {"found": 12}
    finally:
        server.should_exit = True
        thread.join(timeout=10)

    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    access = [line for line in lines if line["logger"] == "uvicorn.access"]
    client = [line for line in lines if line["logger"] == "httpx"]
    assert len(access) == 1
    assert '"GET /patrons?(query hidden) HTTP/1.1" 200' in access[0]["event"]
    assert len(client) == 1
    assert "/patrons?(query hidden)" in client[0]["event"]
    assert "Quenouill" not in json.dumps(lines, ensure_ascii=False)
