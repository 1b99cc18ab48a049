"""graphql-http's GraphQL-over-HTTP server audits (npm `graphql-http`), run by node against a real server."""
import json
import re

from tests.http.live_server import REPO, run_node

README_BLOCK = re.compile(r"<!-- graphql-http failing SHOULDs -->(.*?)<!-- /graphql-http failing SHOULDs -->", re.S)


def failing_shoulds_listed_in_readme() -> set[str]:
    block = README_BLOCK.search((REPO / "README.md").read_text(encoding="utf-8"))
    assert block, "README.md lists the failing SHOULD audits between <!-- graphql-http failing SHOULDs --> markers"
    return set(re.findall(r"^\| `(\w{4})` \|", block.group(1), re.M))


def test_every_must_of_the_graphql_over_http_audits_passes_and_the_readme_lists_the_failing_shoulds(live_server):
    results = json.loads(run_node("audit.mjs", live_server.graphql_url))
    assert len(results) > 50  # the audits ran, not an empty list

    failed_musts = [r for r in results if r["name"].startswith("MUST") and r["status"] != "ok"]
    assert failed_musts == []

    failed_shoulds = {r["id"] for r in results if r["name"].startswith("SHOULD") and r["status"] != "ok"}
    assert failed_shoulds == failing_shoulds_listed_in_readme(), [
        (r["id"], r["name"], r["reason"]) for r in results if r["id"] in failed_shoulds
    ]
