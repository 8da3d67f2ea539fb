#!/usr/bin/env bash
# Build an offline wheelhouse for a workshop room, then prove it: a fresh venv installs the
# tutorial from that folder alone (pip --no-index) and loads the bundled models.
#
#   scripts/wheelhouse.sh [FOLDER]            # default folder: wheelhouse/
#   EXTRAS='[test]' scripts/wheelhouse.sh     # also the test tools, for a teacher's `make test`
#   PIP_DOWNLOAD_ARGS='--extra-index-url https://download.pytorch.org/whl/cpu' scripts/wheelhouse.sh
#
# torch must be the CPU build: pip reading only the public index picks a CUDA build on Linux
# (several GB). Give pip an index or folder that holds torch==2.13.0+cpu (PIP_DOWNLOAD_ARGS, or
# pip's own find-links configuration); the check at the end fails if a CUDA build slipped in.
# Learners then run, in their checkout of the repository:
#   python -m venv .venv && .venv/bin/pip install --no-index --find-links FOLDER -e .
set -euo pipefail
cd "$(dirname "$0")/.."
WH=$(mkdir -p "${1:-wheelhouse}" && cd "${1:-wheelhouse}" && pwd)
PYTHON=${PYTHON:-python3}
EXTRAS=${EXTRAS:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# pip warns once per package about index folders in some machine-wide pip settings: noise here.
quiet() { "$@" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2); }

start=$(date +%s)
# 1. Every pinned wheel of the tree, plus what an editable install needs to build (setuptools).
quiet "$PYTHON" -m pip download --quiet --dest "$WH" -c constraints.txt ${PIP_DOWNLOAD_ARGS:-} \
    ".$EXTRAS" "setuptools>=69" wheel
# 2. The helpers package itself, as a wheel (for a room that installs without the repository).
quiet "$PYTHON" -m pip wheel --quiet --no-deps --wheel-dir "$WH" .
built=$(date +%s)

# 3. The proof: a fresh venv, no index, no pip configuration, only the folder.
"$PYTHON" -m venv "$tmp/fresh"
env -u PIP_FIND_LINKS -u PIP_EXTRA_INDEX_URL -u PIP_INDEX_URL -u PIP_CONSTRAINT PIP_CONFIG_FILE=/dev/null \
    "$tmp/fresh/bin/pip" install --quiet --no-index --find-links "$WH" -e ".$EXTRAS"
installed=$(date +%s)
HF_HUB_OFFLINE=1 "$tmp/fresh/bin/python" - <<'PY'
import torch
assert torch.__version__ == "2.13.0+cpu", f"torch {torch.__version__} is not the pinned CPU build"
from helpers.model.dense import DefaultEmbeddingFunction
from helpers.model.multilingual import UniversalSentenceEncoderEmbeddingFunction
from helpers.model.sparse import build_default_analyzer
print("dense dim", DefaultEmbeddingFunction().dim, "| multilingual dim",
      UniversalSentenceEncoderEmbeddingFunction().dim, "| ja tokens", build_default_analyzer("ja")("密な埋め込み"))
PY
echo "wheelhouse: $WH, $(ls "$WH" | wc -l) files, $(du -sh "$WH" | cut -f1)"
echo "download + build: $((built - start)) s; offline install into a fresh venv: $((installed - built)) s"
