"""Published results: snapshots of disclosure-controlled cells, pages, charts, exports (M4)."""
