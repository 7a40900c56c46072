"""The share of a Biden-era scenario's runs (documented events as inputs) in
which the detector finds a new reset starting 2021Q3-2022Q4: the row
``biden_reset_2021Q3_2022Q4_given_events`` of benchmarks/measure_model_v3.py
(100 runs, the scenario's seed and posterior), for a checkout whose script
predates the row (it writes out ``resetsim.analysis.forecast.onset_between``,
which those checkouts do not have).  Usage, with the package of that
checkout first on the path::

    PYTHONPATH=CHECKOUT/src python benchmarks/given_events_at.py CHECKOUT/scenarios/biden_era.toml
"""

import sys

from resetsim.analysis.forecast import episodes_and_index
from resetsim.core import calendar as cal
from resetsim.engines.runner import run_scenario
from resetsim.scenario import compile_scenario, load

comp = compile_scenario(load(sys.argv[1]))
res = run_scenario(comp, runs=100, params={})
ep, _ = episodes_and_index(res)
q0 = int(comp.quarters[0])
a, b = cal.parse_quarter("2021Q3") - q0, cal.parse_quarter("2022Q4") - q0
new = (ep.observed_onset & (ep.onset >= a) & (ep.onset <= b)).any(axis=1)
print(f"biden_reset_2021Q3_2022Q4_given_events {float(new.mean()):.3f}")
