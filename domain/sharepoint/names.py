"""SharePoint's name rules (SPEC §6): any name made valid, deterministically; clash suffixes; the path limit.
A file's extension and how a name is shortened keeping it are file rules (domain.files.rules), used here.

Pure functions over strings. The same input always gives the same name, so a retried transfer looks for
the same item it may have uploaded before a crash.
"""
import re
import unicodedata

from domain.files.rules import MAX_NAME, shorten, split_extension

MAX_PATH = 400
# Characters SharePoint Online refuses in a name (`#` and `%` are allowed there).
_FORBIDDEN = re.compile(r'["*:<>?/\\|]')
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
# Refused whatever their extension, like Windows device names ("CON.txt" too).
_DEVICE = re.compile(r"(?i)(CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9])")
_BLOCKED_WHOLE = {".lock", "desktop.ini"}
# A folder at a library's root may not be called "forms" (the library's own forms folder).
_ROOT_BLOCKED = {"forms"}
REPLACEMENT = "_"
UNNAMED = "unnamed"


def _trim(value: str) -> str:
    # Leading and trailing spaces and dots: SharePoint refuses trailing ones, and a leading dot hides a name.
    return value.strip(" .\t")


def valid_name(value: str | None, *, at_root: bool = False, is_file: bool = False, limit: int = MAX_NAME) -> str:
    """A name SharePoint accepts, made from any text: forbidden characters become "_", controls go,
    whitespace runs become one space, leading/trailing spaces and dots go, blocked names get a "_",
    and the result has at most `limit` characters (a file keeps its extension)."""
    name = unicodedata.normalize("NFC", value or "")
    name = _CONTROL.sub("", " ".join(name.split()))
    name = _trim(_FORBIDDEN.sub(REPLACEMENT, name))
    if not name:
        return UNNAMED
    if name.startswith("~$"):
        name = REPLACEMENT + name
    name = re.sub(r"(?i)_vti_", "-vti-", name)
    stem, extension = split_extension(name)
    if name.lower() in _BLOCKED_WHOLE:
        name = REPLACEMENT + name
    elif _DEVICE.fullmatch(stem) or _DEVICE.fullmatch(name.split(".")[0]):
        head, dot, rest = name.partition(".")
        name = head + REPLACEMENT + dot + rest
    elif at_root and name.lower() in _ROOT_BLOCKED:
        name = name + REPLACEMENT
    return shorten(name, min(limit, MAX_NAME), keep_extension=is_file)


def numbered(name: str, number: int, *, limit: int = MAX_NAME) -> str:
    """The name for the `number`th clash in a folder: "offer (2).pdf" for "offer.pdf"; within `limit`."""
    if number < 1:
        return name
    stem, extension = split_extension(name)
    suffix = f" ({number}){extension}"
    room = max(1, min(limit, MAX_NAME) - len(suffix))
    return (_trim(stem[:room]) or REPLACEMENT) + suffix


def path_length(segments: list[str]) -> int:
    """The decoded length of a path made of these segments, with a "/" before each."""
    return sum(len(segment) + 1 for segment in segments)
