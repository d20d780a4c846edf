"""Sphinx extension: exercise solutions on the website, hidden or left out.

The notebooks in ``chapters/`` are the instructor edition: written solutions are ``{solution}``
blocks (sphinx-exercise) and coding solutions are code cells with nbgrader metadata
(``"nbgrader": {"solution": true}``) whose code sits between ``### BEGIN SOLUTION`` and
``### END SOLUTION``. The environment variable ``BOOK_SOLUTIONS`` chooses what the website shows:

``hidden`` (the default)
    Written solutions are dropdowns (``:class: dropdown``); each coding solution is folded behind
    a "Show the solution" toggle, with nbgrader's marker lines dropped from the displayed code.
``none``
    No solutions at all, for an instructor who publishes the book while exercises are being
    graded: sphinx-exercise's ``hide_solutions`` removes the written ones; each coding solution is
    shown as the student edition's stub (nbgrader's ``ClearSolutions``, as in
    ``python -m optimlab.student``) and the check after it without the output it printed for the
    instructor's solution; the downloadable notebooks are the student edition; and the
    Binder and Colab buttons are left out, since they would open the repository's notebooks,
    solutions included.

The chapters are still executed with their solutions (later cells may depend on them); only what
the page shows changes. ``tests/test_browser.py`` checks both builds.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform

MODES = ("hidden", "none")
_MARKER = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", flags=re.M)


def solution_mode() -> str:
    """The value of ``BOOK_SOLUTIONS``: ``hidden`` (default) or ``none``."""
    mode = os.environ.get("BOOK_SOLUTIONS", "hidden").strip().lower() or "hidden"
    if mode not in MODES:
        raise ValueError(f"BOOK_SOLUTIONS must be one of {', '.join(MODES)}, got {mode!r}")
    return mode


def is_coding_solution(metadata) -> bool:
    """Whether a notebook cell's metadata marks it as an nbgrader solution cell."""
    return bool((metadata or {}).get("nbgrader", {}).get("solution"))


def is_graded(metadata) -> bool:
    """Whether a notebook cell's metadata marks it as an nbgrader check (grade) cell."""
    return bool((metadata or {}).get("nbgrader", {}).get("grade"))


def student_stub(source: str) -> str:
    """The student edition of one solution cell's code (nbgrader's ``ClearSolutions``)."""
    import nbformat
    from nbgrader.preprocessors import ClearSolutions

    cell = nbformat.v4.new_code_cell(source, metadata={"nbgrader": {"solution": True, "grade": False,
                                                                    "grade_id": "x", "locked": False,
                                                                    "schema_version": 3, "task": False}})
    notebook = nbformat.v4.new_notebook(cells=[cell], metadata={"kernelspec": {
        "name": "python3", "display_name": "Python 3", "language": "python"}})
    notebook, _ = ClearSolutions().preprocess(notebook, {})
    return notebook.cells[0].source


def _set_code(block: nodes.literal_block, text: str) -> None:
    block.children = [nodes.Text(text)]
    block.rawsource = text  # Sphinx highlights a literal block only when the two agree


class CodingSolutions(SphinxPostTransform):
    """Fold coding solutions behind a toggle, or replace them by the student's stub.

    Runs before myst-nb's ``HideInputCells`` (priority 199), which turns ``hide_mode`` into the
    ``<details>`` toggle that "hide-input" cells get.
    """

    default_priority = 150
    formats = ("html",)

    def run(self, **kwargs):
        mode = self.app.config.book_solutions
        for cell in list(self.document.findall(nodes.container)):
            if cell.get("nb_element") != "cell_code":
                continue
            if mode == "none" and is_graded(cell.get("cell_metadata")):
                # the check ran on the instructor's solution: its "all cases passed" would mislead
                cell.children = [c for c in cell.children if c.get("nb_element") != "cell_code_output"]
            if not is_coding_solution(cell.get("cell_metadata")):
                continue
            sources = [c for c in cell.children if c.get("nb_element") == "cell_code_source"]
            blocks = [b for s in sources for b in s.findall(nodes.literal_block)]
            for block in blocks:
                code = block.astext()
                _set_code(block, student_stub(code) if mode == "none" else _MARKER.sub("", code))
            if mode == "hidden" and blocks:
                cell["classes"].append("coding-solution")
                cell["hide_mode"] = "input"
                cell["prompt_show"] = "Show the solution"
                cell["prompt_hide"] = "Hide the solution"


def _student_downloads(app, exception):
    """With ``BOOK_SOLUTIONS=none``, the notebooks offered for download are the student edition."""
    if exception is not None or app.config.book_solutions != "none" or app.builder.format != "html":
        return
    import nbformat
    from optimlab.student import student_notebook

    for path in Path(app.outdir, "_sources").rglob("*.ipynb"):
        notebook = nbformat.read(path, as_version=4)
        # only chapters have solutions; a page such as the instructor guide may name nbgrader's
        # markers in its prose, which nbgrader would take for a solution outside a solution cell
        if any("nbgrader" in c.metadata or "{solution}" in c.source for c in notebook.cells):
            nbformat.write(student_notebook(notebook), path)


def _choose_mode(app, config):
    config.book_solutions = solution_mode()
    if config.book_solutions == "none":
        config.hide_solutions = True  # sphinx-exercise: drop every {solution} block
        # the launch buttons would open the instructor edition in Binder or Colab
        config.html_theme_options = {**config.html_theme_options, "launch_buttons": {}}


def setup(app):
    app.add_config_value("book_solutions", "hidden", "env")
    app.connect("config-inited", _choose_mode)
    app.add_post_transform(CodingSolutions)
    app.connect("build-finished", _student_downloads)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
