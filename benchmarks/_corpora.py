"""The public corpora as interchange rows (see benchmarks/_product.py): SemEval-2016 6A, Perspectrum, FNC-1."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from benchmarks._product import Row

_SEMST = re.compile(r"#semst", re.IGNORECASE)
PERSPECTRUM_STANCE = {"SUPPORT": "favor", "UNDERMINE": "against"}
FNC_STANCE = {"agree": "favor", "disagree": "against", "discuss": "none"}


def semeval(path: Path, split: str) -> list[Row]:
    """One thread per target (empty body, the target as claim); the tweet without `#SemST` as the comment."""
    rows = []
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            target = row["Target"]
            rows.append({"thread": target.lower().replace(" ", "-"), "target": target, "title": target, "body": "",
                         "id": f"{split}-{row['ID']}", "text": _SEMST.sub("", row["Tweet"]).strip(),
                         "stance": row["Stance"].lower()})
    return rows


def perspectrum(folder: Path) -> dict[str, list[Row]]:
    """Rows by split (train / dev / test): a claim is a thread, each of its perspectives a comment."""
    claims = json.loads((folder / "perspectrum_with_answers_v1.0.json").read_text(encoding="utf-8"))
    pool = {p["pId"]: p["text"] for p in json.loads((folder / "perspective_pool_v1.0.json").read_text("utf-8"))}
    split = json.loads((folder / "dataset_split_v1.0.json").read_text(encoding="utf-8"))
    out: dict[str, list[Row]] = {"train": [], "dev": [], "test": []}
    for claim in claims:
        cid = claim["cId"]
        for k, cluster in enumerate(claim["perspectives"]):
            stance = PERSPECTRUM_STANCE.get(cluster["stance_label_3"])
            if stance is None:
                continue
            for pid in cluster["pids"]:  # a perspective can sit in two clusters of one claim: ids name the cluster
                out[split[str(cid)]].append({"thread": f"claim-{cid}", "target": claim["text"], "title": claim["text"],
                                             "body": "", "id": f"c{cid}-k{k}-p{pid}", "text": pool[pid],
                                             "stance": stance})
    return out


def fnc1(folder: Path, stances: str, bodies: str) -> list[Row]:
    """One thread per headline (the claim), each body under it a comment; unrelated = off-topic."""
    with open(folder / bodies, encoding="utf-8", newline="") as fh:
        text = {r["Body ID"]: r["articleBody"] for r in csv.DictReader(fh)}
    rows = []
    with open(folder / stances, encoding="utf-8", newline="") as fh:
        heads: dict[str, str] = {}
        for n, r in enumerate(csv.DictReader(fh)):
            thread = heads.setdefault(r["Headline"], f"h{len(heads)}")
            unrelated = r["Stance"] == "unrelated"
            rows.append({"thread": thread, "target": r["Headline"], "title": r["Headline"], "body": "",
                         "id": f"{thread}-b{r['Body ID']}-{n}", "text": text[r["Body ID"]],
                         "stance": None if unrelated else FNC_STANCE[r["Stance"]], "off_topic": unrelated,
                         "gold": r["Stance"]})
    return rows
