"""The registry of workbook sheets: which sheets the workbook import knows, in what order,
for which scope. The workbook import (workbook_import/, a layer above the apps) fills it with
every app's sheets; pages below it (the registry export in reports) read the names here."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Sheet:
    name: str  # the worksheet's name, e.g. "成員"
    resource_class: type
    order: int
    scopes: frozenset  # "office" (whole programme) and/or "alliance" (one alliance's own)


SHEETS: dict[str, Sheet] = {}


def register_sheet(name, resource_class, *, order, scopes=("office",)):
    SHEETS[name] = Sheet(name, resource_class, order, frozenset(scopes))


def sheets_for(scope: str) -> list[Sheet]:
    return sorted((s for s in SHEETS.values() if scope in s.scopes), key=lambda s: s.order)
