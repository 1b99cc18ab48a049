"""Runs a plan: one batched SELECT per relation and level, of the columns the plan needs, as Core rows, with
the access policy's clause of each type (domain.access.policy.visible, through the loaders' Relations and the
lists' Listings); the answer is assembled from the rows, leaves serialised by the schema's own scalars and enums.

Whatever the general executor would answer differently (an error, a null where a field is non-null, a type the
catalogue does not cover) raises Fallback: the request then runs on the general executor, so the compiled
execution never gives an answer of its own.
"""
import collections
import re
from collections import defaultdict
from typing import Any

from graphql.execution.values import get_argument_values
from sqlalchemy import bindparam, func, inspect, literal_column, select, true, union_all

from domain import model as m
from domain.access.policy import visible
from domain.access.viewer_values import access_shape, parameters
from domain.platform.driver_reads import DriverReads, keep
from gql.compiled import shapes
from gql.compiled import report, resolved
from gql.compiled.plan import (
    BatchedPlan, ByIdsPlan, ConnectionPlan, DerivedPlan, EmbeddedPlan, EventLeaf, EventPlan, Leaf, NestedPlan,
    NodeRoot, ObjectPlan, Plan, Relation, ReportRoot, ResolvedRoot, ViewerRoot,
)
from gql.ids import parse_global_id
from gql.loaders import window
from gql.loaders.by_id import MAX_BATCH
from gql.pagination import MAX_PAGE, Page, PageRequest, decode_cursor, paged, to_page


# The per-request values of the statements each plan builds once (beside the viewer's, domain.access.viewer_values).
KEYS = bindparam("compiled_keys", expanding=True)
PARENTS = bindparam("compiled_parents", expanding=True)
LIMIT = bindparam("compiled_limit")
DATE_FROM = bindparam("compiled_date_from")
DATE_TO = bindparam("compiled_date_to")
# A page of children for each of up to MAX_BRANCHES parents is one SELECT … ORDER BY … LIMIT per parent (`branches`),
# each parent's key in its own parameter; more parents are ranked with row_number() in one pass over all their rows.
MAX_BRANCHES = 64
BRANCH_PARENTS = tuple(bindparam(f"compiled_parent_{index}", expanding=True) for index in range(MAX_BRANCHES))
# The labels of what a level's statement reads along for its relations (plan.Relation.prefix: "j<n>_").
_READ_ALONG = re.compile(r"j[0-9]+_")
_LINKED_PROJECTS = keep(select(m.Project.id, m.Project.company_id, m.Project.number, m.Project.name,
                               m.Project.status).where(m.Project.id.in_(KEYS)))


def _column(rows: list, key: str) -> list:
    """Each row's `key`: by position from Rows (a Row's attribute lookup is several times dearer), by attribute
    from anything else (an hours report's totals, the viewer)."""
    fields = getattr(rows[0], "_fields", None) if rows else None
    if fields is None:
        return [getattr(row, key) for row in rows]
    at = fields.index(key)
    return [row[at] for row in rows]


# The keys of a Federation representation the compiled `_entities` answers.
_REPRESENTATION = {"__typename", "id"}


class Fallback(Exception):
    """This request's answer is the general executor's to give."""


def _tables(shape: shapes.Shape) -> set:
    """The tables a shape's rows are read from (its model's, and the one it joins)."""
    found = {inspect(shape.model).local_table}
    if shape.join is not None:
        found.add(inspect(shape.join[0]).local_table)
    return found


def _branches(parents: int) -> int:
    """How many per-parent SELECTs read a page of children for this many parents: the next power of two (a
    statement has a few texts, not one per count), or 0 past MAX_BRANCHES (then one ranked SELECT reads them all)."""
    branches = 1 << (parents - 1).bit_length()
    return branches if branches <= MAX_BRANCHES else 0


def _require(condition: bool, why: str) -> None:
    if not condition:
        raise Fallback(why)


