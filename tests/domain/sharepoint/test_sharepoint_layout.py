"""Where a file goes in SharePoint (SPEC §6): libraries, folders, the 400-character path, content-type values."""
import datetime as dt

import pytest

from domain.sharepoint.layout import ActivityRef, TaskRef, content_type_values, placement
from domain.sharepoint.names import MAX_NAME, MAX_PATH


def test_a_customer_file_lies_at_the_root_of_the_customer_library():
    spot = placement("Acme: Nordic AS", "contract.pdf")
    assert (spot.library, spot.folders, spot.file_name) == ("Acme_ Nordic AS", (), "contract.pdf")


def test_a_project_folder_is_named_after_the_project_name_without_its_number():
    spot = placement("Acme", "plan.xlsx", project=(7, "Harbour bridge"))
    assert [(s.kind, s.entity_id, s.name) for s in spot.folders] == [("project", 7, "Harbour bridge")]
    assert spot.path == "Acme/Harbour bridge/plan.xlsx"


def test_an_activity_folder_is_number_and_name_or_just_the_name():
    numbered_spot = placement("Acme", "a.txt", project=(1, "P"), activity=ActivityRef(3, "Design", "010"))
    plain_spot = placement("Acme", "a.txt", project=(1, "P"), activity=ActivityRef(4, "Design", None))
    assert numbered_spot.folders[-1].name == "010 Design"
    assert plain_spot.folders[-1].name == "Design"


def test_a_task_folder_is_hash_number_and_name_inside_its_activity():
    spot = placement("Acme", "a.txt", project=(1, "P"), activity=ActivityRef(3, "Design"), task=TaskRef(9, 42, "Review"))
    assert spot.path == "Acme/P/Design/#42 Review/a.txt"
    assert spot.folders[-1].kind == "task"


def test_a_task_without_activity_sits_in_the_project_folder():
    spot = placement("Acme", "a.txt", project=(1, "P"), task=TaskRef(9, 42, "Review"))
    assert spot.path == "Acme/P/#42 Review/a.txt"


def test_every_task_of_a_recurring_series_shares_one_folder_named_with_the_task_name():
    january = TaskRef(10, 100, "VAT report", series_id=5, series_name="VAT report", period_start=dt.date(2026, 1, 1))
    february = TaskRef(11, 101, "VAT report", series_id=5, series_name="VAT report", period_start=dt.date(2026, 2, 1))
    one = placement("Acme", "a.pdf", project=(1, "P"), task=january)
    two = placement("Acme", "b.pdf", project=(1, "P"), task=february)
    assert one.folders[-1] == two.folders[-1]
    assert (one.folders[-1].kind, one.folders[-1].entity_id, one.folders[-1].name) == ("series", 5, "VAT report")


def test_remembered_graph_ids_travel_with_their_folders():
    spot = placement(
        "Acme", "a.txt", project=(1, "P"), activity=ActivityRef(3, "Design"), known_ids={("project", 1): "01ABC"}
    )
    assert [s.graph_id for s in spot.folders] == ["01ABC", None]


def test_folder_names_are_made_valid_and_a_root_folder_is_not_forms():
    spot = placement("Acme", "a.txt", project=(1, "Forms"), activity=ActivityRef(3, "Q&A: what?", "1."))
    assert [s.name for s in spot.folders] == ["Forms_", "1. Q&A_ what_"]


def test_an_activity_or_task_without_a_project_is_refused():
    with pytest.raises(ValueError):
        placement("Acme", "a.txt", activity=ActivityRef(3, "Design"))


def test_a_deep_path_of_long_names_fits_in_400_characters():
    long = "n" * 300
    spot = placement(
        long, long + ".docx", project=(1, long), activity=ActivityRef(3, long, "99"), task=TaskRef(9, 1234, long),
        site_path_length=30,
    )
    assert len(spot.path) + 1 + 30 <= MAX_PATH
    assert spot.file_name.endswith(".docx")
    assert all(len(s.name) <= MAX_NAME for s in spot.folders)
    assert all(len(s.name) >= 40 for s in spot.folders)


def test_a_folder_name_depends_only_on_its_ancestors_not_on_the_file_or_what_is_below():
    long = "m" * 300
    shallow = placement("Acme", "a.txt", project=(1, long))
    deep = placement("Acme", "b" * 300 + ".txt", project=(1, long), activity=ActivityRef(3, long), task=TaskRef(9, 1, long))
    assert shallow.folders[0].name == deep.folders[0].name


def test_a_short_path_keeps_full_length_names():
    spot = placement("Acme", "x" * 300 + ".pdf")
    assert len(spot.file_name) == MAX_NAME


def test_content_type_values_come_from_the_activity_the_recurring_period_and_the_tags():
    task = TaskRef(10, 100, "VAT", series_id=5, series_name="VAT", period_start=dt.date(2026, 3, 1))
    values = content_type_values(activity=ActivityRef(3, "Design"), task=task, tags=["urgent", "tax"])
    assert values.as_fields() == {
        "momentActivity": "Design", "momentYear": "2026", "momentPeriod": "03/2026", "momentTags": "urgent; tax",
    }


def test_a_one_off_task_has_no_year_or_period():
    values = content_type_values(activity=None, task=TaskRef(9, 1, "T", period_start=dt.date(2026, 3, 1)), tags=[])
    assert values.as_fields() == {"momentTags": ""}
