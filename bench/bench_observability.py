"""What watching a server costs a request (issue 15): ``/api/v1/health/live`` through the
whole site in one process (httpx's ASGI transport, no sockets), with the request log off
(WARNING) and on (INFO, JSON lines to /dev/null), the counts kept in memory or, as under
``rarex serve``, in prometheus-client's multiprocess files; and a scrape of ``/metrics``.
The database is a scratch SQLite file.

    python bench/bench_observability.py [--requests 3000] [--multiprocess]

``--multiprocess`` must be chosen before prometheus-client is imported: it is set here, at the
start, as ``rarex serve`` does.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--multiprocess", action="store_true")
    args = parser.parse_args()
    if args.multiprocess:
        from rarex.metrics_dir import count_in_files

        count_in_files()

    import logging

    import anyio
    import httpx

    from rarex.config import Settings
    from rarex.db_engine import make_engine
    from rarex.logs import configure_logging
    from rarex.migrations import upgrade_database
    from rarex.web.site import create_site

    folder = tempfile.mkdtemp()
    url = f"sqlite:///{folder}/bench.db"
    upgrade_database(make_engine(url))
    app = create_site(Settings(environment="test", database_url=url))

    async def timed(path: str, n: int) -> float:
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://rarex") as client:
            await client.get(path)  # the route built, the caches warm
            started = time.perf_counter()
            for _ in range(n):
                answer = await client.get(path)
                assert answer.status_code == 200, answer.text
            return (time.perf_counter() - started) / n

    counted = "multiprocess files" if args.multiprocess else "memory"
    devnull = open(os.devnull, "w")  # noqa: SIM115 - the log's stream for the whole run
    for level in ("WARNING", "INFO"):
        configure_logging(level, "json")
        logging.getLogger().handlers[0].setStream(devnull)  # type: ignore[attr-defined]
        logging.getLogger("httpx").setLevel(logging.WARNING)  # the client's own lines
        per_request = anyio.run(timed, "/api/v1/health/live", args.requests)
        logged = "logged" if level == "INFO" else "not logged"
        print(f"health/live, {logged}, counts in {counted}: {per_request * 1e6:,.0f} µs a request")
    scrape = anyio.run(timed, "/metrics", 200)
    print(f"/metrics scrape (counts in {counted}, queues from SQLite): {scrape * 1e3:,.2f} ms")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
