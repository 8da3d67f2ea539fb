"""The tutorial's demo corpus: 267 short documents on the history of computing and AI.

The files live in ``data/demo_corpus/`` in BEIR layout (``corpus.jsonl``, ``queries.jsonl``,
``qrels.tsv``) plus two fields of each query, ``designed_for`` and ``why``; see its README for
how they were written. :func:`load_demo_corpus` reads them with the loader of every dataset,
:func:`helpers.datasets.load_beir` (strict: a hand edit that breaks an id or a judgment fails
loudly, naming the line), then checks what only this corpus promises.

Only each document's ``text`` is meant for indexing: the ``title`` is a short display label,
and indexing it would hand the keyword method the answer to several queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from helpers.datasets import BeirDataset, load_beir

__all__ = ["DEMO_CORPUS_DIR", "DESIGNED_FOR", "DemoCorpus", "load_demo_corpus"]

DEMO_CORPUS_DIR = Path(__file__).resolve().parent.parent / "data" / "demo_corpus"
# The values of a query's `designed_for`: the methods (keys of helpers.methods.METHODS) a query
# may be written to favour.
DESIGNED_FOR = ("bm25", "dense", "rerank")
_FILES = ("corpus.jsonl", "queries.jsonl", "qrels.tsv")
_GRADES = {1, 2}


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


def _check_demo_fields(data: BeirDataset) -> None:
    """What the demo corpus promises beyond BEIR: titles, a known ``designed_for``, grades 1 and 2."""
    untitled = [d for d, title in zip(data.doc_ids, data.titles) if not title.strip()]
    if untitled:
        raise ValueError(f"corpus.jsonl: documents {untitled[:3]} have no title; give each a short display label")
    for query_id in data.query_ids:
        designed_for = data.query_fields.get(query_id, {}).get("designed_for")
        if designed_for not in DESIGNED_FOR:
            raise ValueError(
                f"queries.jsonl: query {query_id!r} has designed_for={designed_for!r}; use one of {DESIGNED_FOR}"
            )
    for query_id, judged in data.qrels.items():
        for doc_id, grade in judged.items():
            if grade not in _GRADES:
                raise ValueError(
                    f"qrels.tsv: ({query_id}, {doc_id}) has grade {grade}; a grade must be 1 or 2 "
                    "(2 answers the query, 1 partly; leave irrelevant documents out)"
                )


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
        If an id repeats, a text or title is empty, a query names an unknown method, a grade is
        not 1 or 2, or a judgment points to an unknown query or document; the message names the
        file (and the line, or the id).

    Examples
    --------
    >>> demo = load_demo_corpus()
    >>> demo
    DemoCorpus(267 documents, 34 queries)
    >>> demo.qrels["q26"]
    {'turing-birth': 2}
    """
    folder = Path(folder) if folder is not None else DEMO_CORPUS_DIR
    for name in _FILES:
        if not (folder / name).is_file():
            raise FileNotFoundError(f"{folder / name} is missing; the demo corpus needs {', '.join(_FILES)}")
    data = load_beir(folder, strict=True)
    _check_demo_fields(data)
    return DemoCorpus(
        doc_ids=data.doc_ids,
        titles=data.titles,
        texts=data.texts,
        query_ids=data.query_ids,
        queries=data.query_texts,
        designed_for=[data.query_fields[q]["designed_for"] for q in data.query_ids],
        why=[data.query_fields[q].get("why", "") for q in data.query_ids],
        qrels=data.qrels,
    )
