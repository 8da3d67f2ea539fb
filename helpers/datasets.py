"""Load retrieval test collections in BEIR's layout (SciFact and friends), offline first.

A dataset is a folder holding

- ``corpus.jsonl`` or ``corpus.jsonl.gz``: one ``{"_id" or "id", "title", "text"}`` per line;
- ``queries.jsonl``: one ``{"_id" or "id", "text"}`` per line (``queries_train.jsonl`` may hold
  the train split's queries);
- judgements, ``query-id<TAB>corpus-id<TAB>score`` with a header line: ``qrels.tsv`` (test)
  and ``qrels_train.tsv``, or BEIR's own ``qrels/test.tsv`` and ``qrels/train.tsv``.

A record may carry fields beyond these (BEIR's ``metadata``, the demo corpus's ``designed_for``):
they are kept, by id, in :attr:`BeirDataset.doc_fields` and :attr:`BeirDataset.query_fields`.
So a new dataset is a folder: the tutorial's own collections (``data/demo_corpus``, the
blog's examples in ``data/blog``) are read by this same loader, with ``strict=True``.

Where the folder is looked up, in order:

1. ``$RETRIEVAL_DATA/<name>`` when the ``RETRIEVAL_DATA`` environment variable is set;
2. ``../shared/datasets/<name>`` beside the repository checkout, when present;
3. ``<user cache>/retrieval-tutorial/datasets/<name>``, where downloads go;
4. ``data/<name>`` in the repository: the collections the tutorial ships.

When none holds it and the machine is online, SciFact is downloaded from BEIR's public archive
(2.8 MB, checked against BEIR's published MD5) into ``$RETRIEVAL_DATA`` or the user cache,
never into the repository. Offline (``HF_HUB_OFFLINE=1`` or ``HF_DATASETS_OFFLINE=1``, or no
network), :class:`DatasetNotAvailable` says exactly what to do.

Examples
--------
>>> from helpers.datasets import load_beir
>>> test = load_beir("scifact", split="test")     # doctest: +SKIP
>>> test                                          # doctest: +SKIP
BeirDataset('scifact', split='test': 5183 documents, 300 queries, 339 judgements)
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import os
import shutil
import tempfile
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpers.loading import offline
from helpers.paths import env_dir, user_cache_dir
from helpers.validation import DUPLICATES, keep_unique

__all__ = ["BeirDataset", "DatasetNotAvailable", "load_beir", "find_dataset", "download_dir", "install_archive", "jsonl_records", "DATA_ENV"]

DATA_ENV = "RETRIEVAL_DATA"
_REPO_ROOT = Path(__file__).resolve().parents[1]
_SHARED = _REPO_ROOT.parent / "shared" / "datasets"
_PROJECT_DATA = _REPO_ROOT / "data"
_BASIC_FIELDS = frozenset({"_id", "id", "title", "text"})
_BEIR_URL = "https://public.ukp.informatik.tu-darmstadt.de/thakur/BEIR/datasets/{name}.zip"
# MD5s published in BEIR's README, so a truncated or tampered download is never used.
_BEIR_MD5 = {"scifact": "5f7d1de60b170fc8027bb7898e2efca1"}


class DatasetNotAvailable(RuntimeError):
    """The dataset is neither on disk nor downloadable; the message says how to get it."""


@dataclass(frozen=True, repr=False)
class BeirDataset:
    """One split of a BEIR-format collection: the whole corpus, the split's queries and judgements.

    Attributes
    ----------
    name : str
        Folder name, e.g. ``"scifact"``.
    split : str
        ``"test"`` or ``"train"``.
    path : Path
        The folder it was read from.
    doc_ids, titles, texts : list of str
        The corpus, in file order.
    queries : dict of str to str
        ``{query_id: text}`` for every query with judgements in this split, in file order.
    qrels : dict
        ``{query_id: {doc_id: relevance}}``, the shape :mod:`helpers.metrics` takes.
    doc_fields, query_fields : dict of str to dict
        ``{id: {field: value}}``: each record's fields beyond id, title and text, e.g. the demo
        corpus's ``designed_for`` of a query; records with no other field are left out.
    """

    name: str
    split: str
    path: Path
    doc_ids: list[str]
    titles: list[str]
    texts: list[str]
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]
    doc_fields: dict[str, dict[str, Any]] = field(default_factory=dict)
    query_fields: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def documents(self) -> list[str]:
        """Text to retrieve: ``title + " " + text``, as BEIR and MTEB build it."""
        return [f"{title} {text}".strip() for title, text in zip(self.titles, self.texts)]

    @property
    def query_ids(self) -> list[str]:
        """Ids of the split's queries."""
        return list(self.queries)

    @property
    def query_texts(self) -> list[str]:
        """Texts of the split's queries, aligned with :attr:`query_ids`."""
        return list(self.queries.values())

    def __len__(self) -> int:
        return len(self.doc_ids)

    def __repr__(self) -> str:
        judgements = sum(len(docs) for docs in self.qrels.values())
        return (
            f"BeirDataset({self.name!r}, split={self.split!r}: {len(self.doc_ids)} documents, "
            f"{len(self.queries)} queries, {judgements} judgements)"
        )


