"""The pure file rules: names, tags, content types, owners and the effective storage location."""
import pytest

from domain.platform.errors import InvalidInput
from domain.files.rules import (
    EntityKind, clean_file_name, clean_tags, content_type_of, effective_storage_location, owner_columns,
    upload_file_name,
)
from domain.model import ProjectStorage, StorageLocation


def test_a_file_name_keeps_only_its_last_path_part_and_loses_control_characters():
    assert clean_file_name("C:\\Users\\kari\\Offer 2026.pdf") == "Offer 2026.pdf"
    assert clean_file_name("../../etc/passwd") == "passwd"
    assert clean_file_name("  report\r\n\t final.docx ") == "report final.docx"
    assert clean_file_name("invoice\u202efdp.exe") == "invoicefdp.exe"


@pytest.mark.parametrize("name", ["", "   ", "..", "dir/", "\x00\x01"])
def test_an_empty_file_name_is_refused_naming_the_field(name):
    with pytest.raises(InvalidInput) as refused:
        clean_file_name(name)
    assert refused.value.field == "name"


def test_a_given_name_longer_than_255_characters_is_refused():
    with pytest.raises(InvalidInput):
        clean_file_name("a" * 252 + ".pdf")
    assert clean_file_name("a" * 251 + ".pdf") == "a" * 251 + ".pdf"


def test_an_uploads_own_file_name_is_never_refused_and_keeps_its_extension_when_shortened():
    assert upload_file_name("") == "unnamed"
    assert upload_file_name(None) == "unnamed"
    long = upload_file_name("x" * 400 + ".pdf")
    assert len(long) == 255 and long.endswith(".pdf")


def test_tags_are_trimmed_and_their_case_insensitive_repeats_dropped_in_the_order_given():
    assert clean_tags(["  Contract ", "contract", "Q1  2026", "CONTRACT", "q1 2026"]) == ["Contract", "Q1 2026"]
    assert clean_tags(None) == []


def test_an_empty_or_overlong_tag_is_refused_naming_its_position():
    with pytest.raises(InvalidInput) as refused:
        clean_tags(["ok", "  "])
    assert refused.value.field == "tags.1"
    with pytest.raises(InvalidInput) as refused:
        clean_tags(["x" * 101])
    assert refused.value.field == "tags.0"
    with pytest.raises(InvalidInput) as refused:
        clean_tags([f"t{i}" for i in range(51)])
    assert refused.value.field == "tags"


def test_the_declared_content_type_is_kept_when_valid_and_guessed_from_the_name_otherwise():
    assert content_type_of("Application/PDF; charset=binary", "x.bin") == "application/pdf"
    assert content_type_of(None, "plan.pdf") == "application/pdf"
    assert content_type_of("application/octet-stream", "notes.txt") == "text/plain"
    assert content_type_of("text/html\r\nX-Evil: 1", "page") == "application/octet-stream"
    assert content_type_of("not a type", "archive.unknownext") == "application/octet-stream"


def test_a_file_belongs_to_exactly_one_entity_column():
    assert owner_columns(EntityKind.ACTIVITY, 7) == {
        "customer_id": None, "project_id": None, "activity_id": 7, "task_id": None,
    }


@pytest.mark.parametrize(("customer", "project", "effective"), [
    (StorageLocation.CLOUD, None, StorageLocation.CLOUD),
    (StorageLocation.SHAREPOINT, None, StorageLocation.SHAREPOINT),
    (StorageLocation.SHAREPOINT, ProjectStorage.INHERIT, StorageLocation.SHAREPOINT),
    (StorageLocation.SHAREPOINT, ProjectStorage.CLOUD, StorageLocation.CLOUD),
    (StorageLocation.CLOUD, ProjectStorage.INHERIT, StorageLocation.CLOUD),
    (None, None, StorageLocation.CLOUD),
])
def test_projects_inherit_the_customers_storage_location_unless_set_back_to_cloud(customer, project, effective):
    assert effective_storage_location(customer, project) == effective
