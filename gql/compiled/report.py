"""The compiled `hoursReport`: the field's own resolver (gql.schema.hours.report) checks the filter, the totals
are domain.hours.report's statements (built once per form of filter, run with each filter's values), and the
records are the resolver's listing (gql.resolvers.hours_report.records); the answer is assembled by the run's
builder, with no resolver per field. A filter the resolver refuses raises its error here: the request is then
handed back to the general executor (gql.compiled.execution), which gives that error.
"""
from collections import namedtuple
from typing import Any

from graphql.execution.values import get_argument_values
from strawberry.types.arguments import convert_arguments

from domain.hours import report as service
from gql.compiled.plan import ConnectionPlan, Leaf, ReportRoot, TotalsPlan
from gql.resolvers import hours_report


def _filter(run: Any, root: ReportRoot) -> service.HoursFilter:
    """The report's filter, by the field's Strawberry resolver itself (conversion, ids, check_filter)."""
    arguments = get_argument_values(root.field_def, root.field_node, run.variables)
    definition = root.field_def.extensions["strawberry-definition"]
    converter = root.strawberry_schema.schema_converter
    kwargs = convert_arguments(arguments, definition.arguments, scalar_registry=converter.scalar_registry,
                               config=root.strawberry_schema.config)
    return definition.base_resolver.wrapped_func(None, **kwargs).filter


async def _totals(run: Any, item: TotalsPlan, hours_filter: service.HoursFilter) -> list:
    """One total's rows, by a statement built once per form of filter and kind of caller (kept on its plan),
    run with this filter's and this viewer's values. A group's rows carry what was read along for its relation
    (Run.grouped: the co-worker, activity or project, on PostgreSQL)."""
    group = item.spec.group

    def build():
        conditions = service.report_conditions(run.viewer, hours_filter)
        return service.total_query(conditions) if group is None else service.totals_by_month_query(conditions) \
            if group == "month" else run.grouped(service.totals_by_query(conditions, group), item.target)
    statement = run.statement(item.target, ("totals", group, service.filter_form(hours_filter)), build)
    rows = await run.execute(statement, **service.filter_parameters(hours_filter))
    if group is None:
        return [service.total_of(rows[0])]
    if group == "month":
        return service.months_of(rows)
    totals = service.groups_of([row[:3] for row in rows])
    fields = getattr(rows[0], "_fields", ()) if rows else ()
    if len(fields) <= 3:
        return totals
    make = item.target.statements.get(("totals", fields))
    if make is None:
        make = item.target.statements[("totals", fields)] = namedtuple("Total", fields)._make
    return [make((total.key, total.hours, total.record_count, *row[3:])) for total, row in zip(totals, rows)]


async def answer(run: Any, root: ReportRoot) -> dict[str, Any]:
    hours_filter = _filter(run, root)
    result: dict[str, Any] = {}
    for item in root.report.fields:
        if isinstance(item, Leaf):  # __typename
            result[item.key] = item.read
        elif isinstance(item, TotalsPlan):
            completed = await run.complete(item.target, await _totals(run, item, hours_filter))
            result[item.key] = completed[0] if item.spec.group is None else completed
        elif isinstance(item, ConnectionPlan):
            arguments = get_argument_values(item.field_def, item.node, run.variables)
            result[item.key] = await run.listed(item, hours_report.records(run.viewer, hours_filter), arguments)
        else:
            raise TypeError(item)
    return result
