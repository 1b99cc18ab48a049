"""The job kinds this build runs, by name: the registry every worker (in-process or `partnergraph worker`) uses."""
from domain import jobs, transfers


def registry() -> jobs.Registry:
    kinds = jobs.Registry()
    # TODO(issue 7, part A): replace with the integrations.sharepoint transfer handler, keeping
    # transfers.transfer_failed as its on_dead hook.
    kinds.register(transfers.transfer_job_kind())
    return kinds
