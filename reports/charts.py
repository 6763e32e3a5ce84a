"""Charts drawn on the server as inline SVG, for the report pages and their PDFs.

Plain data in (labels and values already computed and translated by the caller), a `Chart`
out: the <svg> markup plus the rows of the data table placed beside it for screen readers
(templates/reports/_chart.html). No chart library, no script, no stylesheet and no external
reference: presentation attributes only, so the markup works inline in HTML, in Chromium and
in WeasyPrint alike. Text names the CJK font ('Noto Sans CJK TC'), which WeasyPrint needs for
inline SVG text in Traditional Chinese.

Colours are the Okabe–Ito palette (safe for colour-blind readers); lines also differ by dash
pattern and marker shape, so they stay apart on a black-and-white print. Axes are scaled to
"nice" tick steps (1, 2 or 5 × 10ⁿ). Values are integers; None is a missing value (no bar, a
gap in a line, "—" in the table). The same input always gives the same markup.
"""

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
# fmt: on


@dataclass
class Chart:
    id: str  # DOM id prefix: the svg's <title> is "{id}-title", its <desc> "{id}-desc"
    title: str
    description: str
    svg: SafeString
    headers: list[str]  # the data table's column headers
    rows: list[list]  # the data table's rows: the label, then formatted values


# --- text, numbers and axes ---------------------------------------------------------------


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


def _n(x: float) -> str:
    """A coordinate: at most two decimals, no trailing zeros."""
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _e(value) -> str:
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


def _text(x, y, content, *, size=FONT_SIZE, anchor="start", fill=INK, extra="") -> str:
    anchor_attr = f' text-anchor="{anchor}"' if anchor != "start" else ""
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" font-size="{size}" fill="{fill}"{anchor_attr}{extra}>'
        f"{_e(content)}</text>"
    )


def _lines(x, y_center, lines, *, size=FONT_SIZE, anchor="start", fill=INK) -> str:
    """Lines of text centred vertically on y_center (one <text> a line)."""
    first = y_center - (len(lines) - 1) * LINE / 2 + size * 0.35
    return "".join(
        _text(x, first + i * LINE, line, size=size, anchor=anchor, fill=fill)
        for i, line in enumerate(lines)
    )


def _tooltip(*parts) -> str:
    return f"<title>{_e(': '.join(str(p) for p in parts))}</title>"


def _formatter(value_format: Callable, suffix: str) -> Callable:
    def fmt(value) -> str:
        return MISSING if value is None else f"{value_format(value)}{suffix}"

    return fmt


def _suffix(unit: str) -> tuple[str, str]:
    """(suffix after each number, axis title): "%" follows every number, other units (仟元,
    家) name the axis once."""
    return (unit, "") if unit in ("%", "％") else ("", unit)


def _svg(id: str, title: str, description: str, height: float, body: list[str]) -> SafeString:
    return mark_safe(  # noqa: S308 - every label and value in it went through escape()
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {_n(height)}" '
        f'width="100%" '
        f'role="img" aria-labelledby="{_e(id)}-title {_e(id)}-desc" '
        f'font-family="{FONT_FAMILY}" font-size="{FONT_SIZE}">'
        f'<title id="{_e(id)}-title">{_e(title)}</title>'
        f'<desc id="{_e(id)}-desc">{_e(description)}</desc>'
        f'<rect width="{WIDTH}" height="{_n(height)}" fill="#ffffff"/>' + "".join(body) + "</svg>"
    )


def _check(labels: Sequence, values: Sequence, what: str) -> None:
    if len(labels) != len(values):
        raise ValueError(f"{what}: {len(values)} values for {len(labels)} labels")


# --- legend ---------------------------------------------------------------------------------


def _swatch_box(colour: str) -> tuple[float, Callable]:
    def draw(x, cy) -> str:
        return (
            f'<rect x="{_n(x)}" y="{_n(cy - 6)}" width="12" height="12" fill="{colour}" '
            f'stroke="{INK}" stroke-width="0.5"/>'
        )

    return 12, draw


def _swatch_line(i: int) -> tuple[float, Callable]:
    def draw(x, cy) -> str:
        return _line_style_path(f"M{_n(x)} {_n(cy)}H{_n(x + 32)}", i) + _marker(i, x + 16, cy)

    return 32, draw


def _legend(entries, x0: float, y0: float, max_width: float) -> tuple[str, float]:
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
            out.append(_lines(x + swatch_w + 6, cy, lines))
        y += row_h
    return "".join(out), y - y0


# --- horizontal bars ----------------------------------------------------------------------


