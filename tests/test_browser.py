"""The website as readers see it: every page opened in headless Chromium.

Needs Debian's ``chromium`` (``apt-get install chromium``; .ci/run installs it). Playwright drives
it through ``executable_path``; no browser is downloaded. The site is served from localhost and
every request to any other host is blocked and reported, so a page that needs the network fails.

For each chapter the test checks what a reader relies on: no console errors; math typeset by the
site's own MathJax; every figure the notebook declares is on the page, loaded, captioned and
described by alt text, and drawn at a scale that keeps its smallest text no smaller than the
page's small print; exercise solutions, written and coded, hidden until clicked; animations with
working controls; launch and download buttons; display equations that fit a 390 px phone (at most
one in ten scrolls sideways, and no equation number covers its formula); and the search page
finding the chapter. The website built with ``BOOK_SOLUTIONS=none`` shows no solution at all.
The last tests break copies of pages on purpose to show that each of these checks fails when it
should.
"""

from __future__ import annotations

import base64
import functools
import http.server
import io
import json
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from conftest import ROOT, toc_files
from optimlab import plots
from PIL import Image
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import sync_playwright

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
CHAPTERS = [entry for entry in toc_files() if entry.startswith("chapters/")]
PAGE_BUDGET_BYTES = 5 * 1024 * 1024
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
#: At most this fraction of a page's display equations may scroll sideways on a phone.
SCROLLING_EQUATIONS_ALLOWED = 0.1


# --------------------------------------------------------------------------- what each page must show
def expectations(chapter: str) -> dict:
    """What the chapter's notebook promises: figures, solutions, animations, a search term."""
    notebook = json.loads((ROOT / chapter).with_suffix(".ipynb").read_text())
    cells = notebook["cells"]
    code = [("".join(c["source"]), c["metadata"]) for c in cells if c["cell_type"] == "code"]
    markdown = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    title = re.match(r"#\s+(.*)", markdown).group(1)
    coding = [src for src, meta in code if meta.get("nbgrader", {}).get("solution")]
    return {
        "figures": sum(1 for _, meta in code if "figure" in meta.get("mystnb", {})),
        "solutions": len(re.findall(r"^(?:`{3,}|:{3,})\{solution\}", markdown, flags=re.M)),
        "coding_solutions": len(coding),
        "solution_lines": solution_lines(markdown, coding),
        "animations": sum(src.count("animate_paths(") for src, _ in code),
        "search_term": max(re.findall(r"[A-Za-z]+", title), key=len).lower(),
    }


def solution_lines(markdown: str, coding: list[str]) -> list[str]:
    """Distinctive lines of a chapter's solutions: code between nbgrader's markers, and the first
    sentence-long line of each written solution. None of them may appear on a page without solutions."""
    lines = []
    for source in coding:
        inside = re.search(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", source, flags=re.S)
        lines += [line.strip() for line in inside.group(1).splitlines() if len(line.strip()) > 12]
    for block in re.findall(r"^(?:`{3,}|:{3,})\{solution\}.*?\n(.*?)^(?:`{3,}|:{3,})\s*$", markdown, flags=re.M | re.S):
        # the longest run of plain words, which reads the same in the page's text (no math, no markup)
        prose = "\n".join(line for line in block.splitlines() if not line.startswith(":"))
        runs = re.findall(r"[A-Za-z0-9 ,;:()]+", re.sub(r"\$[^$]*\$", "\n", prose))
        longest = max((run.strip() for run in runs), key=len, default="")
        lines += [longest[:40].rsplit(" ", 1)[0]] if len(longest) >= 20 else []
    return lines


# --------------------------------------------------------------------------- serving and browsing
class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def serve():
    """A function that serves a site folder on localhost and returns its base URL.

    One server per folder, started on first use and shared by the tests that follow.
    """
    servers: dict[Path, http.server.ThreadingHTTPServer] = {}

    def start(folder: Path) -> str:
        if folder not in servers:
            handler = functools.partial(_QuietHandler, directory=str(folder))
            servers[folder] = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
            threading.Thread(target=servers[folder].serve_forever, kwargs={"poll_interval": 0.05},
                             daemon=True).start()
        return f"http://127.0.0.1:{servers[folder].server_address[1]}/"

    yield start
    for server in servers.values():
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser():
    assert CHROMIUM, "the browser test needs Debian's chromium: apt-get install chromium"
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def open_page(browser, url: str, wait_until: str = "load", **context):
    """Open ``url``; returns the page and a list that collects console errors and stray requests.

    The page has loaded when this returns, unless ``wait_until`` names an earlier moment.
    """
    page = browser.new_page(**context)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console error: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"JavaScript exception: {e}"))
    page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)

    def only_localhost(route):
        if route.request.url.startswith(("http://127.0.0.1", "data:", "blob:")):
            route.continue_()
        else:
            problems.append(f"request to the network: {route.request.url}")
            route.abort()

    page.route("**/*", only_localhost)
    page.goto(url, wait_until=wait_until)
    return page, problems


