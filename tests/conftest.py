"""Shared fixtures: the website, built once per test session."""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest
import yaml
from jupyter_cache import get_cache
from jupyter_cache.base import CacheBundleIn
from jupyter_client.session import Session
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionComplete
from nbval.plugin import IPyNbCell

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


def _is_chapter_cell(item) -> bool:
    """A cell of a chapter notebook, executed by nbval."""
    return isinstance(item, IPyNbCell)


def _run_order(item) -> int:
    """Chapters first, then the tests that need neither, then the tests of the website."""
    return 2 if _uses_the_site(item) else 0 if _is_chapter_cell(item) else 1


def pytest_collection_modifyitems(session, config, items):
    """Run the chapters first and the tests that need the website last.

    nbval executes every chapter; each chapter it ran through without a failure goes into the
    website build's jupyter-cache (see ``ExecutedChapters``), so the build, which starts right
    after the last chapter, executes nothing twice and overlaps the unit tests.
    """
    items.sort(key=_run_order)  # stable: the order within each group is kept


def _start_the_builds(without_solutions: bool = False) -> None:
    """Start the website build, and with ``without_solutions`` the one without solutions, unless started."""
    root = _early_build["root"]
    if "hidden" not in _early_build:
        _early_build["hidden"] = SiteBuild(root / "site", root / "cache", solutions="hidden")
    if without_solutions and "none" not in _early_build:
        (root / "site_without_solutions").mkdir()
        _early_build["none"] = SiteBuild(root / "site_without_solutions", root / "cache", solutions="none")


def pytest_collection_finish(session):
    """Prepare the website build if any test needs it, and start it now unless chapters run first.

    With chapter cells collected, it starts after the last one (``pytest_runtest_teardown``) and
    reuses their execution; without (``pytest tests/test_browser.py``), it executes the chapters
    itself, at once.
    """
    if any(_uses_the_site(item) for item in session.items) and not session.config.option.collectonly:
        root = Path(tempfile.mkdtemp(prefix="book_site_"))
        (root / "site").mkdir()
        (root / "cache").mkdir()
        _early_build["root"] = root
        chapter_cells = [item for item in session.items if _is_chapter_cell(item)]
        without_solutions = any("built_site_without_solutions" in getattr(item, "fixturenames", ())
                                for item in session.items)
        if chapter_cells:
            session.config.pluginmanager.register(
                ExecutedChapters(root / "cache", chapter_cells[-1], without_solutions))
        else:
            _start_the_builds()


class _NoKernel:
    """Stands in for nbclient's kernel client when it replays messages: what its mock Output widgets
    would send back to the kernel goes nowhere (the kernel has answered already)."""

    session = Session()

    class shell_channel:  # noqa: N801 (the attribute name of jupyter_client's KernelClient)
        @staticmethod
        def send(msg):
            pass


