"""`kasa-doctor watch`: keep polling the configured cameras, keep their history, warn early.

Exit codes: 0 stopped (Ctrl-C, SIGTERM) or ``--once`` done; 1 the database or the
metrics port could not be used; 2 bad input (configuration, options).
One line per round on stderr; ``--verbose`` adds the debug log (logins scrubbed).
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from kasa_doctor.monitor.config import MonitorConfig
    from kasa_doctor.monitor.watcher import RoundReport, Watcher

PROG = "kasa-doctor watch"


def register(app: typer.Typer) -> None:
    app.command("watch")(watch)


def _fail(message: str, code: int = 2) -> typer.Exit:
    sys.stderr.write(f"{PROG}: {message}\n")
    return typer.Exit(code)


class _ScrubFilter(logging.Filter):
    """Replaces any form of any login in use before a log record is written."""

    def __init__(self, secrets: Callable[[], Sequence[str]]) -> None:
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        from kasa_doctor.probes.credentials import scrub

        secrets = self.secrets()
        if secrets:
            record.msg = scrub(record.getMessage(), secrets)
            record.args = None
            if record.exc_text:
                record.exc_text = scrub(record.exc_text, secrets)
        return True


@contextlib.contextmanager
def _logging(verbose: bool, secrets: Callable[[], Sequence[str]]) -> Iterator[None]:
    root = logging.getLogger()
    kasa_logger = logging.getLogger("kasa")
    saved = (root.level, kasa_logger.level)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter(
            "%(levelname)s %(name)s: %(message)s" if verbose else f"{PROG}: %(message)s"
        )
    )
    handler.addFilter(_ScrubFilter(secrets))
    root.addHandler(handler)
    if verbose:
        root.setLevel(logging.DEBUG)
    else:
        # The round lines and warnings; python-kasa's notes about features a model
        # lacks are noise in a long-running log.
        root.setLevel(logging.WARNING)
        logging.getLogger("kasa_doctor.monitor").setLevel(logging.INFO)
        kasa_logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(saved[0])
        kasa_logger.setLevel(saved[1])


def watch(
    config_file: Annotated[
        Path | None,
        typer.Option(
            "--config",
            metavar="FILE",
            help="The YAML configuration (default: monitor.yaml in the user config folder).",
        ),
    ] = None,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            metavar="URL",
            help="sqlite:///FILE, a file path, or postgresql://… "
            "(default: the config's database, else monitor.db in the user data folder).",
        ),
    ] = None,
    interval: Annotated[
        float | None,
        typer.Option("--interval", metavar="SECONDS", help="Seconds between rounds."),
    ] = None,
    once: Annotated[bool, typer.Option("--once", help="One round, then exit.")] = False,
    metrics_port: Annotated[
        int | None,
        typer.Option("--metrics-port", metavar="N", help="Serve Prometheus metrics on port N."),
    ] = None,
    metrics_bind: Annotated[
        str,
        typer.Option("--metrics-bind", metavar="ADDR", help="Address for the metrics server."),
    ] = "127.0.0.1",
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Debug log on stderr (logins hidden).")
    ] = False,
) -> None:
    """Watch the cameras: one sample each per round, incidents, notifications, metrics."""
    from kasa_doctor.monitor.config import (
        ConfigError,
        default_config_path,
        default_database_path,
        load_config,
    )

    if interval is not None and not 0 < interval <= 86400:
        raise _fail(f"--interval must be between 0 and 86400 seconds, not {interval:g}")
    if metrics_port is not None and not 0 < metrics_port < 65536:
        raise _fail(f"--metrics-port must be between 1 and 65535, not {metrics_port}")
    path = config_file or default_config_path()
    try:
        config = load_config(path)
    except ConfigError as exc:
        for problem in exc.problems[:20]:
            sys.stderr.write(f"{PROG}: {problem}\n")
        raise typer.Exit(2) from None
    url = db or config.database or str(default_database_path())
    code = _run(config, url, interval, once, metrics_port, metrics_bind, verbose)
    if code:
        raise typer.Exit(code)


def _run(
    config: MonitorConfig,
    url: str,
    interval: float | None,
    once: bool,
    metrics_port: int | None,
    metrics_bind: str,
    verbose: bool,
) -> int:
    import asyncio

    from kasa_doctor.monitor import backoff
    from kasa_doctor.monitor.config import KEY_NAME
    from kasa_doctor.monitor.metrics import Metrics
    from kasa_doctor.monitor.notify import Notifier, check_urls
    from kasa_doctor.monitor.store import Store, StoreError, redact_url
    from kasa_doctor.monitor.watcher import Watcher
    from kasa_doctor.sessions_store import data_dir

    problems = check_urls(config.notify)
    if problems:
        for problem in problems:
            sys.stderr.write(f"{PROG}: {problem}\n")
        return 2
    try:
        store = Store(url)
    except StoreError as exc:
        sys.stderr.write(f"{PROG}: {exc}\n")
        return 1
    try:
        key = backoff.load_key(data_dir() / KEY_NAME)
    except OSError as exc:
        store.close()
        sys.stderr.write(f"{PROG}: cannot keep the login fingerprint key: {exc.strerror}\n")
        return 1
    server = None
    metrics: Metrics | None = None
    if metrics_port is not None:
        metrics = Metrics()
        try:
            server = metrics.serve(metrics_port, metrics_bind)
        except OSError as exc:
            store.close()
            sys.stderr.write(
                f"{PROG}: cannot serve metrics on {metrics_bind}:{metrics_port}: {exc.strerror}\n"
            )
            return 1
    watcher_box: list[Watcher] = []

    def secrets() -> Sequence[str]:
        return watcher_box[0].secrets() if watcher_box else ()

    notifier = Notifier(config.notify, timeout=config.notify_timeout, secrets=secrets)
    watcher = Watcher(config, store, key=key, notifier=notifier, metrics=metrics)
    watcher_box.append(watcher)
    log = logging.getLogger("kasa_doctor.monitor")

    def on_round(report: RoundReport) -> None:
        if report.saved:
            log.info("%s", report.line())
            for camera, kind, summary in report.opened:
                log.info("incident opened: %s %s — %s", camera, kind, summary)
            for camera, kind, summary in report.closed:
                log.info("incident closed: %s %s — %s", camera, kind, summary)
        else:
            log.warning("%s", report.line())

    try:
        with _logging(verbose, secrets):
            log.info(
                "watching %s cameras every %g s; history in %s",
                len(config.cameras),
                interval if interval is not None else config.interval,
                redact_url(store.url),
            )
            try:
                asyncio.run(_main(watcher, once=once, interval=interval, on_round=on_round))
            except StoreError as exc:
                sys.stderr.write(f"{PROG}: {exc}\n")
                return 1
            except KeyboardInterrupt:
                pass
            log.info("stopped")
    finally:
        if server is not None:
            with contextlib.suppress(Exception):
                server.shutdown()
        store.close()
    return 0


async def _main(
    watcher: Watcher,
    *,
    once: bool,
    interval: float | None,
    on_round: Callable[[RoundReport], None],
) -> None:
    """Run the watcher until SIGTERM/SIGINT; a round in flight is dropped, not half-saved."""
    import asyncio
    import signal

    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, task.cancel)
    try:
        await watcher.run(once=once, interval=interval, on_round=on_round)
    except asyncio.CancelledError:
        return
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
