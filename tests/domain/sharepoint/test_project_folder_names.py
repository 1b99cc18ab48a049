"""The project folder name rule (SPEC §6, DUPLICATE_PROJECT_NAME), without a database."""
from domain.sharepoint.folder_names import clashing_pair, first_clash, folder_key


def test_folder_names_are_compared_ignoring_case():
    assert folder_key("Website") == folder_key("WEBSITE") == folder_key("website")


def test_folder_names_are_compared_after_sharepoint_sanitising():
    assert folder_key("Dam: phase 1?") == folder_key("dam_ phase 1_")
    assert folder_key("  Dam   inspection. ") == folder_key("Dam inspection")
    assert folder_key("Forms") == folder_key("forms_")  # a root folder may not be called "forms"


def test_different_folder_names_do_not_clash():
    assert folder_key("Website") != folder_key("Website 2")
    assert first_clash("Website", [(1000, "App"), (1001, "Website 2")]) is None


def test_the_first_clash_is_named_by_its_project_number():
    assert first_clash("website", [(1000, "App"), (1001, "WEBSITE"), (1002, "Website")]) == 1001


def test_a_clashing_pair_names_the_first_two_projects_sharing_a_folder():
    assert clashing_pair([(1000, "App"), (1001, "Dam|1"), (1002, "x"), (1003, "dam_1")]) == (1001, 1003)
    assert clashing_pair([(1000, "App"), (1001, "Website")]) is None
    assert clashing_pair([]) is None
