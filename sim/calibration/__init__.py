"""Real cascades against the model: ``buzzsim validate --data`` and ``buzzsim calibrate``.

* :mod:`sim.calibration.sampling` — sample the model like the data;
* :mod:`sim.calibration.report` — the data-vs-model table and figures;
* :mod:`sim.calibration.abc` — ABC-SMC with pyABC (distance, model function);
* :mod:`sim.calibration.calibrate` — the calibration's outputs;
* :mod:`sim.cli.calibrate` — the command line (in the CLI package).
"""
