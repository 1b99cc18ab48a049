"""The composition root: what this build runs, put together once for `partnergraph serve` and `partnergraph worker`.

The app (gql/) and the worker (domain.platform.job_worker) know job kinds only as a registry handed to them; the
kinds are named here, the SharePoint use cases (domain.sharepoint) with the Graph client they call
(integrations.sharepoint), so gql/ never imports integrations/ and domain/ never imports msgraph."""
from starlette.applications import Starlette

from domain.platform import jobs
from domain.platform.db import Database
from domain.platform.settings import Settings, get_settings
from domain.sharepoint.file_changes import file_change_job_kind, item_delete_job_kind
from domain.sharepoint.folder_renames import rename_job_kind
from domain.sharepoint.sync import settle_job_kind, sync_job_kind
from domain.sharepoint.sync_runs import queue_daily_syncs
from domain.sharepoint.transfer import transfer_job_kind
from domain.webhooks.delivery import deliver_job_kind, dispatch as dispatch_webhooks, purge_log as purge_webhook_log
from domain.task_series.daily import make_tasks_job_kind, queue_daily_task_series
from gql import app
from gql.webhooks import WebhookRenderer
from integrations.sharepoint.client import graph_opener


def registry(settings: Settings | None = None) -> jobs.Registry:
    """The job kinds every worker (the server's own or `partnergraph worker`) runs, by name; the SharePoint use
    cases reach Graph through msgraph-sdk (integrations.sharepoint)."""
    # One per registry: it keeps each company's Graph session for the life of the worker, closed with the registry.
    sharepoint = graph_opener()
    kinds = jobs.Registry()
    kinds.on_close(sharepoint.close)
    kinds.register(transfer_job_kind(sharepoint))
    kinds.register(sync_job_kind(sharepoint))
    kinds.register(settle_job_kind())
    # Each worker looks every minute whether a company's daily SharePoint sync is due (queued once per day).
    kinds.every("sharepoint.daily_sync", 60, queue_daily_syncs)
    kinds.register(rename_job_kind(sharepoint))
    # Webhooks: each endpoint's events, rendered by gql as the schema shows them to the endpoint's creator.
    kinds.register(deliver_job_kind(WebhookRenderer()))
    kinds.every("webhooks.dispatch", (settings or get_settings()).webhook_dispatch_seconds, dispatch_webhooks)
    kinds.every("webhooks.purge_log", 3600, purge_webhook_log)
    # Each worker looks every minute whether a company's recurring tasks of the day are queued (once per day).
    kinds.every("task_series.daily", 60, queue_daily_task_series)
    kinds.register(make_tasks_job_kind())
    # Renames, retags, moves and deletions made here to files already in SharePoint (issue 18 item 1).
    kinds.register(file_change_job_kind(sharepoint))
    kinds.register(item_delete_job_kind(sharepoint))
    return kinds


def create_app(settings: Settings | None = None, db: Database | None = None) -> Starlette:
    """The API as `partnergraph serve` runs it (uvicorn's factory): gql's app with this build's job kinds."""
    return app.create_app(settings, db, job_kinds=registry(settings))
