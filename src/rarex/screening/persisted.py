"""The screening index kept on disk between processes, one file per set of active list versions.

`rarex screen` is a new process each time; rebuilding the index over every shared list costs
seconds, loading it a fraction of that. A file is named by a digest of the active version ids
and of the screening code itself (normalisation, terms and retrieval shape the index), so a
new list version or a new Rarex reads nothing stale: it simply finds no file and builds one.

The files are pickles written by this user into this user's cache directory
(``RAREX_SCREENING_CACHE_DIR``, default ``~/.cache/rarex``), and read only from there: a
directory others can write to must not be configured. Anything unreadable is ignored and
rebuilt; writing is atomic (a temporary file renamed into place) and never fails a screening.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import os
import pickle
import tempfile
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from rarex.screening.index import ScreeningIndex

logger = logging.getLogger(__name__)

# Old files for other version sets are removed once there are more than this many.
_KEPT_FILES = 4


@lru_cache(maxsize=1)
def code_digest() -> str:
    """A digest of the screening package's source, which decides what an index holds."""
    root = Path(__file__).parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def path_for(folder: str | Path, versions: Sequence[str]) -> Path:
    key = hashlib.sha256("\n".join([code_digest(), *versions]).encode()).hexdigest()[:32]
    return Path(folder) / f"screening-index-{key}.pickle"


def load(folder: str | Path, versions: Sequence[str]) -> ScreeningIndex | None:
    """The index kept for these versions, or None when there is none (or it is unreadable)."""
    path = path_for(folder, versions)
    try:
        with path.open("rb") as file:
            gc.disable()  # unpickling thousands of small objects: collection only slows it
            try:
                index = pickle.load(file)
            finally:
                gc.enable()
    except FileNotFoundError:
        return None
    except Exception:  # a torn or foreign file is a cache miss, never a failed screening
        logger.warning("screening index cache %s unreadable; rebuilding", path, exc_info=True)
        return None
    return index if isinstance(index, ScreeningIndex) else None


def save(folder: str | Path, versions: Sequence[str], index: ScreeningIndex) -> None:
    """Keep ``index`` for these versions; a failure to write is logged, not raised."""
    path = path_for(folder, versions)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".index-", suffix=".tmp")
        with os.fdopen(fd, "wb") as file:
            pickle.dump(index, file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
        _prune(path.parent, keep=path)
    except OSError:
        logger.warning("screening index cache %s not written", path, exc_info=True)


def _prune(folder: Path, *, keep: Path) -> None:
    files = sorted(folder.glob("screening-index-*.pickle"), key=lambda p: p.stat().st_mtime)
    for old in files[: max(0, len(files) - _KEPT_FILES)]:
        if old != keep:
            old.unlink(missing_ok=True)
