"""API tokens: created once in plain text, stored as a hash, expiring, revocable; and sign-in by token."""
import datetime as dt
import hashlib
import logging
import secrets

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.platform.db import Database, Reads
from domain.platform.errors import InvalidInput, NotFound
from domain.model import ApiToken, CoWorker, Company, User, utcnow
from domain.access.oidc import TokenRefused, looks_like_jwt, viewer_for_jwt
from domain.access.people import normalise_email
from domain.access.viewer import ANONYMOUS, Membership, Viewer
from domain.access.viewer_cache import ViewerCache
from domain.platform.settings import Settings

PREFIX = "pgt_"
log = logging.getLogger("partnergraph.sign_in")


def hash_token(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()


async def create_token(
    db: Database,
    settings: Settings,
    *,
    email: str,
    company: str | None = None,
    operator: bool = False,
    days: int | None = None,
    label: str | None = None,
) -> tuple[str, ApiToken]:
    """Returns the plain token (shown once) and its row. `--operator` makes (or marks) an operator user."""
    days = settings.token_default_days if days is None else days
    if not 1 <= days <= settings.token_max_days:
        raise InvalidInput(f"A token lives from 1 to {settings.token_max_days} days.", field="days")
    email = normalise_email(email)
    async with db.transaction() as session:
        user = await session.scalar(select(User).where(User.email == email))
        if user is None and not operator:
            raise NotFound(f"No user has the email {email}.", field="email")
        if user is None:
            user = User(email=email, name=email.split("@")[0])
            session.add(user)
        if operator:
            user.is_operator = True
        await session.flush()
        company_id = None
        if company is not None:
            company_id = await session.scalar(
                select(Company.id)
                .join(CoWorker, CoWorker.company_id == Company.id)
                .where(Company.database_name == company, CoWorker.user_id == user.id)
            )
            if company_id is None:
                raise NotFound(f"{email} is not a co-worker of a company named {company}.", field="company")
        plain = PREFIX + secrets.token_urlsafe(32)
        token = ApiToken(
            user_id=user.id,
            company_id=company_id,
            token_hash=hash_token(plain),
            label=label,
            expires_at=utcnow() + dt.timedelta(days=days),
        )
        session.add(token)
    return plain, token


async def revoke_token(db: Database, token_id: int) -> ApiToken:
    async with db.transaction() as session:
        token = await session.get(ApiToken, token_id)
        if token is None:
            raise NotFound(f"No token has the id {token_id}.", field="id")
        token.revoked_at = token.revoked_at or utcnow()
    return token


async def list_tokens(db: Database) -> list[tuple[ApiToken, str]]:
    async with db.read() as session:
        rows = await session.execute(select(ApiToken, User.email).join(User).order_by(ApiToken.id))
        return [(token, email) for token, email in rows]


def _token_sign_in(token_hash: str) -> Select:
    """The token with its user and the user's active co-worker records (only the token's company's, for a token
    limited to one): one row per membership, one with NULL co-worker columns for a user with none."""
    return (
        select(ApiToken.revoked_at, ApiToken.expires_at, ApiToken.company_id, User.id, User.email, User.name,
               User.is_operator, CoWorker.company_id, CoWorker.id, CoWorker.role)
        .join(User, User.id == ApiToken.user_id)
        .outerjoin(CoWorker, and_(
            CoWorker.user_id == User.id, CoWorker.active.is_(True),
            or_(ApiToken.company_id.is_(None), CoWorker.company_id == ApiToken.company_id),
        ))
        .where(ApiToken.token_hash == token_hash)
        .order_by(CoWorker.id)
    )


async def viewer_for_token(db: Database, plain: str | None, *, reads: Reads | None = None,
                           cache: ViewerCache | None = None) -> Viewer | None:
    """The viewer a bearer token stands for; None for an unknown, expired or revoked token.
    With an OIDC issuer configured, a JWT is checked against it (domain.access.oidc; IssuerUnreachable when it
    cannot be reached); JWT sign-ins are not cached.

    One statement reads the token, its user and their memberships as they are now, on `reads` (the request's
    connection) when given; with a `cache` (the server process's), a viewer it holds is used instead, and a
    viewer read is kept there (domain.access.viewer_cache says why that stays exact)."""
    if not plain:
        return ANONYMOUS
    if db.settings.oidc_issuer and looks_like_jwt(plain):
        try:
            return await viewer_for_jwt(db, plain)
        except TokenRefused as refusal:
            log.info("bearer JWT refused: %s", refusal)
            return None
    token_hash = hash_token(plain)
    async with (reads or db).read() as session:
        cached = cache is not None and await cache.usable(session)
        if cached:
            viewer = cache.get(token_hash)
            if viewer is not None:
                return viewer
            generation = cache.generation
        rows = (await session.execute(_token_sign_in(token_hash))).all()
    if not rows:
        return None
    revoked_at, expires_at, company_id, user_id, email, name, is_operator = rows[0][:7]
    if revoked_at is not None or expires_at <= utcnow():
        return None
    memberships = tuple(Membership(c, w, r) for *_, c, w, r in rows if w is not None)
    viewer = Viewer(user_id=user_id, email=email, name=name, is_operator=is_operator, memberships=memberships,
                    limited_to_company_id=company_id)
    if cached:
        cache.keep(token_hash, viewer, expires_at, generation=generation)
    return viewer


async def viewer_for_user(session: AsyncSession, user_id: int, *, company_id: int | None = None) -> Viewer | None:
    """The user with their active co-worker records as they are now (only that company's when `company_id` is
    given, as a token limited to it); None when the user is gone."""
    user = await session.get(User, user_id)
    if user is None:
        return None
    query = select(CoWorker.company_id, CoWorker.id, CoWorker.role).where(
        CoWorker.user_id == user_id, CoWorker.active.is_(True)
    )
    if company_id is not None:
        query = query.where(CoWorker.company_id == company_id)
    memberships = tuple(Membership(c, w, r) for c, w, r in await session.execute(query))
    return Viewer(
        user_id=user.id, email=user.email, name=user.name, is_operator=user.is_operator, memberships=memberships,
        limited_to_company_id=company_id,
    )
