"""Requests per second of the reads with several server processes, driven by wrk (issue 17, item 6).

    .venv/bin/python -m bench.throughput                      # PostgreSQL, scale 1, 2 processes, 20 s per read
    .venv/bin/python -m bench.throughput --db sqlite --workers 1 --scale 0.01 --seconds 2

bench/api.py's loaded pass sends its requests from Python clients (httpx), which on a 2-core machine take as much
CPU per request as the server: its requests/s measure the clients as much as the server. Here the load comes from
wrk (the Debian package `wrk`), a load generator in C that costs a small part of that. The same data set as
bench/api.py (bench/dataset.py, same seed) and the same server (uvicorn partnergraph.composition:create_app
--factory, `--workers N`, the benchmark's settings, statements not counted per request); each read's requests are
the benchmark's own (bench/operations.py: every timesheet person's week, every project page), each answered once
first and checked (200, no errors), then sent round robin by `--connections` connections on 2 wrk threads:
`--seconds` of warm-up, then `--seconds` measured. Prints and writes bench/results/<date>-<db>-throughput.json:
requests/s, wrk's latency percentiles, and the server processes' CPU time per request.
"""
import argparse
import asyncio
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

from bench import common
from bench.api import ROOT, SERVER_ENV
from bench.dataset import generate
from bench.operations import operations, reader_tokens
from domain.platform.db import Database
from domain.platform.migrations import upgrade
from domain.platform.settings import Settings

READS = ("timesheet", "project_page", "projects_nested", "hours_report")
# Requests per read: the benchmark's request_for(0, index) for this many indexes (people and weeks, pages).
VARIANTS = 200
# bench/api.py's server settings, without the per-request statement count (a benchmark's header, off by default).
SERVER = {**SERVER_ENV, "PARTNERGRAPH_REPORT_SQL_STATEMENTS": "false"}


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--workers", type=int, default=2, help="server processes (uvicorn --workers)")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=20, help="measured per read (and as long warming up)")
    parser.add_argument("--only", nargs="*", choices=READS, default=["timesheet", "project_page"])
    parser.add_argument("--results-dir", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)
    if min(args.workers, args.connections, args.seconds) < 1:
        parser.error("--workers, --connections and --seconds are at least 1")
    return args


def wrk_script(requests: list[tuple[dict, str]]) -> str:
    """A wrk Lua script that sends these (body, token) requests round robin and fails on any status but 200."""
    def text(value: str) -> str:
        return "[==[" + value + "]==]"
    lines = ["local requests = {}", "init = function(args)"]
    for body, token in requests:
        lines.append(f'  requests[#requests + 1] = wrk.format("POST", "/graphql", {{["Content-Type"] = '
                     f'"application/json", ["Authorization"] = {text("Bearer " + token)}}}, {text(json.dumps(body))})')
    lines += ["end", "local sent = 0",
              "request = function() sent = sent + 1; return requests[(sent % #requests) + 1] end",
              "response = function(status) if status ~= 200 then error('HTTP ' .. status) end end"]
    return "\n".join(lines) + "\n"


def parse_wrk(output: str) -> dict:
    """Requests/s and the latency percentiles (ms) of `wrk --latency`'s report."""
    def ms(value: str) -> float:
        for unit, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
            if value.endswith(unit):
                return round(float(value[:-len(unit)]) * factor, 2)
        raise ValueError(value)
    found: dict = {}
    for line in output.splitlines():
        parts = line.split()
        if line.startswith("Requests/sec:"):
            found["throughput_rps"] = float(parts[1])
        elif len(parts) == 2 and parts[0] in ("50%", "90%", "99%"):
            found[f"p{parts[0][:-1]}_ms"] = ms(parts[1])
        elif "requests in" in line:
            found["requests"] = int(parts[0])
        elif line.strip().startswith("Non-2xx") or line.strip().startswith("Socket errors"):
            found.setdefault("errors", []).append(line.strip())
    return found


def run_wrk(script: Path, port: int, connections: int, seconds: int) -> str:
    finished = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script),
         f"http://127.0.0.1:{port}/graphql"], capture_output=True, text=True, timeout=seconds + 60)
    if finished.returncode != 0:
        raise SystemExit(f"wrk failed: {finished.stderr[-2000:]}")
    return finished.stdout


async def run(args: argparse.Namespace) -> dict:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    started_at = dt.datetime.now(dt.UTC)
    results: dict = {}
    async with common.throwaway_database(args.db) as url:
        settings = Settings(database_url=url, _env_file=None)
        db = Database(settings)
        try:
            await upgrade(db.engine)
            dataset = await generate(db, factor=args.scale, seed=args.seed, write_targets=1)
            tokens = await reader_tokens(db, settings, dataset)
            chosen = {name: op for name, op in operations(dataset, tokens).items() if name in args.only}
            port = common.free_port()
            server = await common.start_server(url, port, env=SERVER, uvicorn_args=("--workers", str(args.workers)))
            folder = Path(tempfile.mkdtemp(prefix="bench-wrk-"))
            try:
                async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=300) as client:
                    for name, operation in chosen.items():
                        print(f"  {name} ...", file=sys.stderr, flush=True)
                        requests = [operation.request_for(0, index) for index in range(VARIANTS)]
                        for body, token in requests:  # each answered once, whole, before wrk sends it
                            response = await client.post("/graphql", json=body,
                                                         headers={"Authorization": f"Bearer {token}"})
                            if response.status_code != 200 or "errors" in response.json():
                                raise SystemExit(f"{name}: HTTP {response.status_code}: {response.text[:500]}")
                        script = folder / f"{name}.lua"
                        script.write_text(wrk_script(requests))
                        run_wrk(script, port, args.connections, args.seconds)  # warm every process
                        load = os.getloadavg()
                        cpu_before = common.cpu_seconds(server.pid)
                        measured = parse_wrk(run_wrk(script, port, args.connections, args.seconds))
                        cpu = common.cpu_seconds(server.pid) - cpu_before
                        if measured.get("errors") or not measured.get("requests"):
                            raise SystemExit(f"{name}: {measured}")
                        measured["server_cpu_ms_per_request"] = round(cpu * 1000 / measured["requests"], 2)
                        measured["load_average"] = [round(value, 2) for value in load]
                        results[name] = measured
            finally:
                await common.stop_server(server)
                shutil.rmtree(folder, ignore_errors=True)
        finally:
            await db.dispose()
    return {
        "date": started_at.date().isoformat(), "started_at": started_at.isoformat(timespec="seconds"),
        "database": args.db, "machine": common.machine(),
        "settings": {"scale": args.scale, "seed": args.seed, "workers": args.workers, "connections": args.connections,
                     "seconds": args.seconds, "load": "wrk -t2 --latency", "server_env": SERVER},
        "operations": results,
    }


def main(argv: list[str] | None = None) -> Path:
    args = arguments(argv)
    results = asyncio.run(run(args))
    args.results_dir.mkdir(parents=True, exist_ok=True)
    suffix = "" if args.scale == 1 else f"-scale{args.scale:g}"
    path = args.results_dir / f"{results['date']}-{args.db}-throughput{suffix}.json"
    path.write_text(json.dumps(results, indent=1) + "\n")
    for name, measured in results["operations"].items():
        print(f"{name}: {measured['throughput_rps']:.0f} requests/s with {args.workers} processes, p50 "
              f"{measured['p50_ms']} ms, p99 {measured['p99_ms']} ms, server CPU {measured['server_cpu_ms_per_request']} "
              f"ms per request")
    print(f"results: {path}")
    return path


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
