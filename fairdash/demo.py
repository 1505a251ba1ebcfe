"""The built-in demos: a stable import path; the code lives in :mod:`fairdash.intake.demo`."""

from fairdash.intake.demo import (  # noqa: F401
    ADULT_COLUMNS,
    COMPAS_COLUMNS,
    DATA_DIR,
    DEFAULT_DEMO,
    DEMO_TITLES,
    GERMAN_COLUMNS,
    Demo,
    load_demo,
)

__all__ = ["DATA_DIR", "ADULT_COLUMNS", "GERMAN_COLUMNS", "COMPAS_COLUMNS", "Demo", "DEMO_TITLES", "DEFAULT_DEMO", "load_demo"]
