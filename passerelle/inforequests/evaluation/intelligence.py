"""Measure the intelligence-wording classifier (`policy.intelligence`) on labelled requests.

- `intelligence_holdout.json`: 60 requests (30 asking for intelligence, 30 for protection
  information, half French, half English) written blind and committed before the classifier
  existed; never tuned on. 1.00 / 1.00, but written by the same hand as the rules and in
  their vocabulary: optimistic.
- `intelligence_adversarial.json`: 20 requests written after the first tuning, on purpose
  outside the rules' vocabulary; measured blind (recall 0.00, 3 false positives of 10), then
  tuned on (1.00 / 1.00): now part of the tuning data.
- `intelligence_holdout2.json`: 40 requests (20/20) written after that measurement and
  committed before the rules were changed for it; never tuned on. Precision 0.56, recall
  0.25 before the change, **0.77 / 0.85 after** (French 0.73 / 0.80, English 0.82 / 0.90):
  the figures to trust.
- `intelligence_tuning.json`: 74 other requests the rules were adjusted on.
- the protection requests of the demo register and of `request_pairs.json` (duplicate
  suggestion set): all of them are protection requests, so any hit there is a false positive.

Precision = flagged and intelligence / flagged; recall = flagged and intelligence / intelligence.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from passerelle.policy import intelligence

HOLDOUT = Path(__file__).with_name("intelligence_holdout.json")
HOLDOUT2 = Path(__file__).with_name("intelligence_holdout2.json")
ADVERSARIAL = Path(__file__).with_name("intelligence_adversarial.json")
TUNING = Path(__file__).with_name("intelligence_tuning.json")
PAIRS = Path(__file__).with_name("request_pairs.json")


@dataclass
class Result:
    precision: float
    recall: float
    false_positives: list = field(default_factory=list)
    missed: list = field(default_factory=list)
    total: int = 0


def load(path: Path = TUNING) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["items"]


def protection_requests() -> list[dict]:
    """Requests known to ask for protection information only (labelled negative)."""
    from passerelle.demo.request_data import NEEDS

    items = []
    for need in NEEDS:
        for lang, subject, body in need["wordings"]:
            text = f"{subject}. {body}".replace("{area}", "Gao")
            items.append({"lang": lang, "intelligence": False, "text": text})
    for pair in json.loads(PAIRS.read_text(encoding="utf-8"))["pairs"]:
        for side in ("earlier", "new"):
            request = pair[side]
            text = f"{request['subject']}. {request.get('body', '')}"
            items.append({"lang": request["lang"], "intelligence": False, "text": text})
    return items


def evaluate(items: list[dict]) -> Result:
    flagged_right = flagged = positives = 0
    false_positives, missed = [], []
    for item in items:
        findings = intelligence.classify(item["text"])
        positives += item["intelligence"]
        if findings:
            flagged += 1
            if item["intelligence"]:
                flagged_right += 1
            else:
                false_positives.append((item["text"], findings))
        elif item["intelligence"]:
            missed.append(item["text"])
    return Result(
        precision=flagged_right / flagged if flagged else 1.0,
        recall=flagged_right / positives if positives else 1.0,
        false_positives=false_positives,
        missed=missed,
        total=len(items),
    )
