"""Two customers of one company with the same name get a library each (issue 7, weakness b), and a library that
another customer remembers as its own is never taken by name."""
from sqlalchemy import update

from domain import model as m
from domain.sharepoint.layout import placement
from tests.factories import add_customer, add_project, gid
from tests.integrations.sharepoint.test_transfer import send
from tests.integrations.sharepoint.test_transfer_job import (  # noqa: F401
    a_sharepoint_project, sharepoint_db, upload_to, worker,
)


async def test_two_customers_with_the_same_name_get_a_library_each(sharepoint_db, graph_emulator):
    db = sharepoint_db
    # given two customers called the same, both storing in SharePoint, each with a file waiting
    acme, first_id, first_project = await a_sharepoint_project(db)
    second_id = await add_customer(db, acme, "Fjordkraft: AS")
    second_project = await add_project(db, acme, second_id, "Pier")
    async with db.transaction() as session:
        await session.execute(update(m.Customer).where(m.Customer.id == second_id)
                              .values(storage_location=m.StorageLocation.SHAREPOINT))
    await upload_to(db, acme, gid("Project", second_project), b"second", filename="b.pdf")
    await upload_to(db, acme, gid("Project", first_project), b"first", filename="a.pdf")

    # when both are transferred (the second customer's first)
    assert await worker(db).run_one() is not None
    assert await worker(db).run_one() is not None

    # then each customer has its own library, remembered by id; the lower number keeps the plain name
    async with db.read() as session:
        first, second = await session.get(m.Customer, first_id), await session.get(m.Customer, second_id)
    assert first.sharepoint_library_id != second.sharepoint_library_id
    libraries = graph_emulator.state.libraries
    assert libraries[first.sharepoint_library_id].display_name == "Fjordkraft_ AS"
    assert libraries[second.sharepoint_library_id].display_name == f"Fjordkraft_ AS ({second.number})"
    by_library = {graph_emulator.state.library_of_drive(f.drive_id).id: f.name for f in graph_emulator.state.files()}
    assert by_library == {first.sharepoint_library_id: "a.pdf", second.sharepoint_library_id: "b.pdf"}


async def test_a_library_another_customer_remembers_is_passed_over_for_a_numbered_one(graph, graph_emulator, tmp_path):
    # given a library "Acme" that another customer (since renamed) remembers as its own
    theirs = await send(graph, tmp_path, placement("Acme", "old.pdf", project=(1, "P")), b"old")

    ours = await send(graph, tmp_path, placement("Acme", "new.pdf", project=(2, "Q")), b"new",
                      taken_library_ids=frozenset({theirs.library_id}))

    assert ours.library_id != theirs.library_id
    assert graph_emulator.state.libraries[ours.library_id].display_name == "Acme (1)"
