"""What a webhook carries: an event and its node as the schema shows it to the endpoint's creator, at delivery.

The same path as a subscription's event (gql.delivery.Delivery.visible): the node is loaded through loaders built
for the viewer, so an event whose node they may not read now is not sent, and a deleted node is sent (as null)
only to whom could read it as it last was. The node itself is then resolved by executing `node(id:)` with those
loaders, selecting the fields of its type that take no arguments: its scalars and enums, and the id of each
object it refers to; a field the viewer may not read comes out as the API answers it (null).
"""
from typing import Any

from graphql import GraphQLList, GraphQLNonNull, GraphQLObjectType, get_named_type, is_leaf_type

from domain.access.viewer import Viewer
from domain.files.content_store import ContentStore
from domain.model import Event, EventKind
from domain.platform.db import Database
from domain.platform.errors import is_outage
from gql.context import Context
from gql.delivery import Delivery
from gql.ids import to_global_id
from gql.schema import schema
from gql.schema.events.subscriptions import encode_cursor

TYPE_NAMES = {EventKind.PROJECT: "Project", EventKind.TIME_RECORD: "TimeRecord", EventKind.FILE: "File",
              EventKind.CUSTOMER: "Customer", EventKind.EXPENSE: "Expense",
              EventKind.INTERNAL_INVOICE: "InternalInvoice"}


def selection_of(type_name: str) -> str:
    """The fields of the type a webhook carries: those without required arguments that are leaves, or a
    single object with an id (as `{ id }`)."""
    graphql_type = schema._schema.type_map[type_name]
    assert isinstance(graphql_type, GraphQLObjectType)
    fields = []
    for name, field in graphql_type.fields.items():
        if any(isinstance(arg.type, GraphQLNonNull) for arg in field.args.values()):
            continue
        unwrapped = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
        named = get_named_type(field.type)
        if is_leaf_type(named):
            fields.append(name)
        elif not isinstance(unwrapped, GraphQLList) and isinstance(named, GraphQLObjectType) and "id" in named.fields:
            fields.append(f"{name} {{ id }}")
    return " ".join(fields)


DOCUMENTS = {kind: f"query WebhookNode($id: ID!) {{ node(id: $id) {{ ... on {name} {{ {selection_of(name)} }} }} }}"
             for kind, name in TYPE_NAMES.items()}


def event_type(row: Event) -> str:
    """The Standard Webhooks `type`: the kind and the action, e.g. time_record.approved."""
    return f"{row.kind.value.lower()}.{row.action.lower()}"


class WebhookRenderer:
    """domain.webhooks.delivery.Renderer: one per worker registry, sharing one Delivery per database."""

    def __init__(self) -> None:
        self._deliveries: dict[int, Delivery] = {}

    async def render(self, db: Database, viewer: Viewer, events: list[Event]) -> dict[int, dict[str, Any]]:
        delivery = self._deliveries.setdefault(id(db), Delivery(db))
        loaders, visible = await delivery.visible(viewer, events)
        # Documents of our own, not a client's: run them whatever the persisted-queries mode.
        settings = db.settings.model_copy(update={"persisted_queries": "automatic"})
        context = Context(db=db, settings=settings, viewer=viewer, files=ContentStore.from_settings(db.settings))
        context.loaders = loaders
        bodies: dict[int, dict[str, Any]] = {}
        for row, node in visible:
            node_id = to_global_id(TYPE_NAMES[row.kind], row.node_id)
            data = None
            if node is not None:
                result = await schema.execute(DOCUMENTS[row.kind], variable_values={"id": node_id},
                                              context_value=context)
                outage = next((e.original_error for e in result.errors or ()
                               if e.original_error is not None and is_outage(e.original_error)), None)
                if outage is not None:
                    raise outage  # the job is tried again; nothing half-rendered is sent
                data = (result.data or {}).get("node")
            bodies[row.id] = {
                "type": event_type(row),
                "timestamp": row.occurred_at.isoformat(),
                "data": {"cursor": encode_cursor(row.id), "kind": row.kind.value, "action": row.action,
                         "occurredAt": row.occurred_at.isoformat(), "nodeId": node_id,
                         "subjectId": None if row.subject_id is None else to_global_id(row.subject_type, row.subject_id),
                         "node": data},
            }
        return bodies
