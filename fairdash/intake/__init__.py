"""What comes in: a table a user brings (:mod:`~fairdash.intake.tables`), a model (:mod:`~fairdash.intake.models`,
ONNX graphs in :mod:`~fairdash.intake.onnx_models`, read from a path or an upload by :mod:`~fairdash.intake.sources`),
the built-in demos (:mod:`~fairdash.intake.demo`), and a first look at a new table (:mod:`~fairdash.intake.guess`)."""
