"""An import-linter contract that lists what a package MAY import; everything else is refused.

import-linter's own contracts name what is forbidden, so a package nobody thought of (a new
third-party library, a new layer) passes them silently. `allowlist` turns that round for the
packages whose purity the design depends on (`picker.domain`, `db`): each direct import must be
the package itself, one of `allowed_modules` (or below it), or — with `allow_stdlib` — a module
of Python's standard library. With `as_packages = false` a source is the one module, not its
subpackage tree (for `picker`'s own `__init__`). Imports under `if TYPE_CHECKING:` count too
unless the session excludes them.

Registered in pyproject.toml (`contract_types`); `lint-imports` finds this module because it
puts the working directory on `sys.path`.
"""

from __future__ import annotations

import sys

from grimp import ImportGraph
from importlinter import Contract, ContractCheck, fields, output


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


class AllowlistContract(Contract):
    """Each module of `source_modules` imports only itself, `allowed_modules` and the stdlib."""

    type_name = "allowlist"

    source_modules = fields.ListField(subfield=fields.StringField())
    allowed_modules = fields.ListField(subfield=fields.StringField(), required=False)
    allow_stdlib = fields.BooleanField(required=False, default=True)
    as_packages = fields.BooleanField(required=False, default=True)

    def _allowed(self, source: str, imported: str) -> bool:
        if _within(imported, source) if self.as_packages else imported == source:
            return True
        if any(_within(imported, allowed) for allowed in self.allowed_modules or []):  # type: ignore[attr-defined]
            return True
        top = imported.split(".")[0]
        return bool(self.allow_stdlib) and top in sys.stdlib_module_names

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        refused: list[dict[str, object]] = []
        for source in self.source_modules:  # type: ignore[attr-defined]
            below = graph.find_descendants(source) if self.as_packages else set()
            modules = sorted({source} | below)
            for importer in modules:
                for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                    if self._allowed(source, imported):
                        continue
                    details = graph.get_import_details(importer=importer, imported=imported)
                    lines = sorted({d["line_number"] for d in details})
                    refused.append({"importer": importer, "imported": imported, "lines": lines})
        return ContractCheck(kept=not refused, metadata={"refused": refused})

    def render_broken_contract(self, check: ContractCheck) -> None:
        allowed = ", ".join(self.allowed_modules or [])  # type: ignore[attr-defined]
        stdlib = " and the standard library" if self.allow_stdlib else ""
        output.print_error(f"Only {allowed or 'nothing'}{stdlib} may be imported here:")
        output.new_line()
        for row in check.metadata["refused"]:
            lines = ", ".join(f"l.{n}" for n in row["lines"]) or "l.?"
            output.print_error(f"-   {row['importer']} -> {row['imported']} ({lines})", bold=False)
        output.new_line()
