"""requirements.lock is complete: the install uses `pip --no-deps`, so a requirement the lock leaves out would
simply be missing (or, without --no-deps, resolved at install time to whatever the index has that day)."""
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def locked_versions(text: str) -> dict[str, str]:
    pins = {}
    for line in text.splitlines():
        if line and not line[0].isspace() and not line.startswith("#"):
            requirement = Requirement(line.rstrip(" \\"))
            (specifier,) = requirement.specifier
            assert specifier.operator == "==", f"not pinned with ==: {line}"
            pins[canonicalize_name(requirement.name)] = specifier.version
    return pins


def unmet_requirements(roots: list[Requirement], pins: dict[str, str], requires_of) -> list[str]:
    """Walks the requirements from `roots`, each with the extras asked of it, through `requires_of(name)` (the
    package's own Requires-Dist lines); returns what the pins do not satisfy."""
    problems, seen, pending = [], set(), [(requirement, "pyproject.toml") for requirement in roots]
    while pending:
        requirement, wanted_by = pending.pop()
        name = canonicalize_name(requirement.name)
        for extra in sorted(requirement.extras) or [""]:
            if (name, extra) in seen:
                continue
            seen.add((name, extra))
            if name not in pins:
                problems.append(f"{name} (wanted by {wanted_by}) is not in the lock")
                continue
            if not requirement.specifier.contains(pins[name], prereleases=True):
                problems.append(f"{name}=={pins[name]} does not satisfy {requirement} (wanted by {wanted_by})")
            for line in requires_of(name):
                dependency = Requirement(line)
                if dependency.marker is None or dependency.marker.evaluate({"extra": extra}):
                    pending.append((dependency, f"{name}[{extra}]" if extra else name))
    return problems


def test_the_lock_pins_every_requirement_with_its_extras():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    roots = [Requirement(line) for line in project["dependencies"] + project["optional-dependencies"]["dev"]]
    pins = locked_versions((ROOT / "requirements.lock").read_text())
    problems = unmet_requirements(roots, pins, lambda name: metadata.requires(name) or [])
    assert problems == []


def test_the_walk_follows_extras_to_what_they_require():
    # microsoft-kiota-http asks for httpx[http2]: h2 must be locked too, not only httpx.
    requires = {"kiota": ["httpx[http2]>=0.25"], "httpx": ["idna", 'h2<5,>=3; extra == "http2"'],
                "idna": [], "h2": []}
    pins = {"kiota": "1.0", "httpx": "0.28.1", "idna": "3.0"}
    assert unmet_requirements([Requirement("kiota")], pins, requires.__getitem__) == [
        "h2 (wanted by httpx[http2]) is not in the lock"]
    assert unmet_requirements([Requirement("kiota")], pins | {"h2": "4.1"}, requires.__getitem__) == []
    assert unmet_requirements([Requirement("kiota")], pins | {"h2": "5.0"}, requires.__getitem__) == [
        "h2==5.0 does not satisfy h2<5,>=3; extra == \"http2\" (wanted by httpx[http2])"]
