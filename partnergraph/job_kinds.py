"""The job kinds this build runs, by name: the registry every worker (in-process or `partnergraph worker`) uses."""
from domain import jobs
from integrations.sharepoint.transfer_job import transfer_job_kind


def registry() -> jobs.Registry:
    kinds = jobs.Registry()
    kinds.register(transfer_job_kind())
    return kinds
