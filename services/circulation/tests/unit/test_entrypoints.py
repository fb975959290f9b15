"""Entrypoint wiring without servers: the published event contract, item files, the dev clock."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from circulation.adapters.item_files import read_item_file
from circulation.adapters.loan_events import contract_payload
from circulation.domain import Loan, OverrideRecord
from circulation.domain.vocabulary import BlockKind
from circulation.entrypoints.http import create_app
from circulation.service_layer.errors import InvalidItemRecordError
from circulation.service_layer.ports import StoredLoan
from circulation.settings import CirculationSettings
from rebub_shared.contracts.loans import LoanCreated

AT = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)


def test_loan_created_maps_onto_the_contract_with_its_override() -> None:
    override = OverrideRecord(
        operator="agent-7", reason="retour promis", overridden_at=AT, blocks=(BlockKind.OVERDUE,)
    )
    loan = Loan.lend(
        loan_id="loan-1",
        institution="inp",
        patron_id="P-42",
        item_barcode="INP0001",
        title="Analyse",
        library="ENSEIRB",
        location="ENSEIRB-LA",
        due_at=datetime(2026, 11, 5, 17, 30, tzinfo=UTC),
        rule_names=("inp-empruntable-1-mois",),
        now=AT,
        override=override,
    )
    payload = contract_payload(StoredLoan(loan, circ_desk="ENSEIRB-PRET"), loan.pending_events[0])
    assert isinstance(payload, LoanCreated)
    assert (payload.loan.version, payload.loan.circ_desk, payload.loan.status) == (
        1,
        "ENSEIRB-PRET",
        "active",
    )
    assert payload.override == {
        "operator": "agent-7",
        "reason": "retour promis",
        "overridden_at": "2026-10-05T09:00:00+00:00",
        "blocks": "overdue",
    }


def test_item_files_name_the_line_and_field(tmp_path: Path) -> None:
    good = tmp_path / "items.jsonl"
    good.write_text(
        '{"barcode": "INP0001", "title": "Analyse", "library": "ENSEIRB", "location": "ENSEIRB-LA"}\n\n',
        encoding="utf-8",
    )
    assert [record.barcode for record in read_item_file(good)] == ["INP0001"]
    bad = tmp_path / "items.csv"
    bad.write_text("barcode,title,library,location\nINP 1,Analyse,ENSEIRB,ENSEIRB-LA\n", "utf-8")
    with pytest.raises(InvalidItemRecordError, match=r"items.csv:2: barcode"):
        read_item_file(bad)


@pytest.mark.parametrize(("environment", "has_clock"), [("production", False), ("test", True)])
def test_the_dev_clock_exists_outside_production_only(environment: str, has_clock: bool) -> None:
    settings = CirculationSettings(
        tenant="inp",
        environment=environment,  # type: ignore[arg-type]
        auth={"issuer": "http://127.0.0.1:8180/realms/rebub"},  # type: ignore[arg-type]
    )
    app = create_app(settings)
    paths = set(app.openapi()["paths"])
    assert ("/_dev/clock" in paths) is has_clock
    assert {"/loans", "/returns", "/patrons/{patron_id}/blocks", "/health"} <= paths
