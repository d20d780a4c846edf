"""Shared fixtures: the website, built once per test session."""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def toc_files() -> list[str]:
    """The pages of the book, in reading order, as listed in _toc.yml (without suffix)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [entry["file"] for entry in part.get("chapters", [])]
    return files


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """Build the website exactly as readers get it (chapters executed), warnings as errors.

    The build executes every chapter afresh (no cache), so the pages show what the current code
    produces. Returns the folder of the HTML site.
    """
    out = tmp_path_factory.mktemp("site")
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config["execute"]["execute_notebooks"] = "force"
    # local extensions are found relative to the config file, which now lives elsewhere
    extensions = config["sphinx"].get("local_extensions") or {}
    config["sphinx"]["local_extensions"] = {name: str(ROOT / path) for name, path in extensions.items()}
    config_path = out / "_config.yml"
    config_path.write_text(yaml.safe_dump(config))
    command = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(ROOT), "--config", str(config_path),
               "--path-output", str(out), "-W", "-n", "--keep-going", "--all"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"website build failed:\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}"
    return out / "_build" / "html"


def explorer_bundle(display) -> dict:
    """The single output of an explorer, checked against the contract of optimlab.widgets.

    ``display`` is a mock of ``optimlab.widgets.display``. An explorer makes exactly one raw
    output holding the live widget and a PNG of its default figure, and no HTML, which would
    outrank the PNG on the website.
    """
    bundles = [call.args[0] for call in display.call_args_list if call.kwargs.get("raw")]
    assert len(bundles) == 1, "an explorer must produce exactly one cell output"
    bundle = bundles[0]
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["image/png"].startswith("iVBOR")  # base64 of a PNG header
    assert "text/html" not in bundle
    return bundle
