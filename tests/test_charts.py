"""reports/charts.py: server-drawn SVG charts (well-formed, accessible, escaped, to scale)
and templates/reports/_chart.html. Plain data in, no database."""

import re
import xml.etree.ElementTree as ET

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from reports import charts

pytestmark = pytest.mark.smoke

NS = "{http://www.w3.org/2000/svg}"
FIELDS = ["土木能環", "民生化工", "生醫", "創服教育", "經管資服", "資通", "電子", "機電材料"]
BANDS = ["0-5", "6-10", "11-15", "16-20", "21-25", "26-30"]
YEARS = ["110", "111", "112", "113", "114"]


def parse(chart: charts.Chart) -> ET.Element:
    return ET.fromstring(str(chart.svg))


def bars(root) -> list[ET.Element]:
    return [r for r in root.iter(f"{NS}rect") if r.get("data-value") is not None]


def texts(root) -> list[str]:
    return [t.text for t in root.iter(f"{NS}text")]


def width(rect) -> float:
    return float(rect.get("width"))


def build(kind: str, **overrides) -> charts.Chart:
    """One chart of each kind with typical data; overrides replace arguments."""
    common = {"id": f"chart-{kind}", "title": f"{kind} 標題", "description": "一句摘要。"}
    if kind == "bar":
        args = {"labels": FIELDS, "values": [120, 80, 0, 45, 60, 200, 310, 150]}
        builder = charts.bar_chart
    elif kind == "stacked":
        args = {
            "labels": FIELDS[:3],
            "series": [
                ("常態營運", [100, 50, 0]),
                ("技術移轉", [20, 0, 5]),
                ("產學合作", [80, 30, 0]),
            ],
            "unit": "仟元",
        }
        builder = charts.stacked_bar_chart
    elif kind == "histogram":
        args = {"labels": BANDS, "values": [4, 9, 3, 0, 1, 2]}
        builder = charts.histogram
    else:
        args = {
            "x_labels": YEARS,
            "series": [(name, [50 + i * 5 + y for y in range(5)]) for i, name in enumerate(FIELDS)],
            "reference": ("目標 80%", 80),
        }
        builder = charts.line_chart
    return builder(**{**common, **args, **overrides})


KINDS = ["bar", "stacked", "histogram", "line"]


@pytest.mark.parametrize("kind", KINDS)
def test_svg_is_well_formed_self_contained_and_names_the_cjk_font(kind):
    chart = build(kind)
    root = parse(chart)
    assert root.tag == f"{NS}svg"
    assert "'Noto Sans CJK TC'" in root.get("font-family")
    assert root.get("width") == "100%"
    assert root.get("style") is None  # no style attribute: the CSP allows none
    assert re.fullmatch(r"0 0 \d+ \d+(\.\d+)?", root.get("viewBox"))
    markup = str(chart.svg)
    for forbidden in ("<script", "href", "class=", "url(", "@import", "<style", "nan", "inf"):
        assert forbidden not in markup.lower()
    assert all(t.get("font-size") for t in root.iter(f"{NS}text"))


@pytest.mark.parametrize("kind", KINDS)
def test_title_and_desc_label_the_svg(kind):
    chart = build(kind)
    root = parse(chart)
    title, desc = root[0], root[1]
    assert (title.tag, title.get("id"), title.text) == (
        f"{NS}title",
        f"{chart.id}-title",
        chart.title,
    )
    assert (desc.tag, desc.get("id"), desc.text) == (f"{NS}desc", f"{chart.id}-desc", "一句摘要。")
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == f"{chart.id}-title"
    # described by its summary and by its figures as a table (templates/reports/_chart.html)
    assert root.get("aria-describedby") == f"{chart.id}-desc {chart.id}-table"


@pytest.mark.parametrize("kind", KINDS)
def test_labels_titles_and_series_names_are_escaped(kind):
    nasty = 'A&B <x> "q"'
    overrides = {"title": "T <b>&</b>", "description": "d & <i>"}
    if kind == "stacked":
        overrides["labels"] = [nasty, "b", "c"]
        overrides["series"] = [(nasty, [1, 2, 3]), ("<s>", [1, 1, 1])]
    elif kind == "line":
        overrides["x_labels"] = [nasty, "2"]
        overrides["series"] = [("<s>", [1, 2])]
        overrides["reference"] = ("<r>", 1)
    else:
        overrides["labels"] = [nasty, "b"]
        overrides["values"] = [1, 2]
    chart = build(kind, **overrides)
    markup = str(chart.svg)
    assert "<x>" not in markup and "<b>" not in markup and "<s>" not in markup
    root = parse(chart)  # would raise on a bare & or <
    assert root[0].text == "T <b>&</b>" and root[1].text == "d & <i>"
    drawn = " ".join(t for t in texts(root) if t)
    assert nasty in drawn


