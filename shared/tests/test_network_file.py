"""The network file: institutions as data, read on first use, checked with errors naming the file
and the field; models refuse codes the file does not define."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from rebub_shared.tenancy import (
    DEFAULT_NETWORK_FILE,
    NETWORK_FILE_ENV,
    InstitutionCode,
    NetworkFileError,
    TenantCode,
    forget_network,
    institution,
    institution_codes,
    load_network,
    other_institutions,
)

BXA = """
[[institutions]]
code = "bxa"
name = "Bordeaux Archi Test"
renewal_period_days = 10
suspension_after_late_return = true
feed_user_groups = ["L", "M"]
address = { lines = ["740 cours de la Libération"], postcode = "33400", city = "Talence" }
"""


class Held(BaseModel):
    institution: InstitutionCode
    tenant: TenantCode


@pytest.fixture
def sixth(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "network.toml"
    path.write_text(DEFAULT_NETWORK_FILE.read_text(encoding="utf-8") + BXA, encoding="utf-8")
    monkeypatch.setenv(NETWORK_FILE_ENV, str(path))
    forget_network()
    yield path
    monkeypatch.delenv(NETWORK_FILE_ENV)
    forget_network()


def test_a_sixth_institution_is_a_data_change(sixth: Path) -> None:
    assert institution_codes() == ("ub", "ubm", "scpo", "inp", "bsa", "bxa")
    bxa = institution("bxa")
    assert (bxa.name, bxa.renewal_period, bxa.suspension_after_late_return) == (
        "Bordeaux Archi Test",
        timedelta(days=10),
        True,
    )
    assert other_institutions("ub")[-1] == "bxa"
    assert Held(institution="bxa", tenant="bxa").institution == "bxa"
    assert Held.model_json_schema()["properties"]["institution"]["enum"][-1] == "bxa"


def test_models_refuse_a_code_the_file_does_not_define() -> None:
    with pytest.raises(ValidationError) as refused:
        Held(institution="bxa", tenant="network")
    [problem] = refused.value.errors()
    assert problem["loc"] == ("institution",)
    assert "institution: unknown tenant 'bxa' (expected one of ub, ubm, scpo, inp, bsa)" in str(
        problem["msg"]
    )
    assert Held(institution="ub", tenant="network").tenant == "network"
    with pytest.raises(ValidationError, match="tenant: unknown tenant 'network2'"):
        Held(institution="ub", tenant="network2")


def test_the_json_schema_lists_the_codes_as_the_literal_did() -> None:
    schema = Held.model_json_schema()["properties"]
    assert schema["institution"] == {
        "enum": ["ub", "ubm", "scpo", "inp", "bsa"],
        "title": "Institution",
        "type": "string",
    }
    assert schema["tenant"]["enum"][0] == "network"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (BXA.replace('"bxa"', '"BXA"'), "institutions.0.code: String should match pattern"),
        (BXA.replace('"bxa"', '"network"'), "'network' is the network zone"),
        (BXA + BXA, "institutions: Value error, code 'bxa' defined more than once"),
        (BXA.replace("renewal_period_days = 10", ""), "institutions.0.renewal_period_days: Field"),
        (BXA.replace('"L", "M"', '"ASTRONAUTE"'), "institutions.0.feed_user_groups.0: Input"),
        (BXA.replace("33400", "334"), "institutions.0.address.postcode"),
        ("institutions = []", "institutions: Tuple should have at least 1 item"),
        ("[[institutions]\ncode =", "cannot read"),
    ],
)
def test_a_bad_network_file_is_refused_naming_the_file_and_the_field(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = tmp_path / "network.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(NetworkFileError) as refused:
        load_network(path)
    assert str(refused.value).startswith(f"{path}: ")
    assert expected in str(refused.value)


def test_a_missing_file_named_by_the_environment_is_an_error_on_first_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(NETWORK_FILE_ENV, str(tmp_path / "absent.toml"))
    forget_network()
    try:
        with pytest.raises(NetworkFileError, match=r"absent\.toml: cannot read"):
            institution_codes()
    finally:
        monkeypatch.delenv(NETWORK_FILE_ENV)
        forget_network()
