"""The fingerprint salt of an ``s3://`` lake: one salt for every host that writes the lake.

A local lake keeps its salt in ``_lake.json`` under the lake lock (``lake.lake_salt``). An S3
lake has no lock, so two hosts' first runs may race. Each creator writes its own salt object
under a unique name (``_salt/salt-<random>.json``), then creates the table recording that name
in a table property; table creation is atomic in the catalog, so exactly one name wins and
every host (the losers included) reads the salt from the object the table names. The property
holds an object name, never the salt: table properties are visible to anyone who can read the
catalog (Glue, Athena), the salt object only to who can read the bucket's ``_salt/``.
"""

from __future__ import annotations

import json
import secrets
from typing import TYPE_CHECKING

from bedrock_logbook.ingest.lake import LakeError
from bedrock_logbook.ingest.lake_files import LakeFiles
from bedrock_logbook.ingest.schema import LAKE_SCHEMA_VERSION
from bedrock_logbook.ingest.table import ensure_table

if TYPE_CHECKING:
    from pyiceberg.catalog import Catalog
    from pyiceberg.table import Table

SALT_DIR = "_salt"
SALT_PROPERTY = "bedrock_logbook.salt_object"


def _read_salt(files: LakeFiles, name: str) -> str:
    data = files.read(name)
    if data is None:
        raise LakeError(f"the table names {files.uri(name)} as its fingerprint salt, and it is "
                        "gone; restore it from a backup: it keys every prompt fingerprint")
    try:
        salt = json.loads(data)["salt"]
    except (ValueError, KeyError, TypeError):
        salt = None
    if not isinstance(salt, str) or not salt:
        raise LakeError(f"{files.uri(name)} is damaged (no salt); restore it from a backup")
    return salt


def _write_candidate(files: LakeFiles, override: str | None) -> str:
    name = f"{SALT_DIR}/salt-{secrets.token_hex(8)}.json"
    meta = {"schema_version": LAKE_SCHEMA_VERSION, "salt": override or secrets.token_hex(16)}
    files.write_once(name, (json.dumps(meta, sort_keys=True) + "\n").encode(), private=True)
    return name


def table_and_salt(files: LakeFiles, catalog: Catalog, override: str | None
                   ) -> tuple[Table, bytes]:
    """The invocations table (created if missing) and the lake's salt.

    A ``--salt`` (``override``) that differs from the recorded salt is refused, as on a local
    lake: it would fork every fingerprint.
    """
    from pyiceberg.exceptions import NoSuchNamespaceError, NoSuchTableError

    location = files.location
    ours: str | None = None
    try:
        table = catalog.load_table(location.identifier)
    except (NoSuchTableError, NoSuchNamespaceError):
        ours = _write_candidate(files, override)
        table = ensure_table(catalog, location, {SALT_PROPERTY: ours})
    recorded = table.properties.get(SALT_PROPERTY)
    if recorded is None:  # a table created by something else (e.g. an older writer, Athena)
        ours = ours or _write_candidate(files, override)
        with table.transaction() as txn:
            txn.set_properties({SALT_PROPERTY: ours})
        table = catalog.load_table(location.identifier)
        recorded = table.properties[SALT_PROPERTY]
    if ours is not None and ours != recorded:
        files.delete(ours)  # another host created the table first: its salt is the lake's
    salt = _read_salt(files, recorded)
    if override and override != salt:
        raise LakeError(f"--salt differs from the salt {location.lake} was built with (in "
                        f"{files.uri(recorded)}); fingerprints would no longer match: drop "
                        "--salt (or BEDROCK_LOGBOOK_SALT)")
    return table, salt.encode()
