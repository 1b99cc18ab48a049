"""The data side of SharePoint transfers through the API: state, the queued job, failures, retry, pending counts."""
from sqlalchemy import select, update

from domain import model as m
from domain.files import transfers
from domain.platform.job_worker import Worker
from domain.platform.jobs import Policy
from domain.model import Job, JobState
from partnergraph.composition import registry
from tests.factories import add_customer, add_project, company_with_staff, gid, graphql
from tests.uploads import file_client, file_settings, store, upload, uploaded  # noqa: F401 - fixtures

FILE = """
query File($id: ID!) {
  node(id: $id) { ... on File { id name url transferState transferError effectiveStorageLocation } }
}
"""

PENDING_COUNTS = """
query Pending($customer: ID!, $project: ID!) {
  customer: node(id: $customer) { ... on Customer { pendingTransferCount } }
  project: node(id: $project) { ... on Project { pendingTransferCount } }
}
"""

RETRY = """
mutation Retry($input: FileTransferRetryInput!) {
  fileTransferRetry(input: $input) { file { id transferState transferError } userErrors { field message code } }
}
"""

MOVE = """
mutation Move($input: FileUpdateInput!) {
  fileUpdate(input: $input) { file { id transferState } userErrors { field message code } }
}
"""


async def sharepoint_customer(db, company, name="Fjordkraft AS") -> int:
    customer_id = await add_customer(db, company, name)
    async with db.transaction() as session:
        await session.execute(update(m.Customer).where(m.Customer.id == customer_id)
                              .values(storage_location=m.StorageLocation.SHAREPOINT))
    return customer_id


async def jobs_of(db) -> list[Job]:
    async with db.read() as session:
        return list(await session.scalars(select(Job).order_by(Job.id)))


async def file_events(db, file_id: int) -> list[str]:
    async with db.read() as session:
        return list(await session.scalars(
            select(m.Event.action).where(m.Event.kind == m.EventKind.FILE, m.Event.node_id == file_id).order_by(m.Event.id)
        ))


def pk(global_id: str) -> int:
    from gql.ids import parse_global_id

    return parse_global_id(global_id)[1]


async def test_an_upload_into_sharepoint_is_pending_with_its_transfer_job_queued_in_the_same_transaction(db, file_client):
    # given a project of a customer that stores in SharePoint
    acme = await company_with_staff(db)
    project_id = await add_project(db, acme, await sharepoint_customer(db, acme), members=[acme["employee"]])

    # when a member uploads a file to it
    file = uploaded(await upload(file_client, acme["employee"].token, gid("Project", project_id)))["file"]

    # then the file is PENDING, still downloadable here, and one transfer job waits for it
    data = await graphql(file_client, FILE, {"id": file["id"]}, token=acme["employee"].token)
    assert data["node"]["transferState"] == "PENDING"
    assert data["node"]["url"].endswith(f"/files/{file['id']}/content")
    assert [(j.kind, j.payload, j.state) for j in await jobs_of(db)] == [
        ("sharepoint.transfer", {"file_id": pk(file["id"])}, JobState.QUEUED)
    ]


async def test_an_upload_into_cloud_storage_stays_local_and_queues_nothing(db, file_client):
    acme = await company_with_staff(db)
    project_id = await add_project(db, acme, await add_customer(db, acme))
    file = uploaded(await upload(file_client, acme["admin"].token, gid("Project", project_id)))["file"]
    data = await graphql(file_client, FILE, {"id": file["id"]}, token=acme["admin"].token)
    assert data["node"]["transferState"] == "LOCAL"
    assert await jobs_of(db) == []


async def test_a_project_set_back_to_cloud_keeps_its_files_local(db, file_client):
    acme = await company_with_staff(db)
    project_id = await add_project(db, acme, await sharepoint_customer(db, acme))
    async with db.transaction() as session:
        await session.execute(update(m.Project).where(m.Project.id == project_id).values(storage=m.ProjectStorage.CLOUD))
    file = uploaded(await upload(file_client, acme["admin"].token, gid("Project", project_id)))["file"]
    assert (await graphql(file_client, FILE, {"id": file["id"]}, token=acme["admin"].token))["node"]["transferState"] == "LOCAL"
    assert await jobs_of(db) == []


