"""Book-level checks: committed notebooks, the table of contents, and the website build.

The website (the ``built_site`` fixture of conftest.py) is built with warnings as errors, so
broken references, unknown directives or roles, missing files and bad metadata fail here; this
module also checks that the site serves its own scripts and math instead of fetching them.
How the pages look in a browser is tested in test_browser.py.
"""

import json
import re
from pathlib import Path

import pytest
import yaml
from conftest import toc_files

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))


def test_there_are_chapters():
    assert CHAPTERS, "no notebooks in chapters/"


@pytest.mark.parametrize("path", [*CHAPTERS, ROOT / "instructors.ipynb"], ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path):
    notebook = json.loads(path.read_text())
    dirty = [i for i, cell in enumerate(notebook["cells"])
             if cell.get("outputs") or cell.get("execution_count") is not None]
    assert not dirty, f"{path.name}: cells {dirty} have outputs or execution counts; strip them"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_notebook_follows_the_chapter_template(path):
    cells = json.loads(path.read_text())["cells"]
    markdown = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    assert re.match(r"# \S", "".join(cells[0]["source"])), "the first cell must be the chapter title"
    for required in ("Learning objectives", "{exercise}", "{solution}", "## Summary",
                     "Notation across sources"):
        assert required in markdown, f"{path.name} lacks {required!r}"
    for cell in cells:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code" and "mystnb" in cell["metadata"]:
            options = cell["metadata"]["mystnb"]
            assert options.get("figure", {}).get("caption"), f"figure without caption:\n{source[:200]}"
            assert options.get("image", {}).get("alt"), f"figure without alt text:\n{source[:200]}"


def test_every_chapter_is_in_the_table_of_contents_and_vice_versa():
    listed = set(toc_files())
    on_disk = {f"chapters/{p.stem}" for p in CHAPTERS}
    assert on_disk <= listed, f"chapters missing from _toc.yml: {sorted(on_disk - listed)}"
    for entry in listed:
        assert any((ROOT / entry).with_suffix(s).exists() for s in (".md", ".ipynb")), entry


def test_website_builds_with_every_page(built_site):
    for entry in toc_files():
        assert (built_site / entry).with_suffix(".html").exists(), f"{entry} was not built"


def test_website_serves_its_own_scripts_and_math(built_site):
    for entry in toc_files():
        html = (built_site / entry).with_suffix(".html").read_text()
        external = re.findall(r'<script[^>]+src="(https?://[^"]+)"', html)
        external += re.findall(r'<link[^>]+rel="stylesheet"[^>]+href="(https?://[^"]+)"', html)
        assert not external, f"{entry} loads assets from the network: {external}"
        if 'class="math' in html:
            assert '_static/mathjax/tex-chtml.js' in html, f"{entry} has math but does not load the local MathJax"
    assert (built_site / "_static" / "mathjax" / "tex-chtml.js").exists()


def repository_url() -> str:
    """The book's repository, as _config.yml sets it for the launch and repository buttons."""
    return yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"].rstrip("/")


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_colab_install_cell_uses_the_configured_repository(path):
    """Each chapter's Colab cell installs optimlab from the repository that _config.yml names."""
    cells = json.loads(path.read_text())["cells"]
    installs = [cell for cell in cells if "google.colab" in "".join(cell["source"])]
    assert len(installs) == 1, f"{path.name}: expected one Colab install cell, found {len(installs)}"
    source = "".join(installs[0]["source"])
    named = re.findall(r'REPOSITORY = "([^"]+)"', source)
    assert named == [repository_url()], (
        f"{path.name}: the Colab cell installs from {named}, _config.yml names {repository_url()!r}; "
        "see the README, 'Publishing the book'")
    assert "remove-cell" in installs[0]["metadata"].get("tags", []), f"{path.name}: the Colab cell must be hidden"


def _cited_keys() -> set[str]:
    """Every key cited with {cite}, {cite:p} or {cite:t} in the book's pages and chapters."""
    texts = [(ROOT / f"{entry}.md").read_text() for entry in toc_files() if (ROOT / f"{entry}.md").exists()]
    notebooks = [ROOT / f"{entry}.ipynb" for entry in toc_files() if (ROOT / f"{entry}.ipynb").exists()]
    texts += ["".join(cell["source"]) for path in notebooks for cell in json.loads(path.read_text())["cells"]
              if cell["cell_type"] == "markdown"]
    return {key.strip() for text in texts for keys in re.findall(r"\{cite(?::[pt])?\}`([^`]+)`", text)
            for key in keys.split(",")}


