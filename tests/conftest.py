"""Shared fixtures: the bundled model is loaded once per test session.

The session rules (temporary caches, no hub, the slow tier) live in the repository's top-level
``conftest.py``; a fixture that loads a model or starts a process is listed in its ``SLOW_FIXTURES``.
"""

import subprocess
import sys
import pytest
from hypothesis import settings

from helpers import blog

# Property tests draw the same examples on every run: a red CI build can be reproduced.
settings.register_profile("reproducible", derandomize=True)
settings.load_profile("reproducible")


@pytest.fixture(scope="session")
def onnx_minilm():
    """The ONNX Runtime all-MiniLM-L6-v2 encoder, exported into the session's cache on first use."""
    pytest.importorskip("onnxruntime")
    from helpers.model.onnx_encoder import onnx_sentence_encoder

    return onnx_sentence_encoder("all-MiniLM-L6-v2")


@pytest.fixture
def run_python():
    """Run Python code in a fresh interpreter: ``run_python(code, env=None, timeout=300)``."""

    def run(code: str, env: dict | None = None, timeout: float = 300, check: bool = False):
        return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=timeout, check=check)

    return run


@pytest.fixture(scope="session")
def minilm():
    """The cached all-MiniLM-L6-v2 SentenceTransformer, as helpers loads it."""
    from helpers.loading import sentence_transformer

    return sentence_transformer("all-MiniLM-L6-v2")


@pytest.fixture(scope="session")
def multilingual():
    """The multilingual Universal Sentence Encoder embedding function (bundled weights, numpy only)."""
    from helpers.model.multilingual import UniversalSentenceEncoderEmbeddingFunction

    return UniversalSentenceEncoderEmbeddingFunction()


@pytest.fixture(scope="session")
def splade():
    """Our SpladeEmbeddingFunction on the bundled SPLADE-tiny."""
    from helpers.model.sparse import SpladeEmbeddingFunction

    return SpladeEmbeddingFunction(batch_size=4)


@pytest.fixture(scope="session")
def pymilvus_splade():
    """pymilvus-model's SpladeEmbeddingFunction on the same local model, one text per batch.

    One text per batch, because pymilvus-model takes the maximum over padding positions too
    (a text's vector then depends on its batch mates). Its ``batch_encode_plus`` call is routed
    to the tokenizer's ``__call__``: transformers 5 removed that method.
    """
    from pymilvus.model.sparse import SpladeEmbeddingFunction

    from helpers.loading import bundled_splade_path

    ef = SpladeEmbeddingFunction(str(bundled_splade_path()), batch_size=1, device="cpu")
    ef.model.tokenizer.batch_encode_plus = ef.model.tokenizer.__call__
    return ef


@pytest.fixture
def blog_docs():
    """The three documents of the pymilvus blog's examples 1 and 2 (from ``data/blog``)."""
    return blog.documents(example=1)
