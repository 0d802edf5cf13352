"""The session's throwaway PostgreSQL cluster for the ward's tests (the
cluster itself: benchmarks/postgres.py, shared with the ward benchmark)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from benchmarks.postgres import PostgresServer, bin_dir, throwaway_cluster

__all__ = ["PostgresServer", "postgres"]


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    if bin_dir() is None:
        pytest.fail("PostgreSQL is not installed: ./setup.sh --test installs Debian's postgresql package")
    with throwaway_cluster() as server:
        yield server
