"""A company's SharePoint configuration (SPEC §6): admins set it; the client secret is write-only and encrypted.

The secret is encrypted with Fernet (AES-128-CBC + HMAC-SHA256, from the `cryptography` package) under
PARTNERGRAPH_SHAREPOINT_SECRET_KEY. Without that key no secret is stored (SECRET_KEY_MISSING): a secret
kept in plain text, or under a key made up on the spot and lost at the next restart, would be worse than none.
"""
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select

from domain.platform.db import Database
from domain.platform.errors import DomainError, DomainErrors, InvalidInput
from domain.model import Role, SharePointConfiguration, utcnow
from domain.access.policy import require_company_role
from domain.access.viewer import Viewer
from domain.platform.settings import Settings
from domain.platform.validation import MAX_LENGTH

# Entra ID tenant: a GUID or a verified domain (contoso.onmicrosoft.com); client (application) ids are GUIDs.
GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
DOMAIN = re.compile(r"(?=.{1,100}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
MAX_SECRET = MAX_LENGTH["clientSecret"]


class SecretKeyMissing(DomainError):
    code = "SECRET_KEY_MISSING"


class SecretUnreadable(DomainError):
    """The stored secret was encrypted under another key (the key was changed): set the secret again."""

    code = "SECRET_UNREADABLE"


class SecretBox:
    def __init__(self, key: str) -> None:
        self._fernet = Fernet(key.encode()) if key else None

    @classmethod
    def from_settings(cls, settings: Settings) -> "SecretBox":
        return cls(settings.sharepoint_secret_key)

    def seal(self, secret: str, *, field: str = "clientSecret") -> str:
        if self._fernet is None:
            raise SecretKeyMissing(
                "No client secret can be stored: the server has no PARTNERGRAPH_SHAREPOINT_SECRET_KEY to encrypt it.",
                field=field,
            )
        return self._fernet.encrypt(secret.encode()).decode()

    def open(self, sealed: str) -> str:
        """For the SharePoint client: the secret in plain text (never for the API)."""
        if self._fernet is None:
            raise SecretKeyMissing("PARTNERGRAPH_SHAREPOINT_SECRET_KEY is not set: the stored secret cannot be read.")
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            raise SecretUnreadable("The stored client secret was encrypted with another key: set it again.") from None


@dataclass(frozen=True)
class SyncDirections:
    to_sharepoint: bool
    from_sharepoint: bool


# --- pure validation ---------------------------------------------------------


def clean_tenant_id(value: str) -> str:
    tenant = value.strip().lower()
    if not (GUID.fullmatch(tenant) or DOMAIN.fullmatch(tenant)):
        raise InvalidInput("A tenant id is the directory's GUID or its domain (contoso.onmicrosoft.com).",
                           field="tenantId")
    return tenant


def clean_client_id(value: str) -> str:
    client = value.strip().lower()
    if not GUID.fullmatch(client):
        raise InvalidInput("A client id is the app registration's application (client) id, a GUID.", field="clientId")
    return client


def clean_site_url(value: str) -> str:
    """An https SharePoint site: https://<host>/sites/<name> (or the root site), without query or fragment."""
    url = value.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname or parts.query or parts.fragment or parts.username:
        raise InvalidInput("The site URL is the site's https address, e.g. https://contoso.sharepoint.com/sites/clients.",
                           field="siteUrl")
    if len(url) > MAX_LENGTH["siteUrl"]:
        raise InvalidInput(f"The site URL has at most {MAX_LENGTH['siteUrl']} characters.", field="siteUrl")
    return url


def clean_secret(value: str) -> str:
    secret = value.strip()
    if not secret or len(secret) > MAX_SECRET:
        raise InvalidInput(f"A client secret has 1 to {MAX_SECRET} characters.", field="clientSecret")
    return secret


def configuration_values(changes: Mapping[str, Any], *, existing: bool) -> dict[str, Any]:
    """The columns an edit sets, validated (pure); every problem at once. A new configuration needs the
    tenant, the client and the site; later edits change only what they give (a null secret removes it)."""
    cleaners = {"tenant_id": clean_tenant_id, "client_id": clean_client_id, "site_url": clean_site_url}
    names = {"tenant_id": "tenantId", "client_id": "clientId", "site_url": "siteUrl",
             "apply_content_type": "applyContentType", "sync_directions": "syncDirections"}
    values: dict[str, Any] = {}
    errors: list[DomainError] = []
    for key, clean in cleaners.items():
        if key in changes and changes[key] is not None:
            try:
                values[key] = clean(changes[key])
            except DomainError as error:
                errors.append(error)
        elif key in changes or not existing:
            errors.append(InvalidInput(f"{names[key]} is required.", field=names[key]))
    if "client_secret" in changes and changes["client_secret"] is not None:
        try:
            values["client_secret"] = clean_secret(changes["client_secret"])
        except DomainError as error:
            errors.append(error)
    elif "client_secret" in changes:
        values["client_secret"] = None
    if "apply_content_type" in changes:
        if changes["apply_content_type"] is None:
            errors.append(InvalidInput("applyContentType cannot be null.", field="applyContentType"))
        else:
            values["apply_content_type"] = bool(changes["apply_content_type"])
    if "daily_sync_time" in changes:
        time: dt.time | None = changes["daily_sync_time"]
        values["daily_sync_time"] = None if time is None else time.replace(second=0, microsecond=0, tzinfo=None)
    if "sync_directions" in changes:
        directions = changes["sync_directions"]
        if directions is None:
            errors.append(InvalidInput("syncDirections cannot be null (give [] for none).", field="syncDirections"))
        else:
            values["sync_to_sharepoint"] = "TO_SHAREPOINT" in directions
            values["sync_from_sharepoint"] = "FROM_SHAREPOINT" in directions
    if errors:
        raise errors[0] if len(errors) == 1 else DomainErrors(errors)
    return values


# --- use cases ---------------------------------------------------------------


async def configure_sharepoint(
    db: Database, viewer: Viewer, company_id: int, changes: Mapping[str, Any], *, box: SecretBox
) -> SharePointConfiguration:
    """Creates or edits the company's configuration (admins only)."""
    async with db.transaction() as session:
        require_company_role(viewer, company_id, [Role.ADMIN], field="companyId")
        config = await session.scalar(
            select(SharePointConfiguration).where(SharePointConfiguration.company_id == company_id)
        )
        values = configuration_values(changes, existing=config is not None)
        secret = values.pop("client_secret", ...)
        if config is None:
            config = SharePointConfiguration(company_id=company_id, **values)
            session.add(config)
        else:
            for key, value in values.items():
                setattr(config, key, value)
            config.updated_at = utcnow()
        if secret is not ...:
            config.client_secret_encrypted = None if secret is None else box.seal(secret)
        await session.flush()
    return config


async def sharepoint_configuration(db: Database, viewer: Viewer, company_id: int) -> SharePointConfiguration | None:
    """The company's configuration for its admins; None when there is none, or for anyone else (as missing)."""
    membership = viewer.membership(company_id)
    if membership is None or membership.role is not Role.ADMIN:
        return None
    async with db.read() as session:
        return await session.scalar(
            select(SharePointConfiguration).where(SharePointConfiguration.company_id == company_id)
        )
