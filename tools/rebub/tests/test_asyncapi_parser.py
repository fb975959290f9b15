"""The committed AsyncAPI documents pass the official parser (npm ``@asyncapi/parser``, installed
by ``make install`` from ``tools/asyncapi/package-lock.json``), with the ``{inst}`` parameter,
the ``ce_*`` headers and the Kafka key declared on every channel and message."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from rebub.infra.paths import project_root

pytestmark = pytest.mark.toolchain  # runs node


def documents() -> list[Path]:
    return sorted((project_root() / "docs" / "events").glob("*asyncapi.json"))


def test_the_official_parser_accepts_every_document() -> None:
    node = shutil.which("node")
    folder = project_root() / "tools" / "asyncapi"
    assert node, "node is needed for the AsyncAPI parser"
    assert (folder / "node_modules" / "@asyncapi" / "parser").is_dir(), "run `make install`"
    run = subprocess.run(
        [node, "validate.mjs", *map(str, documents())],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.count(": parsed,") == len(documents()) == 4


def test_each_channel_declares_its_parameters_and_each_message_its_headers_and_key() -> None:
    for path in documents():
        document = json.loads(path.read_text())
        messages = document["components"]["messages"]
        for name, channel in document["channels"].items():
            if "{inst}" in channel["address"]:
                assert set(channel["parameters"]) == {"inst"}, (path.name, name)
        for name, message in messages.items():
            headers = message["headers"]
            assert {"ce_id", "ce_type", "ce_tenant", "ce_time"} <= set(headers["required"]), name
            assert message["bindings"]["kafka"]["key"]["type"] == "string", name
            if ".circulation.loan.v1:" in name and "loan.created" in name:
                assert headers["properties"]["ce_almaevent"]["const"] == "LOAN_CREATED"
