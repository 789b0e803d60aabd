"""The key store: staff keys with a role and a name, shared by both services.

A key is `ibk_` and 43 URL-safe characters (256 random bits). Only its SHA-256 is kept: with that
much randomness a fast hash is as safe as a slow one, and it lets a request find its key by an
indexed equality lookup instead of comparing against every stored key. The key itself is shown
once, by `interview-backend keys create`.

Both services open the same store (`Settings.database_url_for("keys")`: `KEYS_DATABASE_URL`, else
`DATABASE_URL`, else `DATA_DIR/keys.db`), so a key created once works on both and a revocation
takes effect on both at the next request, with nothing to copy or keep in sync.
"""

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, select, update

from shared.db import Database, new_id, utcnow
from shared.keys.models import ApiKey
from shared.migrations import upgrade_shared

logger = logging.getLogger(__name__)

KEY_PREFIX = "ibk_"
SERVICE = "keys"
# last_used_at is written at most this often per key: one write a minute, not one a request.
TOUCH_INTERVAL = timedelta(seconds=60)


def key_hash(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()


@dataclass(frozen=True)
class KeyRecord:
    """A stored key as `keys list` shows it (never the key itself)."""

    id: str
    role: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, row: ApiKey) -> "KeyRecord":
        return cls(row.id, row.role, row.name, row.created_at, row.last_used_at, row.revoked_at)


class KeyStore:
    """Create, list, revoke and look up staff keys in their own database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def migrate(self) -> None:
        """Bring the store's schema up to date (both services may do it at the same moment)."""
        await upgrade_shared(self.db, SERVICE)

    async def create(self, role: str, name: str) -> tuple[str, KeyRecord]:
        """A new key and its record. The key is returned here and never again."""
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        row = ApiKey(id=new_id(), key_hash=key_hash(key.encode()), role=role, name=name)
        async with self.db.session() as session:
            session.add(row)
        return key, KeyRecord.of(row)

    async def list(self) -> list[KeyRecord]:
        async with self.db.session() as session:
            rows = await session.scalars(select(ApiKey).order_by(ApiKey.created_at, ApiKey.id))
            return [KeyRecord.of(row) for row in rows]

    async def revoke(self, key_id: str) -> KeyRecord | None:
        """Revoke a key (kept, for the record, with the time). None when there is no such key."""
        async with self.db.session() as session:
            row = await session.get(ApiKey, key_id)
            if row is None:
                return None
            if row.revoked_at is None:
                row.revoked_at = utcnow()
            return KeyRecord.of(row)

    async def authenticate(self, key: bytes) -> KeyRecord | None:
        """The active key with these bytes, its last use recorded; None when there is none."""
        now = utcnow()
        async with self.db.session() as session:
            row = await session.scalar(
                select(ApiKey).where(ApiKey.key_hash == key_hash(key), ApiKey.revoked_at.is_(None))
            )
            if row is None:
                return None
            if row.last_used_at is None or now - row.last_used_at >= TOUCH_INTERVAL:
                await session.execute(
                    update(ApiKey).where(ApiKey.id == row.id).values(last_used_at=now)
                )
                row.last_used_at = now
            return KeyRecord.of(row)

    async def has_active_keys(self) -> bool:
        async with self.db.session() as session:
            found = await session.scalar(select(exists().where(ApiKey.revoked_at.is_(None))))
            return bool(found)

    async def aclose(self) -> None:
        await self.db.dispose()