class Pages:
    """Opens pages like :func:`open_page`, and loads the page the next test will open (``then``,
    in a page of its own) while the current one is being checked: Chromium loads the one while
    the checks wait on the other, so the two cores both work."""

    def __init__(self, browser):
        self.browser = browser
        self.loading: dict[tuple, tuple] = {}

    @staticmethod
    def _key(url: str, context: dict) -> tuple:
        return url, json.dumps(context, sort_keys=True)

    def open(self, url: str, then: str | None = None, **context):
        """The page at ``url``, loaded, and the list that collects its problems; starts loading ``then``."""
        started = self.loading.pop(self._key(url, context), None)
        if started is None:
            page, problems = open_page(self.browser, url, **context)
        else:
            page, problems = started
            page.wait_for_load_state("load")
        if then is not None and self._key(then, context) not in self.loading:
            self.loading[self._key(then, context)] = open_page(self.browser, then, wait_until="commit", **context)
        return page, problems

    def close(self) -> None:
        for page, _ in self.loading.values():
            page.close()
        self.loading.clear()


@pytest.fixture(scope="module")
def pages(browser):
    opener = Pages(browser)
    yield opener
    opener.close()


def following(chapter: str) -> str | None:
    """The chapter after ``chapter``, or None after the last."""
    index = CHAPTERS.index(chapter) + 1
    return CHAPTERS[index] if index < len(CHAPTERS) else None


