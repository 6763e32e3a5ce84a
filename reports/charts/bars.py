"""Horizontal bar charts: one value per label, or stacked parts."""

from collections.abc import Callable, Sequence

from django.utils.safestring import SafeString

from reports.charts.drawing import (
    FONT_SIZE,
    GRID,
    LINE,
    MUTED,
    PAD,
    PALETTE,
    SMALL,
    WIDTH,
    Chart,
    axis_for,
    check_series,
    draw_legend,
    esc,
    formatter,
    num,
    svg_document,
    svg_lines,
    svg_text,
    swatch_box,
    text_width,
    tooltip,
    unit_suffix,
    wrap,
)


def _horizontal(
    *, id, title, description, labels, stacks, names, unit, value_format, totals, legend
) -> SafeString:
    """Horizontal bars, one row a label; stacks[row] is one value per series (None: none),
    drawn from zero outwards (positive to the right, negative to the left)."""
    suffix, axis_title = unit_suffix(unit)
    fmt = formatter(value_format, suffix)
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
        legend_markup, legend_h = draw_legend(
            [(name, swatch_box(PALETTE[i % len(PALETTE)])) for i, name in enumerate(names)],
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
            f'<line x1="{num(x)}" y1="{num(top)}" x2="{num(x)}" y2="{num(bottom)}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        grid.append(svg_text(x, bottom + 16, text, size=SMALL, anchor="middle", fill=MUTED))
    body.append("".join(grid))

    bar_h = 18
    y = top
    for label, lines, stack, row_h, value_text in zip(
        labels, wrapped, stacks, rows_h, value_texts, strict=True
    ):
        cy = y + row_h / 2
        body.append(svg_lines(left - 10, cy, lines, anchor="end"))
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
                f'<rect x="{num(x1)}" y="{num(cy - bar_h / 2)}" width="{num(x2 - x1)}" '
                f'height="{bar_h}" fill="{PALETTE[i % len(PALETTE)]}" data-series="{i}" '
                f'data-value="{esc(value)}">{tooltip(*tip)}</rect>'
            )
        if legend and pos > 0:  # white seams between stacked segments
            seam, x = [], 0
            for value in stack:
                if value and value > 0:
                    x += value
                    if x < pos:
                        seam.append(f"M{num(x_of(x))} {num(cy - bar_h / 2)}v{bar_h}")
            if seam:
                body.append(f'<path d="{"".join(seam)}" stroke="#ffffff" stroke-width="1.5"/>')
        body.append(svg_text(x_of(pos) + 4, cy + FONT_SIZE * 0.35, value_text))
        y += row_h
    x0 = x_of(0)
    body.append(
        f'<line x1="{num(x0)}" y1="{num(top)}" x2="{num(x0)}" y2="{num(bottom)}" '
        f'stroke="{MUTED}" stroke-width="1"/>'
    )
    height = bottom + 16 + 6
    if axis_title:
        body.append(svg_text(WIDTH - PAD, height + 12, axis_title, size=SMALL, anchor="end"))
        height += 18
    return svg_document(id, title, description, height + PAD, body)


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
    check_series(labels, values, "bar_chart")
    fmt = formatter(value_format, unit_suffix(unit)[0])
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
        check_series(labels, column, "stacked_bar_chart")
    stacks = [list(row) for row in zip(*columns, strict=True)] or [[] for _ in labels]
    totals = [
        sum(v for v in stack if v is not None) if any(v is not None for v in stack) else None
        for stack in stacks
    ]
    fmt = formatter(value_format, unit_suffix(unit)[0])
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
