"""The website as readers see it: every page opened in headless Chromium.

Needs Debian's ``chromium`` (``apt-get install chromium``; .ci/run installs it). Playwright drives
it through ``executable_path``; no browser is downloaded. The site is served from localhost and
every request to any other host is blocked and reported, so a page that needs the network fails.

For each chapter the test checks what a reader relies on: no console errors; math typeset by the
site's own MathJax; every figure the notebook declares is on the page, loaded, captioned and
described by alt text; exercise solutions hidden until clicked; animations with working controls;
launch and download buttons; and the search page finding the chapter. The last test breaks a copy
of a page on purpose to show that these checks fail when they should.
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import shutil
import threading
from pathlib import Path

import pytest
from conftest import ROOT, toc_files
from playwright.sync_api import sync_playwright

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
CHAPTERS = [entry for entry in toc_files() if entry.startswith("chapters/")]
PAGE_BUDGET_BYTES = 5 * 1024 * 1024


# --------------------------------------------------------------------------- what each page must show
def expectations(chapter: str) -> dict:
    """What the chapter's notebook promises: figures, solutions, animations, a search term."""
    notebook = json.loads((ROOT / chapter).with_suffix(".ipynb").read_text())
    cells = notebook["cells"]
    code = [("".join(c["source"]), c["metadata"]) for c in cells if c["cell_type"] == "code"]
    markdown = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    title = re.match(r"#\s+(.*)", markdown).group(1)
    return {
        "figures": sum(1 for _, meta in code if "figure" in meta.get("mystnb", {})),
        "solutions": len(re.findall(r"^(?:`{3,}|:{3,})\{solution\}", markdown, flags=re.M)),
        "animations": sum(src.count("animate_paths(") for src, _ in code),
        "search_term": max(re.findall(r"[A-Za-z]+", title), key=len).lower(),
    }


# --------------------------------------------------------------------------- serving and browsing
class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def serve():
    """A function that serves a site folder on localhost and returns its base URL."""
    servers = []

    def start(folder: Path) -> str:
        handler = functools.partial(_QuietHandler, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()


@pytest.fixture(scope="module")
def browser():
    assert CHROMIUM, "the browser test needs Debian's chromium: apt-get install chromium"
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def open_page(browser, url: str, **context):
    """Open ``url``; returns the page and a list that collects console errors and stray requests."""
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
    page.goto(url, wait_until="load")
    return page, problems


def chapter_problems(page, expect: dict) -> list[str]:
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
                caption: (f.querySelector('figcaption') || {}).textContent || ''};
    })""")
    if len(figures) != expect["figures"]:
        problems.append(f"{len(figures)} figures on the page, the notebook declares {expect['figures']}")
    for i, fig in enumerate(figures, 1):
        if not fig["loaded"]:
            problems.append(f"figure {i} has no loaded image")
        if len(fig["alt"]) < 15:
            problems.append(f"figure {i} lacks a real alt text: {fig['alt']!r}")
        if len(fig["caption"].strip()) < 15:
            problems.append(f"figure {i} lacks a caption")
    unlabelled = page.evaluate("""() => [...document.querySelectorAll('article img')]
        .filter(i => !(i.getAttribute('alt') || '').trim()).map(i => (i.src || '').slice(0, 80))""")
    if unlabelled:
        problems.append(f"images without alt text: {unlabelled}")

    solutions = page.locator("article div.solution")
    if solutions.count() != expect["solutions"]:
        problems.append(f"{solutions.count()} solutions on the page, the notebook has {expect['solutions']}")
    for i in range(solutions.count()):
        solution = solutions.nth(i)
        body = solution.locator(":scope > :not(.admonition-title)").first
        if body.is_visible():
            problems.append(f"solution {i + 1} is visible before it is clicked")
            continue
        solution.locator("button.toggle-button").click()
        page.wait_for_timeout(100)
        if not body.is_visible():
            problems.append(f"solution {i + 1} does not open on click")

    animations = page.locator("article div.animation")
    if animations.count() != expect["animations"]:
        problems.append(f"{animations.count()} animations on the page, the notebook makes {expect['animations']}")
    for i in range(animations.count()):
        animation = animations.nth(i)
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


def page_weight(site: Path, chapter: str) -> int:
    """Bytes of a chapter's HTML plus the images it shows (embedded animations are in the HTML)."""
    html_path = (site / chapter).with_suffix(".html")
    html = html_path.read_text()
    images = {src for src in re.findall(r'<img[^>]+src="([^"]+)"', html) if not src.startswith(("data:", "http"))}
    return html_path.stat().st_size + sum((html_path.parent / src).resolve().stat().st_size for src in images)


