"""Framework-free building blocks: the database, the tables' base, the error vocabulary and logging."""
