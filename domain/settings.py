"""The one typed settings object, read from PARTNERGRAPH_* environment variables."""
from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PARTNERGRAPH_", env_file=".env", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./partnergraph.db"
    host: str = "127.0.0.1"
    port: int = 8000
    # Milliseconds SQLite waits for another writer before giving up.
    sqlite_busy_timeout_ms: int = 10_000
    token_default_days: int = Field(365, ge=1, le=730)
    # SPEC §1: a token lives at most two years, whatever this is set to.
    token_max_days: int = Field(730, ge=1, le=730)
    graphiql: bool = True


@lru_cache
def get_settings() -> Settings:
    return Settings()
