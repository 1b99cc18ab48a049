"""Relation: what "the children of a parent" means for the page and count loaders that share it."""
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, tuple_
from sqlalchemy.orm import InstrumentedAttribute

from domain.access.policy import visible
from domain.access.viewer import Viewer
from gql.pagination import Order

Parent = tuple
# Per-call filter values (hashable, e.g. a date window); `Relation.criteria` turns them into SQL.
Criteria = tuple


@dataclass(frozen=True)
class Relation:
    model: type
    parent: tuple[InstrumentedAttribute, ...]
    order: Order
    where: tuple[ColumnElement[bool], ...] = ()
    criteria: Callable[[Criteria], Sequence[ColumnElement[bool]]] | None = None

    def parent_of(self, row: Any) -> Parent:
        return tuple(getattr(row, c.key) for c in self.parent)

    def conditions(self, viewer: Viewer, parents: Iterable[Parent], criteria: Criteria) -> list[ColumnElement[bool]]:
        """Rows of these parents, matching the criteria, that the viewer may read. `parents` may be an expanding
        bind parameter of the parents' keys (one parent column): a statement built once for many requests."""
        if isinstance(parents, BindParameter):
            parent_in = self.parent[0].in_(parents)
        elif len(self.parent) == 1:
            parents = list(parents)
            parent_in = self.parent[0].in_([p[0] for p in parents])
        else:
            parent_in = tuple_(*self.parent).in_(list(parents))
        extra = list(self.criteria(criteria)) if self.criteria and criteria else []
        return [parent_in, visible(viewer, self.model), *self.where, *extra]
