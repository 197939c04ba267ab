"""A section of the bench report: a titled table plus notes, printed as Markdown."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Section:
    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def markdown(self) -> str:
        widths = [max(len(str(v)) for v in [c, *(r[i] for r in self.rows)]) for i, c in enumerate(self.columns)]

        def line(values: list[str]) -> str:
            return "| " + " | ".join(str(v).ljust(w) for v, w in zip(values, widths, strict=True)) + " |"

        out = [f"## {self.title}", "", line(self.columns), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
        out += [line(row) for row in self.rows]
        if self.notes:
            out += ["", *self.notes]
        return "\n".join(out)
