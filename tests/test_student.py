"""The student edition: no solutions left, checks fail on the stubs and pass on the solutions.

A coding exercise is a solution cell (nbgrader ``solution: true``) followed by a check cell
(nbgrader ``grade: true``). Exercises depend only on the chapter's imports, so each pair can be
run here directly, without a kernel.
"""

import re
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import numpy as np
import pytest
from optimlab.checks import CheckFailed
from optimlab.student import remove_solution_blocks, student_notebook

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))


def exercise_pairs(notebook):
    """(solution cell, check cell) for every coding exercise of the notebook."""
    cells = notebook.cells
    pairs = []
    for i, cell in enumerate(cells):
        if cell.metadata.get("nbgrader", {}).get("solution") and cell.cell_type == "code":
            check = cells[i + 1]
            assert check.metadata.get("nbgrader", {}).get("grade"), (
                f"the cell after solution {cell.metadata['nbgrader']['grade_id']} must be its check")
            pairs.append((cell, check))
    return pairs


def chapter_imports(notebook) -> str:
    lines = [line for cell in notebook.cells if cell.cell_type == "code"
             for line in cell.source.splitlines() if re.match(r"(import|from) \w", line)]
    return "\n".join(lines)


def run_exercise(imports, solution, check):
    namespace: dict = {}
    exec(imports, namespace)  # noqa: S102 - the book's own notebooks
    exec(solution, namespace)
    exec(check, namespace)


@pytest.fixture(scope="module", params=CHAPTERS, ids=lambda p: p.name)
def editions(request):
    instructor = nbformat.read(request.param, as_version=4)
    return instructor, student_notebook(instructor)


def test_student_edition_contains_no_solution(editions):
    instructor, student = editions
    student_text = nbformat.writes(student)
    assert "BEGIN SOLUTION" not in student_text and "{solution}" not in student_text
    for solution, _ in exercise_pairs(instructor):
        body = solution.source.split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0]
        # lines of bare punctuation, such as a closing ")", give nothing away
        for line in (line.strip() for line in body.splitlines() if any(c.isalnum() for c in line)):
            assert line not in student_text, f"solution line leaked into the student edition: {line}"
    assert student_text.count("{exercise}") == nbformat.writes(instructor).count("{exercise}")


def test_every_chapter_has_a_coding_exercise_with_unique_ids(editions):
    instructor, _ = editions
    pairs = exercise_pairs(instructor)
    assert pairs, "each chapter needs at least one coding exercise"
    ids = [c.metadata["nbgrader"]["grade_id"] for c in instructor.cells if "nbgrader" in c.metadata]
    assert len(ids) == len(set(ids)), f"nbgrader grade_ids must be unique: {ids}"


def test_checks_fail_on_the_stubs_and_pass_on_the_solutions(editions):
    instructor, student = editions
    imports = chapter_imports(instructor)
    pairs = zip(exercise_pairs(instructor), exercise_pairs(student), strict=True)
    for (solution, check), (stub, student_check) in pairs:
        assert "raise NotImplementedError()" in stub.source
        with pytest.raises(CheckFailed, match="not implemented yet"):
            run_exercise(imports, stub.source, student_check.source)
        with np.errstate(over="raise", divide="raise", invalid="raise"):  # no overflow, log(0) or nan
            run_exercise(imports, solution.source, check.source)


def test_remove_solution_blocks_handles_both_fences():
    text = "before\n\n```{solution} ex\n:class: dropdown\nsecret\n```\n\n::::{solution} ex2\nx\n::::\nafter"
    assert remove_solution_blocks(text) == "before\n\nafter"
    with pytest.raises(ValueError, match="never closed"):
        remove_solution_blocks("```{solution} ex\nsecret")


def test_command_line_writes_every_chapter(tmp_path):
    result = subprocess.run([sys.executable, "-m", "optimlab.student", str(tmp_path), str(ROOT / "chapters")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.glob("*.ipynb")) == [p.name for p in CHAPTERS]
    written = nbformat.read(tmp_path / CHAPTERS[0].name, as_version=4)
    assert not any(c.get("outputs") for c in written.cells if c.cell_type == "code")


def test_workload_counts_what_the_student_reads_runs_and_solves():
    from optimlab.student import MINUTES_PER_CODING_EXERCISE, MINUTES_PER_WRITTEN_EXERCISE, workload

    cells = [
        nbformat.v4.new_markdown_cell("# A title\n\none two three four five"),
        nbformat.v4.new_markdown_cell("```{exercise}\n:label: ex-a\nsix seven\n```\n\n"
                                      "```{solution} ex-a\nthese words are a solution\n```"),
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell("assert x == 1", metadata={"tags": ["remove-input"]}),
        nbformat.v4.new_code_cell("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION",
                                  metadata={"nbgrader": {"solution": True, "grade": False, "grade_id": "f",
                                                         "locked": False, "schema_version": 3, "task": False}}),
    ]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "chapter.ipynb"
        nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
        w = workload(path)
    assert (w.title, w.code_cells, w.written, w.coding) == ("A title", 2, 1, 1)
    assert w.words == 9, w  # title, prose and the exercise; never the solution's words or the markup
    assert w.exercise_minutes == MINUTES_PER_WRITTEN_EXERCISE + MINUTES_PER_CODING_EXERCISE
