"""Every Python and C example in README.md and docs/*.md runs, so the documentation cannot drift
from the code (the Rust examples are doctests of the crate). Python blocks run each in a fresh
namespace; C blocks are whole programs, compiled against the library `make lib` built (with the
same warnings as the C tests, BW_MUST_USE included) and run."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"^```(python|c)\n(.*?)^```$", re.S | re.M)


def _blocks(lang):
    found = []
    for path in DOCS:
        text = path.read_text()
        for m in BLOCK.finditer(text):
            if m.group(1) == lang:
                line = text.count("\n", 0, m.start()) + 1
                found.append(pytest.param(m.group(2), id=f"{path.relative_to(ROOT)}:{line}"))
    return found


def test_the_docs_have_examples_in_every_language():
    assert len(_blocks("python")) >= 8 and len(_blocks("c")) >= 3


@pytest.mark.parametrize("source", _blocks("python"))
def test_python_example_runs(source, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("APP_KEYRING", raising=False)
    exec(compile(source, "<doc example>", "exec"), {"__name__": "doc_example"})


@pytest.mark.parametrize("source", _blocks("c"))
def test_c_example_compiles_and_runs(source, tmp_path):
    assert "int main" in source, "C examples in the docs are whole programs"
    pkg = shutil.which("pkg-config")
    dist = ROOT / "dist" / "lib" / "pkgconfig"
    if pkg is None or not dist.is_dir():
        pytest.fail("pkg-config and dist/ (make lib) are needed: run through `make test`")
    env = {**os.environ, "PKG_CONFIG_PATH": str(dist)}
    flags = subprocess.run([pkg, "--cflags", "--libs", "bulwark"], env=env, capture_output=True, text=True,
                           check=True).stdout.split()
    src, exe = tmp_path / "example.c", tmp_path / "example"
    src.write_text(source)
    cc = subprocess.run(["cc", "-std=c99", "-Wall", "-Wextra", "-Wpedantic", "-Werror", str(src), "-o", str(exe),
                         *flags], capture_output=True, text=True, check=False)
    assert cc.returncode == 0, cc.stderr
    run = subprocess.run([str(exe)], capture_output=True, text=True, check=False, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
