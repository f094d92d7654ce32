"""Shared fixtures for the client-library tests.

The runner exports PGHOST/PGPORT/PGUSER for a throwaway cluster; every test
gets its own database so tests never see each other's tables or types.
"""
import uuid

import psycopg
import pytest


def _admin():
    """Autocommit connection to the maintenance database (CREATE/DROP DATABASE
    cannot run inside a transaction)."""
    return psycopg.connect(dbname="postgres", autocommit=True)


@pytest.fixture
def make_db():
    """Factory: make_db(extension=True) -> name of a new, empty database.

    With extension=True the database already has vectordb installed; with
    False it is bare (a pg_restore target).  All are dropped at teardown.
    """
    created = []

    def make(extension=True):
        name = "vdb_client_" + uuid.uuid4().hex[:12]
        with _admin() as admin:
            # template0: a restore target must not inherit anything from template1
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        created.append(name)
        if extension:
            with psycopg.connect(dbname=name, autocommit=True) as conn:
                conn.execute("CREATE EXTENSION vectordb")
        return name

    yield make

    with _admin() as admin:
        for name in created:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def dbname(make_db):
    """A fresh database with vectordb installed."""
    return make_db()


@pytest.fixture
def conn(dbname):
    """Autocommit connection to the per-test database, so that one failing
    statement does not abort the rest of the test."""
    with psycopg.connect(dbname=dbname, autocommit=True) as c:
        yield c
