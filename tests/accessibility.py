"""axe-core (from the axe-playwright-python package) run in a page, checks that
nothing sticks out past the viewport's right edge and that nothing is too small
to tap or read, and all of them at once at phone and desktop size."""

from pathlib import Path
from typing import Any

import axe_playwright_python
from playwright.async_api import Browser, Page

from tests.browser import screenshot_path, sign_in

AXE_JS = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


async def axe_violations(page: Page) -> list[str]:
    """Each WCAG 2.1 AA violation on the page as "rule: target, ...". The page's
    context must bypass the CSP: axe is injected as a script of its own."""
    await page.add_script_tag(content=AXE_JS)
    result: dict[str, Any] = await page.evaluate(
        # Label in name (WCAG 2.5.3) is an experimental rule: asked for by name.
        """tags => axe.run(document, {
             runOnly: {type: 'tag', values: tags},
             rules: {'label-content-name-mismatch': {enabled: true}}})""",
        WCAG_21_AA,
    )
    return [
        f"{v['id']}: " + ", ".join(str(n["target"]) for n in v["nodes"][:5])
        for v in result["violations"]
    ]


OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  if (document.documentElement.scrollWidth > width)
    out.push('page scrolls sideways: ' + document.documentElement.scrollWidth);
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (getComputedStyle(el).visibility === 'hidden') continue;
    // A region that scrolls sideways hides part of what it holds (a table's
    // columns): on a phone, tables stack instead.
    const style = getComputedStyle(el);
    if (['auto', 'scroll'].includes(style.overflowX) &&
        el.scrollWidth > el.clientWidth + 1)
      out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
               ' hides ' + (el.scrollWidth - el.clientWidth) + 'px sideways');
    // Inside a scrolling region is otherwise fine: the region is checked.
    let inScroller = false;
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== 'visible') { inScroller = true; break; }
    }
    if (!inScroller && box.right > width + 0.5)
      out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
               ' ends at ' + Math.round(box.right));
  }
  return out.slice(0, 10);
}"""


async def off_screen(page: Page) -> list[str]:
    """Visible elements that end past the right edge of the viewport."""
    found: list[str] = await page.evaluate(OVERFLOW_JS)
    return found


SMALL_TARGETS_JS = """() => {
  const out = [];
  for (const el of document.querySelectorAll('button, nav a, summary, select')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (box.height < 43.5)
      out.push(el.tagName.toLowerCase() + ' "' + el.textContent.trim() + '" is ' +
               Math.round(box.height) + 'px high');
  }
  return out.slice(0, 10);
}"""


async def small_targets(page: Page) -> list[str]:
    """Buttons, menu links and other controls less than 44 px high."""
    found: list[str] = await page.evaluate(SMALL_TARGETS_JS)
    return found


SMALL_TEXT_JS = """() => {
  const out = [];
  for (const el of document.querySelectorAll('svg text')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    // A chart is scaled to fit: its text's size on screen is its size in the
    // drawing times the drawing's scale.
    const scale = el.getScreenCTM().a;
    const px = parseFloat(getComputedStyle(el).fontSize) * scale;
    if (px < 12)
      out.push('"' + el.textContent.trim().slice(0, 30) + '" is ' +
               px.toFixed(1) + 'px');
  }
  return out.slice(0, 10);
}"""


async def small_text(page: Page) -> list[str]:
    """Chart text shown smaller than 12 px."""
    found: list[str] = await page.evaluate(SMALL_TEXT_JS)
    return found


async def problems(
    page: Page, name: str, *, screenshot: str | None = None
) -> list[str]:
    """What axe, the overflow check and the size checks find on the page as it
    is now, at desktop and then phone size, each named "``name`` at <width>px".
    The page is not loaded again (a page that answers a post, or shows something
    once, is checked as it is) and is left at phone size. With ``screenshot``, a
    full-page screenshot at each size, named ``screenshot``-desktop and -phone."""
    found = []
    for size, label in ((DESKTOP, "desktop"), (PHONE, "phone")):
        await page.set_viewport_size(size)
        where = f"{name} at {size['width']}px"
        found += [f"{where}: {v}" for v in await axe_violations(page)]
        found += [f"{where}: off screen: {o}" for o in await off_screen(page)]
        found += [f"{where}: too small: {t}" for t in await small_targets(page)]
        found += [f"{where}: text too small: {t}" for t in await small_text(page)]
        if screenshot is not None:
            await page.screenshot(
                path=screenshot_path(f"{screenshot}-{label}"), full_page=True
            )
    return found


async def phone_page(browser: Browser, url: str, token: str | None = None) -> Page:
    """A new page at phone size, signed in with ``token`` unless it is None.
    Its context bypasses the CSP: axe is injected as a script of its own, and
    only these pages need that."""
    context = await browser.new_context(bypass_csp=True, viewport=PHONE)
    page = await context.new_page()
    if token is not None:
        await sign_in(page, url, token)
    return page
