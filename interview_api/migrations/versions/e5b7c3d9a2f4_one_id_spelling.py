"""one id spelling: interview, recording, invitation and upload ids written as 32 hex digits
become canonical hyphenated UUIDs, in every column and JSON document that holds them

Stored keys (`recordings.path`, `analyses.recording_key`, the S3 key of an upload's multipart
state) are kept as they are: they name where the bytes already are, so every file stays
reachable; erasure and the orphan sweep also look in the folder named by an id's hex digits.

Revision ID: e5b7c3d9a2f4
Revises: 514cbc5a6f3c
Create Date: 2026-12-01 08:40:00.000000
"""

import re
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection

revision: str = "e5b7c3d9a2f4"
down_revision: str | None = "514cbc5a6f3c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

# The id columns 32 characters wide, which become 36.
NARROW_ID_COLUMNS = {
    "interviews": ("id",),
    "recordings": ("id", "interview_id"),
    "invitations": ("id", "interview_id"),
    "resumable_uploads": ("id", "invitation_id", "interview_id", "recording_id"),
    "erasure_receipts": ("id", "interview_id"),
    "audit_log": ("id", "interview_id"),
    "recording_ratings": ("id", "recording_id", "interview_id"),
    "interview_decisions": ("id", "interview_id"),
}
# Id columns already 36 wide that hold the ids above.
WIDE_ID_COLUMNS = {
    "analyses": ("interview_id", "recording_id"),
    "analysis_outbox": ("interview_id",),
    "audit_log": ("subject_id",),  # a recording, an invitation...
}
# (table, primary key, JSON column): documents that name those ids under the keys below.
JSON_COLUMNS = (
    ("analyses", "id", "document"),  # the merged analysis
    ("analysis_outbox", "id", "payload"),  # a webhook's copy of the document
    ("resumable_uploads", "id", "multipart"),  # the recording an S3 upload becomes
    ("audit_log", "id", "details"),
)
ID_KEYS = frozenset({"interview_id", "recording_id", "invitation_id", "upload_id"})
# The foreign keys between the narrow columns: (name, table, column, referred table).
FOREIGN_KEYS = (
    ("fk_recordings_interview_id_interviews", "recordings", "interview_id", "interviews"),
    ("fk_invitations_interview_id_interviews", "invitations", "interview_id", "interviews"),
    (
        "fk_resumable_uploads_interview_id_interviews",
        "resumable_uploads",
        "interview_id",
        "interviews",
    ),
    (
        "fk_resumable_uploads_invitation_id_invitations",
        "resumable_uploads",
        "invitation_id",
        "invitations",
    ),
    (
        "fk_interview_decisions_interview_id_interviews",
        "interview_decisions",
        "interview_id",
        "interviews",
    ),
    (
        "fk_recording_ratings_interview_id_interviews",
        "recording_ratings",
        "interview_id",
        "interviews",
    ),
    (
        "fk_recording_ratings_recording_id_recordings",
        "recording_ratings",
        "recording_id",
        "recordings",
    ),
)

_HEX_ID = re.compile(r"^[0-9a-fA-F]{32}$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _hyphenated(value: str) -> str:
    if not _HEX_ID.match(value):
        return value
    v = value.lower()
    return f"{v[:8]}-{v[8:12]}-{v[12:16]}-{v[16:20]}-{v[20:]}"


def _hex(value: str) -> str:
    return value.replace("-", "") if _UUID.match(value) else value


def _hyphenated_sql(column: str) -> str:
    parts = [(1, 8), (9, 4), (13, 4), (17, 4), (21, 12)]
    return "lower(" + " || '-' || ".join(f"substr({column}, {s}, {n})" for s, n in parts) + ")"


def upgrade() -> None:
    connection = op.get_bind()
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        _drop_foreign_keys()
        _set_width(connection, 32, 36)
    else:
        # parents and children change in one transaction; checked when it commits
        op.execute("PRAGMA defer_foreign_keys = ON")
    for table, column in _id_columns():
        op.execute(
            # names from this module's constants, no outside input
            f"UPDATE {table} SET {column} = {_hyphenated_sql(column)} "  # noqa: S608
            f"WHERE length({column}) = 32"
        )
    _rewrite_documents(connection, _hyphenated)
    if postgres:
        _create_foreign_keys()
    else:
        _set_width(connection, 32, 36)


def downgrade() -> None:
    connection = op.get_bind()
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        _drop_foreign_keys()
    else:
        op.execute("PRAGMA defer_foreign_keys = ON")
    for table, column in _id_columns():
        op.execute(
            f"UPDATE {table} SET {column} = replace({column}, '-', '') "  # noqa: S608
            f"WHERE length({column}) = 36"
        )
    _rewrite_documents(connection, _hex)
    _set_width(connection, 36, 32)
    if postgres:
        _create_foreign_keys()


def _id_columns() -> list[tuple[str, str]]:
    return [
        (table, column)
        for tables in (NARROW_ID_COLUMNS, WIDE_ID_COLUMNS)
        for table, columns in tables.items()
        for column in columns
    ]


def _rewrite_documents(connection: Connection, spell: Callable[[str], str]) -> None:
    for table_name, key, column in JSON_COLUMNS:
        table = sa.table(table_name, sa.column(key, sa.String), sa.column(column, JSON))
        rows = connection.execute(
            sa.select(table.c[key], table.c[column]).where(table.c[column].is_not(None))
        ).all()
        for row_id, document in rows:
            rewritten = _respell(document, spell)
            if rewritten != document:
                connection.execute(
                    table.update().where(table.c[key] == row_id).values({column: rewritten})
                )


def _respell(value: Any, spell: Callable[[str], str]) -> Any:
    """The JSON value with every id under one of `ID_KEYS`, at any depth, spelled by `spell`."""
    if isinstance(value, dict):
        return {
            k: spell(v) if k in ID_KEYS and isinstance(v, str) else _respell(v, spell)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_respell(item, spell) for item in value]
    return value


def _set_width(connection: Connection, old: int, new: int) -> None:
    if connection.dialect.name == "postgresql":
        for table, columns in NARROW_ID_COLUMNS.items():
            for column in columns:
                op.alter_column(
                    table, column, type_=sa.String(length=new), existing_type=sa.String(old)
                )
        return
    # SQLite keeps a column's declared width only in the table's CREATE statement and never
    # enforces it. Copying the tables (Alembic's batch mode) would drop `interviews` while
    # foreign keys are on, and its ON DELETE CASCADE would empty the tables that refer to it;
    # SQLite's documented way to change a declaration that leaves the stored data as it is,
    # is to edit that statement.
    version = connection.exec_driver_sql("PRAGMA schema_version").scalar_one()
    connection.exec_driver_sql("PRAGMA writable_schema = ON")
    for table, columns in NARROW_ID_COLUMNS.items():
        sql = connection.execute(
            sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :name"),
            {"name": table},
        ).scalar_one()
        for column in columns:
            sql = re.sub(rf"(\b{column}\b\"?\s+VARCHAR)\({old}\)", rf"\g<1>({new})", sql, count=1)
        connection.execute(
            sa.text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = :name"),
            {"sql": sql, "name": table},
        )
    connection.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
    connection.exec_driver_sql("PRAGMA writable_schema = OFF")


def _drop_foreign_keys() -> None:
    for name, table, _, _ in FOREIGN_KEYS:
        op.drop_constraint(name, table, type_="foreignkey")


def _create_foreign_keys() -> None:
    for name, table, column, referred in FOREIGN_KEYS:
        op.create_foreign_key(name, table, referred, [column], ["id"], ondelete="CASCADE")
