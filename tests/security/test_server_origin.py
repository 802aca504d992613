"""On the real server: a websocket opened by a page on another port of this host gets nothing."""

import asyncio

import pytest
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg

pytestmark = pytest.mark.browser  # a real server, like the browser tests


async def first_run(base: str, origin: str) -> bytes:
    """Everything the server sends for one run of the app, as a page at origin would get it."""
    url = base.replace("http", "ws", 1) + "/_stcore/stream"
    async with websockets.connect(url, origin=origin, subprotocols=["streamlit"]) as ws:
        msg = BackMsg()
        msg.rerun_script.query_string = ""
        await ws.send(msg.SerializeToString())
        seen = b""
        try:
            while True:
                seen += await asyncio.wait_for(ws.recv(), 8)
        except TimeoutError:
            return seen


def test_a_page_on_another_port_of_the_host_gets_no_login_form_and_no_page(base):
    port = int(base.rsplit(":", 1)[1])
    own = asyncio.run(first_run(base, base))
    assert "Tên đăng nhập".encode() in own
    foreign = asyncio.run(first_run(base, f"http://127.0.0.1:{port + 1}"))
    # Streamlit itself lets it in (same host name); the app shows it only the refusal.
    assert "Không mở được ứng dụng".encode() in foreign
    assert "Tên đăng nhập".encode() not in foreign
