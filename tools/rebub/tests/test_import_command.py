"""`rebub import-patrons` imports a DSI feed into the network zone and prints the report."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from rebub.cli import app
from rebub.demo.feeds import write_alma_xml_feed
from rebub.testing.plugin import Namespace


@pytest.fixture
def network_env(namespace: Namespace) -> dict[str, str]:
    return {
        "REBUB_KAFKA_BOOTSTRAP": namespace.backends.kafka_bootstrap,
        "REBUB_MONGO_URI": namespace.backends.mongo_uri,
        "REBUB_PATRON_SYNC__KAFKA__TOPIC_PREFIX": namespace.topic_prefix,
        "REBUB_PATRON_SYNC__MONGO__DATABASE_PREFIX": namespace.database_prefix,
    }


def test_a_feed_is_imported_and_reported(tmp_path: Path, network_env: dict[str, str]) -> None:
    feed = tmp_path / "ubm-users.xml"
    write_alma_xml_feed(feed, 30, "ubm", seed=3, bad_records=2)

    result = CliRunner().invoke(
        app, ["import-patrons", str(feed), "--source", "ubm"], env=network_env
    )

    assert result.exit_code == 0, result.output
    assert "received" in result.output
    assert "28" in result.output  # 30 received, 2 rejected, 28 created


def test_a_file_that_is_not_a_feed_is_refused_whole(
    tmp_path: Path, network_env: dict[str, str]
) -> None:
    feed = tmp_path / "broken.xml"
    feed.write_text("<users><user><primary_id>X1</primary_id>")

    result = CliRunner().invoke(
        app, ["import-patrons", str(feed), "--source", "ub"], env=network_env
    )

    assert result.exit_code == 2
    assert "refused, nothing applied" in result.output
