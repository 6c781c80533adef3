"""Reading YAML quickly: libyaml's loader where PyYAML has it, and the package's data files parsed once per release.

The data files (``data/*.yaml``) take about half a second to parse even with libyaml, on every start of the
command. Their parsed form is kept in the user's cache folder under the hash of their text, so a changed file
(a new release, an edit in a checkout) is parsed again; where nothing can be written they are parsed each time.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from importlib import resources
from pathlib import Path
from typing import Any


def load_yaml(text: str) -> Any:
    """``yaml.safe_load``, with libyaml when PyYAML was built with it. Example: ``load_yaml("a: 1") == {"a": 1}``."""
    import yaml  # when needed: a JSON claims file and the cached data files need none of it

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def cache_dir() -> Path | None:
    """The user's cache folder for this package, or None where there is none (Pyodide)."""
    if sys.platform == "emscripten":
        return None
    try:
        import platformdirs

        return Path(platformdirs.user_cache_dir("derm-billing-toolkit", appauthor=False))
    except ImportError:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        return Path(base) / "derm-billing-toolkit"


def write_atomic(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` through a temporary file; False when it cannot be written."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
        return True
    except OSError:
        return False


def package_yaml(name: str) -> Any:
    """The parsed ``derm_core/data/<name>``, from the cache when its text has not changed."""
    text = resources.files("derm_core.data").joinpath(name).read_text(encoding="utf-8")
    folder = cache_dir()
    if folder is None:
        return load_yaml(text)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]
    cached = folder / "data" / f"{name}.{digest}.pickle"
    try:
        return pickle.loads(cached.read_bytes())  # our own file, named by the hash of the text it was parsed from
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError):
        pass
    data = load_yaml(text)
    if write_atomic(cached, pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)):
        for old in cached.parent.glob(f"{name}.*.pickle"):
            if old != cached:
                old.unlink(missing_ok=True)  # an earlier version's
    return data
