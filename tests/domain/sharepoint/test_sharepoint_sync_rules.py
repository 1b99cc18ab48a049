"""The pure decisions of a sync from SharePoint: whose a folder is, and what one delta change means for a file."""
import dataclasses
import datetime as dt

from domain.files.rules import EntityKind
from domain.sharepoint.sync_rules import (
    DriveChange, KnownFile, Outcome, below, decide, latest, moved_folders, owner_of_folder, sharepoint_wins,
    tags_from_fields, tree_after, vanished,
)

PROJECT = (EntityKind.PROJECT, 7)
ACTIVITY = (EntityKind.ACTIVITY, 9)
PARENTS = {"P": "ROOT", "A": "P", "DRAFTS": "A", "2026": "DRAFTS", "LOOSE": "ROOT", "LOOP1": "LOOP2", "LOOP2": "LOOP1"}
ENTITIES = {"P": PROJECT, "A": ACTIVITY}


def owner(folder):
    return owner_of_folder(folder, parents=PARENTS, entity_folders=ENTITIES, root_id="ROOT", customer_id=3)


def test_a_folder_belongs_to_the_nearest_entity_folder_above_it_and_the_root_to_the_customer():
    assert owner("A") == ACTIVITY
    assert owner("2026") == ACTIVITY
    assert owner("P") == PROJECT
    assert owner("LOOSE") == (EntityKind.CUSTOMER, 3)
    assert owner("ROOT") == (EntityKind.CUSTOMER, 3)


def test_a_folder_outside_the_known_tree_or_in_a_loop_belongs_to_nobody():
    assert owner("ELSEWHERE") is None
    assert owner("LOOP1") is None
    assert owner(None) is None


def test_moment_tags_are_split_trimmed_deduplicated_and_sorted_and_a_missing_column_keeps_the_tags():
    assert tags_from_fields({"momentTags": " signed;Contract ; ;SIGNED"}, library_has_column=True) == (
        "Contract", "signed")
    assert tags_from_fields({"momentTags": ["b", "a"]}, library_has_column=True) == ("a", "b")
    assert tags_from_fields({"momentTags": ""}, library_has_column=True) == ()
    assert tags_from_fields({"momentTags": "a"}, library_has_column=False) is None
    assert tags_from_fields(None, library_has_column=True) is None


def test_an_emptied_moment_tags_column_which_graph_leaves_out_of_the_fields_means_no_tags():
    assert tags_from_fields({"FileLeafRef": "a.txt"}, library_has_column=True) == ()
    assert tags_from_fields({"FileLeafRef": "a.txt"}, library_has_column=False) is None


KNOWN = KnownFile(1, "offer.pdf", PROJECT, ("Contract",), '"e1"', "https://x/offer.pdf", "P")


def change(**values):
    base = {"item_id": "I", "name": "offer.pdf", "parent_id": "P", "size": 3, "etag": '"e1"',
            "web_url": "https://x/offer.pdf"}
    return DriveChange(**{**base, **values})


def test_a_new_item_in_a_known_folder_is_created_and_one_outside_or_our_own_upload_is_skipped():
    assert decide(change(), None, owner=PROJECT, tags=("a",)).outcome is Outcome.CREATED
    assert decide(change(), None, owner=None, tags=None).outcome is Outcome.SKIPPED
    assert decide(change(), None, owner=PROJECT, tags=None, ours_on_the_way=True).outcome is Outcome.SKIPPED


def test_a_rename_or_a_tag_edit_updates_and_another_entity_folder_moves():
    renamed = decide(change(name="offer v2.pdf"), KNOWN, owner=PROJECT, tags=None)
    assert (renamed.outcome, renamed.name, renamed.tags) == (Outcome.UPDATED, "offer v2.pdf", None)
    retagged = decide(change(etag='"e2"'), KNOWN, owner=PROJECT, tags=("Contract", "Signed"))
    assert (retagged.outcome, retagged.tags) == (Outcome.UPDATED, ("Contract", "Signed"))
    moved = decide(change(parent_id="A"), KNOWN, owner=ACTIVITY, tags=None)
    assert (moved.outcome, moved.owner) == (Outcome.MOVED, ACTIVITY)


