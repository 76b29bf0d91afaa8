"""Use cases of the watch folder: files dropped there are imported as `picker import` would.

Which files are ready, and moving them aside with a report, is `picker.app.watch` (files
only); this service imports them through `Imports`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from picker.app import watch
from picker.app.context import Context, Service
from picker.app.imports import ImportReport, Imports
from picker.domain.money import format_fen
from picker.domain.states import WatchOutcome
from picker.errors import InputError
from picker.i18n import _, _n


@dataclass(frozen=True, slots=True)
class WatchedFile:
    """One file of the watch folder after a round: "done", "failed" or "waiting"."""

    name: str
    outcome: str
    report: ImportReport | None = None
    error: str = ""
    moved_to: Path | None = None
    report_path: Path | None = None


class WatchFolder(Service):
    """The watch folder's rounds: settled files imported, then moved aside with a report."""

    def __init__(self, ctx: Context, imports: Imports) -> None:
        super().__init__(ctx)
        self.imports = imports

    def watch_folder_once(
        self, folder: Path | None = None, settle_seconds: float | None = None
    ) -> list[WatchedFile]:
        """Import every settled file of the watch folder, then move it aside with a report.

        The same rules as `picker import`. A file that changed in the last `settle_seconds`,
        or while it was read, is left for the next round; importing it again then is safe,
        orders being keyed by number.
        """
        config = self.settings.watch
        folder = folder or (config.folder if config else None)
        if folder is None:
            raise InputError(_("no watch folder: set [watch] folder in the config file"))
        if settle_seconds is None:
            settle_seconds = config.settle_seconds if config else 2.0
        if not folder.is_dir():
            raise InputError(_("watch folder {path} is not a folder", path=folder))
        out = []
        for path in watch.candidates(folder):
            before = watch.Snapshot.of(path)
            if not watch.settled(before, time.time_ns(), settle_seconds):
                out.append(WatchedFile(path.name, WatchOutcome.WAITING))
                continue
            try:
                report = self.imports.import_file(path)
            except InputError as exc:
                moved = watch.move_aside(path, watch.FAILED)
                lines = watch.failed_lines(path.name, exc.message)
                out.append(
                    WatchedFile(
                        path.name,
                        WatchOutcome.FAILED,
                        None,
                        exc.message,
                        moved,
                        watch.write_report(moved, lines),
                    )
                )
                continue
            if before.changed():
                out.append(WatchedFile(path.name, WatchOutcome.WAITING, report))
                continue
            moved = watch.move_aside(path, watch.DONE)
            lines = _watch_report_lines(path.name, report)
            out.append(
                WatchedFile(
                    path.name,
                    WatchOutcome.DONE,
                    report,
                    "",
                    moved,
                    watch.write_report(moved, lines),
                )
            )
        return out


def _watch_report_lines(name: str, report: ImportReport) -> list[str]:
    lines = [
        _n(
            "{source}: {rows} row, {verb} {added}, "
            "{duplicates} already imported, {rejected} rejected.",
            "{source}: {rows} rows, {verb} {added}, "
            "{duplicates} already imported, {rejected} rejected.",
            report.rows,
            source=name,
            rows=report.rows,
            verb=_("added"),
            added=_n(
                "{n} order ({amount})",
                "{n} orders ({amount})",
                report.added,
                n=report.added,
                amount=format_fen(report.amount_fen),
            ),
            duplicates=report.duplicates,
            rejected=report.rejected_orders,
        )
    ]
    if report.seen_before and not report.added:
        lines.append(
            _(
                "{source}: this file was imported before ({when}); nothing added.",
                source=name,
                when=report.seen_before[1],
            )
        )
    lines.extend(watch.reject_line(name, r) for r in report.rejects)
    return lines
