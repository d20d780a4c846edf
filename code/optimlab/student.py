"""Make the student edition of the book's chapters, or an nbgrader course from them.

    python -m optimlab.student OUTDIR [CHAPTER_DIR]
    python -m optimlab.student --course COURSE_DIR [CHAPTER_DIR]

The notebooks in ``chapters/`` are the instructor edition. The student edition is the same
notebooks with

* the code between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` replaced by
  ``raise NotImplementedError()`` (nbgrader's ``ClearSolutions`` preprocessor; solution cells
  carry nbgrader metadata, so the notebooks also work in a full nbgrader course), and
* every ``{solution}`` block of the prose removed,

with all outputs cleared. The check cell after each coding exercise then fails with
"... is not implemented yet" until the student writes the code.

``--course`` writes an nbgrader course directory instead: ``nbgrader_config.py`` and one
assignment per chapter under ``source/``. nbgrader's own ``generate_assignment`` then releases
the student edition (with :class:`RemoveWrittenSolutions` added to its preprocessors, so the
written solutions go too) and ``autograde`` scores the coding exercises: each check cell is an
nbgrader grade cell worth its ``points``. The book's instructor guide walks through it.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbconvert.preprocessors import Preprocessor
from nbgrader.converters import GenerateAssignment
from nbgrader.preprocessors import ClearOutput, ClearSolutions
from traitlets import Bool

__all__ = ["remove_solution_blocks", "RemoveWrittenSolutions", "student_notebook",
           "write_student_edition", "configure_nbgrader", "write_course", "Workload", "workload", "main"]

_OPENING = re.compile(r"^(?P<fence>`{3,}|:{3,})\{solution\}")


def remove_solution_blocks(markdown: str) -> str:
    """Remove every MyST ``{solution}`` directive (backtick or colon fence) from ``markdown``."""
    kept, fence = [], None
    for line in markdown.split("\n"):
        if fence is None:
            opening = _OPENING.match(line.strip())
            if opening:
                fence = opening.group("fence")
                continue
            kept.append(line)
        elif re.fullmatch(re.escape(fence[0]) + f"{{{len(fence)},}}", line.strip()):
            fence = None
    if fence is not None:
        raise ValueError("a {solution} block is never closed: its closing fence is missing")
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip("\n")


class RemoveWrittenSolutions(Preprocessor):
    """Remove the ``{solution}`` blocks of the prose, and markdown cells left empty by it.

    nbgrader's ``ClearSolutions`` clears the code between the solution markers; the worked
    solutions of the conceptual exercises are MyST directives it does not know. This
    preprocessor removes them, in the student edition and in nbgrader's ``generate_assignment``.
    """

    enabled = Bool(True).tag(config=True)  # nbconvert's preprocessors are off unless enabled

    def preprocess(self, nb, resources):
        for cell in nb.cells:
            if cell.cell_type == "markdown" and "{solution}" in cell.source:
                cell.source = remove_solution_blocks(cell.source)
        nb.cells = [c for c in nb.cells if c.cell_type != "markdown" or c.source.strip()]
        return nb, resources


def student_notebook(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return the student edition of one chapter notebook (the input is not modified)."""
    notebook = nbformat.from_dict(notebook)
    resources: dict = {}
    for preprocessor in (ClearSolutions(), ClearOutput(), RemoveWrittenSolutions()):
        notebook, resources = preprocessor.preprocess(notebook, resources)
    return notebook


def write_student_edition(out_dir, chapter_dir="chapters") -> list[Path]:
    """Write the student edition of every notebook in ``chapter_dir`` to ``out_dir``."""
    chapter_dir, out_dir = Path(chapter_dir), Path(out_dir)
    sources = sorted(chapter_dir.glob("*.ipynb"))
    if not sources:
        raise ValueError(f"no chapter notebooks (*.ipynb) found in {chapter_dir.resolve()}")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for source in sources:
        target = out_dir / source.name
        nbformat.write(student_notebook(nbformat.read(source, as_version=4)), target)
        written.append(target)
    return written


# The rule of thumb behind the instructor guide's time per chapter: prose with mathematics read
# at 100 words a minute, half a minute to run and read each code cell the student sees, and the
# exercises at 15 minutes for a written one and 25 for a coding one.
WORDS_PER_MINUTE = 100
MINUTES_PER_CODE_CELL = 0.5
MINUTES_PER_WRITTEN_EXERCISE = 15
MINUTES_PER_CODING_EXERCISE = 25


