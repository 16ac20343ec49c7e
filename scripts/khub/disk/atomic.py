"""Write a file in one step: a reader sees the old content or the new, whole, never a part.

Every file khub writes goes through `write_atomic`:

1. the bytes go to a fresh temporary file in the target's own folder (same file system, so
   the last step is a rename, not a copy), named `.<name>.<random>` + `TEMP_SUFFIX`;
2. the file is flushed and, when `durable`, fsynced, so its blocks are on disk before any
   name points at them;
3. it takes the target's mode (an existing file keeps its own, a new one gets 0o644);
4. `os.replace` swaps it in over the target, or, with `exclusive=True`, `os.link` gives it
   the target's name only if that name is still free: two racing writers cannot both win,
   and the loser gets `FileExistsError` with the winner's file untouched;
5. when `durable`, the folder is fsynced so the new name itself survives a power cut.

If any step fails the temporary file is removed, the target is as it was, and the error
(an `OSError`) goes to the caller, which decides whether it matters: a cache that cannot
be written is only slower, a data file that cannot be written is an error.

`durable=False` skips both fsyncs. Use it for what khub can rebuild (caches, build
output), where thousands of fsyncs would cost time and protect nothing; keep the default
for sources of truth (data/, editions, schemas, reports).

Where a path may come from a pull request, check it first (`safe_output_path` in
`khub.disk.paths`); this module trusts the path it is given.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

TEMP_SUFFIX = ".khub.tmp"
NEW_FILE_MODE = 0o644


def write_atomic(path: Path, data: bytes, *, exclusive: bool = False, durable: bool = True) -> None:
    """Put data at path in one step; with exclusive, refuse to replace an existing file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        tmp.chmod(_mode_for(path))
        if exclusive:
            os.link(tmp, path)  # fails with FileExistsError if path exists
            tmp.unlink()
        else:
            tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if durable:
        _fsync_folder(path.parent)


def _mode_for(path: Path) -> int:
    """Return the permission bits the new file should have: the old file's, or the default."""
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        return NEW_FILE_MODE


def _fsync_folder(folder: Path) -> None:
    """Flush a folder's entries to disk; skip file systems that cannot open a folder."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse fsync on a folder; the rename itself has happened
    finally:
        os.close(fd)


__all__ = ["NEW_FILE_MODE", "TEMP_SUFFIX", "write_atomic"]
