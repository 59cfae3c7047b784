"""Start-up: CPU seconds of `python app.py db status` beside `python -c "import sqlite3"`.

    python bench/startup.py --rounds 5
    HUB_BENCH_BEFORE=/path/to/an/older/checkout python bench/startup.py --rounds 5

Each round runs both once, in turn (interleaved), in fresh processes; the CPU time is the
child's user + system seconds. Goal (issue 16): `db status` at most 0.3 s CPU; the
reference says what a bare interpreter costs on this machine right now.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rounds import compile_tree
from rounds import interleave
from rounds import load_line
from rounds import ratio_line

ROOT = Path(__file__).resolve().parents[1]


def child_cpu(command: list[str], env: dict[str, str], cwd: Path = ROOT) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as scratch:
        env = {**os.environ, "HUB_DATABASE_URL": f"sqlite:///{scratch}/hub.db",
               "HUB_VAR_DIR": scratch}
        subprocess.run([sys.executable, "app.py", "db", "upgrade"], cwd=ROOT, env=env,
                       check=True, stdout=subprocess.DEVNULL)
        print(f"start-up, {args.rounds} interleaved rounds ({load_line()}; "
              f"{compile_tree(ROOT)})")
        status = [sys.executable, "app.py", "db", "status"]
        contenders = {
            "db status": lambda: child_cpu(status, env),
            "import sqlite3": lambda: child_cpu([sys.executable, "-c", "import sqlite3"], env),
        }
        before = os.environ.get("HUB_BENCH_BEFORE")  # an older checkout, same rounds
        if before:
            compile_tree(before)
            contenders["db status before"] = lambda: child_cpu(status, env, Path(before))
        found = interleave(args.rounds, contenders)
    print(ratio_line("db status CPU", found["db status"], found["import sqlite3"], "s",
                     "db status <= 0.3 s CPU"))
    if before:
        print(ratio_line("db status before", found["db status before"],
                         found["import sqlite3"], "s", "db status <= 0.3 s CPU"))


if __name__ == "__main__":
    main()
