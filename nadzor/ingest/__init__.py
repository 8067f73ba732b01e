"""Ingest: bytes in -> archived source + releases + quarantine (see nadzor.ingest.ocds)."""