class Run:
    def __init__(self, context: Any, variable_values: Any, session: Any) -> None:
        self.viewer = context.viewer
        self.context = context
        self.variables = variable_values
        self.session = session
        # A statement is built once per plan and form, for the first viewer of an access shape, and always run
        # with the viewer's own values: each of them is a named parameter (domain.access.viewer_values).
        self.shape = access_shape(self.viewer)
        self.parameters = parameters(self.viewer)
        self.reads = DriverReads(session)
        self.dialect = session.bind.dialect.name
        # Rows read ahead for a to-one relation's target plan (by its id): see `read_ahead`.
        self.ready: dict[int, dict] = {}

    def statement(self, plan: Any, form: tuple, build) -> Any:
        key = (form, self.shape, self.dialect)  # what `joined` reads along depends on the database
        found = plan.statements.get(key)
        if found is None:
            # Kept: run on the read connection's driver with its SQL text cached (domain.platform.driver_reads).
            found = plan.statements[key] = keep(build())
        return found

    async def execute(self, statement: Any, **values: Any) -> list:
        """The statement's rows (named tuples or Rows: by position and by key). A kept statement runs on the
        driver; an error there, or any other statement, runs through the session, whose read session retries a
        SELECT whose connection was dead."""
        return await self.reads.rows(statement, {**self.parameters, **values})

    async def data(self, plan: Plan) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for root in plan.roots:
            if isinstance(root, NodeRoot):
                result[root.key] = await self.node(root)
            elif isinstance(root, ReportRoot):
                result[root.key] = await report.answer(self, root)
            elif isinstance(root, ViewerRoot):
                result[root.key] = (await self.complete(root.plan, [self.viewer]))[0]
            elif isinstance(root, ResolvedRoot):
                result[root.key] = await resolved.answer(self, root)
            else:
                result[root.key] = await self.root_list(root)
        return result

    async def event(self, plan: EventPlan, event: Any) -> dict[str, Any]:
        """A subscription event's answer: its leaves read from the event object as its fields' resolvers read them,
        its node completed from the row that decided the event's visibility (`node_row`), or read again by id with
        its type's access clause when the plan needs a column that row does not carry."""
        result: dict[str, Any] = {}
        for item in plan.fields:
            if isinstance(item, EventLeaf):
                value = item.constant if item.attribute is None else getattr(event, item.attribute)
                _require(value is not None or not item.non_null, f"null for non-null {item.key}")
                result[item.key] = value if value is None or item.attribute is None else item.serialize(value)
                continue
            row = getattr(event, "node_row", None)
            if getattr(event, "node", None) is None:
                _require(not item.non_null, f"null for non-null {item.key}")
                result[item.key] = None
                continue
            _require(row is not None, "an event without its node's row")
            rows = [row] if self._carries(item.plan, row) else await self.rows_by_id(item.plan, {row.id})
            _require(len(rows) == 1, "the event's node is hidden now")
            result[item.key] = (await self.complete(item.plan, rows))[0]
        return {plan.key: result}

    @staticmethod
    def _carries(plan: ObjectPlan, row: Any) -> bool:
        """Whether a mapped object has every column the plan reads as a column attribute of its own."""
        key = ("carries", type(row))
        found = plan.statements.get(key)
        if found is None:
            mapper = inspect(type(row), raiseerr=False)
            found = plan.statements[key] = mapper is not None and plan.columns() <= set(mapper.column_attrs.keys())
        return found

    # --- roots ---------------------------------------------------------------

    async def node(self, root: NodeRoot) -> Any:
        arguments = get_argument_values(root.field_def, root.field_node, self.variables)
        if root.entities:
            return await self.entities(root, arguments["representations"])
        if not root.many:
            return (await self.nodes(root, [arguments["id"]]))[0]
        ids = arguments["ids"]
        _require(len(ids) <= MAX_PAGE, "too many ids")  # the resolver's error
        return await self.nodes(root, ids)

    async def nodes(self, root: NodeRoot, ids: list) -> list:
        """Each id's node or None, in order; one statement per type named."""
        return await self.found(root, [parse_global_id(value) for value in ids])

    async def entities(self, root: NodeRoot, representations: list) -> list:
        """Federation's `_entities`: each representation's node or None, as the types' resolve_reference gives
        it (gql.schema.common.RowNode: an id of another type or no id is None). A representation with other keys
        or of a type not covered hands the request back."""
        wanted = []
        for representation in representations:
            _require(isinstance(representation, dict) and representation.keys() == _REPRESENTATION
                     and representation["__typename"] in root.by_type and isinstance(representation["id"], str),
                     "a representation not covered")
            found = parse_global_id(representation["id"])
            wanted.append(found if found is not None and found[0] == representation["__typename"] else None)
        return await self.found(root, wanted)

    async def found(self, root: NodeRoot, parsed: list) -> list:
        """The node of each (type, key) or None, in order: one statement per type and MAX_BATCH keys, as the
        loaders batch them."""
        by_type: dict[str, dict[int, None]] = defaultdict(dict)
        for found in parsed:
            if found is not None:
                _require(found[0] in root.by_type, f"node of type {found[0]}")
                by_type[found[0]][found[1]] = None
        answers: dict[tuple[str, int], dict] = {}
        for type_name, ordered in by_type.items():
            plan = root.by_type[type_name]
            keys = list(ordered)
            for start in range(0, len(keys), MAX_BATCH):
                rows = await self.rows_by_id(plan, set(keys[start:start + MAX_BATCH]))
                for row, value in zip(rows, await self.complete(plan, rows)):
                    answers[(type_name, row.id)] = value
        return [None if found is None else answers.get(found) for found in parsed]

    async def root_list(self, connection: ConnectionPlan) -> dict[str, Any]:
        spec = connection.spec
        arguments = get_argument_values(connection.field_def, connection.node, self.variables)
        for name, most in spec.longest.items():
            _require(arguments.get(name) is None or len(arguments[name]) <= most, f"too long a {name}")
        listing = spec.listing(self.viewer, **{keyword: arguments[name] for name, keyword in spec.arguments.items()
                                               if name in arguments})
        return await self.listed(connection, listing, arguments)

    async def listed(self, connection: ConnectionPlan, listing: Any, arguments: dict) -> dict[str, Any]:
        """A page of a gql.resolvers.lists.Listing (filters and policy included), as the connection asks."""
        request = PageRequest.of(arguments.get("first"), arguments.get("after"))
        shape = shapes.SHAPES[connection.spec.target]
        columns = self._columns(shape, connection.node_plans(), [c.key for c, _ in listing.order.columns])
        query = paged(shape.from_clause(select(*columns)).where(*listing.conditions), listing.order, request)
        rows = list(await self.session.execute(query))
        counts = None
        if any(kind == "totalCount" for kind, _key, _value in connection.parts):
            counts = [await self.session.scalar(listing.count()) or 0]
        return (await self.connections(connection, [to_page(rows, listing.order, request)], counts))[0]

    # --- levels --------------------------------------------------------------

    @staticmethod
    def _columns(shape: shapes.Shape, plans: list[ObjectPlan], extra=()) -> list:
        keys = {"id", *extra}
        for plan in plans:
            keys |= plan.columns()
        return [shape.column(key) for key in sorted(keys)]

    async def rows_by_id(self, plan: ObjectPlan, keys: set[int]) -> list:
        shape = shapes.SHAPES[plan.type_name]

        def build():
            query = shape.from_clause(select(*self._columns(shape, [plan]))).where(
                shape.model.id.in_(KEYS), visible(self.viewer, shape.model))
            return self.joined(query, [plan], shape)
        return list(await self.execute(self.statement(plan, ("by id",), build), compiled_keys=list(keys)))

    def joined(self, query: Any, plans: list[ObjectPlan], shape: shapes.Shape | None,
               source: tuple | None = None) -> Any:
        """On PostgreSQL, a level's statement (rows of `shape`) with the row each to-one relation of its plans names
        read along, and the rows their own to-one relations name, and so on: LEFT JOIN LATERAL to a SELECT of that
        row by the foreign key (a plain relation, shapes.ToOne, with the target type's access clause; a secondary's
        main project, shapes.LinkedMain, as `linked_projects` reads it), LIMIT 1 (PostgreSQL then keeps it a primary
        key lookup per row: flattened into a join, its planner hashed every row of the target the viewer may see),
        its columns labelled with the relation's prefix. `to_one` completes the relation from the level's rows
        (`carried`): one round trip instead of one more per relation. A target read from one of the level's own
        tables keeps its own statement; so does every relation on SQLite, in this process, where a statement costs
        no round trip. `source`, for rows that are not a table's (an hours report's totals, `grouped`): the subquery
        they are read from and its column of a foreign key."""
        if self.dialect != "postgresql":
            return query
        if source is None:
            taken, left, foreign_key_of = _tables(shape), shape.model, lambda key: shape.column(key).element
        else:
            taken, (left, foreign_key_of) = set(), source

        def along(query: Any, plans: list[ObjectPlan], foreign_key) -> Any:
            seen: set[int] = set()
            for plan in plans:
                for item in plan.fields:
                    if not isinstance(item, Relation) or id(item) in seen:
                        continue
                    if isinstance(item.spec, shapes.LinkedMain):
                        tables = {m.Project.__table__}
                        row = select(*(column.label(item.prefix + column.key)
                                       for column in _LINKED_PROJECTS.selected_columns)).where(
                            m.Project.id == foreign_key(item.spec.key))
                    elif type(item.spec) is shapes.ToOne and shapes.SHAPES[item.target.type_name].model is not None:
                        target = shapes.SHAPES[item.target.type_name]
                        tables = _tables(target)
                        columns = (column.element.label(item.prefix + column.name)
                                   for column in self._columns(target, [item.target]))
                        row = target.from_clause(select(*columns)).where(
                            target.model.id == foreign_key(item.spec.key), visible(self.viewer, target.model))
                    else:
                        continue
                    if tables & taken:
                        continue
                    seen.add(id(item))
                    row = row.limit(1).lateral()
                    query = query.join_from(left, row, true(), isouter=True).add_columns(*row.c)
                    query = along(query, [item.target], lambda key, row=row, prefix=item.prefix: row.c[prefix + key])
            return query
        return along(query, plans, foreign_key_of)

    def grouped(self, totals: Any, plan: ObjectPlan) -> Any:
        """An hours report's totals per co-worker, activity or project (domain.hours.report.totals_by_query: the
        group's id, hours, record count), as `key`, `hours` and `record_count` in the same order, with what the
        plan of each total reads along for its relation (`joined`: on PostgreSQL)."""
        if self.dialect != "postgresql":
            return totals
        every = totals.subquery()
        key, hours, record_count = every.c
        query = select(key.label("key"), hours.label("hours"), record_count.label("record_count")).select_from(
            every).order_by(key)
        return self.joined(query, [plan], None, source=(every, lambda _key: key))

    @staticmethod
    def carried(relation: Relation, rows: list) -> list | None:
        """The rows of the relation's target that the level's statement read along (`joined`), once each, with what
        was read along for their own relations; None when these rows do not carry them."""
        fields = getattr(rows[0], "_fields", None)
        if not fields or relation.prefix + "id" not in fields:
            return None
        layout = relation.target.statements.get(("carried", relation.prefix, fields))
        if layout is None:
            own = [name for name in fields if name.startswith(relation.prefix)]
            below = [name for name in fields if _READ_ALONG.match(name) and not name.startswith(relation.prefix)]
            layout = relation.target.statements[("carried", relation.prefix, fields)] = (
                fields.index(relation.prefix + "id"), [fields.index(name) for name in own + below],
                collections.namedtuple("Row", [name[len(relation.prefix):] for name in own] + below)._make)
        at, positions, make = layout
        found: dict[Any, Any] = {}
        for row in rows:
            key = row[at]
            if key is not None and key not in found:
                found[key] = make([row[position] for position in positions])
        return list(found.values())

    async def complete(self, plan: ObjectPlan, rows: list) -> list[dict[str, Any]]:
        """The plan's answer for each row, in order."""
        results: list[dict[str, Any]] = [{} for _ in rows]
        for item in plan.fields:
            if isinstance(item, Leaf):
                self.leaves(item, rows, results)
            elif isinstance(item, Relation):
                values = await self.to_one(item, rows)
                for result, value in zip(results, values):
                    result[item.key] = value
            elif isinstance(item, EmbeddedPlan):
                for result, value in zip(results, await self.complete(item.target, rows)):
                    result[item.key] = value
            elif isinstance(item, DerivedPlan):
                await self.derived(item, rows, results)
            elif isinstance(item, BatchedPlan):
                found = await item.spec.fetch(self.session, self.viewer, {row.id for row in rows}) if rows else {}
                for row, result in zip(rows, results):
                    value = found.get(row.id, item.spec.missing)
                    result[item.key] = [item.serialize(v) for v in value] if item.many else item.serialize(value)
            elif isinstance(item, NestedPlan):
                for result, value in zip(results, await self.nested(item, rows)):
                    result[item.key] = value
            elif isinstance(item, ByIdsPlan):
                for result, value in zip(results, await self.by_ids(item, rows)):
                    result[item.key] = value
            elif isinstance(item.spec, shapes.ChildList):  # a plain list: the page's nodes
                for result, value in zip(results, await self.children(item, rows)):
                    result[item.key] = value[item.key]
            else:
                values = await self.children(item, rows)
                for result, value in zip(results, values):
                    result[item.key] = value
        return results

    def leaves(self, leaf: Leaf, rows: list, results: list[dict]) -> None:
        read, serialize, key = leaf.read, leaf.serialize, leaf.key
        if isinstance(read, str):
            for result in results:
                result[key] = read
            return
        if isinstance(read, shapes.Column):
            values = _column(rows, read.key)
        else:
            value, viewer = read.value, self.viewer
            values = [value(row, viewer) for row in rows]
        if leaf.non_null:
            _require(all(value is not None for value in values), f"null for non-null {key}")
        for result, value in zip(results, values):
            result[key] = None if value is None else serialize(value)

    async def derived(self, item: DerivedPlan, rows: list, results: list[dict]) -> None:
        keys = {getattr(row, item.spec.key) for row in rows} - {None}
        targets = {target.id: target for target in await self.rows_by_id(item.target, keys)} if keys else {}
        for row, result in zip(rows, results):
            value = item.spec.value(row, targets.get(getattr(row, item.spec.key)))
            _require(value is not None or not item.non_null, f"null for non-null {item.key}")
            result[item.key] = None if value is None else item.serialize(value)

    async def read_ahead(self, plan: ObjectPlan, objects: list) -> None:
        """The rows every to-one relation of these objects and the objects they hold (NestedPlan) names, one
        statement per type for the whole tree (of the columns every plan of that type reads), as the loaders
        batch them: a resolved root's answer then costs as many statements whatever its size."""
        wanted: dict[str, tuple[set, list]] = {}

        def walk(level: ObjectPlan, held: list) -> None:
            for item in level.fields:
                if isinstance(item, Relation) and isinstance(item.spec, shapes.ToOne) \
                        and shapes.SHAPES[item.target.type_name].model is not None:
                    keys, plans = wanted.setdefault(item.target.type_name, (set(), []))
                    keys.update(set(_column(held, item.spec.key)) - {None})
                    plans.append(item.target)
                elif isinstance(item, NestedPlan) and isinstance(item.spec, shapes.Nested):
                    values = [getattr(one, item.spec.key) for one in held]
                    walk(item.target, [one for value in values
                                       for one in (value if item.many else [value] if value is not None else [])])
        walk(plan, objects)
        for type_name, (keys, plans) in wanted.items():
            merged = plan.statements.get(("read ahead", type_name))
            if merged is None:  # one plan of every field they read, kept with its statements
                merged = plan.statements[("read ahead", type_name)] = ObjectPlan(
                    type_name, [field for target in plans for field in target.fields])
            rows = {row.id: row for row in await self.rows_by_id(merged, keys)} if keys else {}
            for target in plans:
                self.ready[id(target)] = rows

    async def nested(self, item: NestedPlan, rows: list) -> list:
        """The objects each row holds, or its loader's batch function gives for it (shapes.Loaded), completed together
        (each relation below is one statement for all)."""
        if isinstance(item.spec, shapes.Loaded):
            found = await item.spec.fetch(self.session, self.viewer, [row.id for row in rows]) if rows else {}
            held = [found.get(row.id, []) for row in rows]
        else:
            held = [getattr(row, item.spec.key) for row in rows]
        if item.many:
            done = iter(await self.complete(item.target, [one for value in held for one in value]))
            return [[next(done) for _ in value] for value in held]
        _require(not item.non_null or all(value is not None for value in held), f"null for non-null {item.key}")
        done = iter(await self.complete(item.target, [value for value in held if value is not None]))
        return [None if value is None else next(done) for value in held]

    async def by_ids(self, item: ByIdsPlan, rows: list) -> list[list]:
        keys = {key for row in rows for key in getattr(row, item.spec.key)}
        targets = await self.rows_by_id(item.target, keys) if keys else []
        found = {target.id: value for target, value in zip(targets, await self.complete(item.target, targets))}
        return [[found[key] for key in getattr(row, item.spec.key) if key in found] for row in rows]

    async def to_one(self, relation: Relation, rows: list) -> list:
        named = _column(rows, relation.spec.key)
        keys = set(named) - {None}
        found: dict[int, dict] = {}
        ready = self.ready.get(id(relation.target))
        if keys:
            if ready is not None:
                targets = [ready[key] for key in keys if key in ready]
            else:
                targets = self.carried(relation, rows)
                if targets is None:
                    targets = await self.linked_projects(keys) if isinstance(relation.spec, shapes.LinkedMain) \
                        else await self.rows_by_id(relation.target, keys)
            completed = await self.complete(relation.target, targets)
            found = dict(zip(_column(targets, "id"), completed))
        values = [found.get(key) for key in named]
        if relation.non_null:
            _require(all(value is not None for value in values), f"null for non-null {relation.key}")
        return values

    async def linked_projects(self, keys: set[int]) -> list:
        """A main project as its secondaries' companies see it (gql.loaders.shared_projects): seeing the secondary
        shows the main project's number, name, status and company, whatever the viewer may see of it."""
        return list(await self.execute(_LINKED_PROJECTS, compiled_keys=list(keys)))

    async def children(self, connection: ConnectionPlan, rows: list) -> list:
        spec = connection.spec
        # The loader's Relation depends on no viewer: taken from the first request's loaders, then kept.
        relation = connection.statements.get("relation")
        if relation is None:
            relation = connection.statements["relation"] = getattr(self.context.loaders, spec.loader).pages.relation
        arguments = get_argument_values(connection.field_def, connection.node, self.variables)
        # A plain list (shapes.ChildList) is its first MAX_PAGE children, as its resolver reads them.
        request = PageRequest(MAX_PAGE, None) if isinstance(spec, shapes.ChildList) else PageRequest.of(
            arguments.get("first"), arguments.get("after"))
        dates = window(arguments.get("dateFrom"), arguments.get("dateTo")) if spec.dated else ()
        # The dates as parameters, so one statement serves every window of the same form.
        criteria = tuple(None if value is None else parameter for value, parameter in zip(dates, (DATE_FROM, DATE_TO)))
        dated = {"compiled_date_from": dates[0], "compiled_date_to": dates[1]} if dates else {}
        parents = [(row.id,) for row in rows]
        if not parents:
            return []
        _require(len(relation.parent) == 1, "children of a compound parent")
        values = decode_cursor(request.after, relation.order)
        parent_keys = list(dict.fromkeys(parent[0] for parent in parents))
        branches = _branches(len(parent_keys))

        def build():
            shape = shapes.SHAPES[spec.target]
            keys = [c.key for c in relation.parent] + [c.key for c, _ in relation.order.columns]
            columns = self._columns(shape, connection.node_plans(), keys)

            def rows_of(parents: Any, *extra: Any) -> Any:
                query = shape.from_clause(select(*columns, *extra)).where(
                    *relation.conditions(self.viewer, parents, criteria))
                if values is not None:  # the cursor's values are in the statement: built for this request only
                    query = query.where(relation.order.after(values))
                return query
            if branches == 1:  # one parent's page, with its to-one relations (several parents' pages: without)
                return self.joined(rows_of(BRANCH_PARENTS[0]), connection.node_plans(), shape).order_by(
                    *relation.order.clauses).limit(LIMIT)
            if branches:
                # Each parent's page read on its own (an index's range, stopped at the limit), in parent order.
                pages = [rows_of(BRANCH_PARENTS[index], literal_column(str(index)).label("compiled_branch"))
                         .order_by(*relation.order.clauses).limit(LIMIT).subquery() for index in range(branches)]
                every = union_all(*(select(*page.c) for page in pages)).subquery()
                return select(*(every.c[column.key] for column in columns)).order_by(
                    every.c.compiled_branch, *(every.c[column.key].desc() if descending else every.c[column.key].asc()
                                               for column, descending in relation.order.columns))
            position = func.row_number().over(partition_by=list(relation.parent), order_by=relation.order.clauses)
            ranked = rows_of(PARENTS, position.label("position")).subquery()
            return select(*(ranked.c[column.key] for column in columns)).where(
                ranked.c.position <= LIMIT).order_by(ranked.c.position)
        form = ("page", tuple(value is None for value in criteria), branches)
        query = build() if values is not None else self.statement(connection, form, build)
        if branches:
            # The parents in order; the branches past them read the children of no parent (a NULL key).
            keyed = {parameter.key: [key] for parameter, key in zip(BRANCH_PARENTS, parent_keys)}
            keyed.update({parameter.key: [None] for parameter in BRANCH_PARENTS[len(parent_keys):branches]})
        else:
            keyed = {PARENTS.key: parent_keys}
        grouped: dict[tuple, list] = defaultdict(list)
        for row in await self.execute(query, compiled_limit=request.first + 1, **keyed, **dated):
            grouped[relation.parent_of(row)].append(row)
        pages = [to_page(grouped[parent], relation.order, request) for parent in parents]
        counts = None
        if any(kind == "totalCount" for kind, _key, _value in connection.parts):
            # As gql.loaders.counts: one grouped COUNT of every parent's rows the viewer may read (not only this page).
            def count():
                return select(*relation.parent, func.count()).where(
                    *relation.conditions(self.viewer, PARENTS, criteria)).group_by(*relation.parent)
            query = self.statement(connection, ("count", form[1]), count)
            found = {tuple(parent): count for *parent, count in await self.execute(
                query, compiled_parents=parent_keys, **dated)}
            counts = [found.get(parent, 0) for parent in parents]
        # One completion for the rows of every page, so each relation below is one statement for all parents.
        return await self.connections(connection, pages, counts)

    async def connections(self, connection: ConnectionPlan, pages: list[Page],
                          counts: list[int] | None) -> list[dict[str, Any]]:
        every_row = [row for page in pages for row in page.rows]
        completed: dict[int, list] = {}
        for kind, _key, value in connection.parts:
            plans = [value] if kind == "nodes" else [p for _k, part, p in value if part == "node"] if kind == "edges" \
                else []
            for plan in plans:
                if id(plan) not in completed:
                    completed[id(plan)] = await self.complete(plan, every_row)
        # Cursors are encoded only where asked for: every edge's, or a page's first and last (pageInfo).
        every_cursor = any(kind == "edges" and any(part == "cursor" for _k, part, _p in value)
                           for kind, _key, value in connection.parts)
        ends = any(kind == "pageInfo" for kind, _key, _value in connection.parts)
        results = []
        start = 0
        for index, page in enumerate(pages):
            count = len(page.rows)
            if every_cursor:
                cursors = [page.cursor(row) for row in page.rows]
            elif ends and page.rows:
                cursors = [page.cursor(page.rows[0]), page.cursor(page.rows[-1])]
            else:
                cursors = []
            result: dict[str, Any] = {}
            for kind, key, value in connection.parts:
                if kind == "typename":
                    result[key] = value
                elif kind == "totalCount":
                    result[key] = counts[index]
                elif kind == "nodes":
                    result[key] = completed[id(value)][start:start + count]
                elif kind == "edges":
                    edges = []
                    for i in range(count):
                        edge = {}
                        for edge_key, part, plan in value:
                            if part == "node":
                                edge[edge_key] = completed[id(plan)][start + i]
                            elif part == "cursor":
                                edge[edge_key] = cursors[i]
                            else:
                                edge[edge_key] = plan
                        edges.append(edge)
                    result[key] = edges
                else:
                    info = {"hasNextPage": page.has_next, "hasPreviousPage": page.has_previous,
                            "startCursor": cursors[0] if cursors else None,
                            "endCursor": cursors[-1] if cursors else None}
                    result[key] = {info_key: (type_name if name == "__typename" else info[name])
                                   for info_key, name, type_name in value}
            results.append(result)
            start += count
        return results
