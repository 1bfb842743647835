"""Notifications through apprise: one message when an incident opens, one when it closes.

Delivery works from an outbox in the database (``incidents.notify_open`` /
``notify_close``): the round that opens or closes an incident marks it "pending" in
the same transaction, and only after that commit are the messages sent and marked
"sent". A watcher killed in between sends them on its next start, so no message is
lost; a receiver that is down is retried in the next rounds, up to
:data:`MAX_ATTEMPTS`, then given up ("failed") so it cannot flood anyone later.

Each URL gets its own apprise object, so one broken target does not hide whether the
others got the message. A message reaching at least one target counts as sent (the
others are logged): retrying would repeat it to those that already have it.

Messages carry the camera's name and address, what is wrong, the likely cause and the
command that diagnoses it — never a login (every message is scrubbed of the logins
the watcher knows, as a second line of defence).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final

from kasa_doctor.monitor.rules import CAUSES, TITLES
from kasa_doctor.monitor.store import PendingNotice
from kasa_doctor.probes.credentials import scrub

if TYPE_CHECKING:
    import apprise

_LOGGER = logging.getLogger(__name__)

MAX_ATTEMPTS: Final = 3
DIAGNOSE_COMMAND: Final = "kasa-doctor diagnose --host {host}"
CHECK_COMMAND: Final = "kasa-doctor check --host {host}"
HISTORY_COMMAND: Final = "kasa-doctor history {camera}"


def _quote(text: str) -> str:
    """A camera name as one shell word."""
    if text and all(c.isalnum() or c in "-_.:[]" for c in text):
        return text
    return "'" + text.replace("'", "'\\''") + "'"


def _when(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def compose(notice: PendingNotice) -> tuple[str, str, str]:
    """(title, body, apprise notify type) for one incident event."""
    title_word = TITLES.get(notice.kind, notice.kind)
    cause = notice.cause or CAUSES.get(notice.kind, "")
    diagnose = DIAGNOSE_COMMAND.format(host=notice.host)
    check = CHECK_COMMAND.format(host=notice.host)
    who = f"{notice.camera} ({notice.host})" if notice.camera != notice.host else notice.host
    if notice.event == "open":
        title = f"kasa-doctor: {notice.camera} — {title_word}"
        body = "\n".join(
            (
                f"{who}: {notice.summary}.",
                f"Likely cause: {cause}.",
                f"Diagnose: {diagnose}",
                f"Quick check: {check}",
                f"Since {_when(notice.opened_at)}.",
            )
        )
        return title, body, "warning"
    title = f"kasa-doctor: {notice.camera} — resolved: {title_word}"
    closed = notice.closed_at if notice.closed_at is not None else notice.opened_at
    body = "\n".join(
        (
            f"{who}: {notice.close_summary or 'cleared'}.",
            f"It was: {notice.summary} (likely cause: {cause}).",
            f"If it comes back: {diagnose}",
            f"History: {HISTORY_COMMAND.format(camera=_quote(notice.camera))}",
            f"Resolved {_when(closed)}.",
        )
    )
    return title, body, "success"


def check_urls(urls: Sequence[str]) -> list[str]:
    """One problem per URL apprise does not understand (the URL itself is not repeated:
    notification URLs often carry tokens)."""
    import apprise

    problems = []
    for i, url in enumerate(urls):
        scheme = url.split("://", 1)[0] if "://" in url else ""
        if not apprise.Apprise().add(url):
            what = f"scheme {scheme!r} unknown or URL incomplete" if scheme else "no scheme"
            problems.append(f"notify.{i}: not a valid apprise URL ({what})")
    return problems


class Notifier:
    """Sends incident messages to every configured apprise URL."""

    def __init__(
        self,
        urls: Sequence[str],
        *,
        timeout: float = 15.0,
        secrets: Callable[[], Sequence[str]] = tuple,
    ) -> None:
        import apprise

        self.timeout = timeout
        self._secrets = secrets
        self._targets: list[apprise.Apprise] = []
        for url in urls:
            target = apprise.Apprise()
            if not target.add(url):
                raise ValueError("not a valid apprise URL")  # check_urls said which
            self._targets.append(target)

    def __bool__(self) -> bool:
        return bool(self._targets)

    async def _send_one(self, target: apprise.Apprise, title: str, body: str, kind: str) -> bool:
        try:
            result = await asyncio.wait_for(
                asyncio.to_thread(target.notify, body=body, title=title, notify_type=kind),
                self.timeout,
            )
        except TimeoutError:
            return False
        except Exception as exc:  # a plugin bug must not stop the watcher
            _LOGGER.warning("notification target failed: %s", type(exc).__name__)
            return False
        return bool(result)

    async def send(self, notice: PendingNotice) -> bool:
        """True when at least one target took the message."""
        title, body, kind = compose(notice)
        secrets = self._secrets()
        title, body = scrub(title, secrets), scrub(body, secrets)
        results = await asyncio.gather(
            *(self._send_one(t, title, body, kind) for t in self._targets)
        )
        failed = results.count(False)
        if failed and failed < len(results):
            _LOGGER.warning(
                "%s of %s notification targets did not take the message about %s (%s)",
                failed,
                len(results),
                notice.camera,
                notice.kind,
            )
        return any(results)
