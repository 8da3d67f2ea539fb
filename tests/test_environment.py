"""environment.yml, pyproject.toml and the setup checker agree."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _name(spec: str) -> str:
    return re.split(r"[=<>!~ ;\[]", spec.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pins(specs) -> dict[str, str]:
    return {_name(s): re.split(r"==?", s.split("#")[0].split(";")[0].strip(), maxsplit=1)[1].strip() for s in specs}


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


def test_setup_checker_reports_ok_lines_and_the_offline_model(run_python):
    out = run_python("from helpers.check import main; raise SystemExit(main())")
    lines = out.stdout.splitlines()
    assert out.returncode == 0, out.stdout + out.stderr
    assert any(line.startswith("[OK] sentence-transformers 6.2.0") for line in lines)
    assert any("all-MiniLM-L6-v2 loads offline" in line for line in lines)
    assert not any(line.startswith("[FAIL]") for line in lines)


def _imported_distributions() -> dict[str, set[str]]:
    """Distribution name -> the helpers modules that import it (at the top or inside a function)."""
    import ast
    import sys
    from importlib.metadata import packages_distributions

    owners = packages_distributions()
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / "helpers").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for top in {name.split(".")[0] for name in names} - set(sys.stdlib_module_names) - {"helpers"}:
                for dist in owners.get(top, [f"<no installed package provides {top}>"]):
                    found.setdefault(_name(dist), set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_package_the_code_imports_is_declared():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = set(_pins(project["dependencies"])) | set(_pins(project["optional-dependencies"]["test"]))
    imported = _imported_distributions()
    # pymilvus-model installs a `pymilvus.model` portion into pymilvus's namespace: pymilvus is the import
    undeclared = {dist: sorted(where) for dist, where in imported.items() if dist not in declared and dist != "pymilvus.model"}
    assert not undeclared, f"imported but not declared in pyproject.toml (pin them there and in environment.yml): {undeclared}"
    assert {"numpy", "psutil", "tokenizers", "huggingface-hub"} <= set(imported)  # the scan sees real imports


def test_missing_test_tools_are_optional_not_failures(monkeypatch):
    from importlib import metadata

    from helpers import check

    real_version = metadata.version

    def version(name):
        if name == "pytest":
            raise metadata.PackageNotFoundError(name)
        return "0.0.0" if name == "nbval" else real_version(name)

    monkeypatch.setattr(check.metadata, "version", version)
    optional = dict((line.split()[1].rstrip(":"), (ok, line)) for ok, line in check.check_packages(extras=True))
    assert optional["pytest"] == (True, '[--] pytest: not installed (want 9.2.0; only the tests need it: pip install -e ".[test]")')
    assert optional["nbval"][0] and optional["nbval"][1].startswith("[--] nbval 0.0.0 (want 0.11.0")
    required = check.check_packages()
    assert all(ok for ok, _ in required) and not any("pytest" in line for _, line in required)


_WINDOWS = {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt", "extra": ""}
_LINUX = {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix", "extra": ""}


def test_only_milvus_lite_is_skipped_on_windows():
    from packaging.requirements import Requirement

    requirements = [Requirement(r) for r in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]]
    assert {r.name for r in requirements if r.marker and not r.marker.evaluate(_WINDOWS)} == {"milvus-lite"}
    assert all(r.marker is None or r.marker.evaluate(_LINUX) for r in requirements)


def test_setup_checker_does_not_ask_for_milvus_lite_on_windows():
    from helpers import check

    assert "milvus-lite" in dict(check.requirements())  # this Linux machine
    windows = dict(check.requirements(environment={"sys_platform": "win32"}))
    assert "milvus-lite" not in windows and "pymilvus" in windows


def test_requires_python_admits_only_versions_the_project_runs_on():
    # tomllib (these tests) and numpy 2.4 / scipy 1.17 (the pins) need Python 3.11.
    spec = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    minimum = tuple(int(part) for part in re.fullmatch(r">=\s*(\d+)\.(\d+)", spec.strip()).groups())
    assert minimum >= (3, 11), f"requires-python = {spec!r} admits Python versions the pins do not support"
    assert "3.11 or newer" in (ROOT / "README.md").read_text()
