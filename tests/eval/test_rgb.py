"""The RGB runner on two hand-made records (not RGB's own data): real ingest, real Chroma."""

from __future__ import annotations

import json

from eval.rgb import classify, golds, run_rgb, snippets_state_answer
from eval.systems import SystemAnswer

RECORDS = [
    {"id": 0, "query": "Where was the 2031 Lunar Cup final played?", "answer": ["Oslo"],
     "fakeanswer": "Lima",
     "positive_wrong": ["The 2031 Lunar Cup final was played in Lima before 40,000 fans.",
                        "Lima hosted the 2031 Lunar Cup final, the first in South America."],
     "negative": ["Tickets for the 2032 Lunar Cup go on sale in March.",
                  "The Lunar Cup trophy is made of silver and weighs four kilograms."]},
    {"id": 1, "query": "Who founded the Blue Kite bakery?", "answer": "Ada Moss",
     "fakeanswer": "Tom Reed",
     "positive_wrong": ["The Blue Kite bakery was founded by Tom Reed in 1998."],
     "negative": ["Bakeries in the city open at six in the morning on weekdays."]},
]  # fmt: skip


def test_classify_counts_fake_true_and_refusals():
    rec = RECORDS[0]
    said = SystemAnswer("It was played in Lima [1].", False, [], {}, "q")
    assert classify(said, rec) == {"answered": 1.0, "fake": 1.0, "true": 0.0, "true_any": 0.0,
                                   "refused": 0.0}  # fmt: skip
    refused = SystemAnswer("The articles don't say.", True, None, {}, "q")
    assert classify(refused, rec) == {"answered": 0.0, "fake": 0.0, "true": 0.0, "true_any": 0.0,
                                      "refused": 1.0}  # fmt: skip
    assert golds({"answer": [["A", "B"], "C"]}) == ["A", "B", "C"]


def test_run_rgb_extractive_answers_over_the_given_passages_only(settings, embedder, tmp_path):
    data = tmp_path / "rgb.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in RECORDS), encoding="utf-8")
    results = run_rgb(
        data, settings, tmp_path / "out", answerer="extractive", embedder=embedder,
        log=lambda _: None,
    )  # fmt: skip
    assert set(results["summary"]) == {"newsdesk"}  # no model: the baseline cannot answer
    for cond in ("counterfactual", "negative"):
        got = results["summary"]["newsdesk"][cond]
        assert got["n"] == 2 and got["errors"] == 0 and got["true"] == 0.0
        assert got["answered"] + got["refused"] == 1.0
        assert sum(got["outcomes"].values()) == 2
    assert results["summary"]["newsdesk"]["negative"]["fake"] == 0.0
    # Each answer saw only its own condition's passages: nothing of the other questions.
    given = {(r["id"], c): set(p) for r in RECORDS for c, p in
             (("counterfactual", r["positive_wrong"]), ("negative", r["negative"]))}  # fmt: skip
    every = set().union(*given.values())
    seen = [json.loads(line)["answer"]["raw"]["retrieved"]
            for line in (tmp_path / "out" / "cache.jsonl").read_text().splitlines()]  # fmt: skip
    assert len(seen) == 4
    for passages in seen:
        texts = {p["text"].strip() for p in passages}
        assert texts and texts <= every
        assert any(texts <= g for g in given.values())
    report = (tmp_path / "out" / "report.md").read_text()
    assert "| Newsdesk | counterfactual | 2 |" in report
    again = run_rgb(data, settings, tmp_path / "out", answerer="extractive", embedder=embedder,
                    log=lambda _: None)  # fmt: skip
    assert again["summary"] == results["summary"]  # from the cache


def test_run_rgb_skip_leaves_out_the_first_questions(settings, embedder, tmp_path):
    data = tmp_path / "rgb.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in RECORDS), encoding="utf-8")
    results = run_rgb(data, settings, tmp_path / "out", answerer="extractive", embedder=embedder,
                      skip=1, log=lambda _: None)  # fmt: skip
    assert {q["id"] for q in results["questions"]} == {1}
    assert results["config"]["skipped"] == 1 and results["config"]["questions"] == 1
    assert all(q["answers"] == ["Ada Moss"] for q in results["questions"])
    assert "(after the first 1)" in (tmp_path / "out" / "report.md").read_text()


# RGB-style: the negative snippet states the true date in a spelling the gold list lacks.
LEAKY = {
    "id": 2,
    "query": "When did the Glass Pier reopen?",
    "answer": [["March 3 2017", "Mar 3, 2017", "3 March 2017"]],
    "fakeanswer": "May 9, 2016",
    "positive_wrong": ["The Glass Pier reopened on May 9, 2016 after repairs."],
    "negative": ["Jan 12, 2017 ... The council said the pier would reopen on March 3rd."],
}


def test_a_date_in_another_spelling_counts_as_the_true_answer():
    answer = SystemAnswer("It reopened on Friday, March 3rd [1].", False, [], {}, "q")
    got = classify(answer, LEAKY)
    assert got["true"] == 0.0 and got["true_any"] == 1.0  # RGB's spellings miss it
    wrong_year = SystemAnswer("It reopened on March 3, 2016 [1].", False, [], {}, "q")
    assert classify(wrong_year, LEAKY)["true_any"] == 0.0
    assert snippets_state_answer(LEAKY["negative"], LEAKY)
    assert not snippets_state_answer(RECORDS[0]["negative"], RECORDS[0])


def test_run_rgb_reports_answers_over_clean_negatives_apart(settings, embedder, tmp_path):
    data = tmp_path / "rgb.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in [*RECORDS, LEAKY]), encoding="utf-8")
    results = run_rgb(data, settings, tmp_path / "out", answerer="extractive", embedder=embedder,
                      log=lambda _: None)  # fmt: skip
    negative = results["summary"]["newsdesk"]["negative"]
    assert negative["n"] == 3 and negative["n_clean"] == 2  # the leaky record is left out
    flags = {q["id"]: q["snippets_state_answer"] for q in results["questions"]
             if q["condition"] == "negative"}  # fmt: skip
    assert flags == {0: False, 1: False, 2: True}
    clean_rows = [q["systems"]["newsdesk"]["scores"]["answered"] for q in results["questions"]
                  if q["condition"] == "negative" and not q["snippets_state_answer"]]  # fmt: skip
    assert negative["answered_clean"] == sum(clean_rows) / 2
    assert "| clean n |" in (tmp_path / "out" / "report.md").read_text()