def _horizontal(
    *, id, title, description, labels, stacks, names, unit, value_format, totals, legend
) -> SafeString:
    """Horizontal bars, one row a label; stacks[row] is one value per series (None: none),
    drawn from zero outwards (positive to the right, negative to the left)."""
    suffix, axis_title = _suffix(unit)
    fmt = _formatter(value_format, suffix)
    value_texts = [fmt(t) for t in totals]
    ends = [sum(v for v in stack if v and v > 0) for stack in stacks]
    starts = [sum(v for v in stack if v and v < 0) for stack in stacks]
    axis = axis_for(ends + starts)
    tick_texts = [fmt(t) for t in axis.ticks]

    natural = max([text_width(label) for label in labels] or [0])
    label_w = min(natural, WIDTH * 0.32)
    wrapped = [wrap(label, label_w) for label in labels]
    value_w = max([text_width(t) for t in value_texts] or [0]) + 6
    right = max(value_w, text_width(tick_texts[-1], SMALL) / 2) + PAD
    left = PAD + label_w + 10
    # the first tick's label is centred under the plot's left edge
    left = max(left, PAD + text_width(tick_texts[0], SMALL) / 2)
    plot_w = WIDTH - left - right

    body = []
    y = PAD
    if legend and names:
        legend_markup, legend_h = _legend(
            [(name, _swatch_box(PALETTE[i % len(PALETTE)])) for i, name in enumerate(names)],
            left,
            y,
            WIDTH - left - PAD,
        )
        body.append(legend_markup)
        y += legend_h + 8
    top = y
    rows_h = [max(30, len(lines) * LINE + 10) for lines in wrapped]
    bottom = top + sum(rows_h)

    def x_of(value):
        return axis.position(value, left, plot_w)

    grid = []
    for tick, text in zip(axis.ticks, tick_texts, strict=True):
        x = x_of(tick)
        grid.append(
            f'<line x1="{_n(x)}" y1="{_n(top)}" x2="{_n(x)}" y2="{_n(bottom)}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        grid.append(_text(x, bottom + 16, text, size=SMALL, anchor="middle", fill=MUTED))
    body.append("".join(grid))

    bar_h = 18
    y = top
    for label, lines, stack, row_h, value_text in zip(
        labels, wrapped, stacks, rows_h, value_texts, strict=True
    ):
        cy = y + row_h / 2
        body.append(_lines(left - 10, cy, lines, anchor="end"))
        pos, neg = 0, 0
        for i, value in enumerate(stack):
            if not value:
                continue
            if value > 0:
                x1, x2 = x_of(pos), x_of(pos + value)
                pos += value
            else:
                x1, x2 = x_of(neg + value), x_of(neg)
                neg += value
            tip = [label, names[i], fmt(value)] if legend else [label, fmt(value)]
            body.append(
                f'<rect x="{_n(x1)}" y="{_n(cy - bar_h / 2)}" width="{_n(x2 - x1)}" '
                f'height="{bar_h}" fill="{PALETTE[i % len(PALETTE)]}" data-series="{i}" '
                f'data-value="{_e(value)}">{_tooltip(*tip)}</rect>'
            )
        if legend and pos > 0:  # white seams between stacked segments
            seam, x = [], 0
            for value in stack:
                if value and value > 0:
                    x += value
                    if x < pos:
                        seam.append(f"M{_n(x_of(x))} {_n(cy - bar_h / 2)}v{bar_h}")
            if seam:
                body.append(f'<path d="{"".join(seam)}" stroke="#ffffff" stroke-width="1.5"/>')
        body.append(_text(x_of(pos) + 4, cy + FONT_SIZE * 0.35, value_text))
        y += row_h
    x0 = x_of(0)
    body.append(
        f'<line x1="{_n(x0)}" y1="{_n(top)}" x2="{_n(x0)}" y2="{_n(bottom)}" '
        f'stroke="{MUTED}" stroke-width="1"/>'
    )
    height = bottom + 16 + 6
    if axis_title:
        body.append(_text(WIDTH - PAD, height + 12, axis_title, size=SMALL, anchor="end"))
        height += 18
    return _svg(id, title, description, height + PAD, body)


def bar_chart(
    *,
    id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    values: Sequence[int | None],
    unit: str = "",
    value_format: Callable = str,
    label_header: str = "",
    value_header: str = "",
) -> Chart:
    """Horizontal bars, one a label, the value at the bar's end (None: no bar, "—")."""
    labels, values = [str(label) for label in labels], list(values)
    _check(labels, values, "bar_chart")
    fmt = _formatter(value_format, _suffix(unit)[0])
    svg = _horizontal(
        id=id,
        title=title,
        description=description,
        labels=labels,
        stacks=[[v] for v in values],
        names=[value_header or unit],
        unit=unit,
        value_format=value_format,
        totals=values,
        legend=False,
    )
    return Chart(
        id=id,
        title=title,
        description=description,
        svg=svg,
        headers=[label_header, value_header or unit],
        rows=[[label, fmt(v)] for label, v in zip(labels, values, strict=True)],
    )


def stacked_bar_chart(
    *,
    id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[int | None]]],
    unit: str = "",
    value_format: Callable = str,
    label_header: str = "",
) -> Chart:
    """Horizontal bars stacked from the series (in their order, left to right), with a
    legend and the row's total at the bar's end."""
    labels = [str(label) for label in labels]
    names = [str(name) for name, _values in series]
    columns = [list(values) for _name, values in series]
    for column in columns:
        _check(labels, column, "stacked_bar_chart")
    stacks = [list(row) for row in zip(*columns, strict=True)] or [[] for _ in labels]
    totals = [
        sum(v for v in stack if v is not None) if any(v is not None for v in stack) else None
        for stack in stacks
    ]
    fmt = _formatter(value_format, _suffix(unit)[0])
    svg = _horizontal(
        id=id,
        title=title,
        description=description,
        labels=labels,
        stacks=stacks,
        names=names,
        unit=unit,
        value_format=value_format,
        totals=totals,
        legend=True,
    )
    return Chart(
        id=id,
        title=title,
        description=description,
        svg=svg,
        headers=[label_header, *names],
        rows=[
            [label, *(fmt(v) for v in stack)] for label, stack in zip(labels, stacks, strict=True)
        ],
    )


