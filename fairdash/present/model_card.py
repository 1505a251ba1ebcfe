"""The audit as a model card: Markdown with YAML front matter in Hugging Face's format.

The front matter's ``model-index`` (Hugging Face's metadata spec, ``huggingface/hub-docs`` ``modelcard.md``) holds one
result whose ``metrics`` are every disparity of the audit's JSON: ``type`` is its JSON name, ``value`` its value (null
where undefined), ``args`` its interval, rule and verdict. The body has the sections of Hugging Face's model card
template a reviewer expects (model details, uses, evaluation with the data, its groups and the results, model
examination, bias, risks and limitations, glossary), with ``[More Information Needed]`` in the fields only the model's
owner can fill. Built from the JSON document (:func:`fairdash.present.report.audit_json`), so a saved audit makes the
same card; every text from the data is escaped for Markdown, and the front matter is written by ``yaml.safe_dump``.
"""

from __future__ import annotations

import re
from typing import Any, Mapping, Sequence

import yaml

from fairdash.engine.metrics import RATE_NAMES
from fairdash.present.summary import CANNOT_TELL, GLOSSARY, Summary, verdict_of
from fairdash.present.text import NO_RULE, percent, threshold_text

__all__ = ["OWNER", "markdown_text", "card_metadata", "model_card"]

OWNER = "[More Information Needed]"
"""What a field only the model's owner can fill says (as in Hugging Face's template)."""

# The ASCII punctuation that can start Markdown or HTML (emphasis, code, links, autolinks, tags, entities, tables, lists,
# headings, maths); CommonMark lets every ASCII punctuation character be escaped, so each shows as itself.
_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~&$:@^])")


def markdown_text(value: Any) -> str:
    """Text from the data as Markdown that shows it as it is: the punctuation Markdown reads backslash-escaped (no
    emphasis, link, HTML tag, table cell break or heading can start), whitespace runs (line breaks too) as one space."""
    return _PUNCTUATION.sub(r"\\\1", " ".join(str(value).split()))


def _model_name(document: Mapping[str, Any]) -> str:
    settings = document["settings"]
    return str(settings.get("model") or f"scores from column {settings.get('score')}")


def card_metadata(document: Mapping[str, Any]) -> dict[str, Any]:
    """The front matter: tags and a ``model-index`` with every disparity of ``document`` as a metric."""
    intervals = document.get("disparity_intervals") or {}
    findings = document.get("findings") or {}
    metrics = []
    for name, value in document["disparities"].items():
        metric: dict[str, Any] = {"type": name, "value": value, "name": name.replace("_", " ")}
        if name in findings:
            finding = findings[name]
            low, high = (intervals.get(name) or [None, None])[:2]
            metric["args"] = {
                "interval_95": [low, high],
                "rule": finding.get("rule") or None,
                "verdict": verdict_of(finding) or None,
                "undefined": finding.get("undefined"),
            }
        metrics.append(metric)
    settings, data = document["settings"], document.get("data") or {}
    return {
        "tags": ["fairdash", "fairness-audit", "tabular-classification"],
        "model-index": [
            {
                "name": _model_name(document),
                "results": [
                    {
                        "task": {
                            "type": "tabular-classification",
                            "name": f"Fairness audit: {settings.get('target')} = {settings.get('positive_label')}",
                        },
                        "dataset": {
                            "type": str(settings.get("data")),
                            "name": f"{settings.get('data')} ({data.get('rows', 0):,} rows)",
                            "args": {"sensitive": [str(column) for column in settings.get("sensitive") or []]},
                        },
                        "metrics": metrics,
                    }
                ],
            }
        ],
    }


def model_card(document: Mapping[str, Any], *, summary: Summary | None = None) -> str:
    """The model card of an audit's JSON ``document``; with ``summary`` (:func:`fairdash.present.summary.summary_of` of the
    same audit), its sentences, driver and best fix in the results, the examination and the recommendations."""
    front = yaml.safe_dump(card_metadata(document), sort_keys=False, allow_unicode=True, default_flow_style=False, width=1000)
    settings = document["settings"]
    parts = [
        f"---\n{front}---\n",
        f"# Model card: {markdown_text(_model_name(document))}\n",
        f"Written by fairdash from a fairness audit of {markdown_text(settings.get('data'))} ({markdown_text(document.get('created', ''))}). "
        f"Fields marked {OWNER} are for the model's owner to fill in.\n",
        *_details(document),
        *_evaluation(document, summary),
        *_examination(document, summary),
        *_limitations(document, summary),
        "## Glossary\n",
        "\n".join(f"- **{markdown_text(term)}**: {markdown_text(meaning)}" for term, meaning in GLOSSARY) + "\n",
        "## More information\n",
        "Made with "
        + ", ".join(
            f"{markdown_text(name)} {markdown_text(version)}" for name, version in (document.get("versions") or {}).items()
        )
        + ".\n",
        "## Model card authors\n",
        f"{OWNER}\n",
        "## Model card contact\n",
        f"{OWNER}\n",
    ]
    return "\n".join(parts)


