"""helpers.paths: every cache and data folder comes from one lookup, and no other module reads the variables."""

import re
from pathlib import Path

import pytest

import helpers
from helpers import app, datasets, embedding_cache, paths
from helpers.model import onnx_export


def test_cache_folders_follow_argument_environment_and_user_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("RETRIEVAL_CACHE", str(tmp_path / "env"))
    assert paths.cache_dir() == embedding_cache.cache_dir() == app.app_cache_dir() == tmp_path / "env"
    assert paths.cache_dir(sub="onnx") == onnx_export.onnx_cache_dir() == tmp_path / "env" / "onnx"
    assert paths.cache_dir(tmp_path / "arg", sub="onnx") == tmp_path / "arg"
    monkeypatch.setenv("RETRIEVAL_CACHE", "")  # set but empty counts as unset
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert paths.cache_dir() == tmp_path / "xdg" / "retrieval-tutorial" / "embeddings"
    assert onnx_export.onnx_cache_dir() == tmp_path / "xdg" / "retrieval-tutorial" / "onnx"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert paths.user_cache_dir("x") == Path.home() / ".cache" / "retrieval-tutorial" / "x"


def test_data_folder_follows_its_own_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("RETRIEVAL_DATA", "~/corpora")
    assert datasets.download_dir() == Path.home() / "corpora"
    monkeypatch.delenv("RETRIEVAL_DATA")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert datasets.download_dir() == tmp_path / "retrieval-tutorial" / "datasets"


@pytest.mark.parametrize(
    ("pattern", "home"), [(r"XDG_CACHE_HOME", "paths.py"), (r"environ\.get\(.*OFFLINE|OFFLINE.*environ\.get", "loading.py")]
)
def test_each_variable_is_read_in_one_module(pattern, home):
    package = Path(helpers.__file__).parent
    readers = sorted(str(p.relative_to(package)) for p in package.rglob("*.py") if re.search(pattern, p.read_text()))
    assert readers == [home]
