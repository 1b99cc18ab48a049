"""The API benchmark (bench/api.py) runs end to end at a tiny scale on SQLite and writes a well-formed result:
behaviour only; its timings are for bench/README.md, never asserted here."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READS = {"timesheet", "project_page", "projects_nested", "hours_report"}
WRITES = {"time_record_create_plain", "time_record_create_secondary", "member_add_internal", "member_add_external"}


def test_the_benchmark_at_a_tiny_scale_writes_its_results_and_the_readme_table(tmp_path):
    # given a results folder and a README with text of its own around the table
    readme = tmp_path / "README.md"
    readme.write_text("# Benchmarks\n\nText before.\n")
    # when the benchmark runs at a hundredth of the default scale, with few requests
    finished = subprocess.run(
        [sys.executable, "-m", "bench.api", "--db", "sqlite", "--scale", "0.01", "--warmup", "2", "--sequential", "5",
         "--requests", "10", "--write-requests", "5", "--concurrency", "2", "--results-dir", str(tmp_path / "results"),
         "--readme", str(readme)],
        cwd=ROOT, capture_output=True, text=True, timeout=180,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    # then one results file holds every operation with positive figures
    [path] = (tmp_path / "results").glob("*-sqlite-scale0.01.json")
    results = json.loads(path.read_text())
    assert set(results["operations"]) == READS | WRITES
    for name, operation in results["operations"].items():
        assert operation["statements"]["min"] > 0, name
        for phase in ("sequential", "loaded"):
            assert 0 < operation[phase]["p50_ms"] <= operation[phase]["p95_ms"] <= operation[phase]["p99_ms"], name
            assert operation[phase]["throughput_rps"] > 0, name
        assert operation["server_peak_rss_mib"] > 0, name
    for name in READS:
        assert results["operations"][name]["floor"]["p50_ms"] > 0
        assert results["operations"][name]["ratio_to_floor"] > 0
    # the mirrored registration says whether mirrors were made, and both pairs have their ratio
    assert results["comparisons"]["time_record_create_secondary"]["registrations_checked"] == 5 + 5  # the timed ones
    assert isinstance(results["comparisons"]["time_record_create_secondary"]["mirrored"], bool)
    assert results["comparisons"]["member_add_external"]["ratio_p50"] > 0
    assert results["machine"]["cores"] > 0 and len(results["load_average"]["start"]) == 3
    assert results["dataset"]["rows"]["time_records"] > 0 and results["server"]["peak_rss_mib"] > 0
    assert results["targets"]  # judged against the targets, met or not
    # and the README keeps its own text and gains a row per operation of the run
    text = readme.read_text()
    assert text.startswith("# Benchmarks\n\nText before.\n")
    assert sum(f"| `{path.name}` | " in line for line in text.splitlines()) == 1 + len(READS | WRITES)


def test_the_lean_benchmark_answers_every_read_both_ways_and_prints_each(tmp_path):
    # when bench/lean.py runs at a hundredth of the default scale, one short block each way
    finished = subprocess.run(
        [sys.executable, "-m", "bench.lean", "--db", "sqlite", "--scale", "0.01", "--requests", "3", "--blocks", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=180,
    )
    # then it succeeded (each block's answers were 200s without errors, and lean exactly when the way was lean)
    assert finished.returncode == 0, finished.stderr[-3000:]
    lines = finished.stdout.splitlines()
    for name in READS:
        [line] = [line for line in lines if line.startswith(name + " ")]
        assert " full " in line and " lean " in line, line
    assert any(line.startswith("(/health)") for line in lines)
