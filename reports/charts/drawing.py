"""What every chart is drawn with: sizes, colours, text, numbers, axes, legend, the SVG."""

import math
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

FONT_FAMILY = "'Noto Sans CJK TC', 'Noto Sans TC', sans-serif"


WIDTH = 600  # viewBox width; drawn at most this many CSS px wide, narrower on a phone


FONT_SIZE = 13  # labels, values, legend


SMALL = 12  # tick labels


LINE = 16  # line height of wrapped labels


PAD = 8


INK = "#1d2327"  # text: 15.6:1 on white


MUTED = "#50575e"  # tick labels, axis line: 7.4:1 on white


GRID = "#dcdcde"


MISSING = "—"


# Okabe–Ito; the first colours are the ones readable on white, yellow comes last.
PALETTE = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#D55E00",  # vermillion
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow
)


DASHES = ("", "8 4", "2 3", "8 3 2 3", "12 4", "4 2", "12 3 2 3 2 3", "")


CASED = {"#F0E442"}  # too light on white alone: drawn over a dark casing (a double line)


MARKERS = ("circle", "square", "triangle", "diamond", "down", "plus", "cross", "star")


# The markers' outlines around (0, 0), in marker radii (a circle needs none).
# fmt: off
MARKER_POINTS = {
    "square": ((-0.85, -0.85), (0.85, -0.85), (0.85, 0.85), (-0.85, 0.85)),
    "triangle": ((0, -1.15), (1.05, 0.8), (-1.05, 0.8)),
    "diamond": ((0, -1.2), (1.2, 0), (0, 1.2), (-1.2, 0)),
    "down": ((0, 1.15), (1.05, -0.8), (-1.05, -0.8)),
    "plus": (
        (-0.4, -1.15), (0.4, -1.15), (0.4, -0.4), (1.15, -0.4), (1.15, 0.4), (0.4, 0.4),
        (0.4, 1.15), (-0.4, 1.15), (-0.4, 0.4), (-1.15, 0.4), (-1.15, -0.4), (-0.4, -0.4),
    ),
    "cross": (
        (-1, -0.55), (-0.55, -1), (0, -0.45), (0.55, -1), (1, -0.55), (0.45, 0),
        (1, 0.55), (0.55, 1), (0, 0.45), (-0.55, 1), (-1, 0.55), (-0.45, 0),
    ),
    "star": (
        (0, -1.3), (0.3, -0.42), (1.24, -0.4), (0.49, 0.16), (0.76, 1.05),
        (0, 0.52), (-0.76, 1.05), (-0.49, 0.16), (-1.24, -0.4), (-0.3, -0.42),
    ),
}


@dataclass
class Chart:
    id: str  # DOM id prefix: <title> "{id}-title", <desc> "{id}-desc", the table "{id}-table"
    title: str
    description: str
    svg: SafeString
    headers: list[str]  # the data table's column headers
    rows: list[list]  # the data table's rows: the label, then formatted values


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def text_width(text: str, size: float = FONT_SIZE) -> float:
    """An estimate of the drawn width: CJK (wide) characters 1em, others 0.6em."""
    return sum(1.0 if _wide(ch) else 0.6 for ch in text) * size


def wrap(text: str, max_width: float, size: float = FONT_SIZE) -> list[str]:
    """Lines of at most max_width (estimated): CJK breaks between any two characters, other
    text at spaces, a word longer than a line between its letters."""
    tokens: list[str] = []
    word = ""
    for ch in text:
        if _wide(ch) or ch == " ":
            if ch == " ":
                word += ch
            if word:
                tokens.append(word)
                word = ""
            if ch != " ":
                tokens.append(ch)
        else:
            word += ch
    if word:
        tokens.append(word)
    pieces: list[str] = []
    for token in tokens:
        if text_width(token.rstrip(), size) > max_width:
            pieces.extend(token)
        else:
            pieces.append(token)
    lines: list[str] = []
    line = ""
    for piece in pieces:
        if line and text_width((line + piece).rstrip(), size) > max_width:
            lines.append(line.rstrip())
            line = piece.lstrip()
        else:
            line += piece
    if line.strip() or not lines:
        lines.append(line.rstrip())
    return lines


def num(x: float) -> str:
    """A coordinate: at most two decimals, no trailing zeros."""
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def esc(value) -> str:
    return escape(str(value))


def nice_step(span: float, target: int = 5) -> int:
    """The smallest step of 1, 2 or 5 × 10ⁿ (at least 1) that covers span in target steps."""
    raw = span / target
    power = 1
    while True:
        for m in (1, 2, 5):
            if m * power >= raw:
                return m * power
        power *= 10


@dataclass
class Axis:
    lo: int
    hi: int
    step: int

    @property
    def ticks(self) -> list[int]:
        return list(range(self.lo, self.hi + 1, self.step))

    def position(self, value: float, start: float, length: float) -> float:
        return start + (value - self.lo) * length / (self.hi - self.lo)


