"""What the model is shown: passages focused on the question, words shared by rank."""

from __future__ import annotations

from qa.prompts import focus, format_passages, passage_words, prompt_words
from tests.qa.passages import passage

# A paragraph of data/sample/000_f88939bbbeb213e0.txt; the question is dev record g027.
CHURKIN = (
    "Meanwhile, Russia’s ambassador to the United Nations Vitaly Churkin called on Syrian "
    "President Bashar al-Assad to abandon any idea of a comprehensive military victory in Syria. "
    "If Syria follows the Kremlin’s leadership in resolving the five-year war, there’s a chance "
    "for a “decent” outcome, according to a transcript of a Kommersant newspaper interview with "
    "Churkin posted on the mission’s website.\n\n“If they believe that no cease-fire is necessary "
    "and they have to fight to the end, this conflict will go for a very, very long time,” "
    "Churkin said. “Whatever the capabilities of the Syrian army, it’s thanks to the effective "
    "Russian air campaign that they managed to drive off their opponents from Damascus.”\n\n"
    "Russia needs to show its international partners it is serious about implementing the "
    "agreement to halt the fighting in Syria, but it won’t stop its air campaign until Aleppo is "
    "captured, said Alexei Malashenko, a Middle East expert at the Moscow Carnegie Center."
)
G027 = (
    "Russia's UN ambassador Vitaly Churkin called on Assad to abandon a comprehensive military "
    "victory; what did Churkin credit for the Syrian army driving its opponents off from Damascus?"
)


def test_focus_reaches_past_a_long_sentence_to_the_answer() -> None:
    # The window grown outward from the best sentence stopped at the long Kommersant
    # sentence; the answer is two sentences further on. The best sentence holds most of the
    # question, so the Kommersant sentence after it is kept next (NEXT_SENTENCE_SUPPORT): at
    # the first passage's budget (106 words) the answer still fits; at 65 it no longer does,
    # the cost of that rule, measured with its gains in eval/RESULTS.md (session 25).
    words = passage_words(3, 65)[0]
    shown = focus(CHURKIN, G027, words)
    assert "effective Russian air campaign" in shown
    assert "Vitaly Churkin called on Syrian President" in shown
    assert len(shown.replace("…", "").split()) <= words
    assert " … " in shown  # what was left out is marked, the article's order kept
    assert shown.index("Vitaly Churkin called") < shown.index("effective Russian air")


def test_focus_keeps_a_passage_that_fits_whole() -> None:
    assert focus(CHURKIN, G027, 500) == CHURKIN


def test_focus_always_keeps_the_best_sentence_even_when_it_is_too_long() -> None:
    shown = focus(CHURKIN, "What did Alexei Malashenko say about Aleppo?", 5)
    assert shown.startswith("Russia needs to show") and "Malashenko" in shown


def test_passage_words_share_the_budget_by_rank() -> None:
    assert passage_words(3, 65) == [106, 53, 35]
    assert sum(passage_words(4, 60)) in range(238, 243)
    assert passage_words(1, 65) == [65]
    assert passage_words(0, 65) == []


def test_format_passages_gives_the_first_passage_the_most_words() -> None:
    passages = [passage(rank, CHURKIN) for rank in (1, 2, 3)]
    blocks = format_passages(passages, G027, 65).split("\n\n[")
    lengths = [len(b.split()) for b in blocks]
    assert lengths[0] > lengths[1] > lengths[2]
    assert "effective Russian air campaign" in blocks[0]


def test_prompt_words_widen_only_when_the_retriever_leaned_on_meaning() -> None:
    plain = [passage(1, CHURKIN), passage(2, CHURKIN)]
    leaned = [plain[0].model_copy(update={"by_meaning": 0.61}), plain[1]]
    assert prompt_words(plain, 65, 90) == 65
    assert prompt_words(leaned, 65, 90) == 90
    assert prompt_words(leaned, 65, 40) == 65  # never narrower than the usual budget


def test_focus_keeps_the_sentence_after_one_that_holds_the_question() -> None:
    # The question restates the Kommersant sentence; the answer is the sentence after it,
    # which shares few of its words and lost to the first sentence on word overlap.
    question = (
        "According to the Kommersant interview, if Syria follows the Kremlin's leadership in "
        "resolving the five-year war, is there a chance for a decent outcome, and what if not?"
    )
    shown = focus(CHURKIN, question, 75)
    assert "very, very long time" in shown
    assert "Vitaly Churkin called on" not in shown
