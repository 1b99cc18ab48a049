"""The one typed settings object, read from PARTNERGRAPH_* environment variables."""
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from cryptography.fernet import Fernet
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PARTNERGRAPH_", env_file=".env", extra="ignore")

    # Relative to where the command runs (the repository root): the same file `make serve` and `make token` use,
    # beside the files in ./var/, so nothing is written outside var/.
    database_url: str = "sqlite+aiosqlite:///./var/partnergraph.db"
    host: str = "127.0.0.1"
    port: int = 8000
    # Milliseconds SQLite waits for another writer before giving up.
    sqlite_busy_timeout_ms: int = 10_000
    token_default_days: int = Field(365, ge=1, le=730)
    # SPEC §1: a token lives at most two years, whatever this is set to.
    token_max_days: int = Field(730, ge=1, le=730)
    # Signed-in viewers kept per server process, by token hash (domain.access.viewer_cache); 0: none kept.
    viewer_cache_size: int = Field(10_000, ge=0)
    graphiql: bool = True
    # Subscriptions (SPEC §7): events older than this are purged (hourly); resuming before them is CURSOR_EXPIRED.
    event_retention_days: int = Field(30, ge=1)
    # Each server process also reads the event log this often, in case a wake-up was missed (or, on
    # SQLite, to see commits of another process on the same file).
    event_poll_seconds: float = Field(1.0, gt=0, le=60)
    # --- the HTTP surface (README: "Protection" and "Single-page apps") ---
    # Checked before a query runs: nesting depth, aliases, lexical tokens, and cost (the objects it may return).
    max_query_depth: int = Field(12, ge=1)
    max_query_aliases: int = Field(30, ge=0)
    max_query_tokens: int = Field(5000, ge=1)
    max_query_cost: int = Field(1000, ge=1)
    # A token bucket of query-cost points per API token (per address when anonymous), kept in each process.
    rate_limit: bool = True
    rate_limit_points: int = Field(2000, ge=1)
    rate_limit_restore_per_second: float = Field(100.0, gt=0)
    # "automatic": Apollo APQ, any client registers a query by its hash; "only": only stored queries run.
    persisted_queries: Literal["automatic", "only"] = "automatic"
    # Browser origins allowed to call the API (CORS), comma-separated; empty: none.
    cors_origins: Annotated[list[str], NoDecode] = []
    # OpenID Connect sign-in for single-page apps: bearer JWTs from this issuer, for this audience.
    oidc_issuer: str = ""
    oidc_audience: str = ""
    oidc_email_claim: str = "email"
    oidc_jwks_cache_seconds: int = Field(300, ge=0)
    # File contents (SPEC §5): a content-addressed folder, and the largest file one upload may carry.
    files_dir: Path = Path("./var/files")
    max_upload_bytes: int = Field(100 * 1024 * 1024, ge=1)
    # Where clients reach this server, for each file's `url` (e.g. https://api.example.com); empty: relative URLs.
    public_url: str = ""
    # Invitations of partner co-workers (SPEC §3) are mailed through this SMTP server; empty: only logged.
    smtp_host: str = ""
    smtp_port: int = Field(25, ge=1, le=65535)
    smtp_from: str = "partnergraph@localhost"
    # --- the durable job queue (README: "Background jobs") ---
    # The server runs a worker in its own process; turn off when `partnergraph worker` processes do the work.
    worker_in_process: bool = True
    # A job is tried at most this often; between attempts it waits backoff * 2^(attempt-1), capped, with jitter.
    job_max_attempts: int = Field(8, ge=1, le=100)
    job_backoff_seconds: float = Field(5.0, gt=0)
    job_backoff_max_seconds: float = Field(3600.0, gt=0)
    # A claim lasts this long unless its worker renews it (it does, every third of it): a killed worker's
    # job is taken again after at most this long.
    job_lease_seconds: float = Field(60.0, gt=0)
    job_poll_seconds: float = Field(1.0, gt=0, le=60)
    # Finished jobs are deleted after this many days; dead letters are kept until someone deletes them.
    job_retention_days: float = Field(7, gt=0)
    # --- SharePoint (README: "SharePoint") ---
    # A Fernet key (`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`)
    # that encrypts the stored client secrets; without it no secret can be stored.
    sharepoint_secret_key: str = ""
    # Microsoft Graph and the sign-in authority: national clouds, or a local emulator (loopback http only).
    sharepoint_graph_url: str = "https://graph.microsoft.com/v1.0"
    sharepoint_authority: str = "https://login.microsoftonline.com"
    # Upload-session fragment size: a multiple of 320 KiB under 60 MiB (Graph's rule); files up to
    # one fragment go in one simple PUT instead.
    sharepoint_chunk_bytes: int = Field(10 * 320 * 1024, ge=320 * 1024, le=187 * 320 * 1024, multiple_of=320 * 1024)
    # --- webhooks (README: "Webhooks") ---
    # Endpoints whose host resolves to a private, loopback, link-local or metadata address are refused unless
    # this is on (tests and local development).
    webhook_allow_private_addresses: bool = False
    # How long one delivery may take (connect, send, answer); a slower receiver counts as a failure.
    webhook_timeout_seconds: float = Field(10.0, gt=0, le=60)
    # At most this much of a receiver's answer is read (and kept in the delivery log).
    webhook_max_response_bytes: int = Field(1024, ge=0, le=65536)
    # An endpoint failing without a success for this long is DISABLED (its backlog is kept until resumed).
    webhook_disable_after_seconds: float = Field(3 * 24 * 3600, gt=0)
    # Between failed attempts it waits backoff * 2^(failures-1), capped, with jitter (or the Retry-After).
    webhook_backoff_seconds: float = Field(5.0, gt=0)
    webhook_backoff_max_seconds: float = Field(3600.0, gt=0)
    # Each worker looks this often for endpoints with events to send.
    webhook_dispatch_seconds: float = Field(1.0, gt=0, le=60)
    # After a secret rotation the previous secret signs too for this long, unless the rotation says otherwise.
    webhook_secret_overlap_seconds: int = Field(24 * 3600, ge=0, le=30 * 24 * 3600)
    # Lines of the delivery log older than this are deleted (hourly).
    webhook_log_retention_days: float = Field(30, gt=0)
    # Benchmarks (bench/api.py): each HTTP answer of /graphql says how many SQL statements it ran, in an
    # `X-SQL-Statements` header. Off in production: it is for measuring, not for clients.
    report_sql_statements: bool = False
    # Queries the planner covers run compiled (gql/compiled/): planned once per document, read level by level as
    # Core rows, answered without per-field resolvers; off: every query runs on the general executor.
    compiled_execution: bool = True
    # Also run every compiled query on the general executor and refuse (500, logged) an answer that differs by a
    # byte: the test suite runs with it on; it doubles the reads.
    execution_check: bool = False
    # The server process's cyclic garbage collector (bench/README.md, "Subscriptions"): once started, what is loaded
    # is frozen out of its collections (gc.freeze), and a young collection waits for this many new objects instead
    # of Python's 700, so the short-lived objects of a burst of deliveries die before they are promoted and full
    # collections over thousands of live subscriptions become rare. 0: Python's defaults, nothing frozen.
    gc_young_threshold: int = Field(50_000, ge=0)

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value):
        if isinstance(value, str):
            return [origin.strip().rstrip("/") for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("sharepoint_secret_key")
    @classmethod
    def _a_fernet_key(cls, value: str) -> str:
        key = value.strip()
        try:
            if key:  # empty: no secrets can be stored
                Fernet(key.encode())
            return key
        except ValueError:
            raise ValueError("not a Fernet key (32 url-safe base64-encoded bytes)") from None

    @model_validator(mode="after")
    def _oidc_needs_an_audience(self) -> "Settings":
        if self.oidc_issuer and not self.oidc_audience:
            raise ValueError("PARTNERGRAPH_OIDC_AUDIENCE is required with PARTNERGRAPH_OIDC_ISSUER")
        return self

    @model_validator(mode="after")
    def _a_bucket_holds_the_dearest_query(self) -> "Settings":
        # Otherwise a query the cost limit allows could never run, however long its client waited.
        if self.rate_limit and self.rate_limit_points < self.max_query_cost:
            raise ValueError("PARTNERGRAPH_RATE_LIMIT_POINTS must be at least PARTNERGRAPH_MAX_QUERY_COST")
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
