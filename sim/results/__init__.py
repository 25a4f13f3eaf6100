"""The run-folder contract: column names, tables, the typed manifest, atomic writes and readers."""
