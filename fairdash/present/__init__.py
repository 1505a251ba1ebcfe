"""What people and pipelines see, never computed here: text (:mod:`~fairdash.present.text`), JSON documents
(:mod:`~fairdash.present.document`), self-contained HTML pages (:mod:`~fairdash.present.page`, their template, style and
script in ``static/``) for the audit (:mod:`~fairdash.present.report`), the fixes (:mod:`~fairdash.present.fixes_report`)
and the monitor (:mod:`~fairdash.present.monitor_report`), and the plotly figures (:mod:`~fairdash.present.plots`)."""
