"""The key store's one table: staff keys, stored as SHA-256 hashes, never in clear."""

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import ID_LENGTH, Base, UTCDateTime, new_id, utcnow


class ApiKey(Base):
    __tablename__ = "api_keys"

    # keys made before every id was a UUID keep the 12 hex digits they were listed with
    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True, default=new_id)
    # hex SHA-256 of the whole key: a key is 256 random bits, so a fast hash cannot be brute-forced
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
