"""The files of every task of a recurring series go into the series' one shared SharePoint folder, each list item
with momentYear and momentPeriod of its task's period (SPEC §6, issue 18 item 4): a series made through the API,
files uploaded over HTTP, moved by the worker into the Graph emulator."""
import datetime as dt

from sqlalchemy import select

from domain import model as m
from domain.model import Recurrence
from domain.task_series.periods import Period
from tests.factories import gid
from tests.integrations.sharepoint.test_folder_renames import activity_of, folder_of, work_off
from tests.integrations.sharepoint.test_transfer_job import (  # noqa: F401
    a_sharepoint_project, graphql_as, sharepoint_db, upload_to,
)

SERIES_CREATE = """
mutation Create($input: TaskSeriesCreateInput!) {
  taskSeriesCreate(input: $input) { series { id tasks { nodes { id period { start } } } } userErrors { field code } }
}
"""
SERIES_UPDATE = """
mutation Rename($input: TaskSeriesUpdateInput!) {
  taskSeriesUpdate(input: $input) { series { name } userErrors { field code } }
}
"""


def month_before(day: dt.date) -> dt.date:
    return (day.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


async def test_every_task_of_a_series_files_into_its_shared_folder_with_the_period_of_the_task(
    sharepoint_db, graph_emulator
):
    # given a monthly series under an activity of a SharePoint customer's project, begun last month
    db = sharepoint_db
    acme, _, project_id = await a_sharepoint_project(db, apply_content_type=True)
    activity = await activity_of(db, project_id)
    this_month = dt.datetime.now(dt.UTC).date().replace(day=1)
    body = await graphql_as(db, acme, SERIES_CREATE, {"input": {
        "name": "VAT return", "projectId": gid("Project", project_id), "activityId": gid("Activity", activity.id),
        "frequency": "MONTHLY", "firstPeriod": month_before(this_month).isoformat()}})
    assert body["taskSeriesCreate"]["userErrors"] == []
    series = body["taskSeriesCreate"]["series"]
    tasks = [(t["id"], dt.date.fromisoformat(t["period"]["start"])) for t in series["tasks"]["nodes"]]
    assert [start for _, start in tasks] == [month_before(this_month), this_month]

    # when a file is uploaded to each of its two tasks and the worker transfers them
    for task_id, start in tasks:
        await upload_to(db, acme, task_id, b"%PDF vat", filename=f"vat {start:%Y-%m}.pdf")
    await work_off(db)

    # then both are in the one folder named after the series, under the activity's folder
    state = graph_emulator.state
    files = sorted(state.files(), key=lambda item: item.name)
    assert [state.path_of(item)[-4:] for item in files] == [
        ["Website", f"{activity.number} {activity.name}", "VAT return", f"vat {start:%Y-%m}.pdf"]
        for _, start in tasks]
    async with db.read() as session:
        series_row = await session.scalar(select(m.RecurringTaskSeries))
    assert series_row.sharepoint_folder_id is not None
    assert {item.parent_id for item in files} == {series_row.sharepoint_folder_id}
    # and each list item carries its own task's period
    for item, (_, start) in zip(files, tasks):
        period = Period(Recurrence.MONTHLY, start)
        assert item.fields["momentYear"] == str(period.year)
        assert item.fields["momentPeriod"] == f"{start.month:02d}/{start.year}"
        assert item.fields["momentActivity"] == activity.name

    # and renaming the series renames that folder, which keeps its Graph id
    folder_id = await folder_of(db, m.RecurringTaskSeries, series_row.id)
    body = await graphql_as(db, acme, SERIES_UPDATE, {"input": {"id": series["id"], "name": "VAT report"}})
    assert body["taskSeriesUpdate"] == {"series": {"name": "VAT report"}, "userErrors": []}
    await work_off(db)
    assert state.items[folder_id].name == "VAT report"
    assert await folder_of(db, m.RecurringTaskSeries, series_row.id) == folder_id
