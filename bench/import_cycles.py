"""Prints the import cycles among the hub's own modules, counting every import: at module
level, inside functions (the lazy ones bootstrap and the CLI use) and under TYPE_CHECKING.
import-linter's layer contracts cannot see a cycle inside one layer; this does.

    python bench/import_cycles.py            # exit status 1 when there is a cycle
    python bench/import_cycles.py --runtime  # without TYPE_CHECKING-only imports
"""

from __future__ import annotations

import sys
from pathlib import Path

import grimp

PACKAGES = ("hub", "rules", "sync", "notifications")


def cycles(*, type_checking: bool) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    graph = grimp.build_graph(*PACKAGES, exclude_type_checking_imports=not type_checking)
    edges = {m: sorted(x for x in graph.find_modules_directly_imported_by(m)
                       if x.split(".")[0] in PACKAGES) for m in sorted(graph.modules)}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in edges:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, position = work.pop()
            if position == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            targets = edges.get(node, [])
            if position < len(targets):
                work.append((node, position + 1))
                target = targets[position]
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return found


def main() -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    runtime = "--runtime" in sys.argv
    found = cycles(type_checking=not runtime)
    kind = "runtime imports" if runtime else "all imports, TYPE_CHECKING included"
    for component in found:
        print(f"cycle of {len(component)} modules: {', '.join(component)}")
    print(f"{len(found)} import cycle(s) ({kind}, function-level imports included)")
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
