"""The patient data store: SQLite through peewee, WAL, and one writer thread
per process (writer.py) that every write goes through.

Only numbers are stored: no face images (see the README's privacy note).
"""
