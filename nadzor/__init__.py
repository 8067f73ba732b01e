"""nadzor: watch the watchers.

The pipeline is ingest -> normalize -> classify -> indicators -> evidence/report -> serve.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