def chapter_problems(page, expect: dict, site: Path | None = None) -> list[str]:
    """Everything wrong with an opened chapter page, as readable sentences."""
    problems = []
    typeset = page.evaluate("""async () => {
        if (!window.MathJax || !MathJax.startup) return {loaded: false};
        await MathJax.startup.promise;
        const raw = [...document.querySelectorAll('span.math, div.math')]
            .filter(e => !e.querySelector('mjx-container')).length;
        const source = performance.getEntriesByType('resource').map(r => r.name)
            .filter(n => n.includes('mathjax'));
        return {loaded: true, typeset: document.querySelectorAll('mjx-container').length, raw, source};
    }""")
    if not typeset["loaded"]:
        problems.append("MathJax did not load")
    else:
        if typeset["typeset"] == 0 or typeset["raw"]:
            problems.append(f"math not typeset: {typeset['typeset']} typeset, {typeset['raw']} left raw")
        if not all(s.startswith(page.url.split("chapters/")[0]) for s in typeset["source"]):
            problems.append(f"MathJax came from elsewhere: {typeset['source']}")

    figures = page.evaluate("""() => [...document.querySelectorAll('article figure')].map(f => {
        const img = f.querySelector('img');
        return {img: !!img, loaded: !!img && img.complete && img.naturalWidth > 0,
                alt: img ? (img.getAttribute('alt') || '').trim() : '',
                caption: (f.querySelector('figcaption') || {}).textContent || '',
                numbered: !!f.querySelector('figcaption .caption-number')};
    })""")
    if len(figures) != expect["figures"]:
        problems.append(f"{len(figures)} figures on the page, the notebook declares {expect['figures']}")
    for i, fig in enumerate(figures, 1):
        if not fig["numbered"]:
            problems.append(f"figure {i} has no number")
        if not fig["loaded"]:
            problems.append(f"figure {i} has no loaded image")
        if len(fig["alt"]) < 15:
            problems.append(f"figure {i} lacks a real alt text: {fig['alt']!r}")
        if len(fig["caption"].strip()) < 15:
            problems.append(f"figure {i} lacks a caption")
    problems += figure_scale_problems(page, site)
    scrolling = page.evaluate("""() => {
        const opened = [...document.querySelectorAll('article div.cell details:not([open])')];
        opened.forEach(d => d.open = true);    // folded code is measured as a reader who opens it sees it
        const wide = [...document.querySelectorAll('article div.cell pre')]
            .filter(p => p.clientWidth > 0 && p.scrollWidth > p.clientWidth + 1)
            .map(p => p.textContent.trim().split('\\n')[0].slice(0, 50));
        opened.forEach(d => d.open = false);
        return wide;
    }""")
    problems += [f"a code or output box scrolls sideways at desktop width: {first!r}..." for first in scrolling]
    unlabelled = page.evaluate("""() => [...document.querySelectorAll('article img')]
        .filter(i => !(i.getAttribute('alt') || '').trim()).map(i => (i.src || '').slice(0, 80))""")
    if unlabelled:
        problems.append(f"images without alt text: {unlabelled}")

    problems += hidden_until_clicked(page, "article div.solution", ":scope > :not(.admonition-title)",
                                     "button.toggle-button", "solution", expect["solutions"])
    problems += coding_solution_problems(page, expect["coding_solutions"])

    animations = page.locator("article div.animation")
    if animations.count() != expect["animations"]:
        problems.append(f"{animations.count()} animations on the page, the notebook makes {expect['animations']}")
    for i in range(animations.count()):
        animation = animations.nth(i)
        numbered = "a => !!a.closest('figure') && !!a.closest('figure').querySelector('.caption-number')"
        if not animation.evaluate(numbered):
            problems.append(f"animation {i + 1} has no numbered caption")
        buttons = animation.locator("button")
        frame = animation.locator("img")
        before = frame.get_attribute("src")
        if buttons.count() < 5:
            problems.append(f"animation {i + 1} lacks its controls")
            continue
        animation.locator("button[title='Next frame']").click()
        if frame.get_attribute("src") == before:
            problems.append(f"animation {i + 1} does not advance when its 'next frame' button is clicked")

    launch = page.locator(".dropdown-launch-buttons a").evaluate_all("els => els.map(e => e.href)")
    for host in ("mybinder.org", "colab.research.google.com"):
        if not any(host in href for href in launch):
            problems.append(f"no launch button for {host}")
    downloads = page.locator(".dropdown-download-buttons a").evaluate_all("els => els.map(e => e.href)")
    if not any(href.endswith(".ipynb") for href in downloads):
        problems.append("no button to download the notebook")
    return problems


def hidden_until_clicked(page, boxes: str, body: str, toggle: str, name: str, expected: int) -> list[str]:
    """The ``expected`` elements matching ``boxes`` each hide their ``body`` until ``toggle`` is clicked."""
    problems = []
    found = page.locator(boxes)
    if found.count() != expected:
        problems.append(f"{found.count()} {name}s on the page, the notebook has {expected}")
    for i in range(found.count()):
        box = found.nth(i)
        content = box.locator(body).first
        if content.is_visible():
            problems.append(f"{name} {i + 1} is visible before it is clicked")
            continue
        box.locator(toggle).first.click()
        try:
            content.wait_for(state="visible", timeout=2000)
        except PlaywrightTimeoutError:
            problems.append(f"{name} {i + 1} does not open on click")
    return problems


def coding_solution_problems(page, expected: int) -> list[str]:
    """Each coding solution folded behind a toggle that opens on click; no nbgrader marker shows."""
    problems = hidden_until_clicked(page, "article .coding-solution details.hide", "div.cell_input", "summary",
                                    "coding solution", expected)
    if "SOLUTION" in page.locator("article").inner_text():
        problems.append("nbgrader's BEGIN/END SOLUTION markers show on the page")
    return problems