def test_the_same_tags_in_another_case_an_etag_alone_or_nothing_at_all_change_nothing_a_user_sees():
    assert decide(change(etag='"e2"'), KNOWN, owner=PROJECT, tags=("contract",)).outcome is Outcome.REFRESHED
    assert decide(change(), KNOWN, owner=PROJECT, tags=None).outcome is Outcome.UNCHANGED
    # A file moved somewhere unknown keeps its entity rather than being lost (only its folder is remembered).
    kept = decide(change(parent_id="X"), KNOWN, owner=None, tags=None)
    assert (kept.outcome, kept.owner) == (Outcome.REFRESHED, PROJECT)


def test_the_folders_a_change_set_renamed_or_moved_and_everything_below_them_are_found():
    before = {"P": ("ROOT", "Harbour"), "A": ("P", "10 Design"), "X": ("ROOT", "Scans")}
    changes = [DriveChange("P", name="Harbour 2026", parent_id="ROOT", is_folder=True),
               DriveChange("X", name="Scans", parent_id="ROOT", is_folder=True),
               DriveChange("NEW", name="New", parent_id="ROOT", is_folder=True)]
    assert moved_folders(before, changes) == {"P"}
    assert below({"P"}, PARENTS) == {"P", "A", "DRAFTS", "2026"}


def test_deletions_delete_known_files_and_ignore_unknown_ones():
    assert decide(DriveChange("I", deleted=True), KNOWN, owner=None, tags=None).outcome is Outcome.DELETED
    assert decide(DriveChange("I", deleted=True), None, owner=None, tags=None).outcome is Outcome.UNCHANGED


def test_an_item_reported_twice_in_one_change_set_counts_in_its_last_state_and_a_full_read_finds_the_vanished():
    changes = latest([change(name="a"), change(item_id="J"), change(name="b")])
    assert [(c.item_id, c.name) for c in changes] == [("J", "offer.pdf"), ("I", "b")]
    assert vanished({"I", "J", "K"}, {"I", "J"}) == {"K"}


def test_the_folder_tree_after_a_change_set_and_after_a_full_enumeration():
    changes = [DriveChange("A", name="A", parent_id="ROOT", is_folder=True), DriveChange("B", deleted=True),
               DriveChange("ROOT", is_root=True, is_folder=True), DriveChange("F", name="f.txt", parent_id="A")]
    assert tree_after({"B": "ROOT", "C": "B"}, changes, full=False) == {"A": "ROOT", "C": "B"}
    assert tree_after({"B": "ROOT", "C": "B"}, changes, full=True) == {"A": "ROOT"}


def test_a_file_changed_on_both_sides_keeps_the_later_change_whichever_came_first():
    here_at = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
    known = dataclasses.replace(KNOWN, changed_at=here_at)
    edited_after = change(name="theirs.pdf", modified_at=here_at + dt.timedelta(seconds=1))
    edited_before = change(name="theirs.pdf", modified_at=here_at - dt.timedelta(seconds=1))
    # SharePoint's edit is the later one: it is taken
    assert sharepoint_wins(edited_after, known)
    assert decide(edited_after, known, owner=PROJECT, tags=None).outcome is Outcome.UPDATED
    # the change made here is the later one: the older state read from SharePoint is left
    assert not sharepoint_wins(edited_before, known)
    assert decide(edited_before, known, owner=PROJECT, tags=None).outcome is Outcome.SKIPPED
    # without the times, SharePoint's state is taken, as it always was
    assert sharepoint_wins(change(name="theirs.pdf"), known) and sharepoint_wins(edited_before, KNOWN)


def test_a_change_still_queued_here_is_never_overwritten_by_a_sync_but_a_deletion_there_goes_through():
    queued = dataclasses.replace(KNOWN, change_queued=True, changed_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC))
    later = change(name="theirs.pdf", modified_at=dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
    assert decide(later, queued, owner=ACTIVITY, tags=("Theirs",)).outcome is Outcome.SKIPPED
    assert decide(DriveChange("I", deleted=True), queued, owner=None, tags=None).outcome is Outcome.DELETED


def test_an_item_whose_file_was_deleted_here_is_never_created_again():
    assert decide(change(), None, owner=PROJECT, tags=None, deleted_here=True).outcome is Outcome.SKIPPED
