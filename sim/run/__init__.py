"""The execution layer: every way buzzsim runs simulations goes through here.

* :mod:`sim.run.replicates`: a scenario's variants × replicates (``run``, ``compare``,
  the claim library, the workbench), serially or in the process pool;
* :mod:`sim.run.executors`: where a sweep's or a calibration's runs execute
  (serial, the process pool, dask.distributed);
* :mod:`sim.run.pool`: the one local process pool (start, worker set-up, signals, stop);
* :mod:`sim.run.processes`: children die with their parent; is a pid alive;
* :mod:`sim.run.progress`: progress bar, progress callback, cancel event;
* :mod:`sim.run.forkserver_guard`: the fork server's first import.

This ``__init__`` imports nothing, so the fork server's first import stays light.
"""
