"""The troubleshooting engine: pure computation over the knowledge base, no I/O.

- `belief`: P(cause | evidence) (single-fault Bayes).
- `planner`: the next thing to do — ask, check, repair or escalate — after
  Heckerman, Breese & Rommelse (1995), "Decision-theoretic troubleshooting".
- `session`: one troubleshooting run, serialisable to JSON.
"""

from kasa_doctor.engine.evidence import Evidence
from kasa_doctor.engine.model import Model, compile_model, default_model
from kasa_doctor.engine.planner import Proposal, propose
from kasa_doctor.engine.session import Session, SessionError

__all__ = [
    "Evidence",
    "Model",
    "Proposal",
    "Session",
    "SessionError",
    "compile_model",
    "default_model",
    "propose",
]