@dataclass(frozen=True)
class Workload:
    """What a chapter asks of a student (instructor guide, "How long a chapter takes")."""

    title: str
    words: int            # prose the student reads, solutions left out
    code_cells: int       # code cells the student sees and runs
    written: int          # conceptual exercises
    coding: int           # coding exercises

    @property
    def reading_minutes(self) -> float:
        return self.words / WORDS_PER_MINUTE + self.code_cells * MINUTES_PER_CODE_CELL

    @property
    def exercise_minutes(self) -> float:
        return self.written * MINUTES_PER_WRITTEN_EXERCISE + self.coding * MINUTES_PER_CODING_EXERCISE


_HIDDEN = {"remove-cell", "remove-input"}


def workload(path) -> Workload:
    """Measure the student edition of the chapter notebook at ``path``: its prose, cells and exercises."""
    notebook = student_notebook(nbformat.read(path, as_version=4))
    markdown = [c.source for c in notebook.cells if c.cell_type == "markdown"]
    title = next((line[2:].strip() for text in markdown for line in text.splitlines() if line.startswith("# ")), None)
    if title is None:
        raise ValueError(f"{path}: no title (a '# ' heading) in any markdown cell")
    prose = re.sub(r"```\{raw\}.*?```", " ", "\n".join(markdown), flags=re.S)
    # directive fences and options (```{exercise}, :label: ...) are markup, not words to read
    prose = re.sub(r"^\s*(`{3,}|:{3,}|:[\w-]+:).*$", " ", prose, flags=re.M)
    visible = [c for c in notebook.cells if c.cell_type == "code"
               and not _HIDDEN & set(c.metadata.get("tags", []))]
    return Workload(
        title=title,
        words=len(re.findall(r"[A-Za-z0-9$\\]+[^\s]*", prose)),
        code_cells=len(visible),
        written=sum(text.count("{exercise}") for text in markdown),
        coding=sum(1 for c in notebook.cells if c.metadata.get("nbgrader", {}).get("solution")),
    )


# Seconds per cell when nbgrader's autograde runs a chapter: the book's cells take at most a
# few seconds on a laptop, nbgrader's default of 30 is tight on a busy JupyterHub.
AUTOGRADE_CELL_TIMEOUT = 300

_COURSE_CONFIG = """\
# nbgrader configuration for a course taught from How Networks Learn
# (written by `python -m optimlab.student --course`; see the book's instructor guide).
from optimlab.student import configure_nbgrader

c = get_config()  # noqa: F821 - nbgrader defines get_config
c.CourseDirectory.course_id = {course_id!r}
configure_nbgrader(c)
"""


def configure_nbgrader(config) -> None:
    """Set up an nbgrader ``config`` for the book's chapters.

    ``generate_assignment`` runs nbgrader's own preprocessors with :class:`RemoveWrittenSolutions`
    right after ``ClearSolutions``, and ``autograde`` gives each cell
    ``AUTOGRADE_CELL_TIMEOUT`` seconds.
    """
    steps = list(GenerateAssignment.class_traits()["preprocessors"].default())
    steps.insert(steps.index(ClearSolutions) + 1, RemoveWrittenSolutions)
    config.GenerateAssignment.preprocessors = steps
    config.Execute.timeout = AUTOGRADE_CELL_TIMEOUT


def write_course(course_dir, chapter_dir="chapters", course_id="how-networks-learn") -> list[Path]:
    """Write an nbgrader course: ``nbgrader_config.py`` and ``source/<chapter>/<chapter>.ipynb``.

    Each chapter becomes one assignment, named after its file (``01_losses_mle``). Returns the
    notebooks written.
    """
    chapter_dir, course_dir = Path(chapter_dir), Path(course_dir)
    sources = sorted(chapter_dir.glob("*.ipynb"))
    if not sources:
        raise ValueError(f"no chapter notebooks (*.ipynb) found in {chapter_dir.resolve()}")
    course_dir.mkdir(parents=True, exist_ok=True)
    (course_dir / "nbgrader_config.py").write_text(_COURSE_CONFIG.format(course_id=course_id))
    written = []
    for source in sources:
        target = course_dir / "source" / source.stem / source.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read_bytes())
        written.append(target)
    return written


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    course = argv[:1] == ["--course"]
    arguments = argv[1:] if course else argv
    if not 1 <= len(arguments) <= 2:
        print(__doc__.strip().splitlines()[0] if __doc__ else "", file=sys.stderr)
        print("usage: python -m optimlab.student OUTDIR [CHAPTER_DIR]\n"
              "       python -m optimlab.student --course COURSE_DIR [CHAPTER_DIR]", file=sys.stderr)
        return 2
    for path in (write_course if course else write_student_edition)(*arguments):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
