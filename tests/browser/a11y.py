"""Accessibility check with axe-core, vendored as a test asset (tests/assets/axe.min.js)."""

from __future__ import annotations

from pathlib import Path

AXE = Path(__file__).resolve().parent.parent / "assets" / "axe.min.js"
BLOCKING = {"serious", "critical"}


def assert_accessible(page) -> None:
    """Fail on any serious or critical axe violation on the current page."""
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    blocking = [v for v in results["violations"] if v.get("impact") in BLOCKING]
    lines = [
        f"{v['impact']}: {v['id']} ({v['help']}) at "
        + ", ".join(" ".join(n["target"]) for n in v["nodes"][:3])
        for v in blocking
    ]
    assert not blocking, f"Accessibility problems on {page.url}:\n" + "\n".join(lines)