def test_bar_lengths_are_proportional_to_the_values():
    chart = charts.bar_chart(
        id="c", title="t", description="d", labels=["一", "二", "三"], values=[100, 200, 50]
    )
    one, two, three = bars(parse(chart))
    assert [r.get("data-value") for r in (one, two, three)] == ["100", "200", "50"]
    assert width(two) == pytest.approx(2 * width(one), abs=0.02)
    assert width(one) == pytest.approx(2 * width(three), abs=0.02)
    assert one.get("x") == two.get("x") == three.get("x")  # all from the zero line


def test_value_labels_at_the_bar_ends_with_nice_ticks():
    chart = charts.bar_chart(
        id="c",
        title="t",
        description="d",
        labels=["一", "二"],
        values=[1180, 312],
        value_format=lambda v: f"{v:,}",
    )
    root = parse(chart)
    drawn = texts(root)
    assert "1,180" in drawn and "312" in drawn
    ticks = ["0", "500", "1,000", "1,500"]
    assert [t for t in drawn if t in ticks] == ticks
    bar = bars(root)[0]
    label = next(t for t in root.iter(f"{NS}text") if t.text == "1,180")
    assert float(label.get("x")) == pytest.approx(float(bar.get("x")) + width(bar) + 4, abs=0.02)


@pytest.mark.parametrize(
    ("span", "step"),
    [(0, 1), (1, 1), (3, 1), (7, 2), (10, 2), (12, 5), (83, 20), (125, 50), (1180, 500)],
)
def test_nice_steps(span, step):
    assert charts.nice_step(span) == step


def test_axis_ends_on_a_nice_tick_above_the_largest_value():
    assert charts.axis_for([1180, 312]).ticks == [0, 500, 1000, 1500]
    assert charts.axis_for([0, 0]).ticks == [0, 1]
    assert charts.axis_for([]).ticks == [0, 1]
    assert charts.axis_for([None, 40, 125]).ticks == [0, 50, 100, 150]
    assert charts.axis_for([-30, 40]).ticks == [-40, -20, 0, 20, 40]


def test_missing_bar_value_has_no_bar_and_a_dash():
    chart = charts.bar_chart(
        id="c", title="t", description="d", labels=["一", "二"], values=[None, 5]
    )
    root = parse(chart)
    assert [r.get("data-value") for r in bars(root)] == ["5"]
    assert "—" in texts(root)
    assert chart.rows == [["一", "—"], ["二", "5"]]


def test_stacked_segments_touch_and_sum_to_the_bar():
    chart = build("stacked")
    root = parse(chart)
    rects = bars(root)
    rows: dict[str, list] = {}
    for rect in rects:
        rows.setdefault(rect.get("y"), []).append(rect)
    first, second, third = rows.values()
    assert [r.get("data-series") for r in first] == ["0", "1", "2"]
    for a, b in zip(first, first[1:], strict=False):  # contiguous, in series order
        assert float(b.get("x")) == pytest.approx(float(a.get("x")) + width(a), abs=0.02)
    whole = sum(width(r) for r in first)  # 100 + 20 + 80 = 200
    assert sum(width(r) for r in second) == pytest.approx(whole * 80 / 200, abs=0.05)  # 50 + 30
    assert [r.get("data-series") for r in second] == ["0", "2"]  # zero segments left out
    assert [r.get("data-value") for r in third] == ["5"]
    assert width(third[0]) == pytest.approx(whole * 5 / 200, abs=0.05)
    drawn = texts(root)
    assert {"200", "80", "5"} <= set(drawn)  # each bar's total at its end
    assert {"常態營運", "技術移轉", "產學合作", "仟元"} <= set(drawn)  # legend and unit


