"""A daemon thread that does one piece of work now and then every so often, until stopped:
the background duties of ``rarex serve`` (overdue-inquiry reminders, audit checkpoints)."""

from __future__ import annotations

import threading
from collections.abc import Callable


class Periodic:
    """Runs ``work`` at start, then every ``every`` seconds, and once more at stop when
    ``at_stop``. ``work`` catches and logs its own failures: one bad round never ends the
    thread."""

    def __init__(
        self, work: Callable[[], object], *, every: float, name: str, at_stop: bool = False
    ) -> None:
        self._work = work
        self._every = every
        self._at_stop = at_stop
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def _run(self) -> None:
        self._work()
        while not self._stop.wait(self._every):
            self._work()
        if self._at_stop:
            self._work()

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout)