def download_dir() -> Path:
    """Where downloads go: ``$RETRIEVAL_DATA`` when set, else ``<user cache>/retrieval-tutorial/datasets``."""
    return env_dir(DATA_ENV, user_cache_dir("datasets"))


def _candidates(name: str) -> list[Path]:
    folders = [download_dir() / name, _PROJECT_DATA / name]
    if not os.environ.get(DATA_ENV):  # an explicit setting wins over guesses
        folders.insert(0, _SHARED / name)
    return folders


def _is_dataset(folder: Path) -> bool:
    return folder.is_dir() and any((folder / f).is_file() for f in ("corpus.jsonl", "corpus.jsonl.gz"))


def _how_to_get(name: str, looked: list[Path], reason: str) -> str:
    url = _BEIR_URL.format(name=name)
    where = ", ".join(str(p) for p in looked)
    return (
        f"Dataset {name!r} was not found (looked in {where}) and {reason}. Fix: either set {DATA_ENV} to a "
        f"folder that holds {name}/ in BEIR layout (export {DATA_ENV}=/path/to/datasets), or download "
        f"{url} and unzip it into {download_dir()}, or run once online (with HF_HUB_OFFLINE unset) so it is "
        "downloaded for you."
    )


def find_dataset(name: str = "scifact", download: bool = True) -> Path:
    """Return the folder of dataset ``name``, downloading it when allowed and possible.

    Parameters
    ----------
    name : str
        Folder name of the dataset (``"scifact"``, ``"jsquad_valid"``, ...).
    download : bool
        Fetch SciFact from BEIR's public archive when it is not on disk and the machine is online.

    Returns
    -------
    Path
        A folder with ``corpus.jsonl`` or ``corpus.jsonl.gz``.

    Raises
    ------
    DatasetNotAvailable
        If it is not on disk and cannot be downloaded; the message says what to do.
    """
    looked = _candidates(name)
    for folder in looked:
        if _is_dataset(folder):
            return folder
    if name not in _BEIR_MD5:
        raise DatasetNotAvailable(_how_to_get(name, looked, "only SciFact is downloaded automatically"))
    if not download:
        raise DatasetNotAvailable(_how_to_get(name, looked, "download=False"))
    if offline("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE"):
        raise DatasetNotAvailable(_how_to_get(name, looked, "HF_HUB_OFFLINE/HF_DATASETS_OFFLINE forbid downloads"))
    try:
        return _download_beir(name, download_dir())
    except OSError as exc:  # requests' errors are OSErrors too: no network, DNS, timeouts
        raise DatasetNotAvailable(_how_to_get(name, looked, f"the download failed ({exc})")) from exc


