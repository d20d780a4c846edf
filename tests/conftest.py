"""Shared fixtures: the website, built once per test session."""

import os
import shutil
import subprocess
import sys
import tempfile
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


def _build_command(out: Path, cache: Path) -> list[str]:
    """The command that builds the website into ``out`` with warnings as errors.

    Chapters are executed through the jupyter-cache at ``cache``: the first build of a test session
    runs every chapter afresh (the cache starts empty), a later build with the same cache reuses
    those results.
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
    return [str(Path(sys.executable).parent / "jupyter-book"), "build", str(ROOT), "--config", str(config_path),
            "--path-output", str(out), "-W", "-n", "--keep-going", "--all"]


class SiteBuild:
    """One website build running in a child process; ``site()`` waits for it and checks it.

    ``solutions`` is the ``BOOK_SOLUTIONS`` switch of ``_ext/solutions.py``.
    """

    def __init__(self, out: Path, cache: Path, solutions: str):
        self.out = out
        self.log = out / "build.log"
        environment = {**os.environ, "BOOK_SOLUTIONS": solutions}
        with open(self.log, "w") as log:
            self.process = subprocess.Popen(_build_command(out, cache), stdout=log, stderr=subprocess.STDOUT,
                                            env=environment)

    def site(self) -> Path:
        """The folder of the built HTML, once the build has succeeded."""
        returncode = self.process.wait(timeout=600)
        assert returncode == 0, f"website build failed:\n{self.log.read_text()[-8000:]}"
        return self.out / "_build" / "html"


SITE_FIXTURES = ("built_site", "built_site_without_solutions")
_early_build: dict[str, SiteBuild] = {}


def _uses_the_site(item) -> bool:
    return any(name in getattr(item, "fixturenames", ()) for name in SITE_FIXTURES)


def pytest_collection_modifyitems(session, config, items):
    """Run the tests that need the website last, so that the build overlaps the other tests.

    The build executes every chapter, as nbval does; on two cores the two run side by side.
    """
    items.sort(key=_uses_the_site)  # stable: the order within each group is kept


def pytest_collection_finish(session):
    """Start the website build as soon as the tests are collected, if any test needs it."""
    if any(_uses_the_site(item) for item in session.items) and not session.config.option.collectonly:
        root = Path(tempfile.mkdtemp(prefix="book_site_"))
        (root / "site").mkdir()
        (root / "cache").mkdir()
        _early_build["hidden"] = SiteBuild(root / "site", root / "cache", solutions="hidden")
        _early_build["root"] = root


def pytest_sessionfinish(session, exitstatus):
    build = _early_build.get("hidden")
    if build is not None and build.process.poll() is None:
        build.process.kill()
    if "root" in _early_build:
        shutil.rmtree(_early_build["root"], ignore_errors=True)


@pytest.fixture(scope="session")
def built_site() -> Path:
    """The website exactly as readers get it (chapters executed, solutions hidden until clicked).

    Its build started in the background when the tests were collected.
    """
    return _early_build["hidden"].site()


@pytest.fixture(scope="session")
def built_site_without_solutions(built_site) -> Path:
    """The website an instructor builds with ``BOOK_SOLUTIONS=none``: no solutions at all.

    Depends on ``built_site`` so that it reuses the chapters' execution from the shared cache.
    """
    root = _early_build["root"]
    (root / "site_without_solutions").mkdir()
    return SiteBuild(root / "site_without_solutions", root / "cache", solutions="none").site()


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
