from __future__ import annotations

import os
from pathlib import Path

import pytest

# Tests create thousands of throwaway workspaces: keep them out of the user's parse cache.
# tests/test_cache.py turns it on in a temporary folder.
os.environ["PLAUSIBLE_CACHE"] = "0"

REPO = Path(__file__).resolve().parent.parent

try:  # the rapidyaml candidate reader is a test-only module; without rapidyaml its tests skip
    import ryml  # noqa: F401
except ImportError:
    collect_ignore = ["rapidyaml_reader.py"]


@pytest.fixture
def repo_root() -> Path:
    return REPO


@pytest.fixture
def write_workspace(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Write ``{relative path: text}`` into a fresh folder and return it."""

    def write(files: dict[str, str]) -> Path:
        for relative, text in files.items():
            path = tmp_path / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return tmp_path

    return write


@pytest.fixture
def refuse_ledger_lock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make opening any ledger's lock file fail with 'Permission denied', as in a read-only workspace."""
    real_open = os.open

    def refusing_open(path, flags, *args, **kwargs):  # type: ignore[no-untyped-def]
        if str(path).endswith("ledger.lock"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refusing_open)


@pytest.fixture(scope="session")
def described_json_keys():  # type: ignore[no-untyped-def]
    """The keys docs/cli.md names for a command whose ``--json`` it describes in words (docs/generate.py).

    The words' plain backticked names: for a list of objects, the keys of each object.
    """
    import re

    from tests.docs_generator import docs_generator

    runs = docs_generator().JSON_RUNS

    def keys(command: str) -> set[str]:
        return set(re.findall(r"`(\w+)`", runs[command]))

    return keys

