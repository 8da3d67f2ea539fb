"""The ONNX Runtime encoder against plain sentence-transformers, its export and cache, and its torch-free encoding."""

import ast
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from helpers.loading import ModelNotAvailable, resolve_model
from helpers.model import onnx_encoder, onnx_export
from helpers.model.onnx_encoder import OnnxSentenceEncoder, onnx_sentence_encoder
from helpers.model.onnx_export import exported_model_path, onnx_cache_dir

TEXTS = [
    "Artificial intelligence was founded as an academic discipline in 1956.",
    "Born in Maida Vale, London, Turing was raised in southern England.",
    "0-dimensional biomaterials show inductive properties.",
    "  Leading and trailing spaces, UPPER case, accents: café, naïve, 東京.  ",
    "x",
    "",
    # longer than max_seq_length (256 tokens): truncated the same way as sentence-transformers
    " ".join(["Microstructural development of human newborn cerebral white matter assessed in vivo."] * 40),
]


@pytest.fixture(scope="module")
def encoder(onnx_minilm):
    return onnx_minilm


@pytest.fixture(scope="module")
def scifact_texts():
    from helpers.datasets import DatasetNotAvailable, load_beir

    try:
        documents = load_beir("scifact", "test", download=False).documents
    except DatasetNotAvailable:
        pytest.skip("SciFact is not on disk")
    picked = np.random.default_rng(7).choice(len(documents), size=48, replace=False)
    return [documents[i] for i in picked]


def test_sentence_embeddings_equal_sentence_transformers(encoder, minilm):
    ours = encoder.encode(TEXTS, batch_size=3)
    reference = minilm.encode(TEXTS, batch_size=3)
    assert ours.dtype == np.float32 and ours.shape == (len(TEXTS), 384)
    np.testing.assert_allclose(ours, reference, atol=2e-5)
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-6)  # the model's Normalize module


def test_single_text_and_batch_size_do_not_change_results(encoder):
    whole = encoder.encode(TEXTS, batch_size=32)
    one = encoder.encode(TEXTS[1])
    assert one.shape == (384,)
    np.testing.assert_allclose(one, whole[1], atol=1e-5)
    np.testing.assert_allclose(encoder.encode(TEXTS, batch_size=1), whole, atol=1e-5)
    assert encoder.encode([]).shape == (0, 384)


def test_token_embeddings_equal_sentence_transformers(encoder, minilm):
    ours = encoder.encode(TEXTS, output_value="token_embeddings")
    reference = minilm.encode(TEXTS, output_value="token_embeddings")
    for mine, theirs in zip(ours, reference):
        assert mine.shape == tuple(theirs.shape)  # real tokens only, [CLS] and [SEP] included
        np.testing.assert_allclose(mine, theirs.numpy(), atol=2e-5)
    assert len(ours[-1]) == encoder.max_seq_length == minilm.max_seq_length == 256


def test_output_none_gives_both_from_one_pass(encoder):
    both = encoder.encode(TEXTS[:3], output_value=None)
    np.testing.assert_allclose(np.stack([b["sentence_embedding"] for b in both]), encoder.encode(TEXTS[:3]), atol=1e-6)
    tokens = encoder.encode(TEXTS[:3], output_value="token_embeddings")
    for b, t in zip(both, tokens):
        np.testing.assert_array_equal(b["token_embeddings"], t)
        assert b["attention_mask"].sum() == len(b["input_ids"]) == len(t)
    assert encoder.tokenizer.decode(both[0]["input_ids"].tolist()) == TEXTS[0].lower()


def test_cosine_to_float32_on_scifact_documents(encoder, minilm, scifact_texts):
    cosine = (encoder.encode(scifact_texts) * minilm.encode(scifact_texts, normalize_embeddings=True)).sum(axis=1)
    assert cosine.min() >= 0.99999


def test_int8_stays_close_to_float32_on_scifact_documents(minilm, scifact_texts):
    int8 = onnx_sentence_encoder("all-MiniLM-L6-v2", precision="int8")
    cosine = (int8.encode(scifact_texts) * minilm.encode(scifact_texts, normalize_embeddings=True)).sum(axis=1)
    assert int8.onnx_path != onnx_sentence_encoder("all-MiniLM-L6-v2").onnx_path
    assert cosine.min() >= 0.995 and cosine.mean() >= 0.998


def test_sentence_transformers_like_surface(encoder, minilm):
    assert encoder.get_embedding_dimension() == minilm.get_embedding_dimension() == 384
    assert encoder.tokenizer.encode("Where was Turing born?").tokens[1:-1] == minilm.tokenizer.tokenize("Where was Turing born?")
    assert "precision='float32'" in repr(encoder) and "dim=384" in repr(encoder)