def _image_dpi(site_url: str, src: str, root: Path | None) -> float:
    """The resolution an image was drawn at (PNG/JPEG metadata), or the book's DPI if it has none."""
    if src.startswith("data:"):
        data = base64.b64decode(src.split(",", 1)[1])
    elif root is not None and src.startswith(site_url):
        data = (root / unquote(urlparse(src).path).lstrip("/")).read_bytes()
    else:
        return plots.DPI
    dpi = Image.open(io.BytesIO(data)).info.get("dpi")
    return float(dpi[0]) if dpi and dpi[0] > 1 else plots.DPI


def figure_scale_problems(page, root: Path | None) -> list[str]:
    """Figures whose smallest text renders smaller than the page's small print.

    A figure drawn at ``dpi`` with fonts of at least ``plots.SMALLEST_FONT_PT`` shows its smallest
    text at ``SMALLEST_FONT_PT * dpi / 72 * shown / natural`` pixels; the page's small print is the
    font size of its code blocks.
    """
    shown = page.evaluate("""() => ({
        small: parseFloat(getComputedStyle(document.querySelector('article pre') || document.body).fontSize),
        images: [...document.querySelectorAll('article figure img, article div.animation img')]
            .filter(i => i.naturalWidth > 0)
            .map(i => ({src: i.currentSrc || i.src, natural: i.naturalWidth, shown: i.clientWidth,
                        alt: (i.getAttribute('alt') || '').slice(0, 40)}))})""")
    site_url = page.url.split("chapters/")[0]
    problems = []
    for image in shown["images"]:
        dpi = _image_dpi(site_url, image["src"], root)
        text_px = plots.SMALLEST_FONT_PT * dpi / 72 * image["shown"] / image["natural"]
        if text_px < shown["small"] - 0.5:
            problems.append(f"figure '{image['alt']}' is shown at {image['shown'] / image['natural']:.0%} of its "
                            f"size: its smallest text is {text_px:.1f} px, the page's small print "
                            f"{shown['small']:.0f} px")
    return problems


def equation_problems(page) -> tuple[list[str], dict]:
    """Display equations that scroll sideways, or whose number covers the formula (call at phone width)."""
    equations = page.evaluate("""async () => {
        await MathJax.startup.promise;
        return [...document.querySelectorAll('article div.math')].map(d => {
            const m = d.querySelector('mjx-container');
            if (!m) return null;
            const number = d.querySelector('span.eqno');
            let covered = false;
            if (number) {
                const a = number.getBoundingClientRect(), b = m.getBoundingClientRect();
                covered = a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1;
            }
            return {scrolls: m.scrollWidth > m.clientWidth + 1, covered,
                    label: number ? number.textContent.replace('#', '').trim() : 'unnumbered'};
        }).filter(e => e);
    }""")
    scrolling = [e["label"] for e in equations if e["scrolls"]]
    problems = [f"equation {e['label']}: its number covers the formula" for e in equations if e["covered"]]
    if len(scrolling) > SCROLLING_EQUATIONS_ALLOWED * len(equations):
        problems.append(f"{len(scrolling)} of {len(equations)} display equations scroll sideways at "
                        f"{page.viewport_size['width']} px (at most one in ten may): {scrolling}")
    return problems, {"equations": len(equations), "scrolling": scrolling}


def open_every_solution(page) -> None:
    """Unfold every written solution, so that the checks that follow see their contents too."""
    page.evaluate("""() => document.querySelectorAll('article div.dropdown.toggle-hidden button.toggle-button')
        .forEach(button => button.click())""")
    page.wait_for_timeout(300)


def inline_math_problems(page) -> list[str]:
    """Inline formulas that run past the edge of their paragraph: MathJax never breaks a formula, so
    at phone width a long one is cut off (call after :func:`open_every_solution`)."""
    cut = page.evaluate("""async () => {
        await MathJax.startup.promise;
        return [...document.querySelectorAll('article mjx-container:not([display="true"])')].filter(m => {
            const box = m.getBoundingClientRect();
            let block = m.parentElement;
            while (block && getComputedStyle(block).display.startsWith('inline')) block = block.parentElement;
            return box.width > 0 && box.right > block.getBoundingClientRect().right + 1;
        }).map(m => m.textContent.slice(0, 40));
    }""")
    return [f"an inline formula runs past its paragraph at {page.viewport_size['width']} px: {text}" for text in cut]


