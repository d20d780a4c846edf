"""Sphinx extension: drop exact duplicates from a page's script tags.

sphinx-thebe (always loaded by Jupyter Book 1) adds an inline script declaring
``const THEBE_JS_URL`` from an ``env-before-read-docs`` hook. With Sphinx 7.4 that inline script
ends up in every page twice (Sphinx de-duplicates script files by name, not inline bodies), and
the second copy throws "Identifier 'THEBE_JS_URL' has already been declared" in the browser.
(One copy is registered with filename None, the other with "", so Sphinx sees two scripts.)
This extension keeps the first copy of each script. The browser test checks for console errors.
"""


def _drop_duplicate_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        # the two copies differ only in filename None vs "": compare on what the tag contains
        key = (getattr(script, "filename", None) or "", repr(sorted(getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    app.connect("html-page-context", _drop_duplicate_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
