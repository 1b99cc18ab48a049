"""Results of the API benchmark: judged against the issue's targets, written to bench/results/<date>-<db>.json,
and summarised in the table of bench/README.md (rebuilt from every results file, so the files are the record)."""
import json
from pathlib import Path

from bench.operations import WRITE_PAIRS

TABLE_START = "<!-- bench-api-results: rebuilt by `python -m bench.api` from bench/results/*.json -->"
TABLE_END = "<!-- /bench-api-results -->"
# The targets: goals to report against, not tests.
FAST_READS = ("timesheet", "project_page")
P95_TARGET_MS = 25
THROUGHPUT_TARGET_RPS = 300
FLOOR_RATIO_TARGET = 3.0
PAIR_RATIO_TARGET = 1.5


def judge(results: dict, others: list[dict] = ()) -> dict:
    """Each target, met or missed, with the figure it was judged on. `others`: earlier runs on the same
    database at other scales (bench/results)."""
    operations = results["operations"]
    verdicts = {}
    for name in FAST_READS:
        loaded = operations.get(name, {}).get("loaded", {})
        if loaded:
            verdicts[f"{name}: p95 under {P95_TARGET_MS} ms under load"] = {
                "value": loaded["p95_ms"], "met": loaded["p95_ms"] < P95_TARGET_MS}
            verdicts[f"{name}: at least {THROUGHPUT_TARGET_RPS} requests/s"] = {
                "value": loaded["throughput_rps"], "met": loaded["throughput_rps"] >= THROUGHPUT_TARGET_RPS}
    for name, operation in operations.items():
        if operation.get("ratio_to_floor") is not None:
            verdicts[f"{name}: within {FLOOR_RATIO_TARGET:g}× its floor (p50)"] = {
                "value": operation["ratio_to_floor"], "met": operation["ratio_to_floor"] <= FLOOR_RATIO_TARGET}
        # Statements independent of the data size: against the runs of this database at other scales.
        statements = operation.get("statements") or {}
        for other in others:
            theirs = (other["operations"].get(name) or {}).get("statements") or {}
            if operation["kind"] == "read" and statements and theirs:
                verdicts[f"{name}: as many statements at scale {results['settings']['scale']:g} as at "
                         f"{other['settings']['scale']:g}"] = {
                    "value": f"{statements['min']}..{statements['max']} vs {theirs['min']}..{theirs['max']}",
                    "met": statements["max"] <= theirs["max"] and statements["min"] >= theirs["min"]}
    for partner, plain in WRITE_PAIRS.items():
        comparison = results["comparisons"].get(partner)
        if comparison:
            verdicts[f"{partner}: within {PAIR_RATIO_TARGET:g}× {plain} (p50)"] = {
                "value": comparison["ratio_p50"], "met": comparison["ratio_p50"] <= PAIR_RATIO_TARGET}
    return verdicts


def write_results(results: dict, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    scale = results["settings"]["scale"]
    # The name for a run at the default scale; other scales beside it, not over it.
    suffix = "" if scale == 1 else f"-scale{scale:g}"
    path = directory / f"{results['date']}-{results['database']['kind']}{suffix}.json"
    path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    return path


def runs_at_other_scales(results: dict, directory: Path) -> list[dict]:
    return [run for run in _runs(directory) if run["database"]["kind"] == results["database"]["kind"]
            and run["settings"]["scale"] != results["settings"]["scale"]]


def _runs(directory: Path) -> list[dict]:
    runs = []
    for path in sorted(directory.glob("*.json")):
        try:
            runs.append({**json.loads(path.read_text()), "_file": path.name})
        except (OSError, ValueError):
            continue
    return runs


def _cell(value, suffix: str = "") -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.1f}{suffix}" if value >= 10 else f"{value:.2f}{suffix}"
    return f"{value:,}{suffix}" if isinstance(value, int) else f"{value}{suffix}"


def table(directory: Path) -> str:
    """Markdown: one table of the runs (machine, database, load), one of the operations of every run."""
    runs = _runs(directory)
    lines = ["| Run | Database | Scale | Machine | Load average (start → end) | Server peak RSS |",
             "|-----|----------|------:|---------|----------------------------|----------------:|"]
    for run in runs:
        machine = run["machine"]
        load = run["load_average"]
        lines.append(
            f"| `{run['_file']}` | {run['database']['kind']} {run['database']['version']} | {run['settings']['scale']:g} "
            f"| {machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']} GiB, Python {machine['python']} "
            f"| {' '.join(f'{v:.2f}' for v in load['start'])} → {' '.join(f'{v:.2f}' for v in load['end'])} "
            f"| {_cell(run['server'].get('peak_rss_mib'), ' MiB')} |")
    lines += ["", "| Run | Operation | SQL statements | p50 ms (1 client) | p95 | p99 | p50 ms (loaded) | p95 | p99 "
                  "| Requests/s (loaded) | Floor p50 ms | × floor | × plain |",
              "|-----|-----------|---------------:|------:|----:|----:|------:|----:|----:|------:|------:|-----:|-----:|"]
    for run in runs:
        for name, operation in run["operations"].items():
            sequential, loaded = operation.get("sequential", {}), operation.get("loaded", {})
            statements = operation.get("statements") or {}
            count = statements.get("median")
            if statements and statements["min"] != statements["max"]:
                count = f"{statements['min']}–{statements['max']}"
            comparison = run["comparisons"].get(name, {})
            label = name + (" (mirrored)" if comparison.get("mirrored") else
                            " (not mirrored)" if comparison.get("mirrored") is False else "")
            lines.append(
                f"| `{run['_file']}` | {label} | {_cell(count)} | {_cell(sequential.get('p50_ms'))} "
                f"| {_cell(sequential.get('p95_ms'))} | {_cell(sequential.get('p99_ms'))} | {_cell(loaded.get('p50_ms'))} "
                f"| {_cell(loaded.get('p95_ms'))} | {_cell(loaded.get('p99_ms'))} | {_cell(loaded.get('throughput_rps'))} "
                f"| {_cell((operation.get('floor') or {}).get('p50_ms'))} | {_cell(operation.get('ratio_to_floor'))} "
                f"| {_cell(comparison.get('ratio_p50'))} |")
    return "\n".join(lines)


def update_readme(readme: Path, directory: Path) -> None:
    """Replaces the table between the markers (appends the markers at the end the first time)."""
    current = readme.read_text() if readme.exists() else ""
    block = f"{TABLE_START}\n{table(directory)}\n{TABLE_END}"
    if TABLE_START in current and TABLE_END in current:
        before, rest = current.split(TABLE_START, 1)
        after = rest.split(TABLE_END, 1)[1]
        readme.write_text(before + block + after)
    else:
        readme.write_text(current.rstrip("\n") + "\n\n" + block + "\n")
