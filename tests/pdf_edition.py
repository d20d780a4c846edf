"""Build the PDF edition and check it (not a pytest test: CI runs it after the test suite).

    python tests/pdf_edition.py            # build with jupyter-book, then check
    python tests/pdf_edition.py --no-build # check the PDF already in _build/latex

The build is the README's command, ``jupyter-book build . --builder pdflatex`` (XeLaTeX through
latexmk; Debian's texlive-xetex, texlive-latex-extra, latexmk and fonts-freefont-otf). The
checks read the PDF with poppler's ``pdfinfo`` and ``pdftotext``:

* its page count lies in a plausible range, and every page of the table of contents is there;
* every chapter's title, the guide "For instructors" and "About this book" are in it;
* every chapter has numbered figures, equations and exercises (``Fig. 3.1``, ``(3.1)``,
  ``Exercise 3.1``), with their solutions;
* no widget or animation leaks its HTML or its Python repr into the text, no caption asks the
  reader to press play, and each animation prints a still with the note that says so.

It prints the build time, the page count and what it checked, and exits with status 1 on the
first failed check.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PDF = ROOT / "_build" / "latex" / "how-networks-learn.pdf"
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
#: 9 chapters of 20 to 30 pages each, with the front and back matter; far outside means a
#: chapter went missing or something prints page after page of raw output.
PAGES = range(150, 450)
#: What must never reach the page: widget and animation HTML, and Python reprs of display objects.
LEAKS = ["<div", "<script", "<style", "</", "VBox(", "HBox(", "IntSlider(", "FloatSlider(", "Output(",
         "<animation of", "<IPython.", "<Figure size", "application/vnd.jupyter", "interactive figure (run",
         "Press play"]  # paper has no play button: _ext/print_edition.py drops that sentence


def chapter_title(path: Path) -> str:
    first = "".join(json.loads(path.read_text())["cells"][0]["source"])
    return re.match(r"#\s+(.+)", first).group(1).strip()


def flat(text: str) -> str:
    """The PDF's text with line breaks, hyphenation at line ends and typographic quotes undone."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    text = re.sub(r"-\n(?=[a-z])", "-", text)
    return re.sub(r"\s+", " ", text)


def build() -> float:
    started = time.perf_counter()
    done = subprocess.run([str(Path(sys.executable).parent / "jupyter-book"), "build", str(ROOT),
                           "--builder", "pdflatex", "--all"], capture_output=True, text=True)
    if done.returncode != 0 or not PDF.exists():
        print((done.stdout + done.stderr)[-5000:])
        raise SystemExit("the PDF edition did not build")
    return time.perf_counter() - started


def check(text: str, pages: int) -> list[str]:
    problems = []
    if pages not in PAGES:
        problems.append(f"{pages} pages, expected between {PAGES.start} and {PAGES.stop}")
    body = flat(text)
    titles = ["About this book", "For instructors", *(chapter_title(p) for p in CHAPTERS)]
    problems += [f"title missing: {t!r}" for t in titles if t not in body]
    for number, path in enumerate(CHAPTERS, start=1):
        notebook = json.loads(path.read_text())
        markdown = "\n".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown")
        wanted = {f"Exercise {number}.1": "{exercise}" in markdown,
                  f"Solution to Exercise {number}.1": "{solution}" in markdown,
                  f"Fig. {number}.1": any("figure" in c["metadata"].get("mystnb", {}) for c in notebook["cells"]),
                  f"({number}.1)": ":label: eq-" in markdown}
        problems += [f"chapter {number}: no {what!r}" for what, expected in wanted.items()
                     if expected and what not in body]
    problems += [f"raw output in the PDF: {leak!r} ({body.count(leak)} times)" for leak in LEAKS if leak in body]
    animations = sum("".join(c["source"]).count("animate_paths(") for p in CHAPTERS
                     for c in json.loads(p.read_text())["cells"] if c["cell_type"] == "code")
    stills = body.count("In print, the last frame")
    if stills != animations:
        problems.append(f"{animations} animations in the chapters, {stills} stills with their note in the PDF")
    return problems


def main(argv: list[str]) -> int:
    seconds = None if "--no-build" in argv else build()
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(PDF)], capture_output=True,
                                                             text=True, check=True).stdout).group(1))
    text = subprocess.run(["pdftotext", "-layout", str(PDF), "-"], capture_output=True, text=True, check=True).stdout
    built = f"built in {seconds:.0f} s, " if seconds is not None else ""
    print(f"PDF edition: {PDF.relative_to(ROOT)}, {built}{pages} pages, {PDF.stat().st_size / 2**20:.1f} MiB")
    problems = check(text, pages)
    for problem in problems:
        print(f"  FAILED: {problem}")
    if not problems:
        print(f"  every chapter title, numbered figures, equations and exercises, {len(CHAPTERS)} chapters; "
              "no raw widget or animation output")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
