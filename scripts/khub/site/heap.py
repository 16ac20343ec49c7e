"""Keep a long-lived process's collector off the objects it holds between builds.

`khub serve` and its builder child keep hundreds of thousands of objects from one build
to the next (the load memo, the page cache's entries, compiled templates). Python's
cyclic collector would go through all of them again each time a build has made enough
new objects, a tenth of a second per build at 1,000 modules. `settle` is called between
builds, when no one waits: it collects what the last build left, then moves everything
still alive out of the collector's sight (gc.freeze). What a later build drops of those
objects is freed by reference counting as usual, and the next `settle` brings them back
into view first, so garbage that only the collector can find is found then.
"""

from __future__ import annotations

import gc


def settle() -> None:
    """Collect the last build's garbage; exempt what survives from the next collections."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