def overflow_problems(page, width: int) -> list[str]:
    """What makes an opened page wider than ``width``, or runs off the screen or the text column."""
    page.evaluate("async () => { if (window.MathJax && MathJax.startup) await MathJax.startup.promise; }")
    problems = []
    scroll = page.evaluate("document.documentElement.scrollWidth")
    if scroll > width + 1:
        problems.append(f"the page is {scroll} px wide at {width} px")
    # pictures and players must fit the text column (an output box would clip them silently)
    clipped = page.evaluate("""() => {
        const article = document.querySelector('article');
        const column = article.getBoundingClientRect().right - parseFloat(getComputedStyle(article).paddingRight);
        return [...document.querySelectorAll('article img, article div.animation')]
            .filter(e => e.getBoundingClientRect().right > column + 1)
            .map(e => e.tagName + ' ' + (e.getAttribute('alt') || e.className).slice(0, 40));
    }""")
    problems += [f"{item} is wider than the text column" for item in clipped]
    # the links to the previous and next chapters stay on the screen
    cut = page.evaluate("""w => [...document.querySelectorAll('.prev-next-area .prev-next-title')]
        .filter(a => a.getBoundingClientRect().right > w + 1).map(a => a.textContent.trim().slice(0, 40))""", width)
    problems += [f"the link '{text}' runs off the screen" for text in cut]
    return problems


def figure_link_problems(page) -> list[str]:
    """Figures (not animation frames) that are not a link to their own full-size image."""
    links = page.evaluate("""() => [...document.querySelectorAll('article figure img')]
        .filter(i => !i.closest('div.animation'))
        .map(i => { const a = i.closest('a.figure-full-size'); return !!a && a.href === i.src; })""")
    if not links:
        return ["no figure on the page"]
    missing = links.count(False)
    return [f"{missing} of {len(links)} figures lack a link to the full-size image"] if missing else []


def solution_tap_problems(page) -> list[str]:
    """A tap on the first solution's title must open it."""
    solution = page.locator("article div.solution").first
    body = solution.locator(":scope > :not(.admonition-title)").first
    link = solution.locator(".admonition-title a").first
    link.scroll_into_view_if_needed()
    box = link.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_timeout(200)
    return [] if body.is_visible() else ["tapping the first solution's title did not open it"]


def solution_leaks(site: Path, chapter: str) -> list[str]:
    """What a site built without solutions still shows of a chapter's solutions."""
    expect = expectations(chapter)
    html = (site / chapter).with_suffix(".html").read_text()
    text = re.sub(r"<[^>]+>", "", html)
    notebook = (site / "_sources" / chapter).with_suffix(".ipynb").read_text()
    leaks = []
    if 'class="solution' in html or "coding-solution" in html:
        leaks.append("a solution block is on the page")
    if "cases passed" in text:
        leaks.append("a check reports that the instructor's solution passed")
    if text.count("NotImplementedError") < expect["coding_solutions"]:
        leaks.append(f"{text.count('NotImplementedError')} student stubs on the page, "
                     f"the notebook has {expect['coding_solutions']} coding exercises")
    for line in expect["solution_lines"]:
        plain = line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        for where, content in (("page", text), ("downloadable notebook", notebook)):
            if line in content or plain in content:
                leaks.append(f"the {where} shows the solution line {line!r}")
    if "BEGIN SOLUTION" in notebook:
        leaks.append("the downloadable notebook contains solution code")
    if "mybinder.org" in html or "colab.research.google.com" in html:
        leaks.append("a launch button would open the instructor edition in Binder or Colab")
    return leaks


def page_weight(site: Path, chapter: str) -> int:
    """Bytes of a chapter's HTML plus the images it shows (embedded animations are in the HTML)."""
    html_path = (site / chapter).with_suffix(".html")
    html = html_path.read_text()
    images = {src for src in re.findall(r'<img[^>]+src="([^"]+)"', html) if not src.startswith(("data:", "http"))}
    return html_path.stat().st_size + sum((html_path.parent / src).resolve().stat().st_size for src in images)


