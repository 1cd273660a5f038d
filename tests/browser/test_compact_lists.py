"""The compact back-office lists in a real browser (Playwright driving Debian's Chromium), on a
desktop (1366 px) and a phone (390 px): a long person list and the elder dashboard keep their
header row in view while the table scrolls (sticky inside the DKFDS .table--responsive-scroll
wrapper), the key column (name; the days left on the dashboard) stays within the screen even when
the table is scrolled sideways, a name is one line high, and axe finds nothing serious."""

from __future__ import annotations

import datetime

import pytest

from tests.browser_support import BROWSER_MARKS, axe_problems

pytestmark = BROWSER_MARKS

WIDTHS = (1366, 390)

_GEOMETRY = """
([table, key]) => {
  const wrapper = table.closest('.table--responsive-scroll');
  const box = (el) => el.getBoundingClientRect();
  const th = table.querySelector('thead th');
  const firstCell = table.querySelector('tbody tr td:first-child');
  const name = table.querySelector(key);
  const lineHeight = parseFloat(getComputedStyle(name).lineHeight);
  return {
    viewportWidth: window.innerWidth,
    viewportHeight: window.innerHeight,
    pageScrollWidth: document.documentElement.scrollWidth,
    wrapperTop: box(wrapper).top,
    wrapperScrollTop: wrapper.scrollTop,
    wrapperScrollLeft: wrapper.scrollLeft,
    headerTop: box(th).top,
    headerBottom: box(th).bottom,
    firstCellLeft: box(firstCell).left,
    firstCellRight: box(firstCell).right,
    nameHeight: box(name).height,
    nameLines: name.getClientRects().length,
    lineHeight: lineHeight,
  };
}
"""


def _login(page, base, user):
    page.goto(f"{base}/konto/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "test-password-123")
    page.click("#login-submit")
    page.wait_for_url(f"{base}/")


def _check_table(page, table_selector: str, key_selector: str, width: int) -> dict:
    """Scroll the page to the table and the table down and sideways; return the geometry."""
    table = page.locator(table_selector)
    table.scroll_into_view_if_needed()
    page.evaluate(
        "(table) => { const w = table.closest('.table--responsive-scroll');"
        " window.scrollTo(0, window.scrollY + w.getBoundingClientRect().top);"
        " w.scrollTop = 600; w.scrollLeft = 400; }",
        table.element_handle(),
    )
    geometry = page.evaluate(_GEOMETRY, [table.element_handle(), key_selector])
    where = f"{table_selector} at {width} px: {geometry}"
    # The table really scrolled down (a long list) …
    assert geometry["wrapperScrollTop"] > 0, where
    # … and its header row is still at the top of the wrapper, on the screen.
    assert abs(geometry["headerTop"] - geometry["wrapperTop"]) <= 1, where
    assert 0 <= geometry["headerTop"] < geometry["viewportHeight"], where
    # The key column is within the screen, also when the table is scrolled sideways.
    assert geometry["firstCellLeft"] >= 0, where
    assert geometry["firstCellRight"] <= geometry["viewportWidth"], where
    # The page itself never scrolls sideways: only the table does.
    assert geometry["pageScrollWidth"] <= geometry["viewportWidth"], where
    # A name is one line.
    assert geometry["nameLines"] == 1, where
    assert geometry["nameHeight"] <= geometry["lineHeight"] * 1.5, where
    return geometry


@pytest.mark.django_db(transaction=True)
def test_long_lists_keep_header_and_key_column_in_view_on_desktop_and_phone(
    browser, live_server, caseworker_a, kommune_officer, kommune_aarhus, org_a
):
    from tests.eldercare_support import decide, elder
    from tests.factories import PersonFactory

    for index in range(120):
        PersonFactory(
            controller=org_a.tenant,
            first_name="Anne-Marie Christine",
            last_name=f"Vestergaard-Testesen {index:03d}",
        )
    today = datetime.date.today()
    for index in range(40):
        person = elder(
            kommune_aarhus, first_name="Karen Margrethe", last_name=f"Østergaard-Hansen {index:02d}"
        )
        decide(kommune_officer, kommune_aarhus, person, decided_on=today - datetime.timedelta(days=index * 2))
    base = live_server.url
    problems: dict[str, list[str]] = {}

    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 800})
        page = context.new_page()
        _login(page, base, caseworker_a)
        page.goto(f"{base}/personer/?q=Testesen&ordering=name")
        page.wait_for_selector("#results")
        assert page.locator("#results tbody tr").count() == 100
        _check_table(page, "#results", "tbody tr td:first-child a", width)
        problems[f"persons {width}"] = axe_problems(page)
        context.close()

        context = browser.new_context(viewport={"width": width, "height": 800})
        page = context.new_page()
        _login(page, base, kommune_officer)
        page.goto(f"{base}/kommune/aeldre/")
        page.wait_for_selector("#guarantee-list")
        # The days left come first: the key column of the guarantee.
        first_header = page.inner_text("#guarantee-list thead th:first-child").strip()
        assert first_header.startswith(("Dage tilbage", "Days left")), first_header
        _check_table(page, "#guarantee-list", "tbody tr td:nth-child(2) a", width)
        problems[f"elder dashboard {width}"] = axe_problems(page)
        context.close()

    assert problems == {key: [] for key in problems}