def test_max_seq_length_can_be_lowered(minilm):
    encoder = OnnxSentenceEncoder(resolve_model("all-MiniLM-L6-v2"))
    encoder.max_seq_length = 16
    assert len(encoder.encode(TEXTS[-1], output_value="token_embeddings")) == 16


def test_loaded_once_per_process(encoder):
    assert onnx_sentence_encoder("all-MiniLM-L6-v2") is encoder
    assert onnx_sentence_encoder(resolve_model("all-MiniLM-L6-v2")) is encoder


def test_bad_arguments_name_the_fix(encoder):
    with pytest.raises(ValueError, match="ONNX precision must be one of 'float32', 'int8'"):
        onnx_sentence_encoder("all-MiniLM-L6-v2", precision="bfloat16")
    with pytest.raises(ValueError, match="output_value must be"):
        encoder.encode(TEXTS, output_value="cls")
    with pytest.raises(ValueError, match="batch_size must be at least 1"):
        encoder.encode(TEXTS, batch_size=0)
    with pytest.raises(TypeError, match="list of strings"):
        encoder.encode([1, 2])


def test_missing_model_raises_model_not_available():
    with pytest.raises(ModelNotAvailable, match="not available offline"):
        onnx_sentence_encoder("no-such-org/no-such-model")


def test_unsupported_modules_and_pooling_are_refused(tmp_path):
    model = tmp_path / "model"
    shutil.copytree(resolve_model("all-MiniLM-L6-v2"), model)
    modules = json.loads((model / "modules.json").read_text())
    (model / "modules.json").write_text(json.dumps(modules + [{"idx": 3, "name": "3", "path": "3_Dense", "type": "sentence_transformers.models.Dense"}]))
    with pytest.raises(ValueError, match="also has Dense: use backend='torch'"):
        OnnxSentenceEncoder(model, cache_folder=tmp_path / "onnx")
    (model / "modules.json").write_text(json.dumps(modules))
    (model / "tokenizer.json").rename(model / "tokenizer.json.bak")
    with pytest.raises(ValueError, match="no tokenizer.json"):
        OnnxSentenceEncoder(model, cache_folder=tmp_path / "onnx")
    (model / "tokenizer.json.bak").rename(model / "tokenizer.json")
    (model / "1_Pooling" / "config.json").write_text(json.dumps({"pooling_mode_max_tokens": True}))
    with pytest.raises(ValueError, match="mean or CLS pooling only"):
        OnnxSentenceEncoder(model, cache_folder=tmp_path / "onnx")


def test_cache_key_follows_model_files_precision_and_versions(tmp_path, monkeypatch):
    model = tmp_path / "all-MiniLM-L6-v2"
    shutil.copytree(resolve_model("all-MiniLM-L6-v2"), model)
    first = exported_model_path(model, "float32", tmp_path)
    assert first == exported_model_path(model, "float32", tmp_path)  # deterministic
    assert first.name.startswith("all-MiniLM-L6-v2-float32-") and first.parent == tmp_path
    assert exported_model_path(model, "int8", tmp_path) != first
    config = json.loads((model / "config.json").read_text())
    (model / "config.json").write_text(json.dumps(config | {"layer_norm_eps": 1e-6}))
    changed = exported_model_path(model, "float32", tmp_path)
    assert changed != first
    real_version = onnx_export._version
    monkeypatch.setattr(onnx_export, "_version", lambda p: "0.0" if p == "onnxruntime" else real_version(p))
    assert exported_model_path(model, "float32", tmp_path) != changed


def test_cache_folder_follows_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("RETRIEVAL_CACHE", str(tmp_path))
    assert onnx_cache_dir() == tmp_path / "onnx"
    assert onnx_cache_dir(tmp_path / "x") == tmp_path / "x"
    monkeypatch.delenv("RETRIEVAL_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert onnx_cache_dir() == tmp_path / "xdg" / "retrieval-tutorial" / "onnx"


def test_failed_export_leaves_old_file_and_no_debris(tmp_path, monkeypatch, minilm):
    import torch

    destination = tmp_path / "model.onnx"
    destination.write_bytes(b"previous export")

    def broken_export(*args, **kwargs):
        open(args[2], "wb").write(b"half a file")  # what an interrupted exporter leaves behind
        raise RuntimeError("interrupted")

    monkeypatch.setattr(torch.onnx, "export", broken_export)
    with pytest.raises(RuntimeError, match="interrupted"):
        onnx_export.export_onnx(resolve_model("all-MiniLM-L6-v2"), destination)
    assert destination.read_bytes() == b"previous export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.onnx"]


