"""output: what a run or a comparison produces, as tables, text and files.

Modules, imports pointing down this list only:

- :mod:`~resetsim.output.tables`: the tables of a batch of runs in memory
  (trajectory, episodes, metrics per run, fidelity), one definition shared by
  the files and the Python API (:mod:`resetsim.api`);
- :mod:`~resetsim.output.summary`: the text a run or a comparison reports
  (terminal lines, ``summary.txt``);
- :mod:`~resetsim.output.run`: the directory ``resetsim run`` writes;
- :mod:`~resetsim.output.compare`: the directory ``resetsim compare`` writes.

The command line (:mod:`resetsim.cli`) parses, loads, runs and calls these;
the figures come from :mod:`resetsim.plotting`.  This ``__init__`` imports
none of them (``tables`` and ``summary`` load no matplotlib).
"""
