"""The local servers' state, the development mailbox and the broker's credentials are private:
folders 0700 and files 0600 from their creation."""

from __future__ import annotations

import dataclasses
import os
import smtplib
import socket
import stat
from email.message import EmailMessage
from pathlib import Path

import pytest
from pymongo import MongoClient

from rebub.infra.ferretdb import LocalFerretDB
from rebub.infra.kafka_security import Credentials
from rebub.infra.paths import InfraPaths
from rebub.mailbox import LocalMailbox
from rebub_shared.private_files import write_private


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrivateFerretDB(LocalFerretDB):
    """A FerretDB of this test's own, even when the run's servers come from the environment."""

    external = None


@pytest.mark.toolchain  # builds FerretDB with Go, and starts it
def test_a_local_server_keeps_its_data_log_and_pid_private(tmp_path: Path) -> None:
    paths = dataclasses.replace(InfraPaths.default(), home=tmp_path / "home")
    server = PrivateFerretDB(paths, _free_port())
    server.start(timeout_s=60)
    try:
        with MongoClient(server.address) as client:  # the server writes a database of its own
            client["t_private"]["patrons"].insert_one({"_id": "P1", "last_name": "Dupont"})
    finally:
        server.stop()
    assert _mode(paths.home) == 0o700
    folders = [server.dir, *(p for p in server.dir.rglob("*") if p.is_dir())]
    files = [p for p in server.dir.rglob("*") if p.is_file()]
    assert any(p.suffix == ".sqlite" for p in files)  # the data the server created itself
    assert {str(p): _mode(p) for p in folders} == {str(p): 0o700 for p in folders}
    assert {str(p): _mode(p) for p in files} == {str(p): 0o600 for p in files}


def test_credentials_are_created_private_not_restricted_afterwards(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_chmod(*args: object, **kwargs: object) -> None:
        raise AssertionError("a credentials file must be created 0600, not chmod-ed after")

    monkeypatch.setattr(os, "chmod", no_chmod)
    path = tmp_path / "scram.json"
    credentials = Credentials.load_or_create(path)
    assert _mode(path) == 0o600
    assert Credentials.load_or_create(path).passwords == credentials.passwords


def test_an_existing_file_is_made_private_before_it_is_written(tmp_path: Path) -> None:
    path = tmp_path / "server.properties"
    path.write_text("old")
    path.chmod(0o644)
    write_private(path, "sasl.password=secret")
    assert (_mode(path), path.read_text()) == (0o600, "sasl.password=secret")


def test_the_development_mailbox_keeps_mail_private(tmp_path: Path) -> None:
    folder = tmp_path / "mail"
    message = EmailMessage()
    message["From"], message["To"] = "bu@example.org", "dupont@example.org"
    message["Subject"] = "Rappel"
    message.set_content("Votre prêt arrive à échéance.")
    with LocalMailbox(folder) as mailbox:
        with smtplib.SMTP(mailbox.host, mailbox.port) as smtp:
            smtp.send_message(message)
        [mail] = mailbox.files()
    assert _mode(folder) == 0o700
    assert _mode(mail) == 0o600
