"""Where everything came from: archived sources, the quarantine, and store counts."""

from __future__ import annotations

from nadzor.store import Store

__all__ = ["store_stats", "list_sources", "list_quarantine"]


def store_stats(store: Store) -> dict:
    """Return counts: processes (distinct ocids), releases, sources, quarantined, warnings, and every table.

    ``processes``, ``releases`` and ``sources`` count complete files only. A file still being ingested, or left
    half-ingested by a kill (removed the next time the store is opened for writing), is counted apart in
    ``sources_loading`` and ``releases_loading``; ``tables`` are raw row counts and include its rows.
    """
    tables = {t: store.scalar(f'SELECT count(*) FROM "{t}"') for t in store.table_names()}
    loading = "(SELECT source_id FROM sources WHERE status = 'loading')"
    releases_loading = store.scalar(f"SELECT count(*) FROM releases WHERE source_id IN {loading}")
    return {
        "processes": store.scalar(f"SELECT count(DISTINCT ocid) FROM processes WHERE ocid NOT IN "
                                  f"(SELECT ocid FROM releases WHERE source_id IN {loading})"),
        "releases": tables.get("releases", 0) - releases_loading,
        "sources": store.scalar("SELECT count(*) FROM sources WHERE status = 'complete'"),
        "sources_loading": store.scalar("SELECT count(*) FROM sources WHERE status = 'loading'"),
        "releases_loading": releases_loading,
        "quarantined": tables.get("quarantine", 0),
        "warnings": tables.get("warnings", 0),
        "unfetched_releases": tables.get("unfetched_releases", 0),
        "tables": tables,
    }


def list_sources(store: Store) -> list[dict]:
    """Return the archived sources completely ingested, oldest first (a file still loading, or left by a kill, is
    not listed: ``store_stats`` counts it as ``sources_loading``)."""
    rows = store.rows("""
        SELECT source_id AS sha256, original_path, archived_path, size, media_type, encoding, format, adapter,
               publisher, licence, published_date, ocds_version, origin_url, retrieved_at, ingested_at,
               n_releases, n_quarantined, n_warnings
        FROM sources WHERE status = 'complete' ORDER BY ingested_at, original_path
    """)
    archive = store.archive_dir
    for r in rows:
        r["archived_path"] = str(archive / r["archived_path"]) if r["archived_path"] else None
    return rows


def list_quarantine(store: Store, *, raw: bool = True) -> list[dict]:
    """Return every quarantined item: {source, locator, reason} (+ raw text, sha256, kind)."""
    rows = store.rows("""
        SELECT original_path AS source, source_id AS sha256, locator, reason, kind, ocid, raw
        FROM quarantine ORDER BY created_at, original_path, locator
    """)
    if not raw:
        for r in rows:
            r.pop("raw")
    return rows