def test_histogram_columns_in_the_order_given():
    chart = charts.histogram(
        id="h", title="t", description="d", labels=["61+", "0-5", "6-10"], values=[3, 1, 2]
    )
    root = parse(chart)
    columns = bars(root)
    assert [c.get("data-value") for c in columns] == ["3", "1", "2"]
    xs = [float(c.get("x")) for c in columns]
    assert xs == sorted(xs)
    heights = [float(c.get("height")) for c in columns]
    assert heights[0] == pytest.approx(3 * heights[1], abs=0.05)
    assert heights[2] == pytest.approx(2 * heights[1], abs=0.05)
    label_x = {t.text: float(t.get("x")) for t in root.iter(f"{NS}text")}
    assert label_x["61+"] < label_x["0-5"] < label_x["6-10"]


def test_histogram_slants_labels_too_wide_for_their_column():
    labels = [f"第{i}級距範圍很長的標籤" for i in range(12)]
    root = parse(
        charts.histogram(id="h", title="t", description="d", labels=labels, values=[1] * 12)
    )
    slanted = [t for t in root.iter(f"{NS}text") if t.text in labels]
    assert len(slanted) == 12 and all("rotate(-40" in t.get("transform") for t in slanted)


def line_paths(group) -> list[str]:
    return [p.get("d") for p in group.iter(f"{NS}path") if p.get("stroke") != charts.INK]


def test_a_missing_value_breaks_the_line():
    chart = charts.line_chart(
        id="l",
        title="t",
        description="d",
        x_labels=YEARS,
        series=[("生醫", [40, 48, None, 50, 61]), ("資通", [80, None, 88, None, 96])],
    )
    root = parse(chart)
    first, second = root.iter(f"{NS}g")
    paths = line_paths(first)
    assert len(paths) == 2
    assert all(d.count("M") == 1 and d.count("L") == 1 for d in paths)
    assert len([m for m in first if m.tag != f"{NS}path"]) == 4  # a marker per value
    assert line_paths(second) == []  # three lone points: no line, three markers
    assert len(list(second)) == 3


def test_reference_line_is_drawn_at_its_value():
    chart = charts.line_chart(
        id="l",
        title="t",
        description="d",
        x_labels=["110", "111"],
        series=[("資通", [80, 40])],
        reference=("目標 80%", 80),
    )
    root = parse(chart)
    reference = next(el for el in root.iter(f"{NS}line") if el.get("data-reference"))
    assert reference.get("stroke-dasharray")
    point = next(root.iter(f"{NS}g")).find(f"{NS}circle")  # the first series' marker at 80
    assert reference.get("y1") == reference.get("y2") == point.get("cy")
    assert "目標 80%" in texts(root)
    assert "80%" in texts(root)  # % follows the tick values

    without = parse(
        charts.line_chart(
            id="l", title="t", description="d", x_labels=["110"], series=[("資通", [80])]
        )
    )
    assert not any(el.get("data-reference") for el in without.iter(f"{NS}line"))


def shape(points: str) -> tuple:
    """A polygon's outline around its first vertex, whatever its position."""
    pairs = [tuple(map(float, p.split(","))) for p in points.split()]
    return tuple((round(x - pairs[0][0], 1), round(y - pairs[0][1], 1)) for x, y in pairs)


def test_eight_lines_differ_by_colour_dash_and_marker():
    root = parse(build("line"))
    styles = set()
    for group in root.findall(f"{NS}g"):
        top = [p for p in group.iter(f"{NS}path") if p.get("stroke") != charts.INK]
        cased = any(p.get("stroke") == charts.INK for p in group.iter(f"{NS}path"))
        marker = next(el for el in group if el.tag != f"{NS}path")
        styles.add(
            (
                top[0].get("stroke"),
                (top[0].get("stroke-dasharray"), cased),
                marker.tag,
                shape(marker.get("points", "")),
            )
        )
    assert len(styles) == 8
    assert len({s[0] for s in styles}) == 8
    assert len({s[1] for s in styles}) == 8  # dash patterns (or casing) tell lines apart in print
    assert len({(s[2], s[3]) for s in styles}) == 8  # marker shapes too


def luminance(hex_colour: str) -> float:
    def channel(c):
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


@pytest.mark.parametrize("kind", KINDS)
def test_text_contrast_on_white_is_at_least_4_5(kind):
    root = parse(build(kind))
    for text in root.iter(f"{NS}text"):
        assert (1.05) / (luminance(text.get("fill")) + 0.05) >= 4.5


