"""The interactive dashboard (``resetsim app``; needs ``pip install "resetsim[viz]"``).

The dashboard's logic is plain Python, testable without a browser or Solara:

- :mod:`resetsim.app.data`: the scenario picker's choices, loading a scenario
  (errors as one line), the parameter sliders generated from the registry,
  the overrides they make, removing an event for a counterfactual;
- :mod:`resetsim.app.views`: what the panels show, as numbers: the ensemble's
  fan (quantiles of each state's trust), leader terms, events, detected
  episodes, the counterfactual difference, a summary; the single run so far;
- :mod:`resetsim.app.figures`: matplotlib figures drawn from those views;
- :mod:`resetsim.app.server`: the Solara server's settings (offline assets,
  no telemetry) and :func:`~resetsim.app.server.serve`.

Only :mod:`resetsim.app.page` (the thin Solara components, built on Mesa's
SolaraViz controls) imports Solara; nothing else in resetsim does.
"""
