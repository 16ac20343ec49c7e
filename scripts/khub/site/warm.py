"""A builder child that stays up for a whole `khub serve`: one process, a build per request.

`khub build` starts a new MkDocs child for every build (khub.site.builder.run_mkdocs),
which then imports the builder, reads thousands of page cache entries and compiles the
theme's templates before it builds anything: about a second at 1,000 modules. A preview
builds again and again, so it keeps one child up instead (`python -m khub.site.runner
serve`) and sends it each build as a request; the child keeps those things between
builds and makes the same site (khub.site.runner).

The child is started like every builder child (khub.site.children: a process group of its
own, dying with khub) and waits for a request without using the processor. When it ends
without answering (it crashed, or was killed), the build it was given is reported as not
done (`build` returns None; the caller builds in a new process) and the next build starts
a new child. A stop signal while it builds ends it, as it ends a one-off child.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from subprocess import Popen
from typing import Any, cast

from khub.site.children import start, stop


@dataclass(frozen=True)
class Request:
    """One build: the arguments of `python -m khub.site.runner build`."""

    config: str
    site_dir: Path
    docs_dir: Path | None = None  # None: mkdocs.yml's docs_dir, and no page cache
    previous_site: Path | None = None

    def line(self, wait: bool = False) -> bytes:
        """Return the request as the child reads it: one JSON object on one line.

        With wait, the child prepares the build and holds it at its first page until it
        reads `go` (or `stop`) on a line of its own (khub.site.runner.Gate).
        """
        fields: dict[str, object] = {
            "config": self.config,
            "site_dir": str(self.site_dir),
            "docs_dir": None if self.docs_dir is None else str(self.docs_dir),
            "previous_site": None if self.previous_site is None else str(self.previous_site),
            "wait": wait,
        }
        return json.dumps(fields).encode("utf-8") + b"\n"


@dataclass
class WarmBuilder:
    """The long-lived builder child of one hub; start it with `start`, end it with `close`."""

    root: Path
    env: dict[str, str]
    builds: int = 0  # builds the current child answered
    started: int = 0  # children started
    _child: Popen[bytes] | None = field(default=None, repr=False)
    _replies: io.BufferedReader | None = field(default=None, repr=False)
    _held: Request | None = field(default=None, repr=False)  # prepared, waiting for go
    _sent: Request | None = field(default=None, repr=False)  # building, reply not read

    def start(self) -> None:
        """Start the child now (it then reads the page cache), unless it is up."""
        if self._child is not None and self._child.poll() is not None:
            self.close()  # it died: its pipes go with it
        if self._child is None:
            argv = [sys.executable, "-m", "khub.site.runner", "serve"]
            self._child = start(argv, cwd=self.root, env=self.env, piped=True)
            self._replies = io.BufferedReader(cast(io.RawIOBase, self._child.stdout))
            self.started += 1
            self.builds = 0

    def prepare(self, request: Request) -> None:
        """Have the child start the build now and hold it at its first page until `go`.

        While khub generates the pages, the child loads the configuration, lists the files,
        makes the navigation and writes what reads no page; `cancel` calls the build off.
        """
        self.cancel()
        if self._send(request.line(wait=True)):
            self._held = request

    def go(self, request: Request) -> None:
        """Have the child build now (the prepared build, if it is this one); see `build`."""
        if self._sent is not None:
            return
        if self._held == request:
            self._held = None
            sent = self._send(b"go\n", start=False)
        else:
            self.cancel()
            sent = self._send(request.line())
        self._sent = request if sent else None

    def cancel(self) -> None:
        """Call off a build asked for (generate failed, or its pages changed nothing)."""
        if self._held is not None:
            self._held = None
            if self._send(b"stop\n", start=False):
                self._reply()
        elif self._sent is not None:
            self._sent = None
            self._reply()  # it is building: let it finish, and forget what it made

    def build(self, request: Request) -> tuple[int, str] | None:
        """Have the child build; return (exit code, messages), None if it did not answer."""
        if self._sent != request:
            self.cancel()
            self.go(request)
        if self._sent is None:
            return None
        self._sent = None
        reply = self._reply()
        if reply is None or reply.get("cancelled"):
            self.close()
            return None
        self.builds += 1
        return int(reply["code"]), str(reply["output"])

    def _send(self, line: bytes, start: bool = True) -> bool:
        """Write a line to the child; False when it cannot be written.

        With start, a child is started first if none is up; without (the word that goes
        with a prepared build), a child that died is not replaced.
        """
        if start:
            self.start()
        child = self._child
        if child is None or child.stdin is None or (not start and child.poll() is not None):
            self.close()
            return False
        try:
            view = memoryview(line)
            while view:  # an unbuffered pipe may take part of a long line
                view = view[child.stdin.write(view) or 0 :]
        except OSError:
            self.close()
            return False
        return True

    def _reply(self) -> dict[str, Any] | None:
        """Wait for the child's reply line; None when it ended without one (it is closed)."""
        if self._replies is None:
            return None
        try:
            line = self._replies.readline()
        except OSError:
            line = b""
        except BaseException:
            self.close()  # stopped mid-build: the child's state is not to be trusted
            raise
        try:
            reply = json.loads(line)
            int(reply["code"]), str(reply["output"])
        except (ValueError, KeyError, TypeError):
            self.close()
            return None
        return reply if isinstance(reply, dict) else None

    def close(self) -> None:
        """End the child, if one is up."""
        child, self._child, self._held, self._sent = self._child, None, None, None
        replies, self._replies = self._replies, None
        if child is None:
            return
        for pipe in (child.stdin, replies):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()
        stop(child)
