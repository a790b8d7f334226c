"""Running a service until it is told to stop: serving an aiohttp app on a host
and port, and waiting for SIGINT or SIGTERM."""

import asyncio
import signal

from aiohttp import web


async def serve(
    app: web.Application, host: str, port: int
) -> tuple[web.AppRunner, str]:
    """Serve ``app``; returns its runner (to clean up) and its base URL (port 0
    picks a free port)."""
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    bound_host, bound_port = runner.addresses[0][:2]
    return runner, f"http://{bound_host}:{bound_port}"


async def until_signalled() -> None:
    """Until the process gets SIGINT (Ctrl-C) or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
