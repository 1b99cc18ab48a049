"""The per-request context: who asks, the database, and this request's loaders."""
from dataclasses import dataclass, field

from strawberry.types import Info as StrawberryInfo

from domain.db import Database
from domain.policy import Viewer
from domain.settings import Settings
from gql.loaders import Loaders


@dataclass
class Context:
    db: Database
    settings: Settings
    viewer: Viewer
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders.for_request(self.db, self.viewer)


Info = StrawberryInfo[Context, None]
