"""Benchmark of the API's reads and partner writes against a generated data set (issue 9).

    .venv/bin/python -m bench.api --db sqlite                 # the default scale (see bench/dataset.py)
    .venv/bin/python -m bench.api --db postgresql             # a throwaway PostgreSQL cluster (Debian binaries)
    .venv/bin/python -m bench.api --db sqlite --scale 0.01 --sequential 10 --requests 20 --write-requests 10

Generates the data set from the seed into an empty database, starts the server as in production (uvicorn,
one process, its own), and drives it from this process over loopback: per operation a warm-up, a pass with
one client (latency) and a pass with `--concurrency` clients (throughput and latency under load). Records
the SQL statements of each request (the server's X-SQL-Statements header, PARTNERGRAPH_REPORT_SQL_STATEMENTS),
p50/p95/p99, requests/s, the server's peak RSS per operation, each read's floor (bench/floors.py) and each
partner write against its plain counterpart; writes bench/results/<date>-<db>.json and the table in
bench/README.md.
"""
import argparse
import asyncio
import base64
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import func, select, text

from bench import common, floors, report
from bench.dataset import generate
from bench.load import Phase, run_phase, statement_summary
from bench.operations import WRITE_PAIRS, Operation, operations
from domain import model as m
from domain.platform.db import Database
from domain.platform.migrations import upgrade
from domain.platform.settings import Settings
from domain.access.tokens import create_token

ROOT = Path(__file__).resolve().parent.parent
SERVER_ENV = {
    "PARTNERGRAPH_REPORT_SQL_STATEMENTS": "true",
    # One client sends every request of a token: the per-token bucket is not what is measured. The nested
    # read (50 × 20 records with two objects each) costs about 3,000 points, past the default limit of 1,000.
    "PARTNERGRAPH_RATE_LIMIT": "false",
    "PARTNERGRAPH_MAX_QUERY_COST": "100000",
}


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--scale", type=float, default=1.0, help="1 = the issue's default data set")
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--concurrency", type=int, default=4, help="clients in the loaded pass")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests first, per operation")
    parser.add_argument("--sequential", type=int, default=100, help="requests of the one-client pass")
    parser.add_argument("--requests", type=int, default=1000, help="requests of a read's loaded pass")
    parser.add_argument("--write-requests", type=int, default=200, help="requests of a write's loaded pass")
    parser.add_argument("--seconds", type=float, default=30,
                        help="a loaded pass ends after this long even if it has not sent all its requests")
    parser.add_argument("--only", nargs="*", help="operations to run (default: all)")
    parser.add_argument("--results-dir", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--readme", default=str(ROOT / "bench" / "README.md"),
                        help="whose results table to rebuild ('' for none)")
    parser.add_argument("--workers", type=int, default=1, help="server processes (uvicorn --workers; PostgreSQL)")
    parser.add_argument("--profile", help="run the server under cProfile, writing the profile here")
    args = parser.parse_args(argv)
    if args.concurrency < 1 or min(args.sequential, args.requests, args.write_requests) < 1 or args.warmup < 0:
        parser.error("--concurrency, --sequential, --requests and --write-requests are at least 1")
    return args


async def database_version(db: Database) -> str:
    async with db.engine.connect() as connection:
        if db.sqlite:
            return await connection.scalar(text("SELECT sqlite_version()"))
        return (await connection.scalar(text("SHOW server_version"))).split()[0]


def _peak_mib(pid: int) -> float | None:
    kib = common.peak_rss_kib(pid)
    return round(kib / 1024, 1) if kib else None


async def measure(client: httpx.AsyncClient, operation: Operation, args: argparse.Namespace, pid: int) -> tuple[dict, Phase]:
    """Warm-up, the one-client pass and the loaded pass of one operation; its server peak RSS."""
    loaded_count = args.requests if operation.kind == "read" else args.write_requests
    reset = common.reset_peak_rss(pid)
    if args.warmup:
        await run_phase(client, operation.request_for, count=args.warmup, concurrency=1)
    cpu_before = common.cpu_seconds(pid)
    sequential = await run_phase(client, operation.request_for, count=args.sequential, concurrency=1,
                                 first_index=args.warmup, keep_answers=True)
    cpu_after = common.cpu_seconds(pid)
    loaded = await run_phase(client, operation.request_for, count=loaded_count, concurrency=args.concurrency,
                             first_index=args.warmup + args.sequential, keep_answers=operation.kind == "write",
                             seconds=args.seconds)
    result = {
        "kind": operation.kind, "description": operation.description,
        "statements": statement_summary(sequential.statements + loaded.statements),
        "sequential": sequential.summary(), "loaded": loaded.summary(),
        "server_peak_rss_mib": _peak_mib(pid), "peak_rss_is_per_operation": reset,
        # The server's CPU time per request of the one-client pass (clock ticks of 10 ms, over the pass).
        "server_cpu_ms_per_request": round((cpu_after - cpu_before) * 1000 / args.sequential, 2)
        if cpu_before is not None and cpu_after is not None else None,
    }
    sequential.answers += loaded.answers
    return result, sequential


def _pk(global_id: str) -> int:
    return int(base64.b64decode(global_id).decode().split(":", 1)[1])


