"""Charts of the reports as accessible SVG drawn on the server (templates/reports/_chart.html).
No chart library, no script, no stylesheet and no external resource: each chart is one SVG
element with a title and a description, described also by its figures as a table beside it
(templates/reports/_chart.html: a real table under "The figures as a table").
One module per part: drawing (text, numbers, axes, legend), bars (horizontal bars, stacked
bars), columns (histograms and line charts).
"""

# ruff: noqa: F401

from reports.charts.bars import (
    bar_chart,
    stacked_bar_chart,
)
from reports.charts.columns import (
    histogram,
    line_chart,
)
from reports.charts.drawing import (
    CASED,
    DASHES,
    FONT_FAMILY,
    FONT_SIZE,
    GRID,
    INK,
    LINE,
    MARKER_POINTS,
    MARKERS,
    MISSING,
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
    nice_step,
    num,
    svg_document,
    svg_lines,
    svg_text,
    swatch_box,
    swatch_line,
    text_width,
    tooltip,
    unit_suffix,
    wrap,
)
