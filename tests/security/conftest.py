"""What a browser's websocket handshake tells the app (cookies, headers, address), for AppTest."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from streamlit.runtime import context


@pytest.fixture
def browser_request(monkeypatch):
    """Set the cookies, headers and address the next AppTest runs see, as a browser sends them."""
    request = SimpleNamespace(cookies={}, headers=[], remote_ip="198.51.100.7")

    def client_context():
        return SimpleNamespace(
            cookies=dict(request.cookies), headers=list(request.headers),
            remote_ip=request.remote_ip,
        )  # fmt: skip

    monkeypatch.setattr(context, "_get_client_context", client_context)
    monkeypatch.delenv("THIDUA_COOKIE_KEY", raising=False)
    monkeypatch.delenv("THIDUA_ORIGIN", raising=False)
    return request
