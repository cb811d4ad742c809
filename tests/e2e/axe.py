"""axe-core on a page in the browser, reduced to the findings that block a release.

axe-core comes inside the axe-playwright-python wheel (its axe.min.js): nothing is fetched when the tests run.
The script is put into the page through Playwright's evaluate, which the Content-Security-Policy does not
govern, so the pages keep their policy while they are checked.
"""

from __future__ import annotations

from collections.abc import Iterable

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

# axe's impacts are minor, moderate, serious and critical; the last two fail the tests.
BLOCKING_IMPACTS = ("serious", "critical")

_axe = Axe()


def blocking_findings(page: Page, *, rules: Iterable[str] = (), skip: Iterable[str] = ()) -> list[str]:
    """One line per element with a serious or critical violation: rule id, impact, target, what to fix and
    axe's help page. `rules` limits the run to those rule ids (all of axe's rules otherwise); `skip` leaves
    rules out."""
    options: dict = {"resultTypes": ["violations"]}
    if rules:
        options["runOnly"] = {"type": "rule", "values": list(rules)}
    if skip:
        options["rules"] = {rule: {"enabled": False} for rule in skip}
    violations = _axe.run(page, options=options).response["violations"]
    return [
        f"{violation['id']} ({impact}) at {' > '.join(map(str, node['target']))}: "
        f"{violation['help']} {violation['helpUrl']}"
        for violation in violations
        for node in violation["nodes"]
        if (impact := node.get("impact") or violation["impact"]) in BLOCKING_IMPACTS
    ]
