"""Vertical charts: histograms (columns) and line charts."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reports.charts.drawing import (
    FONT_SIZE,
    GRID,
    LINE,
    MUTED,
    PAD,
    PALETTE,
    SMALL,
    WIDTH,
    Axis,
    Chart,
    axis_for,
    check_series,
    draw_legend,
    esc,
    formatter,
    line_style_path,
    marker,
    num,
    svg_document,
    svg_text,
    swatch_line,
    text_width,
    tooltip,
    unit_suffix,
)


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
    suffix, axis_title = unit_suffix(unit)
    fmt = formatter(value_format, suffix)
    axis = axis_for(all_values)
    tick_texts = [fmt(t) for t in axis.ticks]
    left = PAD + max(text_width(t, SMALL) for t in tick_texts) + 6
    right = PAD + 4 + right
    body = []
    if axis_title:
        body.append(svg_text(PAD, top + SMALL, axis_title, size=SMALL))
        top += LINE + 4
    top += LINE  # room for the value labels over the highest tick
    frame = _Frame(left, top, WIDTH - left - right, plot_h, axis, len(labels))
    for tick, text in zip(axis.ticks, tick_texts, strict=True):
        y = frame.y(tick)
        body.append(
            f'<line x1="{num(left)}" y1="{num(y)}" x2="{num(left + frame.width)}" y2="{num(y)}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        body.append(
            svg_text(left - 6, y + SMALL * 0.35, text, size=SMALL, anchor="end", fill=MUTED)
        )
    y0 = frame.y(0)
    body.append(
        f'<line x1="{num(left)}" y1="{num(y0)}" x2="{num(left + frame.width)}" y2="{num(y0)}" '
        f'stroke="{MUTED}" stroke-width="1"/>'
    )
    widest = max([text_width(label) for label in labels] or [0])
    below = frame.bottom + 6
    if widest <= frame.slot - 4:
        for i, label in enumerate(labels):
            body.append(svg_text(frame.x(i), below + FONT_SIZE, label, anchor="middle"))
        below_h = FONT_SIZE + 10
    else:  # too wide for a slot: slanted, ending under the slot's middle
        for i, label in enumerate(labels):
            x, y = frame.x(i) + 4, below + 4
            body.append(
                svg_text(
                    x,
                    y,
                    label,
                    anchor="end",
                    extra=f' transform="rotate(-40 {num(x)} {num(y)})"',
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
    check_series(labels, values, "histogram")
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
                f'<rect x="{num(x - column_w / 2)}" y="{num(min(y, y0))}" width="{num(column_w)}" '
                f'height="{num(abs(y0 - y))}" fill="{PALETTE[0]}" data-value="{esc(value)}">'
                f"{tooltip(label, fmt(value))}</rect>"
            )
        top_y = frame.y(max(value or 0, 0))
        body.append(svg_text(x, top_y - 4, fmt(value), anchor="middle"))
    height = frame.bottom + below_h + PAD
    return Chart(
        id=id,
        title=title,
        description=description,
        svg=svg_document(id, title, description, height, body),
        headers=[label_header, value_header or unit],
        rows=[[label, fmt(v)] for label, v in zip(labels, values, strict=True)],
    )


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
        check_series(x_labels, column, "line_chart")
    legend, legend_h = draw_legend(
        [(name, swatch_line(i)) for i, name in enumerate(names)], PAD, PAD, WIDTH - 2 * PAD
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
            f'<line x1="{num(x1)}" y1="{num(y)}" x2="{num(x2)}" y2="{num(y)}" stroke="{MUTED}" '
            f'stroke-width="1.5" stroke-dasharray="6 4" data-reference="{esc(ref_value)}"/>'
        )
        body.append(svg_text(x2 + 6, y + SMALL * 0.35, ref_label, size=SMALL))
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
                d = "M" + "L".join(f"{num(x)} {num(y)}" for x, y in run)
                parts.append(line_style_path(d, i))
        for j, value in enumerate(column):
            if value is not None:
                tip = tooltip(f"{name}, {x_labels[j]}", fmt(value))
                parts.append(marker(i, frame.x(j), frame.y(value), tip))
        body.append(f'<g data-series="{i}">{"".join(parts)}</g>')
    height = frame.bottom + below_h + PAD
    return Chart(
        id=id,
        title=title,
        description=description,
        svg=svg_document(id, title, description, height, body),
        headers=[label_header, *x_labels],
        rows=[
            [name, *(fmt(v) for v in column)] for name, column in zip(names, columns, strict=True)
        ],
    )
