"""The per-request context: who asks, the database, the content store, and this request's loaders."""
from dataclasses import dataclass, field
from typing import Any

from strawberry.types import Info as StrawberryInfo

from domain.files.content_store import ContentStore
from domain.platform.db import Database, Reads
from domain.access.viewer import Viewer
from domain.platform.settings import Settings
from gql.loaders import Loaders
from gql.protection.rate_limit import Throttle


@dataclass
class Context:
    db: Database
    settings: Settings
    viewer: Viewer
    files: ContentStore  # the app's one store of file contents
    # Whose rate-limit bucket this request's query cost is drawn from (set by the HTTP view; None: no limit).
    throttle: Throttle | None = None
    # Where this request's loaders and lists read: its one shared connection (gql.app), or the db itself.
    reads: Reads | None = None
    # Set when this request's query ran compiled (gql.compiled.execution.Compiled): the HTTP view learns from it.
    compiled: Any = None
    # Built when first used: a compiled query (gql.compiled) needs none.
    _loaders: Loaders | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.reads = self.reads or self.db

    @property
    def loaders(self) -> Loaders:
        if self._loaders is None:
            self._loaders = Loaders.for_request(self.reads, self.viewer)
        return self._loaders

    @loaders.setter
    def loaders(self, loaders: Loaders) -> None:
        self._loaders = loaders

    def forget_loaded(self) -> None:
        """The loaders' caches are emptied: what is read next is read afresh."""
        self._loaders = None

    def viewer_changed(self, viewer: Viewer) -> None:
        """The caller's memberships changed in this request (an accepted invitation): the rest of the answer,
        and the loaders' caches, follow the new ones."""
        self.viewer = viewer
        self.forget_loaded()


Info = StrawberryInfo[Context, None]