def axis_for(values: Sequence) -> Axis:
    """A value axis from zero (or below, for negative values) to a nice tick above the
    largest value; all zeros or no values give 0 to 1."""
    present = [v for v in values if v is not None]
    lo, hi = math.floor(min([0, *present])), math.ceil(max([0, *present]))
    if lo == hi:
        hi = lo + 1
    step = nice_step(hi - lo)
    return Axis(lo=(lo // step) * step, hi=-(-hi // step) * step, step=step)


def svg_text(x, y, content, *, size=FONT_SIZE, anchor="start", fill=INK, extra="") -> str:
    anchor_attr = f' text-anchor="{anchor}"' if anchor != "start" else ""
    return (
        f'<text x="{num(x)}" y="{num(y)}" font-size="{size}" fill="{fill}"{anchor_attr}{extra}>'
        f"{esc(content)}</text>"
    )


def svg_lines(x, y_center, lines, *, size=FONT_SIZE, anchor="start", fill=INK) -> str:
    """Lines of text centred vertically on y_center (one <text> a line)."""
    first = y_center - (len(lines) - 1) * LINE / 2 + size * 0.35
    return "".join(
        svg_text(x, first + i * LINE, line, size=size, anchor=anchor, fill=fill)
        for i, line in enumerate(lines)
    )


def tooltip(*parts) -> str:
    return f"<title>{esc(': '.join(str(p) for p in parts))}</title>"


def formatter(value_format: Callable, suffix: str) -> Callable:
    def fmt(value) -> str:
        return MISSING if value is None else f"{value_format(value)}{suffix}"

    return fmt


def unit_suffix(unit: str) -> tuple[str, str]:
    """(suffix after each number, axis title): "%" follows every number, other units (仟元,
    家) name the axis once."""
    return (unit, "") if unit in ("%", "％") else ("", unit)


def svg_document(
    id: str, title: str, description: str, height: float, body: list[str]
) -> SafeString:
    return mark_safe(  # noqa: S308 - every label and value in it went through escape()
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {num(height)}" '
        f'width="100%" '
        f'role="img" aria-labelledby="{esc(id)}-title" '
        f'aria-describedby="{esc(id)}-desc {esc(id)}-table" '
        f'font-family="{FONT_FAMILY}" font-size="{FONT_SIZE}">'
        f'<title id="{esc(id)}-title">{esc(title)}</title>'
        f'<desc id="{esc(id)}-desc">{esc(description)}</desc>'
        f'<rect width="{WIDTH}" height="{num(height)}" fill="#ffffff"/>' + "".join(body) + "</svg>"
    )


def check_series(labels: Sequence, values: Sequence, what: str) -> None:
    if len(labels) != len(values):
        raise ValueError(f"{what}: {len(values)} values for {len(labels)} labels")


def swatch_box(colour: str) -> tuple[float, Callable]:
    def draw(x, cy) -> str:
        return (
            f'<rect x="{num(x)}" y="{num(cy - 6)}" width="12" height="12" fill="{colour}" '
            f'stroke="{INK}" stroke-width="0.5"/>'
        )

    return 12, draw


def swatch_line(i: int) -> tuple[float, Callable]:
    def draw(x, cy) -> str:
        return line_style_path(f"M{num(x)} {num(cy)}H{num(x + 32)}", i) + marker(i, x + 16, cy)

    return 32, draw


def draw_legend(entries, x0: float, y0: float, max_width: float) -> tuple[str, float]:
    """Entries (label, (swatch width, draw)) in a grid of equal columns, as many as fit (at
    least two while a column keeps 150 units, labels wrapping), rows balanced; returns the
    markup and its height."""
    if not entries:
        return "", 0
    gap = 18
    natural = max(swatch_w + 6 + text_width(label) for label, (swatch_w, _d) in entries)
    columns = max(1, int((max_width + gap) // (natural + gap)))
    if columns == 1 and max_width >= 2 * 150 + gap:
        columns = 2
    columns = min(columns, len(entries))
    rows = -(-len(entries) // columns)
    columns = -(-len(entries) // rows)
    column_w = min(natural, (max_width + gap) / columns - gap)
    out = []
    y = y0
    for r in range(rows):
        row = entries[r * columns : (r + 1) * columns]
        wrapped = [wrap(label, column_w - swatch_w - 6) for label, (swatch_w, _d) in row]
        row_h = max(len(lines) for lines in wrapped) * LINE + 4
        for c, ((_label, (swatch_w, draw)), lines) in enumerate(zip(row, wrapped, strict=True)):
            x = x0 + c * (column_w + gap)
            cy = y + len(lines) * LINE / 2 + 2
            out.append(draw(x, cy))
            out.append(svg_lines(x + swatch_w + 6, cy, lines))
        y += row_h
    return "".join(out), y - y0


def line_style_path(d: str, i: int) -> str:
    colour = PALETTE[i % len(PALETTE)]
    dash = DASHES[i % len(DASHES)]
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    casing = (
        f'<path d="{d}" fill="none" stroke="{INK}" stroke-width="4.5" stroke-linejoin="round"'
        f"{dash_attr}/>"
        if colour in CASED
        else ""
    )
    return (
        f'{casing}<path d="{d}" fill="none" stroke="{colour}" stroke-width="2.5" '
        f'stroke-linejoin="round"{dash_attr}/>'
    )


def marker(i: int, x: float, y: float, tip: str = "") -> str:
    """A filled marker, its shape by series, outlined dark so a light colour shows on white."""
    shape = MARKERS[i % len(MARKERS)]
    r = 4.5
    paint = f'fill="{PALETTE[i % len(PALETTE)]}" stroke="{INK}" stroke-width="0.8"'
    if shape == "circle":
        return f'<circle cx="{num(x)}" cy="{num(y)}" r="{r}" {paint}>{tip}</circle>'
    points = MARKER_POINTS[shape]
    coords = " ".join(f"{num(x + dx * r)},{num(y + dy * r)}" for dx, dy in points)
    return f'<polygon points="{coords}" {paint}>{tip}</polygon>'
