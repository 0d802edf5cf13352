"""The patient data store: SQLite through peewee, one writer, WAL.

Only numbers are stored: no face images (see the README's privacy note).
"""
