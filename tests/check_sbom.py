"""Checks the CycloneDX SBOMs that `make wheel` and `make lib` write: CycloneDX 1.5 JSON naming
the right top component, every component with a version and a cargo purl, and every crate
`cargo tree` says the artefact compiles in (so a dependency the SBOM misses, or a stale SBOM,
fails `make test`). The SBOM may list a few more (optional or other-target crates that
cargo-cyclonedx resolves more widely): those are printed, not refused.

    python tests/check_sbom.py WHEEL_SBOM C_LIBRARY_SBOM
"""

import json
import subprocess
import sys


def crates_of(package: str) -> set[tuple[str, str]]:
    """(name, version) of every crate `package` compiles in (normal and build dependencies)."""
    out = subprocess.run(
        ["cargo", "tree", "--locked", "-p", package, "-e", "normal,build", "--prefix", "none",
         "--format", "{p}", "--no-dedupe"],
        check=True, capture_output=True, text=True,
    ).stdout
    crates = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1].startswith("v"):
            crates.add((parts[0], parts[1][1:]))
    return crates


def check(path: str, package: str) -> None:
    with open(path, encoding="utf-8") as f:
        bom = json.load(f)
    assert bom.get("bomFormat") == "CycloneDX" and bom.get("specVersion") == "1.5", f"{path}: not CycloneDX 1.5"
    top = bom["metadata"]["component"]
    assert top["name"] == package, f"{path}: describes {top['name']}, not {package}"
    listed = set()
    for c in bom.get("components", []):
        assert c.get("version") and c.get("purl", "").startswith("pkg:cargo/"), f"{path}: {c.get('name')} lacks version/purl"
        listed.add((c["name"], c["version"]))
    wanted = crates_of(package) - {(package, top["version"])}
    missing, extra = wanted - listed, listed - wanted
    assert not missing, f"{path}: crates compiled in but not in the SBOM: {sorted(missing)[:10]}"
    for crate in ("aws-lc-rs", "aws-lc-sys", "bulwark"):
        assert any(n == crate for n, _ in listed), f"{path}: {crate} missing"
    print(f"{path}: CycloneDX 1.5, {package}, {len(listed)} crates, every crate of cargo tree listed"
          + (f" (also listed: {', '.join(f'{n} {v}' for n, v in sorted(extra))})" if extra else ""))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    check(sys.argv[1], "bulwark-python")
    check(sys.argv[2], "bulwark-ffi")
