"""Small hand-made knowledge bases, so the engine's numbers can be checked by hand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from kasa_doctor.engine.model import Model, compile_model
from kasa_doctor.knowledge.loader import load_knowledge

LED_IDS = ["red_slow_blink", "red_solid"]


def write_kb(
    folder: Path,
    priors: dict[str, float],
    steps: dict[str, tuple[float, dict[str, float]]],
    questions: dict[str, dict[str, float]] | None = None,
    question_cost: float = 0.5,
    p_unknown: float = 0.0,
    support_cost: float = 1000.0,
    support_fixes: dict[str, float] | None = None,
    variants: dict[str, list[dict[str, Any]]] | None = None,
) -> Path:
    """Write a complete, valid knowledge folder.

    ``steps``: id -> (cost, {cause: P(fix)}); ``questions``: id -> {cause: P(yes | cause)}.
    contact_support is added with a high cost so hand calculations can ignore it.
    ``variants``: cause -> its variants as written in causes.yaml.
    """
    folder.mkdir(parents=True, exist_ok=True)
    causes = [
        {"id": c, "title": c, "explanation": c, "prior": p, "category": "wifi"}
        for c, p in priors.items()
    ]
    for cause in causes:
        if variants and cause["id"] in variants:
            cause["variants"] = variants[cause["id"]]
    step_list: list[dict[str, Any]] = []
    fixes: dict[str, Any] = {}
    for sid, (cost, chances) in {
        **steps,
        "contact_support": (support_cost, support_fixes or {}),
    }.items():
        step_list.append(
            {
                "id": sid,
                "title": sid,
                "cost": cost,
                "ends_session": sid == "contact_support",
                "instructions": {"do": "do it", "expect": "it works"},
            }
        )
        fixes[sid] = {"causes": chances}
    qs = [
        {
            "id": qid,
            "text": f"{qid}?",
            "answers": {"yes": "yes", "no": "no"},
            "cost": question_cost,
            "p_unknown": p_unknown,
            "default": {"yes": 0.5},
            "likelihood": {c: {"yes": p} for c, p in table.items()},
        }
        for qid, table in (questions or {}).items()
    ]
    files = {
        "causes.yaml": {"causes": causes},
        "questions.yaml": {"questions": qs},
        "probes.yaml": {"probes": []},
        "steps.yaml": {"steps": step_list},
        "fixes.yaml": {"fixes": fixes},
        "leds.yaml": {
            "patterns": [
                {"id": led, "colour": "red", "rhythm": "x", "looks_like": led} for led in LED_IDS
            ]
        },
        "families.yaml": {
            "fallback": "generic",
            "families": [
                {
                    "id": "generic",
                    "brand": "any",
                    "title": "generic",
                    "models": [],
                    "share": 1.0,
                    "default_weight": 1.0,
                    "reset": {
                        "button": "reset",
                        "hold_seconds": "5",
                        "after": "blinks",
                        "source": "test",
                        "confidence": "low",
                    },
                    "leds": [
                        {
                            "led": "red_slow_blink",
                            "meaning": "m",
                            "source": "s",
                            "confidence": "low",
                            "weights": {},
                        }
                    ],
                }
            ],
        },
        "tips.yaml": {"tips": [], "support": {"when_to_contact": ["x"], "have_ready": ["y"]}},
        "faq.yaml": {"faq": []},
    }
    for name, data in files.items():
        (folder / name).write_text(yaml.safe_dump(data, sort_keys=False))
    return folder


def tiny_model(folder: Path, **kwargs: Any) -> Model:
    return compile_model(load_knowledge(write_kb(folder, **kwargs)))
