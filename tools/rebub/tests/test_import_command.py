"""`rebub import-patrons` imports a DSI feed into the network zone and prints the report."""

from __future__ import annotations

import json
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


def test_the_import_is_kept_and_listed_and_the_other_feeds_are_missing(
    tmp_path: Path, network_env: dict[str, str]
) -> None:
    feed = tmp_path / "inp-users.xml"
    write_alma_xml_feed(feed, 5, "inp", seed=4, bad_records=1)
    imported = CliRunner().invoke(
        app, ["import-patrons", str(feed), "--source", "inp"], env=network_env
    )
    assert imported.exit_code == 0, imported.output

    listed = CliRunner().invoke(app, ["imports", "list", "--json"], env=network_env)
    checked = CliRunner().invoke(app, ["imports", "check"], env=network_env)

    [entry] = json.loads(listed.output)
    assert (entry["source"], entry["file_name"], entry["outcome"]) == (
        "inp",
        "inp-users.xml",
        "applied",
    )
    assert entry["uploaded_by"].startswith("command line (")
    assert [r["position"] for r in entry["report"]["rejected"]] != []
    shown = CliRunner().invoke(app, ["imports", "show", entry["id"]], env=network_env)
    assert json.loads(shown.output)["checksum"] == entry["checksum"]
    assert checked.exit_code == 1  # four institutions never sent a feed
    lines = {line.split()[0]: line.split()[1] for line in checked.output.splitlines()}
    assert lines == {
        "ub": "MISSING",
        "ubm": "MISSING",
        "scpo": "MISSING",
        "inp": "ok",
        "bsa": "MISSING",
    }


def test_the_pickup_command_imports_what_waits_in_the_drop_folder(
    tmp_path: Path, network_env: dict[str, str]
) -> None:
    """What the daily CronJob runs (``patron-sync import-pickup /drop``; the same command here)."""
    drop = tmp_path / "drop"
    (drop / "scpo").mkdir(parents=True)
    write_alma_xml_feed(drop / "scpo" / "scpo-2026-10-05.xml", 4, "scpo", seed=7)
    (drop / "scpo" / "notes.txt").write_text("not a feed: left alone")

    first = CliRunner().invoke(app, ["import-pickup", str(drop)], env=network_env)
    second = CliRunner().invoke(app, ["import-pickup", str(drop)], env=network_env)

    assert first.exit_code == 0, first.output
    picked = [" ".join(line.split()) for line in first.output.splitlines() if line[:4] == "scpo"]
    assert picked == ["scpo scpo-2026-10-05.xml: applied (received 4, rejected 0)"]
    assert [p.name for p in (drop / "scpo" / "done").iterdir()] == ["scpo-2026-10-05.xml"]
    assert (drop / "scpo" / "notes.txt").exists()
    assert second.exit_code == 0
    assert "no feed waiting" in second.output.splitlines()