def _details(document: Mapping[str, Any]) -> list[str]:
    thresholds = document.get("thresholds")
    shown = threshold_text(thresholds) if isinstance(thresholds, (int, float, dict)) else str(thresholds)
    return [
        "## Model details\n",
        "\n".join(
            [
                f"- **Model:** {markdown_text(_model_name(document))}",
                f"- **Decision:** selected when the score is at or above the threshold ({markdown_text(shown)})",
                f"- **Developed by:** {OWNER}",
                f"- **Model type:** {OWNER}",
                f"- **License:** {OWNER}",
                f"- **Training data:** {OWNER}",
            ]
        )
        + "\n",
        "## Uses\n",
        "### Direct use\n",
        f"{OWNER}\n",
        "### Out-of-scope use\n",
        f"{OWNER}\n",
    ]


def _evaluation(document: Mapping[str, Any], summary: Summary | None) -> list[str]:
    settings, data = document["settings"], document.get("data") or {}
    left_out = settings.get("groups_left_out_of_disparities") or []
    methods = settings.get("intervals") or {}
    testing = (
        f"{markdown_text(settings.get('data'))}: {data.get('rows', 0):,} rows. Positive outcome: "
        f"{markdown_text(settings.get('target'))} = {markdown_text(settings.get('positive_label'))}. Sensitive attributes: "
        f"{', '.join(markdown_text(column) for column in settings.get('sensitive') or [])}; reference group "
        f"{markdown_text(settings.get('reference'))}."
    )
    metrics = (
        f"Each disparity compares the groups' rates, over the groups judged (groups under {settings.get('min_group_size')} "
        f"rows are left out). The demographic parity ratio passes at 0.8 or more (the four-fifths rule); each difference "
        f"passes at the tolerance of {settings.get('tolerance')} or less. Intervals: rates, "
        f"{markdown_text(methods.get('rates', ''))}; disparities, {markdown_text(methods.get('disparities', ''))}."
    )
    results = ["### Results\n"]
    if summary is not None:
        results.append(
            "\n".join(f"- **{line.verdict or NO_RULE}**: {markdown_text(line.sentence)}" for line in summary.headline) + "\n"
        )
    results.append(_findings_table(document))
    return [
        "## Evaluation\n",
        "### Testing data\n",
        testing + "\n",
        "### Factors: the groups\n",
        _groups_table(document, left_out),
        (
            f"Left out of the disparities (too few rows): {', '.join(markdown_text(label) for label in left_out)}.\n"
            if left_out
            else "No group was left out of the disparities.\n"
        ),
        "### Metrics\n",
        metrics + "\n",
        *results,
    ]


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _groups_table(document: Mapping[str, Any], left_out: Sequence[str]) -> str:
    rates = ("base_rate", "selection_rate", "tpr", "fpr", "precision", "accuracy")
    rows = [
        [
            markdown_text(label),
            f"{int(values.get('count') or 0):,}",
            *(percent(float("nan") if values.get(rate) is None else values[rate]) for rate in rates),
            "no (too few rows)" if label in left_out else "yes",
        ]
        for label, values in (document.get("groups") or {}).items()
    ]
    return _table(["Group", "Rows", *(RATE_NAMES[rate] for rate in rates), "Judged"], rows)


def _findings_table(document: Mapping[str, Any]) -> str:
    intervals = document.get("disparity_intervals") or {}
    rows = []
    for name, finding in (document.get("findings") or {}).items():
        low, high = (intervals.get(name) or [None, None])[:2]
        value = finding.get("value")
        word = verdict_of(finding)
        rows.append(
            [
                name.replace("_", " "),
                "undefined" if value is None else f"{value:.3f}",
                "" if low is None or high is None else f"{low:.3f} to {high:.3f}",
                markdown_text(finding.get("rule") or "none"),
                markdown_text(f"{word}: {finding['undefined']}" if word == "undefined" else word or NO_RULE),
            ]
        )
    return _table(["Disparity", "Value", "95% interval", "Passes when", "Verdict"], rows)


def _examination(document: Mapping[str, Any], summary: Summary | None) -> list[str]:
    parts = ["## Model examination: explanations\n"]
    if summary is not None:
        parts.append(markdown_text(summary.driver) + "\n")
    features = document.get("features")
    if features:
        columns = list(next(iter(features.values())))
        rows = [
            [markdown_text(feature), *("" if values.get(column) is None else f"{values[column]:+.4f}" for column in columns)]
            for feature, values in list(features.items())[:10]
        ]
        parts.append("What the model relies on (SHAP, the ten features with the largest mean absolute contribution):\n")
        parts.append(_table(["Feature", *(markdown_text(column) for column in columns)], rows))
    elif document.get("features_error"):
        parts.append(f"The explanation failed: {markdown_text(document['features_error'])}\n")
    elif summary is None:
        parts.append("Not computed for this audit.\n")
    rules = document.get("rules")
    if rules:
        parts.append(
            f"A depth-3 surrogate tree imitates the decisions with fidelity {percent(rules.get('fidelity') or float('nan'))} "
            "on held-out rows.\n"
        )
    return parts


def _limitations(document: Mapping[str, Any], summary: Summary | None) -> list[str]:
    warnings = [markdown_text(warning) for warning in (document.get("data") or {}).get("warnings") or []]
    return [
        "## Bias, risks, and limitations\n",
        "What this audit cannot tell:\n",
        "\n".join(f"- {markdown_text(item)}" for item in CANNOT_TELL) + "\n",
        *(["Warnings about the data:\n", "\n".join(f"- {warning}" for warning in warnings) + "\n"] if warnings else []),
        f"Known limitations of the model, from its owner: {OWNER}\n",
        "### Recommendations\n",
        (markdown_text(summary.best_fix) + "\n" if summary is not None else "") + f"The owner's recommendations: {OWNER}\n",
    ]
