"""A screening's answer does not depend on the process: Python randomises the order of sets of
strings per process (PYTHONHASHSEED), and a tie broken by that order once gave two answers to
one query on the same tree. Two seeds are enough to catch that most of the time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = """
import json
from rarex.screening.index import ScreeningIndex
from rarex.screening.matching import MatchSettings, search
from tests.screening.test_matching_entries import ENTRIES
from tests.screening.test_translated_names import LISTED
index = ScreeningIndex.build((*ENTRIES, *LISTED))
queries = [
    "Huawei Tech", "Hangzhou Yingyong Shengxue Research Institute", "杭州应用声学研究所",
    "zhong guo yi dong you xian gong si", "Hikvison Digitl Technolgy", "SEPASAD ENGNIEERNIG",
    "Wave Trch Comptuers", "Zhang Weiming", "中国船舶重工集团有限公司第七一九研究所",
]
loose = MatchSettings(threshold=0.5)
print(json.dumps([[(m.entry.entity_id, round(m.score, 6)) for m in search(index, q, settings=loose)]
                  for q in queries]))
"""


def _answers(seed: str) -> object:
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(root)}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        capture_output=True,
        text=True,
        env=env,
        cwd=root,
        check=True,
    )
    return json.loads(done.stdout)


@pytest.mark.slow
def test_the_same_query_gets_the_same_answer_in_every_process() -> None:
    first = _answers("1")
    assert first == _answers("2")
    assert any(first)  # the queries do find something
