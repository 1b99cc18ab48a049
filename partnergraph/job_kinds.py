"""The job kinds this build runs, by name: the registry every worker (in-process or `partnergraph worker`) uses."""
from domain import jobs
from domain.services.sharepoint_sync import queue_daily_syncs
from integrations.sharepoint.rename_job import rename_job_kind
from integrations.sharepoint.sync_job import settle_job_kind, sync_job_kind
from integrations.sharepoint.transfer_job import transfer_job_kind


def registry() -> jobs.Registry:
    kinds = jobs.Registry()
    kinds.register(transfer_job_kind())
    kinds.register(sync_job_kind())
    kinds.register(settle_job_kind())
    # Each worker looks every minute whether a company's daily SharePoint sync is due (queued once per day).
    kinds.every("sharepoint.daily_sync", 60, queue_daily_syncs)
    kinds.register(rename_job_kind())
    return kinds
