"""The blog's three snippets, verbatim but for ``pymilvus`` -> ``helpers``, run twice in a row.

A learner re-runs cells: each snippet must work the second time as it did the first, in the
same folder, and print what the blog printed (to float32 precision).
"""

import contextlib
import io
import json
import re
import sys
from pathlib import Path

import numpy as np
import pytest
import requests

from helpers import blog
from helpers.model.reranker.jinaai import API_URL

sys.path.insert(0, str(Path(__file__).parent))
from test_reranker_jina import FakeJina, jina_answer  # noqa: E402  (the fake Jina API of its own tests)

EXAMPLE_1 = '''
from helpers import model

# This will download "all-MiniLM-L6-v2", a lightweight model.
ef = model.DefaultEmbeddingFunction()

# Data from which embeddings are to be generated
docs = [
   "Artificial intelligence was founded as an academic discipline in 1956.",
   "Alan Turing was the first person to conduct substantial research in AI.",
   "Born in Maida Vale, London, Turing was raised in southern England.",
]

embeddings = ef.encode_documents(docs)

print("Embeddings:", embeddings)
# Print dimension and shape of embeddings
print("Dim:", ef.dim, embeddings[0].shape)
'''

EXAMPLE_2 = '''
from helpers.model.sparse import BM25EmbeddingFunction

# 1. Prepare a small corpus to search
docs = [
   "Artificial intelligence was founded as an academic discipline in 1956.",
   "Alan Turing was the first person to conduct substantial research in AI.",
   "Born in Maida Vale, London, Turing was raised in southern England.",
]
query = "Where was Turing born?"
bm25_ef = BM25EmbeddingFunction()

# 2. Fit the corpus to get BM25 model parameters on your documents.
bm25_ef.fit(docs)

# 3. Store the fitted parameters to expedite future processing.
bm25_ef.save("bm25_params.json")

# 4. Load the saved params
new_bm25_ef = BM25EmbeddingFunction()
new_bm25_ef.load("bm25_params.json")

docs_embeddings = new_bm25_ef.encode_documents(docs)
query_embeddings = new_bm25_ef.encode_queries([query])
print("Dim:", new_bm25_ef.dim, list(docs_embeddings)[0].shape)
'''

EXAMPLE_3 = '''
from helpers.model.reranker import JinaRerankFunction

jina_api_key = "<YOUR_JINA_API_KEY>"

rf = JinaRerankFunction("jina-reranker-v1-base-en", jina_api_key)

query = "What event in 1956 marked the official birth of artificial intelligence as a discipline?"

documents = [
   "In 1950, Alan Turing published his seminal paper, 'Computing Machinery and Intelligence,' proposing the Turing Test as a criterion of intelligence, a foundational concept in the philosophy and development of artificial intelligence.",
   "The Dartmouth Conference in 1956 is considered the birthplace of artificial intelligence as a field; here, John McCarthy and others coined the term 'artificial intelligence' and laid out its basic goals.",
   "In 1951, British mathematician and computer scientist Alan Turing also developed the first program designed to play chess, demonstrating an early example of AI in game strategy.",
   "The invention of the Logic Theorist by Allen Newell, Herbert A. Simon, and Cliff Shaw in 1955 marked the creation of the first true AI program, which was capable of solving logic problems, akin to proving mathematical theorems.",
]

results = rf(query, documents)

for result in results:
   print(f"Index: {result.index}")
   print(f"Score: {result.score:.6f}")
   print(f"Text: {result.text}\\n")
'''


def run_twice(snippet: str) -> list[str]:
    """Run ``snippet`` twice, each time in a fresh namespace; return what each run printed."""
    printed = []
    for _ in range(2):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(snippet, "<blog snippet>", "exec"), {"__name__": "__main__"})
        printed.append(out.getvalue())
    return printed


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_example_1_dense_prints_the_blogs_vectors(minilm, in_tmp):
    for printed in run_twice(EXAMPLE_1):
        numbers = np.array([float(x) for x in re.findall(r"-?\d\.\d+e[-+]\d+", printed)])
        assert numbers.size == 3 * 384
        assert np.allclose(numbers[:12], blog.EMBEDDING_HEAD, atol=1e-6)
        assert np.allclose(numbers[-8:], blog.EMBEDDING_TAIL, atol=1e-6)
        assert printed.rstrip().endswith("Dim: 384 (384,)")


