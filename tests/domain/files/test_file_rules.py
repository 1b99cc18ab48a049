"""The pure file rules: names, tags, content types, owners and the effective storage location."""
import pytest

from domain.platform.errors import InvalidInput
from domain.files.rules import (
    MAX_GIVEN_NAME, NAME_SHORTENED, NO_EXTENSION, EntityKind, clean_file_name, clean_tags, content_type_of,
    effective_storage_location, has_extension, owner_columns, shorten, split_extension, upload_file_name,
)
from domain.model import ProjectStorage, StorageLocation


def test_a_file_name_keeps_only_its_last_path_part_and_loses_control_characters():
    assert clean_file_name("C:\\Users\\kari\\Offer 2026.pdf").value == "Offer 2026.pdf"
    assert clean_file_name("../../etc/passwd").value == "passwd"
    assert clean_file_name("  report\r\n\t final.docx ").value == "report final.docx"
    assert clean_file_name("invoice\u202efdp.exe").value == "invoicefdp.exe"


@pytest.mark.parametrize("name", ["", "   ", "..", "dir/", "\x00\x01"])
def test_an_empty_file_name_is_refused_naming_the_field(name):
    with pytest.raises(InvalidInput) as refused:
        clean_file_name(name)
    assert refused.value.field == "name"


def test_a_given_name_over_255_characters_is_shortened_keeping_its_extension_with_a_warning():
    kept = clean_file_name("a" * 252 + ".pdf")
    assert kept.value == "a" * 251 + ".pdf"
    assert [(w.code, w.field) for w in kept.warnings] == [(NAME_SHORTENED, "name")]
    assert clean_file_name("a" * 252 + ".pdf") == kept  # deterministic
    assert clean_file_name("a" * 251 + ".pdf").warnings == ()


def test_only_a_given_name_longer_than_the_api_takes_is_refused():
    with pytest.raises(InvalidInput) as refused:
        clean_file_name("a" * (MAX_GIVEN_NAME - 3) + ".pdf")
    assert refused.value.field == "name"
    assert len(clean_file_name("a" * (MAX_GIVEN_NAME - 4) + ".pdf").value) == 255


def test_a_name_without_an_extension_is_taken_with_a_warning():
    kept = clean_file_name("Makefile")
    assert kept.value == "Makefile" and [(w.code, w.field) for w in kept.warnings] == [(NO_EXTENSION, "name")]
    assert [w.code for w in clean_file_name(".bashrc").warnings] == [NO_EXTENSION]
    assert [w.code for w in clean_file_name("x" * 300).warnings] == [NAME_SHORTENED, NO_EXTENSION]


def test_an_uploads_own_file_name_is_never_refused_and_keeps_its_extension_when_shortened():
    assert upload_file_name("").value == "unnamed"
    assert upload_file_name(None).value == "unnamed"
    long = upload_file_name("x" * 2000 + ".pdf")
    assert len(long.value) == 255 and long.value.endswith(".pdf")
    assert [(w.code, w.field) for w in long.warnings] == [(NAME_SHORTENED, "file")]


def test_extensions_and_shortening():
    assert split_extension("report.final.pdf") == ("report.final", ".pdf")
    assert not has_extension("notes. txt") and has_extension("a.tar")
    assert shorten("abcdef.pdf", 8) == "abcd.pdf" and shorten("abc  .pdf", 8) == "abc.pdf"
    assert shorten("abcdef", 3, keep_extension=False) == "abc"


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