# --- vertical: columns and lines ----------------------------------------------------------


@dataclass
class _Frame:
    """A vertical plot: category slots along x, the value axis along y."""

    left: float
    top: float
    width: float
    height: float
    axis: Axis
    count: int

    @property
    def bottom(self) -> float:
        return self.top + self.height

    @property
    def slot(self) -> float:
        return self.width / max(self.count, 1)

    def x(self, i: int) -> float:
        return self.left + (i + 0.5) * self.slot

    def y(self, value: float) -> float:
        return (
            self.top
            + self.height
            - (value - self.axis.lo) * self.height / (self.axis.hi - self.axis.lo)
        )


def _vertical_frame(
    *, labels, all_values, unit, value_format, top: float, plot_h: float = 220, right: float = 0
) -> tuple[_Frame, list[str], float, Callable]:
    """The axis, gridlines and category labels of a vertical plot; returns the frame, the
    markup, the height used below the plot and the number formatter."""
    suffix, axis_title = _suffix(unit)
    fmt = _formatter(value_format, suffix)
    axis = axis_for(all_values)
    tick_texts = [fmt(t) for t in axis.ticks]
    left = PAD + max(text_width(t, SMALL) for t in tick_texts) + 6
    right = PAD + 4 + right
    body = []
    if axis_title:
        body.append(_text(PAD, top + SMALL, axis_title, size=SMALL))
        top += LINE + 4
    top += LINE  # room for the value labels over the highest tick
    frame = _Frame(left, top, WIDTH - left - right, plot_h, axis, len(labels))
    for tick, text in zip(axis.ticks, tick_texts, strict=True):
        y = frame.y(tick)
        body.append(
            f'<line x1="{_n(left)}" y1="{_n(y)}" x2="{_n(left + frame.width)}" y2="{_n(y)}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        body.append(_text(left - 6, y + SMALL * 0.35, text, size=SMALL, anchor="end", fill=MUTED))
    y0 = frame.y(0)
    body.append(
        f'<line x1="{_n(left)}" y1="{_n(y0)}" x2="{_n(left + frame.width)}" y2="{_n(y0)}" '
        f'stroke="{MUTED}" stroke-width="1"/>'
    )
    widest = max([text_width(label) for label in labels] or [0])
    below = frame.bottom + 6
    if widest <= frame.slot - 4:
        for i, label in enumerate(labels):
            body.append(_text(frame.x(i), below + FONT_SIZE, label, anchor="middle"))
        below_h = FONT_SIZE + 10
    else:  # too wide for a slot: slanted, ending under the slot's middle
        for i, label in enumerate(labels):
            x, y = frame.x(i) + 4, below + 4
            body.append(
                _text(
                    x,
                    y,
                    label,
                    anchor="end",
                    extra=f' transform="rotate(-40 {_n(x)} {_n(y)})"',
                )
            )
        below_h = widest * 0.643 + FONT_SIZE + 10  # sin 40° of the longest label
    return frame, body, below_h, fmt


def histogram(
    *,
    id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    values: Sequence[int | None],
    unit: str = "",
    value_format: Callable = str,
    label_header: str = "",
    value_header: str = "",
) -> Chart:
    """Vertical columns in the order given (bands along x), the count over each column."""
    labels, values = [str(label) for label in labels], list(values)
    _check(labels, values, "histogram")
    frame, body, below_h, fmt = _vertical_frame(
        labels=labels, all_values=values, unit=unit, value_format=value_format, top=PAD
    )
    column_w = max(2.0, min(frame.slot * 0.72, 56))
    y0 = frame.y(0)
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = frame.x(i)
        if value:
            y = frame.y(value)
            body.append(
                f'<rect x="{_n(x - column_w / 2)}" y="{_n(min(y, y0))}" width="{_n(column_w)}" '
                f'height="{_n(abs(y0 - y))}" fill="{PALETTE[0]}" data-value="{_e(value)}">'
                f"{_tooltip(label, fmt(value))}</rect>"
            )
        top_y = frame.y(max(value or 0, 0))
        body.append(_text(x, top_y - 4, fmt(value), anchor="middle"))
    height = frame.bottom + below_h + PAD
    return Chart(
        id=id,
        title=title,
        description=description,
        svg=_svg(id, title, description, height, body),
        headers=[label_header, value_header or unit],
        rows=[[label, fmt(v)] for label, v in zip(labels, values, strict=True)],
    )


def _line_style_path(d: str, i: int) -> str:
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


def _marker(i: int, x: float, y: float, tip: str = "") -> str:
    """A filled marker, its shape by series, outlined dark so a light colour shows on white."""
    shape = MARKERS[i % len(MARKERS)]
    r = 4.5
    paint = f'fill="{PALETTE[i % len(PALETTE)]}" stroke="{INK}" stroke-width="0.8"'
    if shape == "circle":
        return f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{r}" {paint}>{tip}</circle>'
    points = MARKER_POINTS[shape]
    coords = " ".join(f"{_n(x + dx * r)},{_n(y + dy * r)}" for dx, dy in points)
    return f'<polygon points="{coords}" {paint}>{tip}</polygon>'


def line_chart(
    *,
    id: str,
    title: str,
    description: str,
    x_labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[int | None]]],
    unit: str = "%",
    value_format: Callable = str,
    reference: tuple[str, int] | None = None,
    label_header: str = "",
) -> Chart:
    """One line a series over the x labels (years), a marker at each value; None leaves a
    gap. `reference` (label, value) draws a dashed horizontal line, e.g. a target."""
    x_labels = [str(label) for label in x_labels]
    names = [str(name) for name, _values in series]
    columns = [list(values) for _name, values in series]
    for column in columns:
        _check(x_labels, column, "line_chart")
    legend, legend_h = _legend(
        [(name, _swatch_line(i)) for i, name in enumerate(names)], PAD, PAD, WIDTH - 2 * PAD
    )
    everything = [v for column in columns for v in column]
    if reference is not None:
        everything.append(reference[1])
    frame, body, below_h, fmt = _vertical_frame(
        labels=x_labels,
        all_values=everything,
        unit=unit,
        value_format=value_format,
        top=PAD + legend_h + (10 if legend_h else 0),
        plot_h=240,
        right=text_width(reference[0], SMALL) + 6 if reference is not None else 0,
    )
    body.insert(0, legend)
    if reference is not None:
        ref_label, ref_value = reference
        y = frame.y(ref_value)
        x1, x2 = frame.left, frame.left + frame.width
        body.append(
            f'<line x1="{_n(x1)}" y1="{_n(y)}" x2="{_n(x2)}" y2="{_n(y)}" stroke="{MUTED}" '
            f'stroke-width="1.5" stroke-dasharray="6 4" data-reference="{_e(ref_value)}"/>'
        )
        body.append(_text(x2 + 6, y + SMALL * 0.35, ref_label, size=SMALL))
    for i, (name, column) in enumerate(zip(names, columns, strict=True)):
        runs: list[list[tuple[float, float]]] = [[]]
        for j, value in enumerate(column):
            if value is None:
                if runs[-1]:
                    runs.append([])
            else:
                runs[-1].append((frame.x(j), frame.y(value)))
        parts = []
        for run in runs:
            if len(run) > 1:
                d = "M" + "L".join(f"{_n(x)} {_n(y)}" for x, y in run)
                parts.append(_line_style_path(d, i))
        for j, value in enumerate(column):
            if value is not None:
                tip = _tooltip(f"{name}, {x_labels[j]}", fmt(value))
                parts.append(_marker(i, frame.x(j), frame.y(value), tip))
        body.append(f'<g data-series="{i}">{"".join(parts)}</g>')
    height = frame.bottom + below_h + PAD
    return Chart(
        id=id,
        title=title,
        description=description,
        svg=_svg(id, title, description, height, body),
        headers=[label_header, *x_labels],
        rows=[
            [name, *(fmt(v) for v in column)] for name, column in zip(names, columns, strict=True)
        ],
    )