# --------------------------------------------------------------------------- the tests
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_page_works_in_a_browser(built_site, serve, browser, chapter):
    base = serve(built_site)
    page, problems = open_page(browser, base + chapter + ".html")
    problems += chapter_problems(page, expectations(chapter))
    page.close()
    assert not problems, f"{chapter}:\n- " + "\n- ".join(problems)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_search_finds_the_chapter(built_site, serve, browser, chapter):
    term = expectations(chapter)["search_term"]
    page, problems = open_page(browser, serve(built_site) + f"search.html?q={term}")
    page.wait_for_selector("#search-results li a", timeout=15000)
    hits = page.locator("#search-results li a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    page.close()
    assert not problems, problems
    assert any(chapter + ".html" in hit for hit in hits), f"searching {term!r} gave {hits}"


@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
def test_pages_do_not_overflow_sideways(built_site, serve, browser, width):
    base = serve(built_site)
    overflowing = []
    for entry in toc_files():
        page, _ = open_page(browser, base + entry + ".html", viewport={"width": width, "height": 900})
        page.evaluate("async () => { if (window.MathJax && MathJax.startup) await MathJax.startup.promise; }")
        scroll = page.evaluate("document.documentElement.scrollWidth")
        if scroll > width + 1:
            overflowing.append(f"{entry}: {scroll} px wide")
        # pictures and players must fit the text column (an output box would clip them silently)
        clipped = page.evaluate("""() => {
            const article = document.querySelector('article');
            const column = article.getBoundingClientRect().right - parseFloat(getComputedStyle(article).paddingRight);
            return [...document.querySelectorAll('article img, article div.animation')]
                .filter(e => e.getBoundingClientRect().right > column + 1)
                .map(e => e.tagName + ' ' + (e.getAttribute('alt') || e.className).slice(0, 40));
        }""")
        overflowing += [f"{entry}: {item} is wider than the text column" for item in clipped]
        page.close()
    assert not overflowing, overflowing


def test_every_chapter_page_is_lighter_than_5_megabytes(built_site):
    weights = {chapter: page_weight(built_site, chapter) for chapter in CHAPTERS}
    heavy = {c: f"{w / 1e6:.1f} MB" for c, w in weights.items() if w > PAGE_BUDGET_BYTES}
    assert not heavy, f"pages over 5 MB: {heavy}"


def test_a_broken_page_fails_the_checks(built_site, serve, browser, tmp_path):
    """The checks can fail: remove a figure's image and an alt text from a copy of Chapter 1."""
    chapter = CHAPTERS[0]
    broken = tmp_path / "site"
    shutil.copytree(built_site, broken)
    html_path = (broken / chapter).with_suffix(".html")
    html = html_path.read_text()
    images = re.findall(r'<figure[^>]*>.*?<img[^>]+src="([^"]+)"', html, flags=re.S)
    (html_path.parent / images[0]).unlink()
    html = re.sub(r'(<figure[^>]*>.*?<img[^>]+)alt="[^"]*"', r'\1alt=""', html, count=1, flags=re.S)
    undropped = html.replace('<div class="solution dropdown admonition"', '<div class="solution admonition"', 1)
    html_path.write_text(undropped)
    page, problems = open_page(browser, serve(broken) + chapter + ".html")
    problems += chapter_problems(page, expectations(chapter))
    page.close()
    text = "\n".join(problems)
    assert "HTTP 404" in text and "has no loaded image" in text, text
    assert "lacks a real alt text" in text, text
    assert "visible before it is clicked" in text, text
