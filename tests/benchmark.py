"""Execution time and peak memory of every chapter (not a test: run it by hand).

    python tests/benchmark.py [chapters/01_losses_mle.ipynb ...]
    python tests/benchmark.py --binder [chapters/01_losses_mle.ipynb ...]

Each chapter runs in a fresh kernel, in a child process of its own, exactly as nbval and the
website build run it. Wall time is measured around the execution; peak memory is the largest
resident set of the kernel process (``ru_maxrss`` of the child's reaped children). The budget
(DESIGN.md section 6) is 30 s and 1 GB per chapter on the 2-core reference machine; the script
exits with status 1 if a chapter exceeds it.

``--binder`` proves the Binder environment. It makes a fresh virtual environment, installs
``binder/requirements.txt`` into it and runs ``binder/postBuild``, as mybinder.org does, then runs
every chapter there with that environment's kernel and fails if one needs more than 1 GB (Binder
gives 1 to 2 GB; time is reported, not judged, since it depends on the machine). Last, it
checks the Colab route in the same environment: the install line of a chapter's Colab cell,
pointed at this repository's committed state instead of GitHub, installs a working ``optimlab``.
"""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUDGET_SECONDS = 30.0
BUDGET_MIB = 1024.0


def execute(path: Path) -> dict:
    """Run one notebook in a fresh kernel; called in a child process."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, kernel_name="python3", timeout=600,
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    wall = time.perf_counter() - start
    kernel_peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"wall_s": wall, "peak_mib": kernel_peak_kib / 1024}


def measure(path: Path, python: Path = Path(sys.executable)) -> dict:
    """Run one chapter in a child process of ``python`` (whose environment's kernel runs it)."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "PATH": f"{python.parent}{os.pathsep}{os.environ['PATH']}"}
    child = subprocess.run([str(python), __file__, "--one", str(path)], capture_output=True, text=True, env=env)
    if child.returncode != 0:
        raise RuntimeError(f"{path.name} failed to execute:\n{child.stderr[-3000:]}")
    return json.loads(child.stdout.strip().splitlines()[-1])


def run(command: list[str], **kwargs) -> None:
    """Run a setup command, showing its last lines if it fails."""
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{(done.stdout + done.stderr)[-3000:]}")


def binder_environment(where: Path) -> Path:
    """A fresh venv with ``binder/requirements.txt`` and ``binder/postBuild``; returns its python."""
    run([sys.executable, "-m", "venv", str(where)])
    python = where / "bin" / "python"
    env = {**os.environ, "PATH": f"{where / 'bin'}{os.pathsep}{os.environ['PATH']}", "VIRTUAL_ENV": str(where)}
    started = time.perf_counter()
    # a current pip, as Binder and Colab have (the pip that venv bundles may be years old)
    run([str(python), "-m", "pip", "install", "--quiet", "--retries", "0", "--upgrade", "pip"], env=env)
    # --retries 0: where PyTorch's index cannot be reached (offline mirrors, closed networks) pip
    # skips it at once instead of retrying it for every package; torch then comes from the others.
    run([str(python), "-m", "pip", "install", "--quiet", "--retries", "0", "-r",
         str(ROOT / "binder" / "requirements.txt")], env=env)
    run(["bash", str(ROOT / "binder" / "postBuild")], cwd=ROOT, env=env)
    print(f"Binder environment installed in {time.perf_counter() - started:.0f} s: {where}")
    return python


def check_colab_install(python: Path) -> None:
    """Run the Colab cell's install line against this repository's committed state, in ``python``'s venv."""
    import nbformat

    cell = next(c for c in nbformat.read(sorted((ROOT / "chapters").glob("*.ipynb"))[0], as_version=4).cells
                if "google.colab" in c.source)
    requirement = re.search(r'%pip install -q "(?P<req>[^"]+)"', cell.source).group("req")
    local = requirement.replace("{REPOSITORY}", f"file://{ROOT}")
    run([str(python), "-m", "pip", "uninstall", "--quiet", "--yes", "optimlab"])
    run([str(python), "-m", "pip", "install", "--quiet", local])
    with tempfile.TemporaryDirectory() as elsewhere:  # away from the repository's own code/
        done = subprocess.run([str(python), "-c", "import optimlab.checks, optimlab.plots; print(optimlab.__file__)"],
                              capture_output=True, text=True, cwd=elsewhere)
    installed = done.stdout.strip()
    if done.returncode != 0 or str(ROOT) in installed:
        raise RuntimeError(f"the Colab install of {requirement!r} did not give a working optimlab:\n"
                           f"{done.stdout}{done.stderr}")
    print(f"Colab cell: pip install {requirement.replace('{REPOSITORY}', '<repository>')!r} works; "
          f"optimlab imports from {installed}")


def main(argv: list[str]) -> int:
    if argv[:1] == ["--one"]:
        print(json.dumps(execute(Path(argv[1]))))
        return 0
    binder = argv[:1] == ["--binder"]
    paths = [Path(p).resolve() for p in argv[binder:]] or sorted((ROOT / "chapters").glob("*.ipynb"))
    with tempfile.TemporaryDirectory(prefix="binder-") as scratch:
        python = binder_environment(Path(scratch) / "venv") if binder else Path(sys.executable)
        print(f"{'chapter':<32}{'time (s)':>10}{'peak (MiB)':>12}  budget: "
              f"{'' if binder else f'{BUDGET_SECONDS:.0f} s, '}{BUDGET_MIB:.0f} MiB; {os.cpu_count()} cores"
              f"{'; in the Binder environment' if binder else ''}")
        over = []
        for path in paths:
            result = measure(path, python)
            slow = result["wall_s"] > BUDGET_SECONDS and not binder
            flag = ""
            if slow or result["peak_mib"] > BUDGET_MIB:
                over.append(path.name)
                flag = "  OVER BUDGET"
            print(f"{path.stem:<32}{result['wall_s']:>10.1f}{result['peak_mib']:>12.0f}{flag}", flush=True)
        if binder:
            check_colab_install(python)
    return 1 if over else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
