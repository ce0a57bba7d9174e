"""The query layer: the only package that talks to DuckDB and to the transactional store."""
