from datetime import timedelta

import pytest

from rebub_shared.tenancy import (
    UnknownTenantError,
    check_tenant,
    institution,
    institution_codes,
    other_institutions,
)
from rebub_shared.topics import Topics


def test_the_five_institutions_carry_the_rules_of_domain_section_1() -> None:
    assert institution_codes() == ("ub", "ubm", "scpo", "inp", "bsa")
    assert institution("ub").renewal_period == timedelta(weeks=2)
    assert {
        c for c in institution_codes() if institution(c).renewal_period == timedelta(weeks=1)
    } == {
        "ubm",
        "scpo",
        "inp",
        "bsa",
    }
    suspending = {c for c in institution_codes() if institution(c).suspension_after_late_return}
    assert suspending == {"scpo", "inp", "bsa"}


def test_an_unknown_tenant_is_refused_naming_the_field_and_value() -> None:
    with pytest.raises(UnknownTenantError, match=r"institution: unknown tenant 'bx3'"):
        institution("bx3")
    assert check_tenant("network") == "network"
    assert other_institutions("scpo") == ("ub", "ubm", "inp", "bsa")


def test_topic_names_follow_the_zones_and_carry_a_version() -> None:
    topics = Topics()
    assert topics.nz_patron == "nz.patron.v1"
    assert topics.external_reader == "net.external-reader.v1"
    assert topics.loan_activity == "net.loan-activity.v1"
    assert topics.patron("inp") == "inp.patron.v1"
    assert topics.loan("ub") == "ub.circulation.loan.v1"
    assert topics.letter("bsa") == "bsa.notifier.letter.v1"
    assert topics.dead_letter("nz.patron.v1", "ubm") == "ubm.dlq.nz.patron.v1"
    assert topics.group("ub", "circulation") == "ub.circulation.main"


def test_a_prefix_gives_a_test_its_own_topics_and_groups() -> None:
    topics = Topics("t-42.")
    assert topics.loan("scpo") == "t-42.scpo.circulation.loan.v1"
    assert (
        topics.dead_letter(topics.loan("scpo"), "scpo") == "t-42.scpo.dlq.scpo.circulation.loan.v1"
    )
    assert topics.group("scpo", "notifier") == "t-42.scpo.notifier.main"
    with pytest.raises(UnknownTenantError):
        topics.loan("paris1")  # type: ignore[arg-type]
