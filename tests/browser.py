"""Debian's chromium, driven by Playwright: never a browser Playwright downloads."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from playwright.async_api import Browser, Page, async_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
# Screenshots are kept for people to look at (gitignored; CI may collect them).
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=ARGS
        )
        try:
            yield browser
        finally:
            await browser.close()


def screenshot_path(name: str) -> str:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return str(ARTIFACTS / f"{name}.png")


async def sign_in(page: Page, url: str, token: str) -> None:
    """Sign in as a person does: type the code at /login and send it."""
    await page.goto(url + "/login")
    await page.fill("#code", token)
    await page.click("button[type=submit]")
