"""Serbian district polygons and the municipality -> district code list (see SOURCES.md beside this file)."""

__all__: list[str] = []
