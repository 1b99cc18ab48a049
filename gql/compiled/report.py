"""The compiled `hoursReport`: the field's own resolver (gql.schema.hours.report) checks the filter, the totals
are domain.hours.report's statements run on the request's read session, and the records are the resolver's
listing (gql.resolvers.hours_report.records); the answer is assembled by the run's builder, with no resolver
per field. A filter the resolver refuses raises its error here: the request is then handed back to the general
executor (gql.compiled.execution), which gives that error.
"""
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


async def _totals(session: Any, group: str | None, conditions: list) -> list:
    if group is None:
        return [service.total_of((await session.execute(service.total_query(conditions))).one())]
    if group == "month":
        return service.months_of(await session.execute(service.totals_by_month_query(conditions)))
    return service.groups_of(await session.execute(service.totals_by_query(conditions, group)))


async def answer(run: Any, root: ReportRoot) -> dict[str, Any]:
    hours_filter = _filter(run, root)
    conditions = service.report_conditions(run.viewer, hours_filter)  # built once for every total
    result: dict[str, Any] = {}
    for item in root.report.fields:
        if isinstance(item, Leaf):  # __typename
            result[item.key] = item.read
        elif isinstance(item, TotalsPlan):
            completed = await run.complete(item.target, await _totals(run.session, item.spec.group, conditions))
            result[item.key] = completed[0] if item.spec.group is None else completed
        elif isinstance(item, ConnectionPlan):
            arguments = get_argument_values(item.field_def, item.node, run.variables)
            result[item.key] = await run.listed(item, hours_report.records(run.viewer, hours_filter), arguments)
        else:
            raise TypeError(item)
    return result
