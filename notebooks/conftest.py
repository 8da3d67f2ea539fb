"""Skip the notebooks that need a benchmark dataset when it is absent and cannot be downloaded."""

import pytest

# notebook file name -> BEIR dataset it evaluates on
NEEDS_DATA = {"06_evaluate_on_scifact.ipynb": "scifact"}


def pytest_collection_modifyitems(config, items):
    from helpers.datasets import DatasetNotAvailable, find_dataset

    missing = {}
    for name, dataset in NEEDS_DATA.items():
        if not any(item.path.name == name for item in items):
            continue
        try:
            find_dataset(dataset)  # downloads SciFact when online and allowed
        except DatasetNotAvailable as exc:
            missing[name] = pytest.mark.skip(reason=f"{name} needs the {dataset} data. {exc}")
    for item in items:
        if item.path.name in missing:
            item.add_marker(missing[item.path.name])
