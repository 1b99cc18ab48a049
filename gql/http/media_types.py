"""Content negotiation for GraphQL over HTTP: which media type a response is in, and which a request may be."""
from dataclasses import dataclass

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"


@dataclass(frozen=True)
class _Range:
    media_range: str
    quality: float
    position: int


def _ranges(accept: str) -> list[_Range]:
    ranges = []
    for position, part in enumerate(accept.split(",")):
        media_range, *parameters = (p.strip() for p in part.split(";"))
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media_range:
            ranges.append(_Range(media_range.lower(), quality, position))
    return sorted(ranges, key=lambda r: (-r.quality, r.position))


def response_media_type(accept: str | None) -> str | None:
    """The media type to answer in: the client's most preferred of application/graphql-response+json and
    application/json (`*/*`, `application/*` and no Accept header at all mean application/json, as the
    spec asks while clients move over); None when the client accepts neither (406)."""
    if accept is None or not accept.strip():
        return JSON
    for candidate in _ranges(accept):
        if candidate.quality <= 0:
            continue
        if candidate.media_range == GRAPHQL_RESPONSE_JSON:
            return GRAPHQL_RESPONSE_JSON
        if candidate.media_range in (JSON, "application/*", "*/*"):
            return JSON
    return None


def request_media_type(content_type: str | None) -> str:
    """The bare, lower-case media type of a Content-Type header ("" when there is none)."""
    return (content_type or "").split(";")[0].strip().lower()
