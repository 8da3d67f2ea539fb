"""The answer of one search: every document's score and rank by every method, and its top-documents table.

:class:`SearchResult` holds one score array and one rank array per method of
:data:`helpers.methods.METHODS`, aligned on the corpus order; :meth:`SearchResult.table`
gives a :class:`TopDocumentsTable` of the best documents, for notebooks and terminals.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from helpers.methods import METHODS
from helpers.validation import check_positive_int

__all__ = ["SearchResult", "TopDocumentsTable"]


@dataclass(frozen=True)
class SearchResult:
    """Every document's score and rank by every method, for one query.

    Arrays are aligned on the corpus order: ``scores["bm25"][i]`` is document ``i``'s
    BM25 score. Rank 1 is the best; a document without a score (``nan``, e.g. not reranked)
    ranks last.

    Attributes
    ----------
    query : str
        The query as typed.
    doc_ids, titles, texts : list of str
        The corpus, in its order.
    scores : dict of str to ndarray
        One float64 array per method of :data:`helpers.methods.METHODS`.
    ranks : dict of str to ndarray
        One int array per method: rank of each document, 1 = best.
    weight : float
        The dense weight used by the ``weighted`` fusion (BM25 gets ``1 - weight``).
    first_stage : str
        The method whose top ``rerank_depth`` documents were reranked.
    rerank_depth : int
        How many documents the reranker scored.
    notes : tuple of str
        Things the learner should know about this query (e.g. it was truncated).
    rrf_k : int
        The damping constant of the ``rrf`` fusion: its best possible score is ``2 / (rrf_k + 1)``.
    """

    query: str
    doc_ids: list[str]
    titles: list[str]
    texts: list[str]
    scores: dict[str, np.ndarray]
    ranks: dict[str, np.ndarray]
    weight: float
    first_stage: str
    rerank_depth: int
    notes: tuple[str, ...] = field(default=())
    rrf_k: int = 60

    def __len__(self) -> int:
        return len(self.doc_ids)

    def retrieved(self, method: str) -> np.ndarray:
        """Which documents ``method`` found: a score that is not missing, and for BM25 above 0.

        BM25 scores a document that contains none of the query's words 0: it was not found,
        and is neither a BM25 hit nor a BM25 vote in the ``rrf`` fusion.
        """
        self._check_method(method)
        scores = self.scores[method]
        found = np.isfinite(scores)
        return found & (scores > 0) if method == "bm25" else found

    def hits(self, method: str, k: int = 10) -> np.ndarray:
        """Positions of the ``k`` best documents that ``method`` found (:meth:`retrieved`); maybe fewer."""
        top = self.top(method, k)
        return top[self.retrieved(method)[top]]

    def _check_method(self, method: str) -> None:
        if method not in self.scores:
            raise ValueError(f"unknown method {method!r}; choose one of {', '.join(self.scores)}")

    def cap(self, k: int) -> int:
        """Return ``k`` limited to the corpus size; ``k`` below 1 is an error."""
        return min(check_positive_int(k, "top_k"), len(self))

    def order(self, method: str) -> np.ndarray:
        """Document positions sorted best first by ``method`` (ties keep corpus order)."""
        self._check_method(method)
        return np.argsort(self.ranks[method], kind="stable")

    def top(self, method: str, k: int = 10) -> np.ndarray:
        """Positions of the ``k`` best documents by ``method``; ``k`` is capped at the corpus size."""
        return self.order(method)[: self.cap(k)]

    def rank_of(self, doc_id: str) -> dict[str, int]:
        """Where each method ranks document ``doc_id``: ``{method: rank}``, 1 = best."""
        try:
            position = self.doc_ids.index(doc_id)
        except ValueError:
            raise KeyError(f"no document with id {doc_id!r} in this corpus") from None
        return {m: int(r[position]) for m, r in self.ranks.items()}

    def table(self, top_k: int = 10, by: str = "rerank", methods: Sequence[str] | None = None) -> TopDocumentsTable:
        """The ``top_k`` documents by ``by``, with each method's score and rank.

        Parameters
        ----------
        top_k : int
            Rows; capped at the corpus size.
        by : str
            The method that orders the rows.
        methods : sequence of str, optional
            The methods to show as columns; default every method this result has, in registry order.

        Returns
        -------
        TopDocumentsTable
            Renders as HTML in a notebook and as aligned text in a terminal.
        """
        methods = [m for m in METHODS if m in self.scores] if methods is None else methods
        for method in (by, *methods):
            self._check_method(method)
        rows = []
        for position in self.top(by, top_k):
            row: dict[str, Any] = {"id": self.doc_ids[position], "title": self.titles[position]}
            for method in methods:
                row[method] = float(self.scores[method][position])
                row[f"{method}_rank"] = int(self.ranks[method][position])
            rows.append(row)
        return TopDocumentsTable(self.query, by, tuple(methods), rows, self.notes)


@dataclass(frozen=True)
class TopDocumentsTable:
    """The rows of :meth:`SearchResult.table`: plain dicts, rendered for notebooks and terminals.

    Each row has ``id``, ``title`` and, per method, its score (``row["bm25"]``) and rank
    (``row["bm25_rank"]``). Scores print with 3 decimals; a missing score prints as "–".
    """

    query: str
    by: str
    methods: tuple[str, ...]
    rows: list[dict[str, Any]]
    notes: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.rows)

    def _header(self) -> list[str]:
        return ["#", "id", "title"] + [f"{m} (rank)" for m in self.methods]

    def _cells(self) -> list[list[str]]:
        cells = []
        for i, row in enumerate(self.rows, start=1):
            line = [str(i), row["id"], row["title"]]
            for m in self.methods:
                score = row[m]
                line.append("–" if np.isnan(score) else f"{score:.3f} ({row[f'{m}_rank']})")
            cells.append(line)
        return cells

    def __str__(self) -> str:
        header, cells = self._header(), self._cells()
        widths = [max(len(r[c]) for r in [header, *cells]) for c in range(len(header))]
        lines = [f"Query: {self.query!r}, ordered by {self.by}"]
        lines += [f"Note: {n}" for n in self.notes]
        for r in [header, *cells]:
            lines.append("  ".join(cell.ljust(w) if c < 3 else cell.rjust(w) for c, (cell, w) in enumerate(zip(r, widths))))
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(h)}</th>" for h in self._header())
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in self._cells()
        )
        notes = "".join(f"<p><b>Note:</b> {html.escape(n)}</p>" for n in self.notes)
        caption = f"Query: {html.escape(repr(self.query))}, ordered by {html.escape(self.by)}"
        return f"{notes}<table><caption>{caption}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
