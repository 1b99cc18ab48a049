"""Project folder names (SPEC §6): a project's folder sits at its customer's library root, named after the
project, so two projects of a customer that stores in SharePoint may not end up with the same folder name.

Pure functions over plain values. Names are compared as SharePoint compares them: after the sanitising the
transfer applies (domain.sharepoint.names.valid_name at the library root) and case-insensitively.
"""
from collections.abc import Iterable

from domain.sharepoint.names import valid_name


def folder_key(name: str) -> str:
    """What SharePoint would see as the project's folder name, folded for a case-insensitive comparison."""
    return valid_name(name, at_root=True).casefold()


def first_clash(name: str, others: Iterable[tuple[int, str]]) -> int | None:
    """The number of the first of `others` (number, name) whose folder would be called like `name`'s."""
    key = folder_key(name)
    return next((number for number, other in others if folder_key(other) == key), None)


def clashing_pair(projects: Iterable[tuple[int, str]]) -> tuple[int, int] | None:
    """The first two projects (by the order given) whose folders would have the same name, by number."""
    seen: dict[str, int] = {}
    for number, name in projects:
        key = folder_key(name)
        if key in seen:
            return seen[key], number
        seen[key] = number
    return None
