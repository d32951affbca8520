"""The named steps of a run, one module each; ``supervisor`` lists them in order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from animusic_devtools.demo.context import RunContext


def always(ctx: RunContext) -> bool:
    return True


@dataclass(frozen=True)
class Step:
    """``run`` does the work (raising ``DemoError`` on failure); ``enabled`` decides whether it
    runs at all (an optional step), ``skipped`` says why not when it does not."""

    name: str
    run: Callable[[RunContext], None]
    enabled: Callable[[RunContext], bool] = always
    skipped: str = ""
