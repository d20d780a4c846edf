"""Execution time and peak memory of every chapter (not a test: run it by hand).

    python tests/benchmark.py [chapters/01_losses_mle.ipynb ...]

Each chapter runs in a fresh kernel, in a child process of its own, exactly as nbval and the
website build run it. Wall time is measured around the execution; peak memory is the largest
resident set of the kernel process (``ru_maxrss`` of the child's reaped children). The budget
(DESIGN.md section 6) is 30 s and 1 GB per chapter on the 2-core reference machine; the script
exits with status 1 if a chapter exceeds it.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
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


def measure(path: Path) -> dict:
    child = subprocess.run([sys.executable, __file__, "--one", str(path)], capture_output=True,
                           text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    if child.returncode != 0:
        raise RuntimeError(f"{path.name} failed to execute:\n{child.stderr[-3000:]}")
    return json.loads(child.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> int:
    if argv[:1] == ["--one"]:
        print(json.dumps(execute(Path(argv[1]))))
        return 0
    paths = [Path(p) for p in argv] or sorted((ROOT / "chapters").glob("*.ipynb"))
    print(f"{'chapter':<32}{'time (s)':>10}{'peak (MiB)':>12}  budget: {BUDGET_SECONDS:.0f} s, "
          f"{BUDGET_MIB:.0f} MiB; {os.cpu_count()} cores")
    over = []
    for path in paths:
        result = measure(path)
        flag = ""
        if result["wall_s"] > BUDGET_SECONDS or result["peak_mib"] > BUDGET_MIB:
            over.append(path.name)
            flag = "  OVER BUDGET"
        print(f"{path.stem:<32}{result['wall_s']:>10.1f}{result['peak_mib']:>12.0f}{flag}")
    return 1 if over else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
