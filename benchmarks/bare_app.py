"""The reference for `bench_server_load.py`: a bare Chainlit app streaming fake tokens.

No engine, coder, guards, storage or profiles: an opening message, then each coach
line is answered by streaming a fixed manager line word by word with the same
pacing as Sparring's fake model (`SPARRING_FAKE_TOKEN_DELAY`). Header login only,
so the same socket client drives both apps.

    chainlit run benchmarks/bare_app.py --headless --host 127.0.0.1 --port 8001
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets

import chainlit as cl
from starlette.datastructures import Headers

os.environ.setdefault("CHAINLIT_AUTH_SECRET", secrets.token_urlsafe(32))
DELAY = float(os.environ.get("SPARRING_FAKE_TOKEN_DELAY", "0.05"))
#: As long as a typical persona example line, so both apps stream about as many tokens.
REPLY = ("Look, I hear you, but my team is stretched thin and another initiative "
         "from above is the last thing they need right now.")


@cl.header_auth_callback
async def header_login(headers: Headers) -> cl.User | None:
    return cl.User(identifier="local", metadata={"role": "user"})


@cl.on_chat_start
async def start() -> None:
    await cl.Message(content="So, what is this about?", author="Manager",
                     actions=[cl.Action(name="end_session", payload={}, label="End")]).send()


@cl.on_message
async def reply(message: cl.Message) -> None:
    out = cl.Message(content="", author="Manager")
    for piece in re.findall(r"\S+\s*", REPLY):
        await asyncio.sleep(DELAY)
        await out.stream_token(piece)
    await out.send()