def test_export_without_onnx_package_names_the_install(tmp_path, monkeypatch):
    real_find_spec = onnx_export.importlib.util.find_spec
    monkeypatch.setattr(onnx_export.importlib.util, "find_spec", lambda n: None if n == "onnx" else real_find_spec(n))
    with pytest.raises(ModuleNotFoundError, match="pip install onnx=="):
        onnx_export.export_onnx(resolve_model("all-MiniLM-L6-v2"), tmp_path / "m.onnx")


_EXPORT_ONLY = {"torch", "transformers", "sentence_transformers", "onnx"}


def _imported_modules(module) -> set[str]:
    """Top-level names of every module that ``module``'s source imports, in any function too."""
    tree = ast.parse(Path(module.__file__).read_text())
    names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    names |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    return {name.split(".")[0] for name in names}


def test_the_runtime_module_never_imports_the_export_packages():
    # The export (torch, transformers, onnx) lives in onnx_export and imports them only inside export_onnx.
    assert not _imported_modules(onnx_encoder) & _EXPORT_ONLY
    assert {"torch", "transformers", "onnx"} <= _imported_modules(onnx_export)
    assert onnx_encoder.export_onnx is onnx_export.export_onnx  # the runtime exports a missing model through it


def test_encoding_never_imports_torch(encoder, tmp_path, run_python):
    # The export above is cached; a fresh process must load and encode with neither torch nor transformers' models,
    # although the runtime imports the export module (for the file's name, and to export a missing model).
    script = (
        "import sys\n"
        "from helpers.model.dense import SentenceTransformerEmbeddingFunction\n"
        "assert 'helpers.model.onnx_export' in sys.modules\n"
        "ef = SentenceTransformerEmbeddingFunction(backend='onnx')\n"
        "v = ef.encode_queries(['Where was Turing born?'])[0]\n"
        "t = ef.model.encode(['a b c'], output_value='token_embeddings')[0]\n"
        "assert v.shape == (384,) and t.shape == (5, 384), (v.shape, t.shape)\n"
        "print(sorted(m for m in ('torch', 'sentence_transformers', 'transformers', 'onnx') if m in sys.modules))\n"
    )
    env = os.environ | {"HF_HUB_OFFLINE": "1"}
    result = run_python(script, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_int8_quantizes_only_the_feed_forward_up_projections(onnx_minilm):
    import onnx

    graph = onnx.load(str(onnx_sentence_encoder("all-MiniLM-L6-v2", precision="int8").onnx_path)).graph
    ops = [n.op_type for n in graph.node]
    quantized = [op for op in ops if op in ("DynamicQuantizeMatMul", "MatMulInteger")]
    assert len(quantized) == 6  # one per layer of all-MiniLM-L6-v2
    assert ops.count("Attention") == 6 and "QAttention" not in ops  # attention stays float32, fused


def _copy_export(good):
    """Stands in for export_onnx (which takes torch ~20 s): copies the session's good export."""

    def export(model_dir, destination, precision="float32"):
        destination = Path(destination)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(good, destination)
        return destination

    return export


def test_a_damaged_export_is_named_and_exported_again(encoder, tmp_path, monkeypatch):
    from helpers.embedding_cache import CacheWarning

    monkeypatch.setattr(onnx_encoder, "export_onnx", _copy_export(encoder.onnx_path))
    path = exported_model_path(encoder.model_dir, "float32", tmp_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(encoder.onnx_path.read_bytes()[:5000])  # a copy cut short
    with pytest.warns(CacheWarning, match=f"exported model {path} is damaged"):
        healed = OnnxSentenceEncoder(encoder.model_dir, cache_folder=tmp_path)
    np.testing.assert_array_equal(healed.encode(TEXTS[:2]), encoder.encode(TEXTS[:2]))
    assert path.read_bytes() == encoder.onnx_path.read_bytes()


def test_a_read_only_export_folder_falls_back_to_a_temporary_one(encoder, tmp_path, monkeypatch):
    from helpers.embedding_cache import CacheWarning

    good = _copy_export(encoder.onnx_path)

    def read_only_export(model_dir, destination, precision="float32"):
        if Path(destination).parent == tmp_path:
            raise PermissionError(13, "Permission denied", str(destination))
        return good(model_dir, destination, precision)

    monkeypatch.setattr(onnx_encoder, "export_onnx", read_only_export)
    with pytest.warns(CacheWarning, match=f"cannot write the exported model to {tmp_path}.*this process only"):
        fallback = OnnxSentenceEncoder(encoder.model_dir, cache_folder=tmp_path)
    assert fallback.onnx_path.parent != tmp_path
    np.testing.assert_array_equal(fallback.encode(TEXTS[:1]), encoder.encode(TEXTS[:1]))