def test_long_labels_stay_inside_the_chart():
    long_en = "Consumer Goods & Chemical Engineering"
    chart = charts.bar_chart(
        id="c", title="t", description="d", labels=[long_en, "生醫"], values=[10, 20]
    )
    root = parse(chart)
    label_lines = [t for t in root.iter(f"{NS}text") if t.get("text-anchor") == "end"]
    assert len(label_lines) >= 3  # the long one wraps
    assert " ".join(t.text for t in label_lines[:-1]) == long_en
    left_edge = min(float(b.get("x")) for b in bars(root))
    for t in label_lines:
        assert float(t.get("x")) - charts.text_width(t.text) >= 0
        assert float(t.get("x")) < left_edge


def test_wrap_keeps_cjk_whole_and_breaks_long_text():
    assert charts.wrap("機電材料", 100) == ["機電材料"]
    assert charts.wrap("機電材料", 27) == ["機電", "材料"]
    assert charts.wrap("Civil, Energy & Environment", 120) == ["Civil, Energy &", "Environment"]
    assert charts.wrap("", 50) == [""]


@pytest.mark.parametrize(
    ("kind", "empty"),
    [
        ("bar", {"labels": FIELDS, "values": [0] * 8}),
        ("bar", {"labels": [], "values": []}),
        ("bar", {"labels": FIELDS[:2], "values": [None, None]}),
        ("stacked", {"labels": FIELDS[:2], "series": [("a", [0, 0]), ("b", [0, 0])]}),
        ("stacked", {"labels": [], "series": []}),
        ("histogram", {"labels": BANDS, "values": [0] * 6}),
        ("histogram", {"labels": [], "values": []}),
        ("line", {"x_labels": YEARS, "series": [("a", [None] * 5), ("b", [0] * 5)]}),
        ("line", {"x_labels": [], "series": [], "reference": None}),
    ],
)
def test_zeros_and_empty_data_draw_an_empty_chart(kind, empty):
    chart = build(kind, **empty)
    root = parse(chart)
    assert float(root.get("viewBox").split()[3]) > 0
    assert bars(root) == []
    for el in root.iter():
        for value in el.attrib.values():
            assert "nan" not in value.lower() and "inf" not in value.lower()


def test_lengths_must_match():
    with pytest.raises(ValueError):
        charts.bar_chart(id="c", title="t", description="d", labels=["a", "b"], values=[1])
    with pytest.raises(ValueError):
        charts.line_chart(id="c", title="t", description="d", x_labels=["a"], series=[("s", [])])


@pytest.mark.parametrize("kind", KINDS)
def test_same_input_same_markup(kind):
    assert build(kind) == build(kind)
    assert str(build(kind).svg) == str(build(kind).svg)
    assert str(build(kind).svg) != str(build(kind, title="other").svg)


def test_table_rows_match_the_data():
    bar = charts.bar_chart(
        id="c",
        title="t",
        description="d",
        labels=["一", "二"],
        values=[1234, None],
        value_format=lambda v: f"{v:,}",
        label_header="領域",
        value_header="企業會員",
    )
    assert bar.headers == ["領域", "企業會員"]
    assert bar.rows == [["一", "1,234"], ["二", "—"]]

    stacked = build("stacked", label_header="領域")
    assert stacked.headers == ["領域", "常態營運", "技術移轉", "產學合作"]
    assert stacked.rows == [
        ["土木能環", "100", "20", "80"],
        ["民生化工", "50", "0", "30"],
        ["生醫", "0", "5", "0"],
    ]

    hist = charts.histogram(
        id="h", title="t", description="d", labels=BANDS[:2], values=[4, 0], value_header="聯盟數"
    )
    assert (hist.headers, hist.rows) == (["", "聯盟數"], [["0-5", "4"], ["6-10", "0"]])

    line = charts.line_chart(
        id="l",
        title="t",
        description="d",
        x_labels=["112", "113"],
        series=[("生醫", [52, None]), ("資通", [88, 92])],
    )
    assert line.headers == ["", "112", "113"]
    assert line.rows == [["生醫", "52%", "—"], ["資通", "88%", "92%"]]


