"""The suite's line a minute (tests/progress.py): counts each test once and names the file it reached."""
from types import SimpleNamespace

from tests.progress import MinuteProgress


class Lines:
    def __init__(self):
        self.lines = []

    def write_line(self, line):
        self.lines.append(line)


def report(nodeid, when, outcome):
    return SimpleNamespace(nodeid=nodeid, when=when, passed=outcome == "passed", skipped=outcome == "skipped",
                           failed=outcome == "failed")


def test_a_line_counts_each_test_once_by_its_outcome():
    lines = Lines()
    progress = MinuteProgress(lines, interval=3600)
    for phase in ("setup", "call", "teardown"):
        progress.record(report("tests/a.py::ok", phase, "passed"))
    progress.record(report("tests/a.py::skipped", "setup", "skipped"))
    progress.record(report("tests/b.py::broken", "setup", "passed"))
    progress.record(report("tests/b.py::broken", "call", "failed"))
    assert lines.lines == []  # not a minute yet
    progress.interval = 0
    progress.record(report("tests/b.py::broken", "teardown", "passed"))
    (line,) = lines.lines
    assert line.endswith("3 tests done: 1 passed, 1 skipped, 1 failed; latest tests/b.py")
