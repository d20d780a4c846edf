"""Sphinx extension: the PDF edition says in print what only the website can do.

An animation's caption on the website ends with "Press play, or step through the frames with
the buttons." Paper has no buttons: the PDF prints a still of the animation's last frame
(:class:`optimlab.plots.Animation`), so for the LaTeX builder this extension replaces that
sentence, and adds to every caption that starts with "Animation:" a note that the print shows the
last frame.
"""

from __future__ import annotations

import re

from docutils import nodes

PRESS_PLAY = re.compile(r"Press play,\s+or\s+step\s+through\s+the\s+frames(\s+with\s+the\s+buttons)?\.")
IN_PRINT = " In print, the last frame; the website plays the animation."


def _drop_press_play(caption) -> None:
    """Remove the closing "Press play ..." sentence, which MyST may split over several Text nodes
    (each line break of the caption's source is a node of its own)."""
    texts = list(caption.findall(nodes.Text))
    for i, text in enumerate(texts):
        start = str(text).find("Press play")
        if start < 0 or not PRESS_PLAY.fullmatch((str(text)[start:] + "".join(texts[i + 1:])).strip()):
            continue
        text.parent.replace(text, nodes.Text(str(text)[:start].rstrip()))
        for later in texts[i + 1:]:
            later.parent.remove(later)
        return


def print_captions(app, doctree, docname) -> None:
    if app.builder.format != "latex":
        return
    for caption in doctree.findall(nodes.caption):
        if caption.astext().startswith("Animation:"):
            _drop_press_play(caption)
            caption += nodes.Text(IN_PRINT)


def setup(app):
    app.connect("doctree-resolved", print_captions)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
