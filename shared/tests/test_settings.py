import pytest
from pydantic import ValidationError
from pydantic_settings import SettingsConfigDict

from rebub_shared.settings import KafkaSettings, ServiceSettings


class CirculationLikeSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REBUB_TESTSVC__", env_nested_delimiter="__")


def test_nested_groups_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REBUB_TESTSVC__TENANT", "inp")
    monkeypatch.setenv("REBUB_TESTSVC__KAFKA__BOOTSTRAP", "kafka.inp:9092")
    monkeypatch.setenv("REBUB_TESTSVC__HTTP__PORT", "8101")
    settings = CirculationLikeSettings()
    assert (settings.tenant, settings.kafka.bootstrap, settings.http.port) == (
        "inp",
        "kafka.inp:9092",
        8101,
    )


def test_constructor_arguments_override_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REBUB_TESTSVC__TENANT", "inp")
    assert CirculationLikeSettings(tenant="bsa").tenant == "bsa"


def test_network_wide_servers_apply_to_every_service(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REBUB_KAFKA_BOOTSTRAP", "broker-a:9092")
    monkeypatch.setenv("REBUB_MONGO_URI", "mongodb://store-a/")
    settings = CirculationLikeSettings(tenant="ub")
    assert settings.kafka.bootstrap == "broker-a:9092"
    assert settings.mongo.uri.get_secret_value() == "mongodb://store-a/"


def test_an_unknown_tenant_and_missing_credentials_are_named() -> None:
    with pytest.raises(ValidationError, match="tenant: unknown tenant 'lyon'"):
        CirculationLikeSettings(tenant="lyon")
    with pytest.raises(ValidationError, match=r"kafka\.username and kafka\.password are required"):
        KafkaSettings(security_protocol="SASL_PLAINTEXT")


def test_the_development_clock_is_off_in_production() -> None:
    assert not CirculationLikeSettings(tenant="ub").dev_clock_enabled
    assert CirculationLikeSettings(tenant="ub", environment="development").dev_clock_enabled
