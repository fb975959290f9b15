"""Which dead letters an erasure finds: those naming one of the person's ids exactly (original
key, a header, a JSON string of the value; anywhere in a value that is not JSON)."""

from rebub_shared.dead_letter_purge import ORIGINAL_KEY_HEADER, concerns, dead_letter_key

OWN_KEY = dead_letter_key("notifier", "ub.patron.v1", 0, 7).encode()


def test_a_dead_letter_is_found_by_its_original_key_a_header_or_a_value_field() -> None:
    about = ("P-1", "p1@example.org")
    by_key = {ORIGINAL_KEY_HEADER: b"P-1"}
    assert concerns(OWN_KEY, b"{}", by_key, about)
    assert concerns(OWN_KEY, b"{}", {"ce_subject": b"P-1"}, about)
    assert concerns(OWN_KEY, b'{"contact": {"emails": ["p1@example.org"]}}', {}, about)
    assert concerns(OWN_KEY, b"not json P-1 here", {}, about)
    assert concerns(b"P-1", b"{}", {}, about)  # written before dead letters had their own key


def test_another_persons_or_an_erased_dead_letter_is_not_found() -> None:
    about = ("P-1",)
    assert not concerns(OWN_KEY, b'{"patron_id": "P-10"}', {ORIGINAL_KEY_HEADER: b"P-10"}, about)
    assert not concerns(OWN_KEY, b'{"note": "about P-1 and others"}', {}, about)  # not a field
    assert not concerns(OWN_KEY, None, {ORIGINAL_KEY_HEADER: b"P-1"}, about)  # a tombstone
    assert not concerns(OWN_KEY, b'{"patron_id": "P-1"}', {}, ("",))  # nothing to look for
    assert OWN_KEY == b"dlq/notifier/ub.patron.v1/0/7"