def test_example_2_bm25_saves_over_its_own_file(in_tmp):
    first, second = run_twice(EXAMPLE_2)
    # The blog prints nothing here; a csr_array row has shape (21,) (a csr_matrix row: (1, 21)).
    assert first == second == "Dim: 21 (21,)\n"
    assert [p.name for p in in_tmp.iterdir()] == ["bm25_params.json"]
    assert json.loads((in_tmp / "bm25_params.json").read_text())["corpus_size"] == 3


def test_example_2_still_keeps_a_file_that_is_not_bm25(in_tmp):
    (in_tmp / "bm25_params.json").write_text("my own notes")
    with pytest.raises(FileExistsError, match="not a BM25 parameter file"):
        run_twice(EXAMPLE_2)
    assert (in_tmp / "bm25_params.json").read_text() == "my own notes"


@pytest.fixture
def jina_at_home(monkeypatch):
    """Jina's API played on 127.0.0.1 with the blog's scores: the snippet's own URL is redirected there."""
    server = FakeJina()
    scores = [0.0] * 4
    for index, score in blog.RERANK_RESULTS:
        scores[index] = score
    server.script = [(200, lambda body: jina_answer(body, scores), {})] * 2
    real_post = requests.Session.post

    def post(session, url, **kwargs):
        assert url == API_URL
        return real_post(session, server.url, **kwargs)

    monkeypatch.setattr(requests.Session, "post", post)
    yield server
    server.close()


def test_example_3_rerank_prints_the_blogs_results(jina_at_home, in_tmp):
    for printed in run_twice(EXAMPLE_3):
        found = [(int(i), float(s)) for i, s in re.findall(r"Index: (\d+)\nScore: ([\d.]+)\n", printed)]
        assert [i for i, _ in found] == [i for i, _ in blog.RERANK_RESULTS]
        assert np.allclose([s for _, s in found], [s for _, s in blog.RERANK_RESULTS], atol=1e-6)
        assert re.findall(r"Text: (.*)\n", printed) == [blog.RERANK_DOCUMENTS[i] for i, _ in blog.RERANK_RESULTS]
        assert "<YOUR_JINA_API_KEY>" not in printed
    assert [r["body"]["model"] for r in jina_at_home.requests] == [blog.RERANK_MODEL] * 2


# --- the blog's documents live once, in data/blog ------------------------------------------------


def test_documents_and_queries_are_those_of_the_snippets():
    assert blog.documents(example=1) == blog.documents(example=2) == _list_in(EXAMPLE_1, "docs") == _list_in(EXAMPLE_2, "docs")
    assert blog.documents(example=3) == _list_in(EXAMPLE_3, "documents")
    assert blog.documents() == blog.documents(example=1) + blog.documents(example=3)
    assert blog.queries(example=2) == [re.search(r'query = "(.*)"', EXAMPLE_2).group(1)]
    assert blog.queries(example=3) == [blog.RERANK_QUERY] == [re.search(r'query = "(.*)"', EXAMPLE_3).group(1)]
    assert (blog.DOCS, blog.RERANK_DOCUMENTS) == (tuple(blog.documents(1)), tuple(blog.documents(3)))
    assert blog.load_blog().doc_ids == [f"blog-{i}" for i in range(1, 8)]
    with pytest.raises(ValueError, match="examples 1, 2 and 3"):
        blog.documents(example=4)
    with pytest.raises(AttributeError, match="no attribute 'DOCUMENTS'"):
        blog.DOCUMENTS  # noqa: B018


def _list_in(snippet: str, name: str) -> list[str]:
    """The Python list ``name = [...]`` of a snippet, evaluated."""
    import ast

    tree = ast.parse(snippet)
    (value,) = [n.value for n in tree.body if isinstance(n, ast.Assign) and n.targets[0].id == name]
    return ast.literal_eval(value)
