"""The building blocks that every feature uses: the database, the tables' base, the error vocabulary and logging."""
