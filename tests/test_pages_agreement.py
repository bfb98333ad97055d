"""Agreement figures against hand-computed values, disagreements, and adjudication into gold."""

from __future__ import annotations

import pytest

from moderation.pages import agreement
from tests.pages_live import seed_store

T = "kishida-nato"


def _coded(rows: dict[str, dict[str, str]]) -> dict[str, dict[str, dict]]:
    return {item: {a: {"stance": s, "off_topic": False, "duplicate_of": None} for a, s in by.items()}
            for item, by in rows.items()}


def test_kappa_and_alpha_match_hand_computation() -> None:
    # a and b agree on 3 of 4 items: Ao = 0.75; marginals a: f,f,a,n  b: f,a,a,n -> Ae = (2*1 + 1*2 + 1*1)/16.
    coded = _coded({"1": {"a": "favor", "b": "favor"}, "2": {"a": "favor", "b": "against"},
                    "3": {"a": "against", "b": "against"}, "4": {"a": "none", "b": "none"},
                    "5": {"a": "none"}})
    report = agreement.report(coded)
    ae = (2 * 1 + 1 * 2 + 1 * 1) / 16
    [pair] = report["pairs"]
    assert (pair["a"], pair["b"], pair["items"], pair["agree"]) == ("a", "b", 4, 3)
    assert pair["kappa"]["stance"] == pytest.approx((0.75 - ae) / (1 - ae), abs=1e-4)
    assert report["items"] == 4  # item 5 has one annotator: not counted
    # Krippendorff's nominal alpha = 1 - (n - 1) * sum(o_ck, c != k) / sum(n_c * n_k, c != k): 8 pairable
    # values (favor 3, against 3, none 2), one disagreeing item giving 2 off-diagonal coincidences.
    n, off_diagonal = 8, 2
    expected = n * n - (3 * 3 + 3 * 3 + 2 * 2)
    assert report["alpha"]["stance"] == pytest.approx(1 - (n - 1) * off_diagonal / expected, abs=1e-4)
    assert report["alpha"]["off_topic"] is None or report["alpha"]["off_topic"] == 1.0


def test_disagreements_and_adjudication(store) -> None:  # noqa: ANN001
    seed_store(store)
    store.add_label(f"{T}-001", stance="favor", off_topic=False, annotator="ann")
    store.add_label(f"{T}-001", stance="against", off_topic=False, annotator="bob")
    store.add_label(f"{T}-002", stance="none", off_topic=True, annotator="ann")
    store.add_label(f"{T}-002", stance="none", off_topic=True, annotator="bob")
    coded, gold = agreement.latest(store, T)
    [d] = agreement.disagreements(coded, gold)
    assert d["comment_id"] == f"{T}-001" and d["fields"] == ["stance"]
    agreement.adjudicate(store, f"{T}-001", "lead", {"stance": "against", "note": "sarcasm"})
    coded, gold = agreement.latest(store, T)
    assert agreement.disagreements(coded, gold) == []
    assert f"{T}-001" in gold and "lead" not in coded[f"{T}-001"]
    exported = {c.id: c for c in store.export_dataset(gold_only=True).comments}
    assert exported[f"{T}-001"].stance == "against" and exported[f"{T}-002"].stance is None
