"""Make the student edition of the book's chapters.

    python -m optimlab.student OUTDIR [CHAPTER_DIR]

The notebooks in ``chapters/`` are the instructor edition. The student edition is the same
notebooks with

* the code between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` replaced by
  ``raise NotImplementedError()`` (nbgrader's ``ClearSolutions`` preprocessor; solution cells
  carry nbgrader metadata, so the notebooks also work in a full nbgrader course), and
* every ``{solution}`` block of the prose removed,

with all outputs cleared. The check cell after each coding exercise then fails with
"... is not implemented yet" until the student writes the code.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
from nbgrader.preprocessors import ClearOutput, ClearSolutions

__all__ = ["remove_solution_blocks", "student_notebook", "write_student_edition", "main"]

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


def student_notebook(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return the student edition of one chapter notebook (the input is not modified)."""
    notebook = nbformat.from_dict(notebook)
    resources: dict = {}
    notebook, resources = ClearSolutions().preprocess(notebook, resources)
    notebook, resources = ClearOutput().preprocess(notebook, resources)
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and "{solution}" in cell.source:
            cell.source = remove_solution_blocks(cell.source)
    notebook.cells = [c for c in notebook.cells if c.cell_type != "markdown" or c.source.strip()]
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


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not 1 <= len(argv) <= 2:
        print(__doc__.strip().splitlines()[0] if __doc__ else "", file=sys.stderr)
        print("usage: python -m optimlab.student OUTDIR [CHAPTER_DIR]", file=sys.stderr)
        return 2
    for path in write_student_edition(*argv):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