def _download_beir(name: str, dest: Path) -> Path:
    import requests

    from helpers.progress import progress_bar

    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest, prefix=f".{name}-download-") as tmp:
        archive = Path(tmp) / f"{name}.zip"
        with requests.get(_BEIR_URL.format(name=name), stream=True, timeout=(10, 60)) as response:
            response.raise_for_status()
            total = int(response.headers.get("content-length", 0)) or None
            with open(archive, "wb") as f, progress_bar(
                total=total, unit="B", unit_scale=True, desc=f"{name}.zip"
            ) as bar:
                for chunk in response.iter_content(chunk_size=1 << 16):
                    f.write(chunk)
                    bar.update(len(chunk))
        return install_archive(archive, name, dest, _BEIR_MD5[name])


def install_archive(archive: Path, name: str, dest: Path, md5: str) -> Path:
    """Check a BEIR zip archive's MD5, unpack it and move ``<name>/`` into ``dest`` in one step.

    Parameters
    ----------
    archive : Path
        The downloaded ``<name>.zip``.
    name : str
        Dataset folder inside the archive.
    dest : Path
        Folder to create ``dest / name`` in.
    md5 : str
        Expected MD5 of the archive.

    Returns
    -------
    Path
        ``dest / name``.
    """
    digest = hashlib.md5(Path(archive).read_bytes()).hexdigest()
    if digest != md5:
        raise DatasetNotAvailable(
            f"{archive} has MD5 {digest}, expected {md5}: the download is incomplete or altered; delete it and retry"
        )
    target = dest / name
    with tempfile.TemporaryDirectory(dir=dest, prefix=f".{name}-unpack-") as tmp:
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(tmp)  # zipfile drops absolute paths and ".." components
        unpacked = Path(tmp) / name
        if not _is_dataset(unpacked):
            raise DatasetNotAvailable(f"{archive} holds no {name}/corpus.jsonl; delete it and download again")
        if target.exists():  # another process finished first; keep its copy
            shutil.rmtree(unpacked)
        else:
            os.replace(unpacked, target)
    return target


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    """``(line number, text)`` of a UTF-8 file (gzipped when it ends in .gz), a leading BOM dropped.

    Undecodable bytes and a truncated gzip stream become ValueErrors naming the file and the line.
    """
    opener = gzip.open if path.suffix == ".gz" else open
    number = 0
    try:
        with opener(path, "rb") as f:
            for number, raw in enumerate(f, start=1):
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise ValueError(
                        f"{path}, line {number}: not UTF-8 (byte {raw[exc.start]:#04x} at column {exc.start + 1}); "
                        "re-save the file as UTF-8"
                    ) from None
                yield number, line.removeprefix("\ufeff") if number == 1 else line
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise ValueError(
            f"{path}: the compressed file is truncated or damaged after line {number} ({exc}); copy or download it again"
        ) from None


def jsonl_records(path: Path) -> Iterator[tuple[int, dict]]:
    """``(line number, object)`` of each non-blank line of a JSON-lines file (``.gz`` too).

    The one JSON-lines reader of the loaders: the file must be UTF-8 (a BOM is dropped), every
    line a JSON object; otherwise a ValueError names the file, the line and the fix.
    """
    for number, line in _lines(path):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}, line {number}: not valid JSON ({exc.msg}); fix or delete the line") from None
        if not isinstance(record, dict):
            raise ValueError(f"{path}, line {number}: expected a JSON object {{\"_id\": ..., \"text\": ...}}, got {line.strip()[:60]}")
        yield number, record


def _read_jsonl(path: Path, strict: bool = False) -> Iterator[tuple[int, dict]]:
    """``(line number, record)`` of each BEIR record; every record needs an id and a ``text`` string
    (non-empty when ``strict``)."""
    for number, record in jsonl_records(path):
        if "_id" not in record and "id" not in record:
            raise ValueError(f"{path}, line {number}: a record needs an '_id' or 'id' field; add one")
        if not isinstance(record.get("text"), str):
            raise ValueError(f"{path}, line {number}: a record needs a 'text' string field; add one (it may be \"\")")
        if strict and not record["text"].strip():
            raise ValueError(f"{path}, line {number}: 'text' is empty; write the text, or delete the line")
        if not isinstance(record.get("title", ""), str):
            raise ValueError(f"{path}, line {number}: 'title' must be a string; fix it or leave it out")
        yield number, record


