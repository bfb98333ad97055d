"""The off-topic model: a logistic regression over a few dozen relevance features, read from JSON.

The default model ships beside this module (``offtopic_default.json``, checked against DEFAULT_SHA256 when it
is read) and is rebuilt offline by ``python -m training.offtopic ../shared/data``. A site that has off-topic
labels of its own gets a model of the same shape from ``moderation train``, kept in its manifest under
``off_topic_relevance``; the tagger then uses that one (see :func:`site_model`).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_PATH = Path(__file__).resolve().parent / "offtopic_default.json"
DEFAULT_SHA256 = "c0aee936e5c09c4784e8a70149f15741cd18a6b04e60dfe067c4f98e76c9d498"
FORMAT = "moderation-offtopic-linear/2"  # /2: the other threads' discussions, and no-context terms
_log = logging.getLogger(__name__)
_LINK = re.compile(r"https?://|www\.", re.I)
_WORDS = re.compile(r"\w+")
QUOTE_CAP = 0.2  # a quote-reply answers the thread: its off-topic probability is scaled into [0, QUOTE_CAP)

# Relevance features (moderation.labelling.relevance.Relevance.features) and the comment's own properties.
FEATURES = (
    "article", "target", "thread", "reply", "char_article", "coverage", "char_coverage",
    "sem_article", "sem_target", "sem_thread", "sem_reply",
    "other_lex", "other_sem", "lex_margin", "sem_margin", "has_other",
    "has_body", "log_context", "no_context",
    "log_words", "log_terms", "no_terms", "has_link", "question",
    # the other threads' discussions (moderation.labelling.discussions): best cosines, and the stem margin
    "disc_lex", "disc_sem", "disc_margin",
    # a comment with no earlier comment to match (a thread's first) leans on other evidence: its own terms
    "nc_disc_lex", "nc_disc_sem", "nc_disc_margin", "nc_lex_margin", "nc_sem_margin", "nc_target", "nc_sem_target",
)


def row(f: Mapping[str, Any], text: str) -> list[float]:
    """The model's input, in FEATURES order, from a text's relevance features."""
    own_lex = max(float(f["article"]), float(f["target"]), float(f["thread"]), float(f["reply"]))
    own_sem = max(float(f["sem_article"]), float(f["sem_target"]), float(f["sem_reply"]))
    has_other = bool(f["has_other"])
    values = {
        **{k: float(f[k]) for k in FEATURES[:13]},
        "lex_margin": float(f["other_lex"]) - own_lex if has_other else 0.0,
        "sem_margin": float(f["other_sem"]) - own_sem if has_other else 0.0,
        "has_other": float(has_other), "has_body": float(bool(f["has_body"])),
        "log_context": math.log1p(int(f["n_context"])), "no_context": float(int(f["n_context"]) == 0),
        "log_words": math.log1p(len(_WORDS.findall(text))), "log_terms": math.log1p(int(f["n_terms"])),
        "no_terms": float(int(f["n_terms"]) == 0), "has_link": float(bool(_LINK.search(text))),
        "question": float("?" in text),
    }
    has_disc = bool(f.get("has_disc"))
    values["disc_lex"] = float(f["disc_lex"]) if has_disc else 0.0
    values["disc_sem"] = float(f["disc_sem"]) if has_disc else 0.0
    values["disc_margin"] = values["disc_lex"] - own_lex if has_disc else 0.0
    nc = values["no_context"]
    for k in ("disc_lex", "disc_sem", "disc_margin", "lex_margin", "sem_margin", "target", "sem_target"):
        values[f"nc_{k}"] = values[k] * nc
    return [values[k] for k in FEATURES]


@dataclass(frozen=True)
class LinearModel:
    """Standardised features, one weight each and an intercept: P(off-topic) = sigmoid(w . z + b)."""

    name: str
    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    info: Mapping[str, Any]

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> LinearModel:
        """A model from its JSON form (ValueError when it is not one, or not over FEATURES)."""
        if d.get("format") != FORMAT or tuple(d.get("features", ())) != FEATURES:
            raise ValueError(f"not an off-topic model of format {FORMAT} over the current features")
        n = len(FEATURES)
        parts = [tuple(float(v) for v in d[k]) for k in ("mean", "scale", "coef")]
        if any(len(p) != n for p in parts):
            raise ValueError("off-topic model: mean, scale and coef need one value per feature")
        return cls(str(d.get("name", "off-topic model")), FEATURES, *parts, float(d["intercept"]),
                   {k: v for k, v in d.items() if k not in ("mean", "scale", "coef", "intercept", "features")})

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (floats as Python writes them: reading it back gives the same model)."""
        return {**self.info, "format": FORMAT, "name": self.name, "features": list(self.features),
                "mean": list(self.mean), "scale": list(self.scale), "coef": list(self.coef),
                "intercept": self.intercept}

    @property
    def quote_cap(self) -> float:
        """What a quote-reply's probability is multiplied by: QUOTE_CAP, unless the site's labels chose another
        (``quote_cap`` in a site model, chosen by out-of-fold log loss: training/offtopic_model.py)."""
        return float(self.info.get("quote_cap", QUOTE_CAP))

    def logit(self, x: Sequence[float]) -> float:
        """w . z + b for one feature row."""
        return self.intercept + sum(w * (v - m) / s for w, v, m, s in zip(self.coef, x, self.mean, self.scale,
                                                                          strict=True))

    def probability(self, x: Sequence[float]) -> float:
        """P(off-topic) for one feature row (full precision: no rounding, so the queue order is kept)."""
        z = self.logit(x)
        return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def sha256_file(path: Path) -> str:
    """sha256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@functools.lru_cache(maxsize=1)
def default_model() -> LinearModel:
    """The shipped model, after checking its file's sha256."""
    digest = sha256_file(DEFAULT_PATH)
    if digest != DEFAULT_SHA256:
        raise ValueError(f"{DEFAULT_PATH.name}: sha256 {digest} is not the one this release ships "
                         f"({DEFAULT_SHA256}); rebuild it with python -m training.offtopic")
    return LinearModel.from_dict(json.loads(DEFAULT_PATH.read_text(encoding="utf-8")))


def site_model(scorer: Any) -> LinearModel | None:
    """The off-topic model a site trained (in the loaded model's manifest), or None: the default speaks."""
    manifest = getattr(scorer, "manifest", None)
    spec = manifest.get("off_topic_relevance") if isinstance(manifest, Mapping) else None
    if not spec:
        return None
    if spec.get("format") != FORMAT:  # trained by an older release over other features: not served
        if getattr(scorer, "_off_topic_warned", False) is False:
            _log.warning("the model's off-topic part is of format %s, not %s: the default off-topic model "
                         "speaks until the model is retrained (moderation train)", spec.get("format"), FORMAT)
            with contextlib.suppress(AttributeError):
                scorer._off_topic_warned = True
        return None
    cached = getattr(scorer, "_off_topic_relevance", None)
    if cached is None:
        cached = LinearModel.from_dict(spec)
        with contextlib.suppress(AttributeError):  # a scorer that takes no attributes: parsed again next time
            scorer._off_topic_relevance = cached
    return cached