def test_include_places_the_figure_svg_and_table():
    chart = charts.bar_chart(
        id="chart-members",
        title="企業會員 <數>",
        description="d",
        labels=["A&B", "資通"],
        values=[3, 4],
        label_header="領域",
        value_header="家數",
    )
    with translation.override("en"):
        html = render_to_string("reports/_chart.html", {"chart": chart})
    assert '<figure class="chart" aria-labelledby="chart-members-caption">' in html
    assert '<figcaption id="chart-members-caption">企業會員 &lt;數&gt;</figcaption>' in html
    # the svg inserted as markup, not escaped again
    assert f'<div class="chart-scroll" tabindex="0">{chart.svg}</div>' in html
    # the figures as a real table, a click (or Enter) away, that the SVG points to
    assert '<details class="chart-data"><summary>The figures as a table</summary>' in html
    assert '<table class="data" id="chart-members-table">' in html
    assert "<caption>企業會員 &lt;數&gt;</caption>" in html
    assert '<th scope="col">領域</th><th scope="col" class="num">家數</th>' in html
    assert '<tr><th scope="row">A&amp;B</th><td class="num">3</td></tr>' in html
    assert '<tr><th scope="row">資通</th><td class="num">4</td></tr>' in html


def chart_parts(html: str) -> list[tuple[ET.Element, ET.Element]]:
    """(svg, table) of each chart (templates/reports/_chart.html) in a page's HTML."""
    found = []
    for figure in re.findall(r'<figure class="chart".*?</figure>', html, re.S):
        svg = re.search(r"<svg .*?</svg>", figure, re.S).group(0)
        table = re.search(r"<table .*?</table>", figure, re.S).group(0)
        found.append((ET.fromstring(svg), ET.fromstring(table)))
    return found


def table_cells(table: ET.Element) -> dict:
    """{(row label, column header): cell text} of a chart's table."""

    def text(el):
        return "".join(el.itertext()).strip()

    headers = [text(th) for th in table.find("thead").iter("th")]
    cells = {}
    for tr in table.find("tbody").iter("tr"):
        label, *values = [text(cell) for cell in tr]
        cells.update({(label, header): v for header, v in zip(headers[1:], values, strict=True)})
    return cells


def drawn_figures(svg: ET.Element, headers: set) -> dict:
    """{(row label, column header): value} of every bar, column and marker drawn, read from
    its tooltip: "label: value" (a bar or column; column None: the table's one value
    column), "label: series: value" (a stacked segment) or "series, x: value" (a marker)."""
    found = {}
    for el in svg.iter():
        title = el.find(f"{NS}title")
        if el.tag == f"{NS}svg" or title is None:
            continue
        if el.tag != f"{NS}rect":
            where, value = title.text.rsplit(": ", 1)
            found[tuple(where.rsplit(", ", 1))] = value
            continue
        *where, value = title.text.rsplit(": ", 2 if el.get("data-series") else 1)
        if len(where) == 2 and where[1] in headers:
            found[tuple(where)] = value
        else:
            found[(": ".join(where), None)] = value
    return found


def assert_table_has_the_figures_drawn(svg: ET.Element, table: ET.Element) -> None:
    cells = table_cells(table)
    headers = {column for _label, column in cells}
    drawn = drawn_figures(svg, headers)
    assert drawn, "nothing drawn"
    if any(column is None for _label, column in drawn):
        (only,) = headers
        drawn = {(label, column or only): v for (label, column), v in drawn.items()}
    assert svg.get("aria-describedby").split()[-1] == table.get("id")
    for key, value in drawn.items():
        assert cells[key] == value, f"{key}: drawn {value}, table {cells.get(key)}"
    for key, cell in cells.items():  # what is not drawn is missing or zero
        assert key in drawn or re.fullmatch(rf"{charts.MISSING}|0%?", cell), (key, cell)


@pytest.mark.parametrize("kind", KINDS)
def test_the_table_under_each_chart_has_the_figures_drawn(kind):
    overrides = {"label_header": "領域"}
    if kind in ("bar", "histogram"):
        overrides |= {"value_header": "家數", "value_format": lambda v: f"{v:,}"}
        overrides["values"] = [1200, 0, None, 45, 60, 200, 310, 150][: 8 if kind == "bar" else 6]
    html = render_to_string("reports/_chart.html", {"chart": build(kind, **overrides)})
    ((svg, table),) = chart_parts(html)
    assert_table_has_the_figures_drawn(svg, table)
    # and a wrong figure would be caught
    tampered = ET.fromstring(ET.tostring(table))
    cell = next(tampered.iter("td"))
    cell.text = "999,999"
    with pytest.raises(AssertionError):
        assert_table_has_the_figures_drawn(svg, tampered)
