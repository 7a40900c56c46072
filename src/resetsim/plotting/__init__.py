"""Figures.  Each function takes results and returns a matplotlib Figure;
:func:`save` writes one with deterministic metadata and closes it,
:func:`save_all` in each of several formats (png, svg, pdf); every plotting
function draws under the project's one style (:data:`STYLE`).

* :mod:`~resetsim.plotting.style`: colours, the time axis (a recorded state is
  drawn at the end of its quarter), leader bands, shock lines, median and bands;
* :mod:`~resetsim.plotting.trust`: ``trust.png`` (:func:`plot_trust`);
* :mod:`~resetsim.plotting.fan`: ``fan.png`` (:func:`plot_fan`);
* :mod:`~resetsim.plotting.forecast`: ``fan.png`` of a scenario with a forecast
  (:func:`plot_forecast_fan`): the main job's figure, on the polls' scale;
* :mod:`~resetsim.plotting.labels`: key dated events and labels that do not
  overlap;
* :mod:`~resetsim.plotting.run`: both, as a run writes them and
  :class:`resetsim.Result` draws them (:func:`plot_run`, :func:`plot_projection`);
* :mod:`~resetsim.plotting.compare`: ``compare.png`` (:func:`plot_compare`);
* :mod:`~resetsim.plotting.ladder`: ``ladder.png`` of ``resetsim assess`` (:func:`plot_ladder`);
* :mod:`~resetsim.plotting.design`: an experiment's summary figures.

Each name is loaded from its module on first use (a sweep, which draws only
:mod:`~resetsim.plotting.design`'s figures, loads neither the ladder's nor
the forecast's modules); the modules import matplotlib (Agg backend).
Nothing below ``resetsim.output`` and ``resetsim.experiments`` imports this
package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from resetsim.core.lazy import lazy_attributes

if TYPE_CHECKING:  # pragma: no cover
    from resetsim.core.io import FIGURE_FORMATS, parse_formats
    from resetsim.plotting.compare import plot_compare
    from resetsim.plotting.fan import plot_fan
    from resetsim.plotting.forecast import plot_forecast_fan
    from resetsim.plotting.ladder import plot_ladder
    from resetsim.plotting.run import plot_projection, plot_run
    from resetsim.plotting.style import (
        PNG_METADATA,
        STATE_COLOURS,
        STYLE,
        leader_band,
        mark_shocks,
        median_bands,
        quarter_ends,
        quarter_start,
        save,
        save_all,
        shade_leaders,
        style_context,
        styled,
    )
    from resetsim.plotting.trust import mark_episodes, plot_trust

#: Names loaded on first use, and the module each comes from.
_LAZY = {
    "FIGURE_FORMATS": "resetsim.core.io",
    "parse_formats": "resetsim.core.io",
    "plot_compare": "resetsim.plotting.compare",
    "plot_fan": "resetsim.plotting.fan",
    "plot_forecast_fan": "resetsim.plotting.forecast",
    "plot_ladder": "resetsim.plotting.ladder",
    "plot_projection": "resetsim.plotting.run",
    "plot_run": "resetsim.plotting.run",
    **dict.fromkeys(
        (
            "PNG_METADATA",
            "STATE_COLOURS",
            "STYLE",
            "leader_band",
            "mark_shocks",
            "median_bands",
            "quarter_ends",
            "quarter_start",
            "save",
            "save_all",
            "shade_leaders",
            "style_context",
            "styled",
        ),
        "resetsim.plotting.style",
    ),
    "mark_episodes": "resetsim.plotting.trust",
    "plot_trust": "resetsim.plotting.trust",
}

__all__ = [
    "FIGURE_FORMATS",
    "PNG_METADATA",
    "STATE_COLOURS",
    "STYLE",
    "leader_band",
    "mark_episodes",
    "mark_shocks",
    "median_bands",
    "parse_formats",
    "plot_compare",
    "plot_fan",
    "plot_forecast_fan",
    "plot_ladder",
    "plot_projection",
    "plot_run",
    "plot_trust",
    "quarter_ends",
    "quarter_start",
    "save",
    "save_all",
    "shade_leaders",
    "style_context",
    "styled",
]

__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, __all__)
