"""The web app's asyncio classes: C tasks after start-up, and chats that open without re-entering the loop.

Each check runs in a fresh interpreter: nest_asyncio and `use_c_tasks` patch asyncio for
the whole process, as `chainlit run` does for the server.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

PRELUDE = """
import asyncio, nest_asyncio
nest_asyncio.apply()  # what `chainlit run` does before it loads app.py
from sparring.ui.tasks import finished, use_c_tasks
log = []

def profiles(user, language):
    log.append("profiles")
    return ["sceptic"]

async def other():
    log.append("other stepped")

async def opening(call):
    # Chainlit's WebsocketSession.get_config(), while other coaches' tasks are ready
    asyncio.get_running_loop().create_task(other())
    result = asyncio.get_event_loop().run_until_complete(call("user", "en"))
    log.append("opened")
    return result
"""


def run(body: str) -> str:
    code = PRELUDE + textwrap.dedent(body)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_tasks_made_after_the_switch_are_c_tasks_and_await_older_ones() -> None:
    out = run("""
        async def main():
            old = asyncio.get_running_loop().create_future()   # a nest_asyncio (Python) future
            assert use_c_tasks() and not use_c_tasks()          # once; a second call changes nothing
            async def child():
                return await old
            task = asyncio.create_task(child())
            await asyncio.sleep(0)
            old.set_result(41)
            print(type(task).__module__, type(asyncio.get_running_loop().create_future()).__module__,
                  await task + 1, asyncio.current_task() is not None)
        asyncio.run(main())
    """)
    assert out == "_asyncio _asyncio 42 True"


def test_opening_a_chat_with_finished_profiles_steps_no_other_task_inside() -> None:
    out = run("""
        async def main():
            use_c_tasks()
            result = await asyncio.create_task(opening(finished(profiles)))
            await asyncio.sleep(0)
            print(result, log)
        asyncio.run(main())
    """)
    assert out == "['sceptic'] ['profiles', 'opened', 'other stepped']"


def test_finished_passes_an_error_to_whoever_awaits() -> None:
    out = run("""
        def broken(user, language):
            raise ValueError("bad persona files")
        async def main():
            use_c_tasks()
            try:
                await finished(broken)("user", "en")
            except ValueError as exc:
                print("raised", exc)
        asyncio.run(main())
    """)
    assert out == "raised bad persona files"


@pytest.mark.parametrize("c_tasks", [False, True])
def test_why_profiles_are_finished_a_coroutine_steps_other_tasks_inside_the_opening(c_tasks: bool) -> None:
    """Chainlit's own coroutine re-enters the loop: another coach's task runs in the middle
    of the chat's opening, with either kind of task."""
    out = run(f"""
        async def profiles_coroutine(user, language):
            return profiles(user, language)
        async def main():
            if {c_tasks}:
                use_c_tasks()
            await asyncio.create_task(opening(profiles_coroutine))
            print(log)
        asyncio.run(main())
    """)
    assert out == "['other stepped', 'profiles', 'opened']"
