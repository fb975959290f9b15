"""A unit test finds no toolchain and cannot start a local server, whatever the machine has."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from rebub.infra.ferretdb import LocalFerretDB
from rebub.infra.kafka import LocalKafka
from rebub.infra.paths import InfraPaths
from rebub.testing.unit_guard import unit_test_bounds


def test_this_unit_test_runs_without_java_go_or_maven() -> None:
    # The plugin's bounds are on for every test without a marker: this one has none.
    assert [shutil.which(tool) for tool in ("java", "go", "mvn")] == [None, None, None]
    assert shutil.which("sh") is not None  # the rest of the PATH is left alone


@pytest.mark.parametrize("server", [LocalFerretDB, LocalKafka])
def test_starting_a_local_server_in_a_unit_test_fails_naming_the_markers(
    tmp_path: Path, server: type[LocalFerretDB] | type[LocalKafka]
) -> None:
    paths = dataclasses.replace(InfraPaths.default(), home=tmp_path)
    local = server(paths, 1)  # no port is ever opened
    with (
        unit_test_bounds(),
        pytest.raises(pytest.fail.Exception, match=r"started the local \w+: mark the test"),
    ):
        local.launch()
    with unit_test_bounds(), pytest.raises(pytest.fail.Exception, match="toolchain"):
        local.prepare()
