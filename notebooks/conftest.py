"""Skip the notebooks that need a benchmark dataset when it is absent and cannot be downloaded."""

from pathlib import Path

import pytest

# notebook path (relative to this folder) -> BEIR dataset it evaluates on
NEEDS_DATA = {
    "06_evaluate_on_scifact.ipynb": "scifact",
    "08_japanese_track.ipynb": "jsquad_valid",
    "solutions/08_japanese_track.ipynb": "jsquad_valid",
}
HERE = Path(__file__).parent


def _name(item) -> str:
    return item.path.relative_to(HERE).as_posix() if item.path.is_relative_to(HERE) else item.path.name


def pytest_collection_modifyitems(config, items):
    from helpers.datasets import DatasetNotAvailable, find_dataset

    missing = {}
    for name, dataset in NEEDS_DATA.items():
        if not any(_name(item) == name for item in items):
            continue
        try:
            find_dataset(dataset)  # downloads SciFact when online and allowed
        except DatasetNotAvailable as exc:
            missing[name] = pytest.mark.skip(reason=f"{name} needs the {dataset} data. {exc}")
    for item in items:
        if _name(item) in missing:
            item.add_marker(missing[_name(item)])