async def test_moving_a_local_file_into_sharepoint_queues_its_transfer(db, file_client):
    # given a file of a cloud customer's project, and a SharePoint customer
    acme = await company_with_staff(db)
    cloud_project = await add_project(db, acme, await add_customer(db, acme, "Cloud AS"))
    sharepoint = await sharepoint_customer(db, acme, "Sky AS")
    file = uploaded(await upload(file_client, acme["admin"].token, gid("Project", cloud_project)))["file"]

    # when it moves to the SharePoint customer
    moved = (await graphql(file_client, MOVE, {"input": {"id": file["id"], "entityId": gid("Customer", sharepoint)}},
                           token=acme["admin"].token))["fileUpdate"]

    # then it is on its way, with one job
    assert moved == {"file": {"id": file["id"], "transferState": "PENDING"}, "userErrors": []}
    assert [j.payload for j in await jobs_of(db)] == [{"file_id": pk(file["id"])}]


async def test_until_the_graph_client_is_wired_in_a_transfer_fails_visibly_and_can_be_retried(db, file_client, file_settings):
    # given a pending file
    acme = await company_with_staff(db)
    customer_id = await sharepoint_customer(db, acme)
    project_id = await add_project(db, acme, customer_id)
    file = uploaded(await upload(file_client, acme["admin"].token, gid("Project", project_id)))["file"]

    # when the worker runs its job with this build's handler
    worker = Worker(db, registry(), Policy(max_attempts=3))
    assert await worker.run_one() is not None

    # then the file is FAILED with the reason, the job is a dead letter, and the failure is an event
    node = (await graphql(file_client, FILE, {"id": file["id"]}, token=acme["admin"].token))["node"]
    assert node["transferState"] == "FAILED"
    assert "SharePoint is not configured" in node["transferError"]
    [job] = await jobs_of(db)
    assert job.state is JobState.DEAD and "SharePoint is not configured" in job.last_error
    assert await file_events(db, pk(file["id"])) == ["UPLOADED", "TRANSFER_FAILED"]

    # and a retry sends it again: PENDING, a new job
    retried = (await graphql(file_client, RETRY, {"input": {"id": file["id"]}}, token=acme["admin"].token))
    assert retried["fileTransferRetry"] == {
        "file": {"id": file["id"], "transferState": "PENDING", "transferError": None}, "userErrors": []
    }
    assert [j.state for j in await jobs_of(db)] == [JobState.DEAD, JobState.QUEUED]


async def test_only_a_failed_transfer_can_be_retried(db, file_client):
    acme = await company_with_staff(db)
    project_id = await add_project(db, acme, await sharepoint_customer(db, acme))
    file = uploaded(await upload(file_client, acme["admin"].token, gid("Project", project_id)))["file"]
    result = (await graphql(file_client, RETRY, {"input": {"id": file["id"]}}, token=acme["admin"].token))
    assert result["fileTransferRetry"]["file"] is None
    [error] = result["fileTransferRetry"]["userErrors"]
    assert (error["field"], error["code"]) == ("id", "TRANSFER_NOT_FAILED")
    assert len(await jobs_of(db)) == 1


async def test_who_may_not_change_a_file_may_not_retry_its_transfer(db, file_client):
    acme = await company_with_staff(db)
    project_id = await add_project(db, acme, await sharepoint_customer(db, acme), members=[acme["employee"]])
    file = uploaded(await upload(file_client, acme["admin"].token, gid("Project", project_id)))["file"]
    await Worker(db, registry(), Policy()).run_one()
    result = (await graphql(file_client, RETRY, {"input": {"id": file["id"]}}, token=acme["external"].token))
    assert result["fileTransferRetry"]["file"] is None
    assert result["fileTransferRetry"]["userErrors"][0]["code"] in {"NOT_FOUND", "FORBIDDEN"}
    assert len(await jobs_of(db)) == 1


async def test_a_transferred_file_has_its_sharepoint_web_url_as_url(db, file_client):
    acme = await company_with_staff(db)
    project_id = await add_project(db, acme, await sharepoint_customer(db, acme))
    file = uploaded(await upload(file_client, acme["admin"].token, gid("Project", project_id)))["file"]
    web_url = "https://contoso.sharepoint.com/sites/clients/Fjordkraft%20AS/Website/offer.pdf"

    async with db.transaction() as session:  # what the SharePoint handler reports when it is done
        row = await session.get(m.File, pk(file["id"]))
        transfers.mark_transferred(session, row, drive_id="b!drive", item_id="01ITEM", web_url=web_url)

    node = (await graphql(file_client, FILE, {"id": file["id"]}, token=acme["admin"].token))["node"]
    assert (node["transferState"], node["url"], node["transferError"]) == ("TRANSFERRED", web_url, None)
    assert await file_events(db, pk(file["id"])) == ["UPLOADED", "TRANSFERRED"]


