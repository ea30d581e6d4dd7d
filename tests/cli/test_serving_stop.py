"""What a worker of `rarex serve` does when told to stop, in one process and without a server:
a request whose body has arrived hears that its client is gone, one still uploading does not,
and the stop signals reach uvicorn's handler as before. The real processes, signals and
imports are in ``tests/customs/test_customs_processes.py``."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import anyio
import pytest
from starlette.types import Message, Receive, Scope, Send

from rarex.cli.serving import StopAware, hear_stop_signals


def _asked(stopping: threading.Event, arriving: list[Message]) -> list[Message]:
    """What an app behind ``StopAware`` receives: the body's messages as they arrive, then the
    answer to "is the client gone?" (a disconnect, or nothing yet: the ask is cancelled)."""
    seen: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        for _ in range(len(arriving)):
            seen.append(await receive())
        stopping.set()
        with anyio.CancelScope() as scope_:
            scope_.cancel()  # as Request.is_disconnected asks: without waiting
            seen.append(await receive())

    async def receive() -> Message:
        if arriving:
            return arriving.pop(0)
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        raise AssertionError("nothing is sent")

    async def main() -> None:
        await StopAware(app, stopping=stopping)({"type": "http"}, receive, send)

    anyio.run(main)
    return seen


def test_once_stopping_a_request_whose_body_arrived_hears_its_client_is_gone() -> None:
    body = [
        {"type": "http.request", "body": b"a", "more_body": True},
        {"type": "http.request", "body": b"b", "more_body": False},
    ]
    assert _asked(threading.Event(), list(body)) == [*body, {"type": "http.disconnect"}]


def test_a_body_still_arriving_is_received_as_usual_when_stopping() -> None:
    partial = [{"type": "http.request", "body": b"a", "more_body": True}]
    # the ask waits for the rest of the body, as without StopAware, and is cancelled
    assert _asked(threading.Event(), list(partial)) == partial


def test_a_stop_signal_sets_stopping_and_reaches_the_handler_that_was_there() -> None:
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals are handled in the main thread only")
    heard: list[int] = []

    def uvicorns(number: int, frame: FrameType | None) -> None:
        heard.append(number)

    stopping = threading.Event()
    before = signal.signal(signal.SIGTERM, uvicorns)
    try:
        restore = hear_stop_signals(stopping)
        signal.raise_signal(signal.SIGTERM)
        assert stopping.is_set()
        assert heard == [signal.SIGTERM]
        restore()
        assert signal.getsignal(signal.SIGTERM) is uvicorns
    finally:
        signal.signal(signal.SIGTERM, before)
