"""A line a minute while the suite runs: `make test` runs pytest quietly over several workers, whose dots
alone say nothing for ten minutes about how far it is or whether anything failed yet."""
import time

import pytest

INTERVAL_SECONDS = 60.0


class MinuteProgress:
    def __init__(self, reporter, interval: float = INTERVAL_SECONDS):
        self.reporter = reporter
        self.interval = interval
        self.started = self.last_line = time.monotonic()
        self.counts = {"passed": 0, "failed": 0, "skipped": 0}
        self.last_file = ""

    def record(self, report) -> None:
        # A test counts once: at its call, or at the phase that skipped or failed it before or after the call.
        if report.when == "call" or (report.when == "setup" and not report.passed) or (
                report.when == "teardown" and report.failed):
            self.counts["passed" if report.passed else "skipped" if report.skipped else "failed"] += 1
        self.last_file = report.nodeid.split("::", 1)[0]
        now = time.monotonic()
        if now - self.last_line >= self.interval:
            self.last_line = now
            # xdist's dots leave the cursor mid-line, where write_line alone would continue the row of dots.
            if getattr(getattr(self.reporter, "_tw", None), "width_of_current_line", 0):
                self.reporter.write("\n")
            self.reporter.write_line(self.line(now))

    def line(self, now: float) -> str:
        minutes, seconds = divmod(int(now - self.started), 60)
        done = sum(self.counts.values())
        return (f"[{minutes}m{seconds:02d}s] {done} tests done: {self.counts['passed']} passed, "
                f"{self.counts['skipped']} skipped, {self.counts['failed']} failed; latest {self.last_file}")


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    # In xdist's workers the reports go to the controller, which prints them: the line is the controller's.
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and not hasattr(config, "workerinput"):
        config.pluginmanager.register(_Hooks(MinuteProgress(reporter)), "partnergraph-minute-progress")


class _Hooks:
    def __init__(self, progress: MinuteProgress):
        self.progress = progress

    def pytest_runtest_logreport(self, report):
        self.progress.record(report)
