"""heap.settle: what a long-lived process keeps is out of the collector's sight, not leaked."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from khub.site import heap


class Node:
    """An object that can be part of a reference cycle."""

    def __init__(self) -> None:
        self.other: Node | None = None


@pytest.fixture(autouse=True)
def _thawed() -> Iterator[None]:
    yield
    gc.unfreeze()  # leave the test process's collector as it found it


def test_settle_exempts_what_is_alive_and_later_frees_its_dropped_cycles() -> None:
    first, second = Node(), Node()
    first.other, second.other = second, first  # only the cyclic collector can free them
    gone = weakref.ref(first)
    heap.settle()
    assert gc.get_freeze_count() > 0 and gc.isenabled()
    del first, second
    gc.collect()
    assert gone() is not None  # frozen: a build's collections leave them alone
    heap.settle()
    assert gone() is None  # the next settle looks at them again, and frees the cycle
