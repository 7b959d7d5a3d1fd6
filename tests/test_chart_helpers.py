"""Chart helpers drawing what plotly's own helpers draw, faster: the prebuilt chart template
(ui.theme.chart_template) and reference lines (ui.components.reference_line)."""

import plotly.graph_objects as go
import pytest

from ui import theme
from ui.components import reference_line


def effective_layout(figure: go.Figure) -> dict:
    """The layout a browser draws: the figure's own values over its template's."""
    layout = figure.to_dict()["layout"]
    merged = dict(layout.pop("template")["layout"])
    for key, value in layout.items():
        both_dicts = isinstance(value, dict) and isinstance(merged.get(key), dict)
        merged[key] = {**merged[key], **value} if both_dicts else value
    return merged


@pytest.mark.parametrize("projection", [False, True])
def test_chart_template_draws_what_styling_each_figure_drew(projection):
    def figure():
        return go.Figure(
            [go.Bar(x=["a", "b"], y=[1, 2]), go.Heatmap(z=[[1, 2], [3, 4]])],
            layout={"title": {"text": "t", "font": {"size": 15}}},
        )

    # Before: plotly's template by name, then the dashboard's colours, font and margins on the figure.
    styled = figure().update_layout(
        template="plotly_dark" if projection else "plotly_white",
        paper_bgcolor="#000000" if projection else "rgba(0,0,0,0)",
        plot_bgcolor="#000000" if projection else "rgba(0,0,0,0)",
        font={"size": 20 if projection else 13, "color": "#FFFFFF" if projection else "#1B2631"},
        margin={"l": 8, "r": 8, "t": 36, "b": 8},
        colorway=theme.PROJECTION_SERIES_COLORS if projection else theme.SERIES_COLORS,
        height=300,
    )
    templated = figure()
    theme._set_template(templated, theme.chart_template(projection))
    templated.update_layout(height=300)

    before, after = effective_layout(styled), effective_layout(templated)
    unused = set(theme._UNUSED_SUBPLOTS)  # geo, polar, ... : no screen draws them
    assert {k: v for k, v in before.items() if k not in unused} == after
    used = set(theme._TRACE_TYPES) & set(styled.to_dict()["layout"]["template"]["data"])
    assert {t: templated.to_dict()["layout"]["template"]["data"][t] for t in used} == {
        t: styled.to_dict()["layout"]["template"]["data"][t] for t in used
    }
    # The cached template is not changed by the figures it styles.
    assert theme.chart_template(projection).layout.height is None


@pytest.mark.parametrize("position", ["top right", "top left"])
@pytest.mark.parametrize("text", ["label", None])
def test_reference_lines_are_plotlys_vline_and_hline(position, text):
    # Our labels have a backing and the line's colour, so a data line under them cannot hide them.
    for axis, plotly_line in (("x", go.Figure.add_vline), ("y", go.Figure.add_hline)):
        label = (
            {
                "annotation_text": text,
                "annotation_position": position,  # (plotly changes the dict it is given)
                "annotation": {"bgcolor": "rgba(255,255,255,0.85)", "font": {"color": "#123456"}},
            }
            if text
            else {}
        )
        theirs, ours = go.Figure([go.Scatter(x=[1, 2], y=[3, 4])]), go.Figure([go.Scatter(x=[1, 2], y=[3, 4])])
        plotly_line(theirs, 1.5, line_dash="dot", line_color="#123456", **label)
        reference_line(ours, **{axis: 1.5}, dash="dot", color="#123456", text=text, position=position)
        assert ours.to_dict()["layout"] == theirs.to_dict()["layout"], (axis, position, text)
