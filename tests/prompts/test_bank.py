"""Prompt bank v1 against SPEC §2: counts, balance, conflict rules, plurals, exclusions, reproducibility."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from divgenbench.prompts import vocab as V
from divgenbench.prompts.bank import load_prompts, write_bank
from divgenbench.prompts.build import _mentions, build_bank, feature_conflict, read_parti

REPO = Path(__file__).resolve().parents[2]
PARTI = REPO / "prompts" / "sources" / "PartiPrompts.tsv"


@pytest.fixture(scope="module")
def bank():
    return load_prompts("bundled")


def test_800_prompts_per_dimension_with_unique_texts_and_ids(bank):
    for dim in ("id", "style", "layout", "tonal"):
        prompts = bank[dim]
        assert len(prompts) == 800
        assert len({p.text for p in prompts}) == 800
        assert [p.id for p in prompts] == [f"{dim}-{i:04d}" for i in range(1, 801)]
        assert {p.dimension for p in prompts} == {dim}


def test_id_balance_over_36_cells(bank):
    cells = Counter(p.attributes["group"] for p in bank["id"])
    assert len(cells) == 36 and set(cells.values()) == {22, 23}
    assert sum(v == 23 for v in cells.values()) == 800 - 36 * 22


def test_id_prompts_follow_template_and_conflict_rules(bank):
    for p in bank["id"]:
        a = p.attributes
        assert 1 <= len(a["features"]) <= 2
        assert set(a["features"]) <= set(V.CELEBA_FEATURES)
        assert feature_conflict(a["features"], a["age"], a["gender"]) is None, p.text
        article = "an" if a["age"] == "elderly" else "a"
        assert p.text.startswith(f"A high-quality portrait photo of {article} {a['age']} {a['ethnicity']} {a['gender']} ")
        assert not {"Male", "Young", "Blurry"} & set(a["features"])


@pytest.mark.parametrize(("features", "age", "gender", "reason"), [
    (["Black_Hair", "Blond_Hair"], "young", "man", "more than one hair colour"),
    (["Straight_Hair", "Wavy_Hair"], "elderly", "woman", "straight and wavy hair"),
    (["Bald", "Bangs"], "elderly", "man", "bald with a hair feature"),
    (["Bald", "Receding_Hairline"], "middle-aged", "man", "bald with a hair feature"),
    (["Goatee"], "young", "woman", "beard feature for a woman"),
    (["Sideburns"], "elderly", "woman", "beard feature for a woman"),
    (["No_Beard", "Mustache"], "young", "man", "no beard with a beard feature"),
    (["Gray_Hair"], "young", "woman", "gray hair with young"),
])
def test_each_conflict_rule_rejects_its_case(features, age, gender, reason):
    assert feature_conflict(features, age, gender) == reason


def test_allowed_combinations_pass_the_rules():
    assert feature_conflict(["Gray_Hair", "Wavy_Hair"], "elderly", "woman") is None
    assert feature_conflict(["Goatee", "Mustache"], "middle-aged", "man") is None


def test_style_balance_and_templates(bank):
    per_style = Counter(p.attributes["style"] for p in bank["style"])
    assert set(per_style) == set(V.WIKIART_STYLES) and len(per_style) == 27
    assert set(per_style.values()) == {29, 30}
    for p in bank["style"]:
        assert p.template in V.STYLE_TEMPLATES and p.attributes["style"] in p.text


def test_layout_balance_plurals_and_query(bank):
    per_class = Counter(p.attributes["class"] for p in bank["layout"])
    per_count = Counter(p.attributes["count"] for p in bank["layout"])
    assert len(per_class) == 80 and set(per_class.values()) == {10}
    assert per_count == {2: 200, 3: 200, 4: 200, 5: 200}
    for p in bank["layout"]:
        a = p.attributes
        assert f"{V.LAYOUT_COUNTS[a['count']]} {V.COCO_PLURALS[a['class']]} " in p.text
        assert a["query"] == f"{a['class']}."


@pytest.mark.parametrize(("cls", "plural"), [
    ("person", "people"), ("sheep", "sheep"), ("mouse", "computer mice"), ("scissors", "pairs of scissors"),
    ("skis", "skis"), ("knife", "knives"), ("bus", "buses"), ("wine glass", "wine glasses"),
    ("toothbrush", "toothbrushes"), ("couch", "couches"), ("broccoli", "heads of broccoli"),
])
def test_hand_checked_plurals(bank, cls, plural):
    texts = [p.text for p in bank["layout"] if p.attributes["class"] == cls]
    assert len(texts) == 10 and all(plural in t for t in texts)


def test_tonal_balance_and_keywords(bank):
    per_keyword = Counter(p.attributes["keyword"] for p in bank["tonal"])
    assert len(per_keyword) == 18 and set(per_keyword.values()) == {44, 45}
    axes = Counter(p.attributes["axis"] for p in bank["tonal"])
    assert set(axes) == {"saturation", "brightness", "contrast"}
    added = {kw for kws in V.TONAL_KEYWORDS.values() for kw, extra in kws if extra}
    assert len(added) == 7
    for p in bank["tonal"]:
        assert p.attributes["keyword"].lower() in p.text.lower()
        assert p.attributes["paper_keyword"] == (p.attributes["keyword"] not in added)


def test_no_excluded_word_in_any_base(bank):
    for p in bank["style"]:
        assert not _mentions(p.attributes["base"], V.MEDIUM_OR_STYLE_WORDS), p.attributes["base"]
        assert len(p.attributes["base"].split()) <= V.PARTI_MAX_WORDS
        assert p.attributes["parti_category"] in V.PARTI_CATEGORIES
    for p in bank["tonal"]:
        assert not _mentions(p.attributes["base"], V.MEDIUM_OR_STYLE_WORDS + V.LIGHT_OR_MOOD_WORDS), p.attributes["base"]


def test_mentions_matches_whole_words_only():
    assert _mentions("an oil lamp", ["oil"]) and not _mentions("a boiling pot", ["oil"])
    assert _mentions("black and white cat", ["black and white"])


def test_articles_agree_with_the_slot(bank):
    texts = [p.text for d in ("style", "tonal") for p in bank[d]]
    assert not [t for t in texts if re.match(r"^A [AEIOUaeiou]", t)]


def test_rebuild_is_byte_identical(tmp_path):
    out = tmp_path / "v1"
    manifest = write_bank(build_bank(read_parti(PARTI)), out, PARTI)
    for dim in ("id", "style", "layout", "tonal"):
        assert (out / f"{dim}.jsonl").read_bytes() == (REPO / "prompts" / "v1" / f"{dim}.jsonl").read_bytes()
    committed = (REPO / "prompts" / "v1" / "manifest.json").read_text()
    assert (out / "manifest.json").read_text() == committed
    assert manifest["sources"]["parti"]["sha256"] == "fab29e41bb512a169b56acab4cf2a41dcb675e285df2efcde6640c7dd3c440eb"
