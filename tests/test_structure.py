"""The house's rules that a reader relies on (docs/architecture.md): no file over 600 lines
(tests aside), no module reaching for another module's private names, and the layers
contract with no exception in it. (`lint-imports` itself runs in .ci/run.)"""

import ast
import subprocess
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {
    "alliance_portal",
    "demo",
    "workbook_import",
    "reports",
    "inspections",
    "events",
    "kpi",
    "members",
    "alliances",
    "accounts",
    "core",
    "bench",
    "tests",
}
SOURCE = (".py", ".html", ".js", ".css", "")


def tracked_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return [ROOT / name for name in listed if (ROOT / name).is_file()]


def test_no_file_is_over_600_lines():
    long = []
    for path in tracked_files():
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith(("tests/", "locale/", "docs/")) or "/migrations/" in relative:
            continue
        if path.suffix not in SOURCE or (path.suffix == "" and not relative.startswith("scripts/")):
            continue
        lines = path.read_text(encoding="utf-8").count("\n")
        if lines > 600:
            long.append(f"{relative}: {lines} lines")
    assert not long, "split these along a seam a reader would name:\n" + "\n".join(long)


def test_no_module_imports_another_modules_private_names():
    found = []
    for path in tracked_files():
        if path.suffix != ".py" or "/migrations/" in path.as_posix():
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if node.module.split(".")[0] not in PACKAGES:
                    continue
                private = [
                    a.name for a in node.names if a.name.startswith("_") and a.name[:2] != "__"
                ]
                if private:
                    where = f"{path.relative_to(ROOT)}:{node.lineno}"
                    found.append(f"{where} takes {', '.join(private)} from {node.module}")
    assert not found, "\n".join(found)


def test_the_layers_contract_has_no_exception():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (contract,) = config["contracts"]
    assert contract["type"] == "layers"
    assert "ignore_imports" not in contract and "unmatched_ignore_imports_alerting" not in contract
    named = {layer.strip() for entry in contract["layers"] for layer in entry.split("|")}
    product = {p.name for p in ROOT.iterdir() if (p / "__init__.py").is_file()} - {"bench", "tests"}
    # Every product package is in a layer (kpi through its three parts).
    assert product - {"kpi"} <= named and {"kpi.ledger", "kpi.filings", "kpi.review"} <= named
