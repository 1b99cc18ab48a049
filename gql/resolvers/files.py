"""The `files` list: by entity (alone or with what is below it), tags, name, uploader and upload date."""
import datetime as dt

from sqlalchemy import func, or_, select

from domain import model as m
from domain.platform.errors import InvalidInput
from domain.files.placement import files_under
from domain.files.rules import EntityKind
from domain.access.policy import visible
from domain.access.viewer import Viewer
from domain.files.service import EntityRef
from gql.ids import parse_global_id
from gql.loaders import FILES_ORDER
from gql.resolvers.lists import Listing, _conditions, _id, _search, company_filter

MAX_TAG_FILTER = 20


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def _has_tag(name: str):
    tagged = (
        select(m.file_tags.c.file_id)
        .join(m.Tag, m.Tag.id == m.file_tags.c.tag_id)
        .where(or_(m.Tag.name == name.strip(), func.lower(m.Tag.name) == name.strip().lower()))
    )
    return m.File.id.in_(tagged)


def entity_ref(value: str | None, *, field: str = "entityId") -> EntityRef:
    """A global id of a customer, project, activity or task."""
    if value is None:
        raise InvalidInput("A file always belongs to a customer, project, activity or task.", field=field)
    parsed = parse_global_id(value)
    if parsed is None:
        raise InvalidInput(f"'{value}' is not a valid id.", field=field)
    kinds = {kind.value: kind for kind in EntityKind}
    if parsed[0] not in kinds:
        raise InvalidInput("Files belong to a Customer, Project, Activity or Task.", field=field)
    return EntityRef(kinds[parsed[0]], parsed[1])


def files(
    viewer: Viewer, *, company_id=None, entity_id=None, include_descendants: bool = False, tags=None, search=None,
    uploaded_by_id=None, uploaded_from: dt.date | None = None, uploaded_to: dt.date | None = None,
) -> Listing:
    entity = None if entity_id is None else entity_ref(entity_id)
    uploader_pk = _id(uploaded_by_id, "CoWorker", "uploadedById")
    tags = [t for t in (tags or []) if t.strip()]
    if len(tags) > MAX_TAG_FILTER:
        raise InvalidInput(f"At most {MAX_TAG_FILTER} tags at once.", field="tags")
    conditions = _conditions(
        visible(viewer, m.File),
        company_filter(m.File, company_id),
        None if entity is None else files_under(entity.kind, entity.id, descendants=include_descendants),
        *[_has_tag(tag) for tag in tags],
        _search(m.File.name, search),
        None if uploader_pk is None else m.File.uploaded_by_id == uploader_pk,
        None if uploaded_from is None else m.File.uploaded_at >= _start_of(uploaded_from),
        None if uploaded_to is None else m.File.uploaded_at < _start_of(uploaded_to + dt.timedelta(days=1)),
    )
    return Listing(m.File, conditions, FILES_ORDER)
