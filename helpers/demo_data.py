"""The tutorial's demo corpus: 267 short documents on the history of computing and AI.

The files live in ``data/demo_corpus/`` in BEIR layout (``corpus.jsonl``, ``queries.jsonl``,
``qrels.tsv``); see its README for how they were written. :func:`load_demo_corpus` reads and
checks them, so a hand edit that breaks an id or a judgment fails loudly, naming the line.

Only each document's ``text`` is meant for indexing: the ``title`` is a short display label,
and indexing it would hand the keyword method the answer to several queries.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from helpers.datasets import jsonl_records

__all__ = ["DEMO_CORPUS_DIR", "DemoCorpus", "load_demo_corpus"]

DEMO_CORPUS_DIR = Path(__file__).resolve().parent.parent / "data" / "demo_corpus"
METHODS = ("bm25", "dense", "rerank")


@dataclass(frozen=True)
class DemoCorpus:
    """Documents, queries and graded relevance judgments, aligned by position.

    Attributes
    ----------
    doc_ids, titles, texts : list of str
        One entry per document; ``texts`` is what gets indexed.
    query_ids, queries : list of str
        One entry per query.
    designed_for : list of str
        For each query, the method it was written to favour: ``"bm25"``, ``"dense"`` or ``"rerank"``.
    why : list of str
        For each query, one sentence on what makes it hard for the other methods.
    qrels : dict
        ``{query_id: {doc_id: grade}}`` with grade 2 (answers the query) or 1 (partly relevant);
        unlisted documents are not relevant.
    """

    doc_ids: list[str]
    titles: list[str]
    texts: list[str]
    query_ids: list[str]
    queries: list[str]
    designed_for: list[str]
    why: list[str]
    qrels: dict[str, dict[str, int]] = field(repr=False)

    def __len__(self) -> int:
        return len(self.doc_ids)

    def query(self, query_id: str) -> str:
        """Return the text of query ``query_id``."""
        try:
            return self.queries[self.query_ids.index(query_id)]
        except ValueError:
            raise KeyError(f"no query {query_id!r}; the ids are {self.query_ids[0]} to {self.query_ids[-1]}") from None

    def __repr__(self) -> str:
        return f"DemoCorpus({len(self.doc_ids)} documents, {len(self.query_ids)} queries)"


def _read_jsonl(path: Path, keys: tuple[str, ...]) -> list[dict]:
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing; the demo corpus needs corpus.jsonl, queries.jsonl and qrels.tsv")
    rows = []
    for line_no, row in jsonl_records(path):
        missing = [k for k in keys if not isinstance(row.get(k), str) or not row[k].strip()]
        if missing:
            raise ValueError(f"{path.name} line {line_no} needs non-empty string fields {missing}")
        rows.append(row)
    _check_unique([r["id"] for r in rows], path.name)
    return rows


def _check_unique(ids: list[str], what: str) -> None:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            raise ValueError(f"{what} has the id {i!r} twice; ids must be unique")
        seen.add(i)


def _read_qrels(path: Path, doc_ids: set[str], query_ids: set[str]) -> dict[str, dict[str, int]]:
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing; the demo corpus needs corpus.jsonl, queries.jsonl and qrels.tsv")
    qrels: dict[str, dict[str, int]] = {}
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f, delimiter="\t")
        header = next(reader, None)
        if header != ["query-id", "corpus-id", "score"]:
            raise ValueError(f"{path.name} must start with the BEIR header 'query-id<TAB>corpus-id<TAB>score', got {header}")
        for line_no, row in enumerate(reader, start=2):
            if len(row) != 3:
                raise ValueError(f"{path.name} line {line_no} needs 3 tab-separated fields, got {len(row)}")
            qid, did, grade = row
            if qid not in query_ids:
                raise ValueError(f"{path.name} line {line_no}: unknown query id {qid!r}")
            if did not in doc_ids:
                raise ValueError(f"{path.name} line {line_no}: unknown document id {did!r}")
            if grade not in {"1", "2"}:
                raise ValueError(f"{path.name} line {line_no}: grade must be 1 or 2, got {grade!r}")
            if did in qrels.get(qid, {}):
                raise ValueError(f"{path.name} line {line_no}: ({qid}, {did}) is judged twice")
            qrels.setdefault(qid, {})[did] = int(grade)
    unjudged = sorted(query_ids - qrels.keys())
    if unjudged:
        raise ValueError(f"{path.name} has no relevant document for queries {unjudged}")
    return qrels


def load_demo_corpus(folder: str | Path | None = None) -> DemoCorpus:
    """Read and check the demo corpus.

    Parameters
    ----------
    folder : str or Path, optional
        A folder holding ``corpus.jsonl``, ``queries.jsonl`` and ``qrels.tsv``; defaults to
        the project's ``data/demo_corpus``.

    Returns
    -------
    DemoCorpus

    Raises
    ------
    FileNotFoundError
        If a file is missing.
    ValueError
        If an id repeats, a field is empty, a query names an unknown method, or a judgment
        points to an unknown query or document; the message names the file and line.

    Examples
    --------
    >>> demo = load_demo_corpus()
    >>> demo
    DemoCorpus(267 documents, 34 queries)
    >>> demo.qrels["q26"]
    {'turing-birth': 2}
    """
    folder = Path(folder) if folder is not None else DEMO_CORPUS_DIR
    docs = _read_jsonl(folder / "corpus.jsonl", ("id", "title", "text"))
    queries = _read_jsonl(folder / "queries.jsonl", ("id", "text", "designed_for"))
    for q in queries:
        if q["designed_for"] not in METHODS:
            raise ValueError(f"queries.jsonl: query {q['id']!r} has designed_for={q['designed_for']!r}; use one of {METHODS}")
    doc_ids = [d["id"] for d in docs]
    query_ids = [q["id"] for q in queries]
    qrels = _read_qrels(folder / "qrels.tsv", set(doc_ids), set(query_ids))
    return DemoCorpus(
        doc_ids=doc_ids,
        titles=[d["title"] for d in docs],
        texts=[d["text"] for d in docs],
        query_ids=query_ids,
        queries=[q["text"] for q in queries],
        designed_for=[q["designed_for"] for q in queries],
        why=[q.get("why", "") for q in queries],
        qrels=qrels,
    )
