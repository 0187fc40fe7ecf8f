"""Extension points for the layers above plans, which plans must never import.

The symptoms app registers an undo guard in its AppConfig.ready(): once a pain log exists for a
run, marking that run "not done" would leave the log pointing at a run that never happened.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from plans.models import PlannedRun

# A guard returns None to allow the undo, or a sentence telling the athlete why not.
UndoGuard = Callable[["PlannedRun"], "str | None"]

_undo_guards: list[UndoGuard] = []


def register_undo_guard(guard: UndoGuard) -> UndoGuard:
    """Register a guard (usable as a decorator). Registering the same guard twice is harmless."""
    if guard not in _undo_guards:
        _undo_guards.append(guard)
    return guard


def unregister_undo_guard(guard: UndoGuard) -> None:
    if guard in _undo_guards:
        _undo_guards.remove(guard)


def undo_guards() -> tuple[UndoGuard, ...]:
    return tuple(_undo_guards)


def undo_refusal(run: PlannedRun) -> str | None:
    """The first guard's refusal, or None when every guard allows the undo."""
    for guard in _undo_guards:
        message = guard(run)
        if message:
            return message
    return None
