"""The JSON of a GraphQL HTTP response body, made in one place: Strawberry's view (gql.http.view), the lean path
(gql.http.lean, whose answers are compared byte for byte with the view's) and the HTTP refusals use it.

orjson encodes a project page about 7x faster than `json.dumps` (0.05 ms instead of 0.39 ms for 25 KB) and
writes the same JSON values, compact, with non-ASCII text as UTF-8 (the content type says charset=utf-8)
rather than `\\uXXXX` escapes. Where the two libraries would differ, the answer is what `json.dumps` gave before:
- what orjson refuses and json accepts (an integer beyond 64 bits, a dict key that is not a string, a lone
  surrogate in a text) is encoded by `json.dumps` as before (ASCII, escaped);
- dates and dataclasses, which orjson would write and json refuses, are handed to json too, which refuses them
  (a leaf reaches the body already serialised by its scalar; anything else is a fault, as it was).
NaN and infinities would be `null` here and not JSON at all with json: none reaches a body (graphql-core's Float
and the compiled builder's leaves, which are the scalars' own `serialize`, refuse them).
"""
import json
from typing import Any

import orjson

_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def json_body(body: Any) -> bytes:
    """`body` as compact JSON in UTF-8."""
    try:
        return orjson.dumps(body, option=_OPTIONS)
    except orjson.JSONEncodeError:
        return json.dumps(body, separators=(",", ":")).encode()
