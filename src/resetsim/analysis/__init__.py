"""analysis: what the recorded runs show (reads trajectories, never runs a model).

Modules, each with one job; each imports only modules listed before it:

- :mod:`~resetsim.analysis.statistics`: plain statistics of many runs (the
  Wilson interval of a share, the t interval of a mean, the row mean of
  finite values); imports nothing from resetsim.
- :mod:`~resetsim.analysis.episodes`: the relationship index and its
  smoothing, reset episodes detected from it (:class:`Episodes`, ``detect``,
  ``detect_runs``) and the spiral measures of a run (trends of lows and peaks,
  cycles, honeymoons).  Imports only ``statistics`` from this package.
- :mod:`~resetsim.analysis.fidelity`: detected episodes scored against a
  targets file (order-preserving matching, errors, spurious episodes, the
  fidelity score and its tables).
- :mod:`~resetsim.analysis.metrics`: what a run reports, one value per run:
  ``run_metrics`` (the default metrics function of sweeps and calibration),
  the metric name lists, ``required_columns`` and
  ``onset_failure_probability``.
- :mod:`~resetsim.analysis.triggers`: the likely trigger of each reset
  (leader changes, scheduled and stochastic events) and the episode table
  (``episodes.csv``).

This ``__init__`` imports none of them, so ``import resetsim.analysis`` is cheap.
"""