def _record_id(record: dict) -> str:
    return str(record["_id"] if "_id" in record else record["id"])


def _unique_records(path: Path, duplicates: str, strict: bool = False) -> list[dict]:
    """The records of ``path`` with one per id, as the ``duplicates`` policy of :func:`load_beir` says."""
    numbered = list(_read_jsonl(path, strict))
    keep = keep_unique(
        [_record_id(r) for _, r in numbered], duplicates, str(path), labels=[f"line {n}" for n, _ in numbered]
    )
    return [numbered[i][1] for i in keep]


def _other_fields(records: list[dict]) -> dict[str, dict[str, Any]]:
    """``{id: {field: value}}`` of the fields beyond id, title and text, for records that have any."""
    found = {_record_id(r): {k: v for k, v in r.items() if k not in _BASIC_FIELDS} for r in records}
    return {key: fields for key, fields in found.items() if fields}


def _first_file(folder: Path, names: list[str], what: str) -> Path:
    for name in names:
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(f"{folder} has no {what}: expected one of {', '.join(names)}")


def _relevance(path: Path, number: int, text: str) -> int:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not value.is_integer():  # "1.0" is 1; "0.5", "high" and "nan" are not relevance grades
        raise ValueError(
            f"{path}, line {number}: the score must be a whole number such as 0, 1 or 2, got {text!r}; fix the line"
        )
    return int(value)


def _read_qrels(path: Path, duplicates: str) -> tuple[dict[str, dict[str, int]], dict[tuple[str, str], int]]:
    """The judgements, and the line each (query, document) pair was read from."""
    qrels: dict[str, dict[str, int]] = {}
    seen: dict[tuple[str, str], int] = {}
    for number, line in _lines(path):
        fields = line.rstrip("\r\n").split("\t")
        if not line.strip() or (number == 1 and fields[0] == "query-id"):
            continue
        if len(fields) != 3:
            raise ValueError(
                f"{path}, line {number}: expected 'query-id<TAB>corpus-id<TAB>score', got {line.rstrip()!r:.80}; "
                "separate the three fields with tabs"
            )
        pair = (fields[0], fields[1])
        if pair in seen:
            if duplicates == "error":
                raise ValueError(
                    f"{path}, line {number}: query {pair[0]!r} and document {pair[1]!r} were judged on line "
                    f"{seen[pair]} already; delete one, or pass duplicates='first' or 'last' to say which wins"
                )
            if duplicates == "first":
                continue
        seen[pair] = number
        qrels.setdefault(pair[0], {})[pair[1]] = _relevance(path, number, fields[2])
    return qrels, seen


def _drop_unknown_documents(
    qrels: dict[str, dict[str, int]], lines: dict[tuple[str, str], int], doc_ids: set[str], path: Path, strict: bool
) -> dict[str, dict[str, int]]:
    """``qrels`` without judgements of documents missing from the corpus: an error when ``strict``."""
    unknown = sorted(((q, d) for q, docs in qrels.items() for d in docs if d not in doc_ids), key=lines.__getitem__)
    if not unknown:
        return qrels
    if strict:
        query, doc = unknown[0]
        raise ValueError(f"{path}, line {lines[query, doc]}: unknown document id {doc!r}; fix the id or delete the line")
    warnings.warn(f"{len(unknown)} judgements in {path} name documents missing from the corpus; they are dropped")
    return {q: {d: r for d, r in docs.items() if d in doc_ids} for q, docs in qrels.items()}


def _check_queries(
    qrels: dict[str, dict[str, int]], lines: dict[tuple[str, str], int], queries: dict[str, str],
    qrels_path: Path, query_file: Path, strict: bool,
) -> None:  # fmt: skip
    """Every judged query must be in ``query_file``; when ``strict``, every query must be judged too."""
    missing = [pair for pair in lines if pair[0] not in queries]
    if missing:
        query, doc = min(missing, key=lines.__getitem__)
        raise ValueError(
            f"{qrels_path}, line {lines[query, doc]}: unknown query id {query!r}: {len(qrels.keys() - queries.keys())} "
            f"judged queries are missing from {query_file}; fix the id or add the query"
        )
    unjudged = [q for q in queries if q not in qrels]
    if strict and unjudged:
        raise ValueError(
            f"{qrels_path} has no relevant document for queries {unjudged}; judge one for each, "
            f"or delete them from {query_file.name}"
        )


