"""The throughput benchmark (bench/throughput.py) drives the server with wrk at a tiny scale and writes a
well-formed result: behaviour only; its figures are for bench/README.md, never asserted here."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench.throughput import parse_wrk

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (Debian: apt-get install wrk; .ci/run does)")
def test_the_throughput_benchmark_sends_the_reads_with_wrk_and_writes_its_results(tmp_path):
    # when it runs at a hundredth of the default scale, one process, a second per read
    finished = subprocess.run(
        [sys.executable, "-m", "bench.throughput", "--db", "sqlite", "--scale", "0.01", "--workers", "1",
         "--seconds", "1", "--only", "timesheet", "project_page", "--results-dir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=180,
    )
    # then it succeeded (every request was answered 200: wrk's script fails on any other status, and each request
    # was answered once without errors first), and its results have each read's figures
    assert finished.returncode == 0, finished.stderr[-3000:]
    [path] = tmp_path.glob("*-sqlite-throughput-scale0.01.json")
    results = json.loads(path.read_text())
    assert set(results["operations"]) == {"timesheet", "project_page"}
    for name, measured in results["operations"].items():
        assert measured["requests"] > 0 and measured["throughput_rps"] > 0, name
        assert 0 < measured["p50_ms"] <= measured["p90_ms"] <= measured["p99_ms"], name
        assert measured["server_cpu_ms_per_request"] > 0, name
        assert "errors" not in measured, name
    assert results["settings"]["workers"] == 1 and results["machine"]["cores"] > 0
    assert f"timesheet: {results['operations']['timesheet']['throughput_rps']:.0f} requests/s" in finished.stdout


def test_wrks_report_is_read_with_its_units_and_its_errors():
    report = """Running 2s test @ http://127.0.0.1:1/graphql
  Latency Distribution
     50%  812.00us
     90%    2.50ms
     99%    1.20s
  2000 requests in 2.00s, 1.00MB read
  Non-2xx or 3xx responses: 3
Requests/sec:    999.50
"""
    assert parse_wrk(report) == {"p50_ms": 0.81, "p90_ms": 2.5, "p99_ms": 1200.0, "requests": 2000,
                                 "errors": ["Non-2xx or 3xx responses: 3"], "throughput_rps": 999.5}