# --------------------------------------------------------------------------- the tests
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_page_works_in_a_browser(built_site, serve, pages, chapter):
    base, after = serve(built_site), following(chapter)
    page, problems = pages.open(base + chapter + ".html", after and base + after + ".html", viewport=DESKTOP)
    problems += chapter_problems(page, expectations(chapter), built_site)
    problems += overflow_problems(page, DESKTOP["width"])
    page.close()
    assert not problems, f"{chapter}:\n- " + "\n- ".join(problems)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_page_works_on_a_phone(built_site, serve, pages, chapter):
    """At 390 px: nothing runs off the screen, a tap on a figure opens the image at full size
    (phones show figures at about half size), a tap on "Solution to Exercise N" opens the solution
    (its link to the exercise does not take the tap), and, with every solution open, display
    equations fit and no inline formula runs past its paragraph."""
    base, after = serve(built_site), following(chapter)
    page, problems = pages.open(base + chapter + ".html", after and base + after + ".html", viewport=PHONE)
    problems += overflow_problems(page, PHONE["width"])
    problems += figure_link_problems(page)
    problems += solution_tap_problems(page)
    open_every_solution(page)
    problems += equation_problems(page)[0]  # the solutions' equations included
    problems += inline_math_problems(page)
    page.close()
    assert not problems, f"{chapter}:\n- " + "\n- ".join(problems)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_site_without_solutions_shows_none(built_site_without_solutions, serve, pages, chapter):
    leaks = solution_leaks(built_site_without_solutions, chapter)
    base, after = serve(built_site_without_solutions), following(chapter)
    page, problems = pages.open(base + chapter + ".html", after and base + after + ".html", viewport=DESKTOP)
    page.evaluate("async () => { if (window.MathJax && MathJax.startup) await MathJax.startup.promise; }")
    shown = page.locator("article div.solution, article .coding-solution").count()
    page.close()
    assert not leaks + problems and shown == 0, f"{chapter}: {shown} solutions shown; " + "; ".join(leaks + problems)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_search_finds_the_chapter(built_site, serve, pages, chapter):
    term, after = expectations(chapter)["search_term"], following(chapter)
    base = serve(built_site) + "search.html?q="
    page, problems = pages.open(base + term, after and base + expectations(after)["search_term"])
    page.wait_for_selector("#search-results li a", timeout=15000)
    hits = page.locator("#search-results li a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    page.close()
    assert not problems, problems
    assert any(chapter + ".html" in hit for hit in hits), f"searching {term!r} gave {hits}"


@pytest.mark.parametrize("width", [DESKTOP["width"], PHONE["width"]], ids=["desktop", "phone"])
def test_other_pages_do_not_overflow_sideways(built_site, serve, browser, width):
    """The pages that are not chapters (the chapters are checked at both widths above)."""
    problems = []
    for entry in toc_files():
        if entry not in CHAPTERS:
            page, _ = open_page(browser, serve(built_site) + entry + ".html", viewport={"width": width, "height": 900})
            problems += [f"{entry}: {problem}" for problem in overflow_problems(page, width)]
            page.close()
    assert not problems, problems


def test_every_chapter_page_is_lighter_than_5_megabytes(built_site):
    weights = {chapter: page_weight(built_site, chapter) for chapter in CHAPTERS}
    heavy = {c: f"{w / 1e6:.1f} MB" for c, w in weights.items() if w > PAGE_BUDGET_BYTES}
    assert not heavy, f"pages over 5 MB: {heavy}"


def test_a_broken_page_fails_the_checks(built_site, serve, browser, tmp_path):
    """The checks can fail: in a copy of Chapter 1, remove a figure's image and an alt text, unfold
    a written and a coding solution, shrink a figure to half its size, and lengthen a code line."""
    chapter = CHAPTERS[0]
    broken = tmp_path / "site"
    shutil.copytree(built_site, broken)
    html_path = (broken / chapter).with_suffix(".html")
    html = html_path.read_text()
    images = re.findall(r'<figure[^>]*>.*?<img[^>]+src="([^"]+)"', html, flags=re.S)
    (html_path.parent / images[0]).unlink()
    html = re.sub(r'(<figure[^>]*>.*?<img[^>]+)alt="[^"]*"', r'\1alt=""', html, count=1, flags=re.S)
    html = html.replace('<div class="solution dropdown admonition"', '<div class="solution admonition"', 1)
    coding = html.index("coding-solution")
    html = html[:coding] + html[coding:].replace('<details class="', '<details open class="', 1)
    second_figure = [m.start() for m in re.finditer(r"<figure", html)][1]
    html = html[:second_figure] + html[second_figure:].replace("<img ", '<img style="width: 50%" ', 1)
    first_code = html.index("<pre>", html.index('class="cell'))
    html = html[:first_code + 5] + "x = " + "1 + " * 40 + "1\n" + html[first_code + 5:]
    html_path.write_text(html)
    page, problems = open_page(browser, serve(broken) + chapter + ".html", viewport=DESKTOP)
    problems += chapter_problems(page, expectations(chapter), broken)
    page.close()
    text = "\n".join(problems)
    assert "HTTP 404" in text and "has no loaded image" in text, text
    assert "lacks a real alt text" in text, text
    assert re.search(r"^solution 1 is visible before it is clicked", text, flags=re.M), text
    assert re.search(r"^coding solution 1 is visible before it is clicked", text, flags=re.M), text
    assert "is shown at 50% of its size" in text, text
    assert "a code or output box scrolls sideways at desktop width: 'x = 1 + 1" in text, text


def test_a_broken_page_fails_the_phone_checks(built_site, serve, browser, tmp_path):
    """The phone checks can fail: in a copy of Chapter 1, add long equations, move the equation
    numbers onto the formulas, add a box wider than the screen, put a long inline formula in a
    solution, and drop the book's stylesheet and script (which open a solution on a tap of its
    title and link figures to their full size)."""
    chapter = CHAPTERS[0]
    broken = tmp_path / "site"
    shutil.copytree(built_site, broken)
    html_path = (broken / chapter).with_suffix(".html")
    wide = '<div class="math notranslate nohighlight">\\[' + " + ".join(f"x_{{{k}}}^2" for k in range(60)) + "\\]</div>"
    terms = " + ".join(f"y_{{{k}}}" for k in range(40))
    long_inline = f'<span class="math notranslate nohighlight">\\({terms}\\)</span>'
    covering = "<style>div.math { position: relative; } div.math span.eqno { position: absolute; left: 2em; }</style>"
    html = html_path.read_text().replace("</article>", wide * 40 + '<div style="width: 900px">x</div></article>', 1)
    html = re.sub(r'<link[^>]+book\.css[^>]*>|<script[^>]+enlarge\.js[^>]*></script>', "", html)
    html = html.replace('<section id="solution-content">', f'<section id="solution-content"><p>{long_inline}</p>', 1)
    html_path.write_text(html.replace("</head>", covering + "</head>", 1))
    page, _ = open_page(browser, serve(broken) + chapter + ".html", viewport=PHONE)
    problems, counts = equation_problems(page)
    problems += overflow_problems(page, PHONE["width"]) + figure_link_problems(page) + solution_tap_problems(page)
    open_every_solution(page)
    problems += inline_math_problems(page)
    page.close()
    text = "\n".join(problems)
    assert "display equations scroll sideways at 390 px" in text and len(counts["scrolling"]) >= 40, text
    assert "its number covers the formula" in text, text
    assert "the page is" in text and "px wide at 390 px" in text, text
    assert "figures lack a link to the full-size image" in text, text
    assert "tapping the first solution's title did not open it" in text, text
    assert "an inline formula runs past its paragraph at 390 px: y0+y1+" in text, text


def test_a_site_leaking_a_solution_fails_the_check(built_site_without_solutions, tmp_path):
    """The no-solutions check can fail: put one solution line back on a copy of each page."""
    broken = tmp_path / "site"
    shutil.copytree(built_site_without_solutions, broken)
    for chapter in CHAPTERS:
        assert not solution_leaks(broken, chapter)
        line = expectations(chapter)["solution_lines"][0]
        html_path = (broken / chapter).with_suffix(".html")
        html_path.write_text(html_path.read_text().replace("</article>", f"<p>{line}</p></article>", 1))
        assert any(line in leak for leak in solution_leaks(broken, chapter)), chapter
