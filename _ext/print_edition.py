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

PRESS_PLAY = re.compile(r"\s*Press play,\s+or\s+step\s+through\s+the\s+frames(\s+with\s+the\s+buttons)?\.")
IN_PRINT = " In print, the last frame; the website plays the animation."


def print_captions(app, doctree, docname) -> None:
    if app.builder.format != "latex":
        return
    for caption in doctree.findall(nodes.caption):
        if not caption.astext().startswith("Animation:"):
            continue
        for text in list(caption.findall(nodes.Text)):
            if PRESS_PLAY.search(text):
                text.parent.replace(text, nodes.Text(PRESS_PLAY.sub("", str(text))))
        caption += nodes.Text(IN_PRINT)


def setup(app):
    app.connect("doctree-resolved", print_captions)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
