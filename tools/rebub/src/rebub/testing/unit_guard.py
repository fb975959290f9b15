"""Unit tests need no server, no Java, no Go, no Maven: the plugin holds every test without a
marker saying otherwise to that, on any machine.

``make unit`` selects the tests without the markers of ``NEEDS_MORE``. On a developer's machine
Java and Go are usually there, so a unit test that reached for them would pass and only fail
where they are not (CI images without them, a newcomer's laptop). While an unmarked test is set
up and run, the toolchains are off the PATH as ``shutil.which`` sees it, and preparing or
launching a local server fails naming the markers to use.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from rebub.infra.server import LocalServer

#: A test with one of these markers may use servers and toolchains; any other is a unit test.
NEEDS_MORE = ("integration", "e2e", "robustness", "toolchain")
#: What a unit test may not find on the PATH.
TOOLCHAINS = frozenset({"java", "javac", "go", "mvn", "kustomize"})


def is_unit_test(item: pytest.Item) -> bool:
    """No marker of ``NEEDS_MORE`` (nor one added by the plugin for the ``backends`` fixture)."""
    return not any(item.get_closest_marker(name) for name in NEEDS_MORE)


@contextmanager
def unit_test_bounds() -> Iterator[None]:
    """Within: no toolchain on the PATH for ``shutil.which``, no local server prepared or started."""
    which = shutil.which

    def which_but_toolchains(cmd: Any, *args: Any, **kwargs: Any) -> Any:
        return None if str(cmd) in TOOLCHAINS else which(cmd, *args, **kwargs)

    def refused(server: LocalServer, *args: Any, **kwargs: Any) -> Any:
        pytest.fail(
            f"a unit test started the local {server.name}: mark the test "
            f"({' or '.join(NEEDS_MORE)}) or give it a fake",
            pytrace=False,
        )

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(shutil, "which", which_but_toolchains)
        patch.setattr(LocalServer, "prepare", refused)
        patch.setattr(LocalServer, "launch", refused)
        yield