async def test_pending_transfer_counts_cover_what_is_below_and_leave_out_transferred_and_cloud_files(db, file_client):
    # given a SharePoint customer with two projects, one of them set back to CLOUD
    acme = await company_with_staff(db)
    customer_id = await sharepoint_customer(db, acme)
    project_id = await add_project(db, acme, customer_id, "Website")
    cloud_project = await add_project(db, acme, customer_id, "Archive")
    async with db.transaction() as session:
        await session.execute(update(m.Project).where(m.Project.id == cloud_project).values(storage=m.ProjectStorage.CLOUD))
        activity_id = await session.scalar(select(m.Activity.id).where(m.Activity.project_id == project_id).limit(1))
    token = acme["admin"].token
    # files on the customer, the project, an activity of it, and the cloud project; one of them transferred
    ids = [uploaded(await upload(file_client, token, entity, f"file {i}".encode()))["file"]["id"]
           for i, entity in enumerate([gid("Customer", customer_id), gid("Project", project_id),
                                       gid("Activity", activity_id), gid("Project", project_id),
                                       gid("Project", cloud_project)])]
    async with db.transaction() as session:
        transfers.mark_transferred(session, await session.get(m.File, pk(ids[3])), drive_id="d", item_id="i",
                                   web_url="https://x.sharepoint.com/f")

    counts = await graphql(file_client, PENDING_COUNTS, {"customer": gid("Customer", customer_id),
                                                         "project": gid("Project", project_id)}, token=token)

    # then the customer counts its own, the project's and the activity's; the project its own and the activity's
    assert counts == {"customer": {"pendingTransferCount": 3}, "project": {"pendingTransferCount": 2}}


CUSTOMERS_WITH_COUNTS = """
{ customers(first: 20) { nodes { name pendingTransferCount projects(first: 20) { nodes { pendingTransferCount } } } } }
"""


async def test_pending_transfer_counts_of_many_customers_and_projects_cost_one_statement_per_level(db, file_client):
    from tests.gql.test_statement_count import counting_statements

    acme = await company_with_staff(db)
    for n in range(4):
        customer_id = await sharepoint_customer(db, acme, f"Customer {n}")
        for p in range(2):
            project_id = await add_project(db, acme, customer_id, f"P{p}", activities=0, milestones=0)
            uploaded(await upload(file_client, acme["admin"].token, gid("Project", project_id), f"{n}{p}".encode()))

    with counting_statements(db) as statements:
        data = await graphql(file_client, CUSTOMERS_WITH_COUNTS, token=acme["admin"].token)

    assert [c["pendingTransferCount"] for c in data["customers"]["nodes"]] == [2, 2, 2, 2]
    pending = [s for s in statements if "transfer_state" in s and "count(" in s.lower()]
    assert len(pending) == 2, pending


async def test_downloading_a_transferred_file_redirects_to_sharepoint(db, file_client):
    acme = await company_with_staff(db)
    project_id = await add_project(db, acme, await sharepoint_customer(db, acme))
    file = uploaded(await upload(file_client, acme["admin"].token, gid("Project", project_id)))["file"]
    web_url = "https://contoso.sharepoint.com/sites/clients/Fjordkraft%20AS/Website/offer.pdf"
    async with db.transaction() as session:
        transfers.mark_transferred(session, await session.get(m.File, pk(file["id"])), drive_id="d", item_id="i",
                                   web_url=web_url)

    response = await file_client.get(f"/files/{file['id']}/content",
                                     headers={"Authorization": f"Bearer {acme['admin'].token}"})

    assert (response.status_code, response.headers["location"]) == (302, web_url)
    # and who may not read the file still gets 404, not the address
    refused = await file_client.get(f"/files/{file['id']}/content",
                                    headers={"Authorization": f"Bearer {acme['external'].token}"})
    assert refused.status_code == 404