class ExecutedChapters:
    """Puts the chapters nbval executes into the website build's jupyter-cache.

    nbval keeps only part of what a cell sends (no widget messages, no ``clear_output``), so the
    iopub messages of each cell are recorded as they arrive and replayed through nbclient, which
    turns them into the cell's outputs exactly as when jupyter-cache executes the chapter: output
    widgets capture their outputs, streams are merged, widget state lands in the metadata. A
    notebook any of whose cells fails or is skipped is not cached: the build executes it itself.
    """

    def __init__(self, cache: Path, last_cell, without_solutions: bool):
        self.cache = cache
        self.last_cell = last_cell
        self.without_solutions = without_solutions
        self.cached: set[Path] = set()
        self.messages: dict[tuple[Path, int], list] = {}  # per (notebook, code cell), in order of arrival
        self.failed: set[Path] = set()
        self.language_info: dict[Path, dict] = {}

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item):
        if not _is_chapter_cell(item):
            yield
            return
        notebook, kernel = item.parent, item.parent.kernel
        if notebook.path not in self.language_info:  # nbclient records it, from the kernel, too
            try:
                reply = kernel.kc.kernel_info(reply=True, timeout=60)
                self.language_info[notebook.path] = reply["content"]["language_info"]
            except Exception:  # the cell will fail as well, and nbval says why
                self.language_info[notebook.path] = {}
                self.failed.add(notebook.path)
        messages, sent = [], []
        receive = notebook.get_kernel_message

        def execute_cell_input(cell_input, allow_stdin=None):
            # with history, as Jupyter and nbclient run a cell: only then does a trailing ";" hide
            # the cell's result (IPython looks for it in the history), and the cells are counted
            sent.append(kernel.kc.execute(cell_input, store_history=True, allow_stdin=allow_stdin,
                                          stop_on_error=False))
            return sent[-1]

        def get_kernel_message(*args, **kwargs):
            messages.append(receive(*args, **kwargs))
            return messages[-1]

        kernel.execute_cell_input, notebook.get_kernel_message = execute_cell_input, get_kernel_message
        try:
            outcome = yield
        finally:
            del kernel.execute_cell_input, notebook.get_kernel_message
        if outcome.excinfo is not None or len(sent) != 1:
            self.failed.add(notebook.path)
        self.messages[notebook.path, item.cell_num] = [m for m in messages
                                                       if m["parent_header"].get("msg_id") in sent]

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_teardown(self, item, nextitem):
        yield  # nbval stops the notebook's kernel here if ``nextitem`` belongs to another notebook
        if _is_chapter_cell(item) and (nextitem is None or nextitem.parent is not item.parent):
            self.cache_notebook(item.parent)
        if item is self.last_cell:
            # with every chapter in the cache, neither build executes one: both can run at once
            chapters = {(ROOT / entry).with_suffix(".ipynb") for entry in toc_files()}
            every_chapter = {path for path in chapters if path.exists()} <= self.cached
            _start_the_builds(without_solutions=self.without_solutions and every_chapter)

    def cache_notebook(self, notebook) -> None:
        """Put ``notebook`` (an nbval file node) into the jupyter-cache if every one of its cells ran."""
        nb = nbformat.read(notebook.path, as_version=nbformat.NO_CONVERT)
        code = [cell for cell in nb.cells if cell.cell_type == "code"]
        cell_messages = [self.messages.pop((notebook.path, number), None) for number in range(len(code))]
        if notebook.path in self.failed or None in cell_messages:
            return
        client = NotebookClient(nb, record_timing=False)
        client.reset_execution_trackers()
        client.kc = _NoKernel()
        for cell, messages in zip(code, cell_messages, strict=True):
            if not cell.source.strip():
                continue  # nbclient does not run an empty cell
            cell.outputs = []
            client.clear_before_next_output = False
            index = nb.cells.index(cell)
            for message in messages:
                try:
                    client.process_message(message, cell, index)
                except CellExecutionComplete:
                    break
        nb.metadata["language_info"] = self.language_info[notebook.path]
        client.set_widgets_metadata()
        get_cache(str(self.cache)).cache_notebook_bundle(CacheBundleIn(nb, str(notebook.path)),
                                                         check_validity=False, overwrite=True)
        self.cached.add(Path(notebook.path))


def pytest_runtest_setup(item):
    """torch computes on one thread in the tests: the website builds and the notebook kernels run
    beside them on the same cores, and torch's threads, which wait for each other at every
    operation, would take turns with those processes (several times slower on two cores)."""
    torch = sys.modules.get("torch")
    if torch is not None and torch.get_num_threads() != 1:
        torch.set_num_threads(1)


def pytest_sessionfinish(session, exitstatus):
    for name in ("hidden", "none"):
        build = _early_build.get(name)
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

    Depends on ``built_site`` so that it reuses the chapters' execution from the shared cache
    (when nbval put every chapter there, it was started alongside ``built_site``).
    """
    _start_the_builds(without_solutions=True)
    return _early_build["none"].site()


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
