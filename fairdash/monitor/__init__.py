"""Fairness over time: a decision log counted where it lies, by DuckDB or Spark (:mod:`~fairdash.monitor.engines`), each
window judged as an audit is, with alerts and notes (:mod:`~fairdash.monitor.windows`), and logs to try it on
(:mod:`~fairdash.monitor.logs`)."""
