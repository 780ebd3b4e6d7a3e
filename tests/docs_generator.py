"""docs/generate.py loaded as a module, once per session (it is a script, not part of the package)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parent.parent


def docs_generator() -> ModuleType:
    """The module ``docs_generate`` (docs/generate.py), loaded on first use."""
    module = sys.modules.get("docs_generate")
    if module is None:
        spec = importlib.util.spec_from_file_location("docs_generate", REPO / "docs" / "generate.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["docs_generate"] = module  # dataclasses look their module up
        spec.loader.exec_module(module)
    return module
