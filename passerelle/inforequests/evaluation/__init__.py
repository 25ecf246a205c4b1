"""Measure the duplicate-request suggestion on a fixed set of request pairs.

`request_pairs.json` holds pairs of requests written by hand in French and English: the
same need worded differently (paraphrases, across languages, a narrower version of the same
need) and unrelated look-alikes (another question with the same words, another area, another
period, another theme). All the earlier requests form one pool; for each new request, the top
suggestion drawn from the pool is judged:

- a pair that asks the same thing: right if the top suggestion is its partner (true positive),
  missed if there is none (false negative), wrong if it is another request (false positive and
  false negative);
- a look-alike pair: any suggestion is a false positive.

Precision = TP / (TP + FP); recall = TP / number of same-need pairs.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from .. import similarity

PAIRS = Path(__file__).with_name("request_pairs.json")
# Forty more pairs, written blind (without reading the similarity code) after the glossary and
# weights were tuned on PAIRS: measured, never tuned on. Its figures are what to expect of
# requests nobody has seen.
HOLDOUT = Path(__file__).with_name("request_pairs_holdout.json")


def _draft(data: dict, key) -> similarity.Draft:
    def day(value):
        return dt.date.fromisoformat(value) if value else None

    return similarity.Draft(
        terms=similarity.request_terms(data["subject"], data.get("body", "")),
        thematic_area=data["thematic_area"],
        data_category=data.get("data_category", ""),
        area_pcode=data["area"],
        period_start=day(data.get("period_start")),
        period_end=day(data.get("period_end")),
        key=key,
    )


def load(path: Path = PAIRS) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["pairs"]


@dataclass
class Result:
    threshold: float
    pairs: int
    same: int
    true_positives: int
    false_positives: int
    missed: list
    wrong: list

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.same if self.same else 1.0


def evaluate(pairs: list[dict] | None = None, *, threshold: float = similarity.THRESHOLD):
    pairs = load() if pairs is None else pairs
    pool = [_draft(p["earlier"], p["id"]) for p in pairs]
    tp = fp = 0
    missed, wrong = [], []
    for pair in pairs:
        top = similarity.rank(_draft(pair["new"], None), pool, threshold=threshold, limit=1)
        hit = top[0].candidate if top else None
        if pair["same"]:
            if hit == pair["id"]:
                tp += 1
            else:
                missed.append(pair["id"])
                if hit is not None:
                    fp += 1
                    wrong.append((pair["id"], hit))
        elif hit is not None:
            fp += 1
            wrong.append((pair["id"], hit))
    return Result(
        threshold=threshold,
        pairs=len(pairs),
        same=sum(1 for p in pairs if p["same"]),
        true_positives=tp,
        false_positives=fp,
        missed=missed,
        wrong=wrong,
    )


def cross_validate(pairs: list[dict] | None = None, thresholds=None) -> list[dict]:
    """Guard against a threshold fitted to the set it is judged on: split the pairs in two
    halves (alternate pairs), choose on each half the threshold with the best precision +
    recall, and measure it on the other half."""
    pairs = load() if pairs is None else pairs
    thresholds = thresholds or [t / 100 for t in range(20, 70, 5)]
    halves = [pairs[0::2], pairs[1::2]]
    folds = []
    for chosen_on, judged_on in ((halves[0], halves[1]), (halves[1], halves[0])):

        def fit(t, chosen_on=chosen_on):
            result = evaluate(chosen_on, threshold=t)
            return result.precision + result.recall

        best = max(thresholds, key=fit)
        held_out = evaluate(judged_on, threshold=best)
        folds.append(
            {"threshold": best, "precision": held_out.precision, "recall": held_out.recall}
        )
    return folds
