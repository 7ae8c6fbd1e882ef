"""Storage: the deployment's database (SQLite, or PostgreSQL through :mod:`planning.store.dialect`), users,
sessions and the hash-chained audit log, the saved scenario versions and the release secret, and the uploads kept
in it (incident counts, populations). Imports geo and the planning core; never render, the CLI or the pages."""
