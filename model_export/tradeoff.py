"""What moving the neutral/sad decision trades, for each model in one
evaluation: a report only, nothing is chosen on it.

FER+ annotators call mild sadness neutral (half of FER2013's sad folder), and
posed sadness is often mild. So one decision cannot follow both: reading more
faces as sad recalls more posed sad faces and agrees less with the FER+
majority. A model can only move the whole curve, by telling the two apart
better. This report shows where each model's curve lies: a shift is added to
the sad log-probability (exp(shift) is the factor on its probability, before
the argmax) and, at each shift, the accuracy against the FER+ majority and
the sad recall on the posed-like test faces are scored.

Two points of the curve sum it up, at the issue's targets (TARGET): the best
FER+ majority accuracy while posed-like sad recall stays at TARGET or more,
and the best posed-like sad recall while the FER+ accuracy stays at TARGET or
more. Where neither can be had at once, no shift meets both targets.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from device.expression.evaluate import Evaluation
from model_export.calibrate import decided

# -1.0 to 1.0 by 0.1 (+ 0.0 turns the -0.0 that rounding leaves into 0.0)
SHIFTS = tuple(float(s) + 0.0 for s in np.round(np.arange(-1.0, 1.0001, 0.1), 1))
TARGET = 0.80
AGREEMENT_SET = "test_ferplus_majority"
RECALL_SET = "test_posed_like"
SAD = "sad"


def shifted(evaluation: Evaluation, column: int, shift: float) -> np.ndarray:
    """The predictions with `shift` added to one class's log-probability."""
    assert evaluation.probabilities is not None, "the evaluation kept no probabilities"
    bias = np.zeros(evaluation.probabilities.shape[1])
    bias[column] = shift
    return decided(evaluation.probabilities, bias)


def curve(agreement: Evaluation, recall: Evaluation, column: int) -> list[dict[str, float]]:
    """Per shift: the accuracy on `agreement`, the recall of `column` on `recall`."""
    wanted = recall.labels == column
    rows = []
    for shift in SHIFTS:
        agreed = shifted(agreement, column, shift) == agreement.labels
        recalled = shifted(recall, column, shift)[wanted] == column
        accuracy, recall_ = round(float(agreed.mean()), 4), round(float(recalled.mean()), 4)
        rows.append({"shift": shift, "accuracy": accuracy, "recall": recall_})
    return rows


def best_where(rows: list[dict[str, float]], score: str, floor_of: str) -> dict[str, float] | None:
    """The row with the highest `score` among those whose `floor_of` is at least TARGET."""
    allowed = [row for row in rows if row[floor_of] >= TARGET]
    return max(allowed, key=lambda row: (row[score], -abs(row["shift"]))) if allowed else None


def decision_tradeoff(
    evaluations: Mapping[str, Mapping[str, Evaluation]], classes: tuple[str, ...]
) -> dict[str, Any] | None:
    """Each model's curve and its two summary points; None without the sets
    it needs, or without a sad face among the posed-like ones."""
    if SAD not in classes or AGREEMENT_SET not in evaluations or RECALL_SET not in evaluations:
        return None
    column = classes.index(SAD)
    if not any((e.labels == column).any() for e in evaluations[RECALL_SET].values()):
        return None  # no sad face to recall (a tiny set): no curve to draw
    models: dict[str, Any] = {}
    for name, agreement in evaluations[AGREEMENT_SET].items():
        rows = curve(agreement, evaluations[RECALL_SET][name], column)
        models[name] = {
            "curve": rows,
            "best_agreement_keeping_recall": best_where(rows, "accuracy", "recall"),
            "best_recall_keeping_agreement": best_where(rows, "recall", "accuracy"),
        }
    return {
        "shifted_class": SAD,
        "shifts": "added to the class's log-probability before the argmax (exp(shift) times its probability)",
        "accuracy_on": AGREEMENT_SET,
        "recall_on": RECALL_SET,
        "target": TARGET,
        "models": models,
    }


def tradeoff_table(tradeoff: dict[str, Any]) -> str:
    """The two summary points per model, as Markdown."""
    target = f"{tradeoff['target']:.0%}"
    lines = [
        f"Moving the {tradeoff['shifted_class']} decision (see model_export/tradeoff.py): "
        f"{tradeoff['accuracy_on']} accuracy against {tradeoff['recall_on']} {tradeoff['shifted_class']} recall",
        "",
        f"| model | best accuracy, recall >= {target} | best recall, accuracy >= {target} | at no shift |",
        "|---|---|---|---|",
    ]

    def point(row: dict[str, float] | None) -> str:
        if row is None:
            return "none"
        return f"{row['accuracy']:.1%} / {row['recall']:.0%} (shift {row['shift']:+.1f})"

    for name, model in tradeoff["models"].items():
        unshifted = next(row for row in model["curve"] if row["shift"] == 0.0)
        lines.append(
            f"| {name} | {point(model['best_agreement_keeping_recall'])} | "
            f"{point(model['best_recall_keeping_agreement'])} | {point(unshifted)} |"
        )
    return "\n".join(lines)
