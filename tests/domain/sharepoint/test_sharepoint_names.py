"""SharePoint's name rules (SPEC §6), without a database or Graph."""
import pytest

from domain.files.rules import has_extension, shorten, split_extension
from domain.sharepoint.names import MAX_NAME, numbered, valid_name


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ('a"b*c:d<e>f?g/h\\i|j', "a_b_c_d_e_f_g_h_i_j"),
        ("  Offer  2026 .. ", "Offer 2026"),
        ("..hidden", "hidden"),
        ("report.", "report"),
        ("tab\tand\nnewline", "tab and newline"),
        ("bell\x07", "bell"),
        ("#1 Design % done", "#1 Design % done"),
        ("", "unnamed"),
        (None, "unnamed"),
        (" . . ", "unnamed"),
    ],
)
def test_a_name_loses_what_sharepoint_refuses(given, expected):
    assert valid_name(given) == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("CON", "CON_"),
        ("con", "con_"),
        ("Com1", "Com1_"),
        ("LPT9.txt", "LPT9_.txt"),
        ("nul.tar.gz", "nul_.tar.gz"),
        ("desktop.ini", "_desktop.ini"),
        (".lock", "lock"),
        ("Desktop.INI", "_Desktop.INI"),
        ("~$draft.docx", "_~$draft.docx"),
        ("a_vti_b", "a-vti-b"),
        ("CONSOLE", "CONSOLE"),
        ("COM10", "COM10"),
    ],
)
def test_a_reserved_name_is_changed_just_enough(given, expected):
    assert valid_name(given, is_file=True) == expected


def test_a_folder_at_the_library_root_is_never_called_forms():
    assert valid_name("Forms", at_root=True) == "Forms_"
    assert valid_name("Forms") == "Forms"


def test_sanitising_is_deterministic_and_idempotent():
    ugly = ' <Big|Deal>: "Phase 1"?. '
    once = valid_name(ugly)
    assert once == valid_name(ugly) == "_Big_Deal__ _Phase 1__"
    assert valid_name(once) == once


def test_a_long_file_name_keeps_its_extension_within_255_characters():
    name = valid_name("x" * 300 + ".pdf", is_file=True)
    assert len(name) == MAX_NAME
    assert name.endswith("x.pdf")


def test_a_long_folder_name_is_cut_without_a_trailing_space_or_dot():
    name = valid_name("a" * 253 + " .bbbb")
    assert len(name) <= MAX_NAME
    assert not name.endswith((" ", "."))


def test_a_tighter_limit_shortens_further():
    assert len(valid_name("y" * 100 + ".docx", is_file=True, limit=40)) == 40
    assert shorten("abcdef", 3, keep_extension=False) == "abc"


@pytest.mark.parametrize(
    ("name", "parts"),
    [("a.pdf", ("a", ".pdf")), ("README", ("README", "")), (".bashrc", (".bashrc", "")), ("v1. final", ("v1. final", ""))],
)
def test_an_extension_is_the_part_after_the_last_dot(name, parts):
    assert split_extension(name) == parts


def test_a_file_without_extension_is_recognised():
    assert not has_extension("Makefile")
    assert has_extension("notes.txt")


def test_a_clash_gets_a_numbered_suffix_before_the_extension():
    assert numbered("offer.pdf", 1) == "offer (1).pdf"
    assert numbered("offer.pdf", 12) == "offer (12).pdf"
    assert numbered("Makefile", 2) == "Makefile (2)"
    assert numbered("offer.pdf", 0) == "offer.pdf"


def test_a_numbered_long_name_still_fits():
    name = numbered("z" * 255, 3)
    assert len(name) == MAX_NAME and name.endswith(" (3)")
    assert len(numbered("z" * 50 + ".txt", 3, limit=30)) == 30