def test_every_bibliography_entry_is_cited_and_every_citation_exists():
    entries = set(re.findall(r"^@\w+\{([^,\s]+),", (ROOT / "references.bib").read_text(), flags=re.M))
    cited = _cited_keys()
    assert cited - entries == set(), f"cited but not in references.bib: {sorted(cited - entries)}"
    assert entries - cited == set(), f"in references.bib but cited nowhere: {sorted(entries - cited)}"


_GREEK = "theta|alpha|beta|sigma|kappa|lambda|epsilon|gamma|delta|phi|mu"
_PLAIN_MATH = re.compile(rf"\b(?:{_GREEK})(?:_\w+)?\b|\b\w_\w|\^\d")


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_captions_typeset_their_math(path):
    """Figure captions write math as the prose does ($\\theta_0$), not as plain text (theta_0)."""
    plain = []
    for cell in json.loads(path.read_text())["cells"]:
        caption = cell["metadata"].get("mystnb", {}).get("figure", {}).get("caption", "")
        outside_math = re.sub(r"\$[^$]*\$", " ", caption)
        plain += [f"{m.group(0)!r} in: {caption[:80]}" for m in _PLAIN_MATH.finditer(outside_math)]
    assert not plain, f"{path.name}: plain-text math in figure captions:\n" + "\n".join(plain)


#: Characters of code that fit a code box at desktop width (652 px of 8.43 px characters; a longer line
#: scrolls and hides its end), and the narrower box of code behind a "Show code" or "Show the
#: solution" toggle.
CODE_COLUMNS = 77
FOLDED_CODE_COLUMNS = 75


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_code_readers_see_fits_the_column(path):
    """Code cells shown on the page (or behind a "show code" toggle) have lines that fit the column."""
    long = []
    for cell in json.loads(path.read_text())["cells"]:
        tags = cell["metadata"].get("tags", [])
        if cell["cell_type"] != "code" or "remove-input" in tags or "remove-cell" in tags:
            continue
        folded = "hide-input" in tags or cell["metadata"].get("nbgrader", {}).get("solution")
        limit = FOLDED_CODE_COLUMNS if folded else CODE_COLUMNS
        long += [f"{line}  ({len(line)} > {limit})" for line in "".join(cell["source"]).splitlines()
                 if len(line) > limit]
    assert not long, f"{path.name}: {len(long)} code lines too long for their box:\n" + "\n".join(long)


def equation_labels(path: Path) -> set[str]:
    """The labels of a chapter's display equations: ``$$ ... $$ (eq-name)`` and ``:label: eq-name``."""
    text = "".join("".join(cell["source"]) for cell in json.loads(path.read_text())["cells"])
    return set(re.findall(r"\$\$\s*\((eq-[\w-]+)\)", text)) | set(re.findall(r":label:\s*(eq-[\w-]+)", text))


def test_equations_the_package_cites_exist():
    """A docstring citing ``eq-name`` points at a labelled equation of some chapter."""
    labels = set().union(*(equation_labels(path) for path in CHAPTERS))
    cited = {(module.relative_to(ROOT).as_posix(), label)
             for module in sorted((ROOT / "code" / "optimlab").rglob("*.py"))
             for label in re.findall(r"``(eq-[\w-]+)``", module.read_text())}
    missing = sorted(f"{module}: {label}" for module, label in cited if label not in labels)
    assert cited and not missing, f"docstrings cite equations no chapter defines: {missing}"


def test_instructor_guide_places_every_exercise_and_times_every_chapter():
    """The guide's table of exercises by course level names each written exercise of the book,
    and its time table (computed when the page is built) covers every chapter."""
    guide = "\n".join("".join(c["source"]) for c in json.loads((ROOT / "instructors.ipynb").read_text())["cells"])
    for path in CHAPTERS:
        labels = re.findall(r"\{exercise\}[^\n]*\n:label: ([\w-]+)",
                            "\n".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"]))
        missing = [label for label in labels if f"{{numref}}`{label}`" not in guide]
        assert not missing, f"the instructor guide does not place {path.name}'s exercises {missing}"
    assert 'sorted(Path("chapters").glob("*.ipynb"))' in guide and "workload(path)" in guide
