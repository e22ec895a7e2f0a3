"""Run every benchmark (benchmarks/bench_*.py) and print one table.

Usage: python benchmarks/run.py [NAME ...]   (names like ``foundation`` or ``snmp``)
Each module exposes ``run() -> list[dict[str, str]]`` with keys benchmark, edgetop, peer, note.
"""

from __future__ import annotations

import importlib.util
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent


def load(path: Path):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module


def table(rows: list[dict[str, str]]) -> str:
    cols = ("benchmark", "edgetop", "peer", "note")
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in cols}
    line = " | ".join(c.ljust(widths[c]) for c in cols)
    out = [line, "-+-".join("-" * widths[c] for c in cols)]
    out += [" | ".join(str(r.get(c, "")).ljust(widths[c]) for c in cols) for r in rows]
    return "\n".join(out)


def main(names: list[str]) -> int:
    sys.path.insert(0, str(HERE.parent))
    rows: list[dict[str, str]] = []
    failed = 0
    for path in sorted(HERE.glob("bench_*.py")):
        name = path.stem.removeprefix("bench_")
        if names and name not in names:
            continue
        print(f"running {name} ...", file=sys.stderr, flush=True)
        started = time.monotonic()
        try:
            rows.extend(load(path).run())
        except Exception:
            failed += 1
            traceback.print_exc()
            rows.append({"benchmark": name, "edgetop": "ERROR", "peer": "", "note": "see traceback above"})
        print(f"  {name} took {time.monotonic() - started:.0f} s", file=sys.stderr)
    print(table(rows))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
