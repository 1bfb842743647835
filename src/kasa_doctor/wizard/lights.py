"""Light (LED pattern) ids as owners type them, and the one error for a wrong one."""

from __future__ import annotations

from collections.abc import Iterable


def normalise_led(word: str) -> str:
    """``"Red slow-blink"`` → ``"red_slow_blink"``."""
    return "_".join(word.strip().lower().replace("-", " ").split())


def unknown_led_message(word: str, valid: Iterable[str]) -> str:
    return f"unknown light {word!r}; valid: {', '.join(valid)}"