async def mirrored(db: Database, answers: list[dict]) -> dict:
    """Whether the registrations on the secondary project got their mirrors in the main project."""
    ids = [_pk(a["timeRecordCreate"]["timeRecord"]["id"]) for a in answers]
    async with db.engine.connect() as connection:
        mirrors = await connection.scalar(
            select(func.count()).select_from(m.TimeRecord).where(m.TimeRecord.source_record_id.in_(ids)))
    return {"registrations_checked": len(ids), "mirrors_found": mirrors, "mirrored": bool(ids) and mirrors == len(ids)}


async def run(args: argparse.Namespace) -> dict:
    load_start = os.getloadavg()
    started_at = dt.datetime.now(dt.UTC)
    async with common.throwaway_database(args.db) as url:
        settings = Settings(database_url=url, _env_file=None)
        db = Database(settings)
        try:
            await upgrade(db.engine)
            write_targets = args.warmup + args.sequential + args.write_requests
            generating = time.perf_counter()
            dataset = await generate(db, factor=args.scale, seed=args.seed, write_targets=write_targets)
            generated_in = time.perf_counter() - generating
            emails = {dataset.admins[dataset.main_company]: dataset.main_company,
                      **{email: company for email, company, _ in dataset.timesheet_people},
                      **{w.email: w.company for w in dataset.writers}}
            tokens = {email: (await create_token(db, settings, email=email, company=company, days=1))[0]
                      for email, company in emails.items()}
            version = await database_version(db)
            chosen = operations(dataset, tokens)
            if args.only:
                chosen = {name: op for name, op in chosen.items() if name in args.only}
            port = common.free_port()
            server = await common.start_server(url, port, env=SERVER_ENV, profile=args.profile,
                                               uvicorn_args=("--workers", str(args.workers)) if args.workers > 1 else ())
            results_by_operation: dict[str, dict] = {}
            comparisons: dict[str, dict] = {}
            try:
                limits = httpx.Limits(max_connections=args.concurrency + 1, max_keepalive_connections=args.concurrency + 1)
                async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=300, limits=limits) as client:
                    for name, operation in chosen.items():
                        print(f"  {name} ...", file=sys.stderr, flush=True)
                        result, answered = await measure(client, operation, args, server.pid)
                        if operation.kind == "read":
                            result["floor"] = await floors.measure_floor(
                                db.engine, name, operation.floor_args, count=args.sequential, warmup=args.warmup)
                            result["ratio_to_floor"] = round(result["sequential"]["p50_ms"] / result["floor"]["p50_ms"], 2)
                        if name == "time_record_create_secondary":
                            comparisons[name] = await mirrored(db, answered.answers)
                        results_by_operation[name] = result
                server_peak = common.peak_rss_kib(server.pid)
            finally:
                await common.stop_server(server)
        finally:
            await db.dispose()
    for partner, plain in WRITE_PAIRS.items():
        if partner in results_by_operation and plain in results_by_operation:
            a, b = results_by_operation[partner], results_by_operation[plain]
            comparisons.setdefault(partner, {}).update({
                "plain": plain,
                "ratio_p50": round(a["sequential"]["p50_ms"] / b["sequential"]["p50_ms"], 2),
                "ratio_p95": round(a["sequential"]["p95_ms"] / b["sequential"]["p95_ms"], 2),
                "throughput_ratio": round(b["loaded"]["throughput_rps"] / a["loaded"]["throughput_rps"], 2),
            })
    results = {
        "date": started_at.date().isoformat(),
        "started_at": started_at.isoformat(timespec="seconds"),
        "database": {"kind": args.db, "version": version},
        "machine": common.machine(),
        "load_average": {"start": [round(v, 2) for v in load_start], "end": [round(v, 2) for v in os.getloadavg()]},
        "settings": {"scale": args.scale, "seed": args.seed, "concurrency": args.concurrency, "warmup": args.warmup,
                     "sequential": args.sequential, "requests": args.requests, "write_requests": args.write_requests, "seconds": args.seconds,
                     "server": "uvicorn partnergraph.composition:create_app --factory, "
                     + ("one process" if args.workers == 1 else f"{args.workers} worker processes"), "server_env": SERVER_ENV},
        "dataset": {"rows": dataset.rows, "generated_seconds": round(generated_in, 1)},
        "server": {"peak_rss_mib": round(server_peak / 1024, 1) if server_peak else None},
        "operations": results_by_operation,
        "comparisons": comparisons,
    }
    return results


def main(argv: list[str] | None = None) -> Path:
    args = arguments(argv)
    results = asyncio.run(run(args))
    results["targets"] = report.judge(results, report.runs_at_other_scales(results, args.results_dir))
    path = report.write_results(results, args.results_dir)
    if args.readme:
        report.update_readme(Path(args.readme), args.results_dir)
    print(json.dumps({name: {k: op.get(k) for k in ("statements", "sequential", "loaded", "ratio_to_floor")}
                      for name, op in results["operations"].items()}, indent=1))
    print(json.dumps(results["comparisons"], indent=1))
    for target, verdict in results["targets"].items():
        print(f"{'met   ' if verdict['met'] else 'MISSED'} {target}: {verdict['value']}")
    print(f"results: {path}")
    return path


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
