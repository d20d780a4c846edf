"""Shared fixtures: the website, built once per test session."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def toc_files() -> list[str]:
    """The pages of the book, in reading order, as listed in _toc.yml (without suffix)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [entry["file"] for entry in part.get("chapters", [])]
    return files


def _build_site(out: Path, cache: Path, solutions: str) -> Path:
    """Build the website into ``out`` with warnings as errors; return the folder of its HTML.

    Chapters are executed through the jupyter-cache at ``cache``: the first build of a test session
    runs every chapter afresh (the cache starts empty), a later build with the same cache reuses
    those results. ``solutions`` is the ``BOOK_SOLUTIONS`` switch of ``_ext/solutions.py``.
    """
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config["execute"]["execute_notebooks"] = "cache"
    config["execute"]["cache"] = str(cache)
    # local extensions and the bibliography are found relative to the config file, which now lives elsewhere
    extensions = config["sphinx"].get("local_extensions") or {}
    config["sphinx"]["local_extensions"] = {name: str(ROOT / path) for name, path in extensions.items()}
    config["bibtex_bibfiles"] = [str(ROOT / path) for path in config.get("bibtex_bibfiles", [])]
    config_path = out / "_config.yml"
    config_path.write_text(yaml.safe_dump(config))
    command = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(ROOT), "--config", str(config_path),
               "--path-output", str(out), "-W", "-n", "--keep-going", "--all"]
    environment = {**os.environ, "BOOK_SOLUTIONS": solutions}
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, env=environment)
    assert result.returncode == 0, f"website build failed:\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}"
    return out / "_build" / "html"


@pytest.fixture(scope="session")
def execution_cache(tmp_path_factory) -> Path:
    """A jupyter-cache shared by the session's website builds (empty at first: chapters run afresh)."""
    return tmp_path_factory.mktemp("jupyter_cache")


@pytest.fixture(scope="session")
def built_site(tmp_path_factory, execution_cache) -> Path:
    """The website exactly as readers get it (chapters executed, solutions hidden until clicked)."""
    return _build_site(tmp_path_factory.mktemp("site"), execution_cache, solutions="hidden")


@pytest.fixture(scope="session")
def built_site_without_solutions(tmp_path_factory, execution_cache, built_site) -> Path:
    """The website an instructor builds with ``BOOK_SOLUTIONS=none``: no solutions at all.

    Depends on ``built_site`` so that it reuses the chapters' execution from the cache.
    """
    return _build_site(tmp_path_factory.mktemp("site_without_solutions"), execution_cache, solutions="none")


def explorer_bundle(display) -> dict:
    """The single output of an explorer, checked against the contract of optimlab.widgets.

    ``display`` is a mock of ``optimlab.widgets.display``. An explorer makes exactly one raw
    output holding the live widget and a PNG of its default figure, and no HTML, which would
    outrank the PNG on the website.
    """
    bundles = [call.args[0] for call in display.call_args_list if call.kwargs.get("raw")]
    assert len(bundles) == 1, "an explorer must produce exactly one cell output"
    bundle = bundles[0]
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["image/png"].startswith("iVBOR")  # base64 of a PNG header
    assert "text/html" not in bundle
    return bundle
