"""The course reads in order: no notebook uses a concept before the notebook that introduces it.

Every concept below is introduced (defined, with its formula or data) in one notebook; its first
mention, reading the notebooks in their numbered order, must be in that notebook. Later mentions
are fine. Solutions and the app are not part of the reading order.
"""

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"

# concept -> (pattern, the notebook that introduces it)
CONCEPTS = {
    "the demo corpus": (r"demo corpus|load_demo_corpus", "00_scoring_primer"),
    "SciFact": (r"SciFact", "00_scoring_primer"),
    "cosine similarity": (r"cosine", "00_scoring_primer"),
    "BM25": (r"\bBM25", "00_scoring_primer"),
    "MaxSim / late interaction": (r"MaxSim|late interaction", "00_scoring_primer"),
    "cross-encoders": (r"cross-encoder", "00_scoring_primer"),
    "RRF": (r"\bRRF|reciprocal rank", "00_scoring_primer"),
    "weighted fusion": (r"weighted sum|weighted fusion|WeightedRanker", "00_scoring_primer"),
    "nDCG": (r"nDCG", "00_scoring_primer"),
    "Recall@k": (r"Recall@", "00_scoring_primer"),
    "graded relevance": (r"graded", "00_scoring_primer"),
    "Milvus Lite": (r"Milvus Lite", "05_hybrid_search_milvus_lite"),
}


def reading_order() -> list[Path]:
    return sorted(p for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def text_of(path: Path) -> str:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(cell["source"]) for cell in cells)


def first_mention(pattern: str) -> str | None:
    for path in reading_order():
        if re.search(pattern, text_of(path), flags=re.IGNORECASE):
            return path.stem
    return None


def test_the_course_starts_with_the_primer():
    assert reading_order()[0].stem == "00_scoring_primer"


@pytest.mark.parametrize("concept", CONCEPTS)
def test_no_concept_is_used_before_it_is_introduced(concept):
    pattern, introduced_in = CONCEPTS[concept]
    assert first_mention(pattern) == introduced_in, (
        f"{concept} is first mentioned in {first_mention(pattern)}, but introduced in {introduced_in}: "
        "introduce it earlier, or reword the earlier notebook"
    )
