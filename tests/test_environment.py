"""environment.yml, pyproject.toml and the setup checker agree."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _name(spec: str) -> str:
    return re.split(r"[=<>!~ ;\[]", spec.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pins(specs) -> dict[str, str]:
    return {_name(s): re.split(r"==?", s.split("#")[0].strip(), maxsplit=1)[1].strip() for s in specs}


def _environment_yml() -> dict[str, str]:
    # A plain parse of the two lists keeps this test free of a YAML dependency.
    specs = []
    for line in (ROOT / "environment.yml").read_text().splitlines():
        item = re.match(r"^\s+-\s+([A-Za-z][^#]*?)\s*(#.*)?$", line)
        if item and "=" in item.group(1) and item.group(1) != "-e .":
            specs.append(item.group(1))
    return _pins(specs)


def _pyproject() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return _pins(project["dependencies"])


def test_environment_yml_names_the_same_packages_and_versions_as_pyproject():
    env, project = _environment_yml(), _pyproject()
    env.pop("python", None)
    assert env == project


def test_every_direct_dependency_is_pinned_in_constraints():
    constraints = _pins(
        line for line in (ROOT / "constraints.txt").read_text().splitlines() if line and not line.startswith("#")
    )
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    direct = _pins(project["dependencies"] + project["optional-dependencies"]["test"])
    mismatched = {name: (v, constraints.get(name)) for name, v in direct.items() if constraints.get(name) != v}
    assert not mismatched, f"pyproject pin != constraints.txt pin: {mismatched}"


def test_setup_checker_reports_ok_lines_and_the_offline_model():
    out = subprocess.run([sys.executable, "-m", "helpers.check"], capture_output=True, text=True, timeout=300)
    lines = out.stdout.splitlines()
    assert out.returncode == 0, out.stdout + out.stderr
    assert any(line.startswith("[OK] sentence-transformers 6.2.0") for line in lines)
    assert any("all-MiniLM-L6-v2 loads offline" in line for line in lines)
    assert not any(line.startswith("[FAIL]") for line in lines)
