"""nbgrader, for real: a throw-away course, one released chapter, two submissions, autograde.

The course comes from ``python -m optimlab.student --course``; everything after that is
nbgrader's own command line, as an instructor would run it: ``generate_assignment`` releases
Chapter 1, two students submit it (one right, one with the naive binary cross-entropy that
overflows), and ``autograde`` scores both. Chapter 1 is used because it has two coding
exercises, so a wrong answer must cost the points of its own exercise and nothing else.
"""

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook
from optimlab.student import write_course

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
ASSIGNMENT = "01_losses_mle"
BROKEN = "bce-with-logits"  # the exercise the second student gets wrong

# What students write first: the textbook formula, which overflows for large logits.
NAIVE_BCE = '''\
def my_bce_with_logits(logits, targets):
    """Mean binary cross-entropy of targets in [0, 1] given logits."""
    p = 1 / (1 + np.exp(-logits))
    return np.mean(-(targets * np.log(p) + (1 - targets) * np.log(1 - p)))
'''


def nbgrader(course: Path, *args: str) -> str:
    """Run one nbgrader command in the course directory; fail the test if nbgrader fails."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env,
                          capture_output=True, text=True, timeout=600)
    log = done.stdout + done.stderr
    assert done.returncode == 0 and "ERROR" not in log, f"nbgrader {' '.join(args)} failed:\n{log[-4000:]}"
    return log


def solution_body(source: str) -> str:
    """The instructor's code with nbgrader's solution markers taken out, as a student writes it."""
    return "\n".join(line for line in source.splitlines() if "### BEGIN SOLUTION" not in line
                     and "### END SOLUTION" not in line)


def submit(course: Path, student: str, answers: dict[str, str]) -> None:
    """Fill the released notebook's solution cells with ``answers`` and hand it in."""
    released = nbformat.read(course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    for cell in released.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = answers[grade_id]
    target = course / "submitted" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    target.parent.mkdir(parents=True)
    nbformat.write(released, target)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course with Chapter 1 released, submitted twice and autograded."""
    root = tmp_path_factory.mktemp("course")
    write_course(root, ROOT / "chapters")
    nbgrader(root, "generate_assignment", ASSIGNMENT)
    source = nbformat.read(root / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    right = {cell.metadata.nbgrader.grade_id: solution_body(cell.source) for cell in source.cells
             if cell.metadata.get("nbgrader", {}).get("solution")}
    assert BROKEN in right, f"Chapter 1 has no exercise {BROKEN!r}: update this test"
    submit(root, "right", right)
    submit(root, "wrong", {**right, BROKEN: NAIVE_BCE})
    nbgrader(root, "autograde", ASSIGNMENT)
    return root


def grades(course: Path, student: str) -> dict[str, tuple[float, float]]:
    """(score, max score) of each grade cell of the student's autograded submission."""
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "how-networks-learn") as book:
        notebook = book.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, student)
        return {grade.name: (grade.score, grade.max_score) for grade in notebook.grades}


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_every_grade_cell_carries_points(path):
    notebook = nbformat.read(path, as_version=4)
    cells = [c.metadata["nbgrader"] for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert cells, f"{path.name} has no graded check cell"
    for cell in cells:
        assert cell.get("points", 0) > 0, f"{path.name}: grade cell {cell['grade_id']} carries no points"
        assert cell.get("locked"), f"{path.name}: grade cell {cell['grade_id']} must be locked"


def test_released_assignment_has_no_solutions(course):
    source = nbformat.read(course / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    released_text = (course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text()
    released = nbformat.reads(released_text, as_version=4)
    assert "BEGIN SOLUTION" not in released_text, "solution markers left in the released notebook"
    assert "{solution}" not in released_text, "a written solution was released"
    for cell in source.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            body = cell.source.split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0]
            for line in (line.strip() for line in body.splitlines() if any(c.isalnum() for c in line)):
                assert line not in released_text, f"solution code released: {line}"
    stubs = [c for c in released.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert stubs and all("raise NotImplementedError()" in c.source for c in stubs)
    points = [c.metadata.nbgrader.get("points", 0) for c in released.cells
              if c.metadata.get("nbgrader", {}).get("grade")]
    assert points and all(p > 0 for p in points), f"released grade cells lost their points: {points}"


def test_right_submission_gets_full_marks(course):
    scores = grades(course, "right")
    assert len(scores) >= 2, f"expected Chapter 1's two coding exercises, found {sorted(scores)}"
    for name, (score, max_score) in scores.items():
        assert max_score > 0 and score == max_score, f"right answer to {name} scored {score}/{max_score}"


def test_wrong_submission_loses_exactly_its_broken_exercise(course):
    scores = grades(course, "wrong")
    for name, (score, max_score) in scores.items():
        expected = 0 if name == f"{BROKEN}-check" else max_score
        assert score == expected, f"{name}: scored {score}/{max_score}, expected {expected}"
    right_total = sum(score for score, _ in grades(course, "right").values())
    wrong_total = sum(score for score, _ in scores.values())
    assert right_total - wrong_total == scores[f"{BROKEN}-check"][1]


def test_autograded_feedback_names_the_mistake(course):
    graded = nbformat.read(course / "autograded" / "wrong" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    check = next(c for c in graded.cells if c.metadata.get("nbgrader", {}).get("grade_id") == f"{BROKEN}-check")
    errors = [o for o in check.outputs if o.output_type == "error"]
    assert errors, "the check cell of the wrong answer raised nothing"
    assert errors[0].ename == "CheckFailed" and "overflow" in errors[0].evalue, errors[0].evalue
