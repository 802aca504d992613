"""Core: the database and its migrations, errors, audit trail, text and number helpers."""
