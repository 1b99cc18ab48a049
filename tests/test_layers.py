"""The layering of README's Layout, kept by the suite: import-linter's contracts (pyproject.toml: partnergraph
composes, gql and integrations stand apart on domain, domain imports no web or Graph library, domain's concept
packages each below those that use them), no module that imports itself through others, and no import inside a
function, where an import cycle would hide."""
import ast
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("domain", "gql", "integrations", "partnergraph")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
# The one kind of import that stays inside functions: msgraph-sdk and its sign-in take seconds to import, so
# integrations/sharepoint/ loads them when a SharePoint call is first made (README: Layout).
LAZY_SDK = ("msgraph", "msgraph_core", "kiota_abstractions", "kiota_http", "kiota_authentication_azure", "azure")


def test_the_import_contracts_hold():
    done = subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[done.stdout.find("Broken contracts"):] or done.stdout + done.stderr
    assert "0 broken" in done.stdout


def import_cycles(graph) -> list[str]:
    """Each cycle once, as the chain from a module back to itself."""
    cycles, seen = [], set()
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            chain = graph.find_shortest_chain(importer=imported, imported=importer)
            if chain and frozenset(chain) not in seen:
                seen.add(frozenset(chain))
                cycles.append(" -> ".join((importer, *chain)))
    return cycles


def test_no_module_imports_itself_through_others():
    assert import_cycles(grimp.build_graph(*PACKAGES)) == []


def imports_inside_functions(source: str) -> list[tuple[int, str]]:
    found = []
    for function in ast.walk(ast.parse(source)):
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in ast.walk(function):
                if isinstance(node, ast.Import):
                    found += [(node.lineno, alias.name) for alias in node.names]
                elif isinstance(node, ast.ImportFrom):
                    found.append((node.lineno, node.module or "."))
    return found


def test_no_import_hides_inside_a_function():
    hidden = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            name = str(path.relative_to(ROOT))
            for line, module in imports_inside_functions(path.read_text(encoding="utf-8")):
                if not (name.startswith("integrations/sharepoint/") and module.split(".")[0] in LAZY_SDK):
                    hidden.append(f"{name}:{line} imports {module}")
    assert hidden == []


def test_the_checks_see_cycles_and_hidden_imports():
    # The checks above would pass vacuously if they saw nothing: two modules that import each other are a
    # cycle, and an import in a function body is found however deep it sits.
    graph = grimp.ImportGraph()
    for module in ("a", "a.one", "a.two"):
        graph.add_module(module)
    graph.add_import(importer="a.one", imported="a.two")
    graph.add_import(importer="a.two", imported="a.one")
    assert import_cycles(graph) == ["a.one -> a.two -> a.one"]
    source = "import os\ndef f():\n    if True:\n        from gql.schema import files\n"
    assert imports_inside_functions(source) == [(4, "gql.schema")]
