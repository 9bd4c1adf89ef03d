"""Shared fixtures: a real HTTP server on loopback (see tests/httpserver.py)."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from httpserver import TestServer


@pytest.fixture(scope="session")
def http_server() -> Iterator[TestServer]:
    """One server on 127.0.0.1 for the session; register routes with `.route(path, h)`."""
    with TestServer() as server:
        yield server


@pytest.fixture
def server(http_server: TestServer) -> Iterator[TestServer]:
    """The session server with routes, request log and peaks cleared for this test."""
    http_server.reset()
    yield http_server
    assert not http_server.errors, f"test server handler crashed: {http_server.errors}"


def _loopback_bindable(host: str) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind((host, 0))
        except OSError:
            return False
    return True


@pytest.fixture(scope="session")
def multihost_server() -> Iterator[TestServer]:
    """One server on four loopback addresses (127.0.0.2-5): four 'hosts' for limits.

    Linux routes all of 127/8 to lo; where only 127.0.0.1 binds (macOS), tests skip.
    """
    hosts = [f"127.0.0.{i}" for i in range(2, 6)]
    if not all(_loopback_bindable(h) for h in hosts):
        pytest.skip("cannot bind 127.0.0.2-5 on this machine")
    with TestServer(hosts) as server:
        yield server


@pytest.fixture
def hosts(multihost_server: TestServer) -> Iterator[TestServer]:
    """The multi-host server, reset for this test."""
    multihost_server.reset()
    yield multihost_server
    assert not multihost_server.errors, f"test server crashed: {multihost_server.errors}"
