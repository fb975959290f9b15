"""Log lines: JSON with the service's context, FastStream's lines among them."""

from __future__ import annotations

import json
import logging

import pytest

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