def load_beir(
    name_or_path: str | Path = "scifact",
    split: str = "test",
    download: bool = True,
    duplicates: str = "error",
    strict: bool = False,
) -> BeirDataset:
    """Load one split of a BEIR-format dataset: the corpus, the split's queries and judgements.

    Parameters
    ----------
    name_or_path : str or Path
        A dataset name looked up as described in the module docstring (``"scifact"``), or a folder.
    split : str
        ``"test"`` or ``"train"`` (any split with a ``qrels_<split>.tsv`` or ``qrels/<split>.tsv``).
    download : bool
        Fetch SciFact from BEIR's public archive when it is not on disk and the machine is online.
    duplicates : {"error", "first", "last"}
        A document or query id that appears twice in its file, or a (query, document) pair judged
        twice, is an error; or the first or the last record wins.
    strict : bool
        For a collection written by hand (the demo corpus, the blog's examples): an empty text,
        a judgement of an unknown document, or a query without judgements is an error naming the
        file (and line), instead of a record silently dropped.

    Returns
    -------
    BeirDataset
        Documents in file order; only the queries that have judgements in ``split``.

    Raises
    ------
    DatasetNotAvailable
        If the dataset is not on disk and cannot be downloaded.
    ValueError
        If a file is broken: not UTF-8, a truncated ``.gz``, a line that is not JSON, a record
        without an id or ``text``, a score that is not a whole number, a repeated id, a judgement
        of an unknown query. The message names the file, the line and the fix. (A UTF-8
        byte-order mark is accepted.)

    Examples
    --------
    >>> demo = load_beir("demo_corpus", strict=True)  # data/demo_corpus, shipped with the tutorial
    >>> demo.query_fields["q01"]["designed_for"]
    'bm25'
    """
    if duplicates not in DUPLICATES:
        raise ValueError(f"duplicates must be one of {', '.join(map(repr, DUPLICATES))}, got {duplicates!r}")
    if isinstance(name_or_path, Path) or os.sep in str(name_or_path):
        folder = Path(name_or_path).expanduser()
        if not _is_dataset(folder):
            raise DatasetNotAvailable(f"{folder} is not a BEIR dataset folder: it needs corpus.jsonl or corpus.jsonl.gz")
    else:
        folder = find_dataset(str(name_or_path), download=download)

    qrels_names = [f"qrels_{split}.tsv", f"qrels/{split}.tsv"] + (["qrels.tsv"] if split == "test" else [])
    qrels_path = _first_file(folder, qrels_names, f"judgements for split {split!r}")
    qrels, lines = _read_qrels(qrels_path, duplicates)
    corpus = _unique_records(_first_file(folder, ["corpus.jsonl", "corpus.jsonl.gz"], "corpus"), duplicates, strict)
    doc_ids = [_record_id(r) for r in corpus]
    qrels = _drop_unknown_documents(qrels, lines, set(doc_ids), qrels_path, strict)

    # A split's own query file when there is one, else BEIR's single queries.jsonl holding every split.
    query_file = _first_file(folder, [f"queries_{split}.jsonl", "queries.jsonl"], "queries.jsonl")
    query_records = _unique_records(query_file, duplicates, strict)
    all_queries = {_record_id(r): r["text"] for r in query_records}
    _check_queries(qrels, lines, all_queries, qrels_path, query_file, strict)
    queries = {q: text for q, text in all_queries.items() if q in qrels}

    return BeirDataset(
        name=folder.name,
        split=split,
        path=folder,
        doc_ids=doc_ids,
        titles=[r.get("title", "") for r in corpus],
        texts=[r["text"] for r in corpus],
        queries=queries,
        qrels={q: qrels[q] for q in queries},
        doc_fields=_other_fields(corpus),
        query_fields={q: fields for q, fields in _other_fields(query_records).items() if q in queries},
    )
