"""The back office's drop folder: which files are ready, moving them aside, their reports.

Files only: importing them is `Warehouse.watch_folder_once` (`picker.app.watch_folder`). A file is
ready when it has not changed for `settle_seconds`; a file still being written is left for
the next round. Once read, a file goes to `done/` (or `failed/` when it cannot be read at
all) with `NAME.report.txt` next to it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from picker.domain.importing import reason_text
from picker.domain.model import Reject
from picker.domain.states import WatchOutcome
from picker.i18n import _

#: What the watch folder imports; anything else (reports, notes, temp files) is left alone.
SUFFIXES = (".csv", ".json", ".jsonl", ".ndjson")
#: The subfolders a file is moved to, named by what became of it.
DONE, FAILED = WatchOutcome.DONE.value, WatchOutcome.FAILED.value


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Size and modification time of a file when it was looked at."""

    path: Path
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: Path) -> Snapshot:
        st = path.stat()
        return cls(path, st.st_size, st.st_mtime_ns)

    def changed(self) -> bool:
        """True when the file is gone or differs from this snapshot."""
        try:
            return Snapshot.of(self.path) != self
        except FileNotFoundError:
            return True


def candidates(folder: Path) -> Iterator[Path]:
    """The importable files directly in `folder`, by name; hidden files are skipped."""
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.suffix.lower() not in SUFFIXES:
            continue
        if path.is_file():
            yield path


def settled(snapshot: Snapshot, now_ns: int, settle_seconds: float) -> bool:
    """True when the file was last written at least `settle_seconds` ago."""
    return now_ns - snapshot.mtime_ns >= settle_seconds * 1e9


def move_aside(path: Path, where: str) -> Path:
    """Move `path` into `where/` beside it, never over an earlier file of the same name."""
    target_dir = path.parent / where
    target_dir.mkdir(exist_ok=True)
    target = target_dir / path.name
    n = 2
    while target.exists() or _report_path(target).exists():
        target = target_dir / f"{path.stem}.{n}{path.suffix}"
        n += 1
    os.replace(path, target)
    return target


def _report_path(moved: Path) -> Path:
    return moved.with_name(moved.name + ".report.txt")


def write_report(moved: Path, lines: Sequence[str]) -> Path:
    """`NAME.report.txt` next to the moved file."""
    report = _report_path(moved)
    report.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return report


def reject_line(name: str, reject: Reject) -> str:
    """`NAME:LINE: reason`, with the file's own name rather than the folder path."""
    return f"{name}:{reject.line}: {reason_text(reject.reason, reject.params)}"


def failed_lines(name: str, error: str) -> list[str]:
    return [_("{name}: not imported: {error}", name=name, error=error)]
