"""Where the worker processes of ``rarex serve`` keep their counts (prometheus-client's
multiprocess mode), set up before any of them starts.

Apart from ``rarex.metrics`` because it must run before prometheus-client is imported: the
library decides at import whether to count in files, from ``PROMETHEUS_MULTIPROC_DIR``.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Callable

VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


def count_in_files() -> Callable[[], None]:
    """Point this process and the workers it starts at a directory of their own: the one in
    ``PROMETHEUS_MULTIPROC_DIR`` when the operator set one (emptied of a previous run's counts,
    which would otherwise be added in), or a fresh temporary one. Returns what removes the
    temporary one when the server has stopped."""
    if "prometheus_client" in sys.modules:
        # A worker served in this process (--workers 1) would count in memory, and the
        # scrape, reading the files, would not see it.
        raise RuntimeError("prometheus_client was imported before its directory was set")
    given = os.environ.get(VARIABLE)
    if given:
        os.makedirs(given, exist_ok=True)
        for name in os.listdir(given):
            if name.endswith(".db"):
                os.remove(os.path.join(given, name))
        return lambda: None
    directory = tempfile.mkdtemp(prefix="rarex-metrics-")
    os.environ[VARIABLE] = directory
    return lambda: shutil.rmtree(directory, ignore_errors=True)
