"""The streamed bulk link's pieces: lines cut anywhere across chunks (a line past the bound
reported, never held), each line's primary id (NDJSON or CSV), and a batch's outcomes in order."""

from collections.abc import AsyncIterator

from patron_sync.entrypoints.link_stream import CSV, MAX_LINE_BYTES, NDJSON, lines, primary_id
from patron_sync.service_layer.bulk_link import outcomes
from patron_sync.service_layer.commands import LinkReport


async def _chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


async def test_lines_are_joined_across_chunks_and_a_long_line_is_dropped_as_it_comes() -> None:
    long = b"y" * (MAX_LINE_BYTES + 1)
    parts = (b'"A-1"\n"A', b'-2"\n', long[:700], long[700:] + b'\n"A-3"', b"\n\n", b'"A-4"')
    assert [line async for line in lines(_chunks(*parts))] == [
        b'"A-1"',
        b'"A-2"',
        None,
        b'"A-3"',
        b"",
        b'"A-4"',
    ]
    unended = (b"z" * 2000, b"z" * 2000, b'zz\n"B-1"\n')  # dropped before its end arrives
    assert [line async for line in lines(_chunks(*unended))] == [None, b'"B-1"']


def test_each_line_gives_its_id_or_the_reason_it_is_refused() -> None:
    assert primary_id(b'"UB-0000001"', NDJSON) == ("UB-0000001", None)
    assert primary_id(b'{"primary_id": "UB-2"}\r', NDJSON) == ("UB-2", None)
    assert primary_id(b"   ", NDJSON) == (None, None)
    assert primary_id(b"UB-3", NDJSON) == ("UB-3", "not a JSON value")
    assert primary_id(b"42", NDJSON)[1] == 'expected a string or {"primary_id": string}'
    value, error = primary_id(b'"$where"', NDJSON)
    assert (value, error is not None) == ("$where", True)
    assert primary_id(b"primary_id,name", CSV) == (None, None)
    assert primary_id(b'"UB-4",Dupont', CSV) == ("UB-4", None)


def test_a_batch_reports_each_id_in_order_a_repeat_as_already_linked() -> None:
    report = LinkReport(linked=("B", "A"), already_linked=("C",), unknown=("X",))
    assert outcomes(["A", "C", "X", "A", "B", "X"], report) == [
        "linked",
        "already_linked",
        "unknown",
        "already_linked",
        "linked",
        "unknown",
    ]
