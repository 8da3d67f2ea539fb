"""Shared fixtures: the bundled model is loaded once per test session."""

import os

import pytest
from hypothesis import settings

# Property tests draw the same examples on every run: a red CI build can be reproduced.
settings.register_profile("reproducible", derandomize=True)
settings.load_profile("reproducible")

# Tests never reach a model hub: a fresh machine or a workshop has no network.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TQDM_DISABLE", "1")


@pytest.fixture(scope="session")
def minilm():
    """The cached all-MiniLM-L6-v2 SentenceTransformer, as helpers loads it."""
    from helpers.loading import sentence_transformer

    return sentence_transformer("all-MiniLM-L6-v2")


BLOG_DOCS = [
    "Artificial intelligence was founded as an academic discipline in 1956.",
    "Alan Turing was the first person to conduct substantial research in AI.",
    "Born in Maida Vale, London, Turing was raised in southern England.",
]


@pytest.fixture
def blog_docs():
    """The three documents of the pymilvus blog's examples."""
    return list(BLOG_DOCS)
