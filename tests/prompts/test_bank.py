"""Prompt bank v1 against SPEC §2: counts, balance, conflict rules, plurals, exclusions, reproducibility."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from divgenbench.prompts import vocab as V
from divgenbench.prompts.bank import load_prompts, write_bank
from divgenbench.prompts.build import build_bank, feature_conflict, layout_setting, parti_bases, read_parti
from divgenbench.prompts.grammar import finite_verb, fix_articles, mentions

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


def _alternatives(form: str) -> str:
    return "|".join(re.escape(phrase) for f, phrase in V.CELEBA_FEATURES.values() if f == form)


# The allowed grammatical shapes of an ID prompt: adjectives (comma-joined) before the age, then at most one
# "with … and …" part and one "wearing … and …" part, the second after a comma when both are present.
ADJ, WITH, WORN = (_alternatives(form) for form in (V.ADJECTIVE, V.WITH, V.WEARING))
ID_SHAPE = re.compile(
    rf"A high-quality portrait photo of (?P<article>an?) (?P<adjectives>(?:{ADJ})(?:, (?:{ADJ}))? )?"
    rf"(?P<age>{'|'.join(V.AGES)}) (?P<ethnicity>{'|'.join(V.ETHNICITIES)}) (?P<gender>man|woman)"
    rf"(?P<with> with (?:{WITH})(?: and (?:{WITH}))?)?(?P<worn>,? wearing (?:{WORN})(?: and (?:{WORN}))?)?")


def test_id_prompts_have_one_grammar_and_follow_the_conflict_rules(bank):
    for p in bank["id"]:
        a = p.attributes
        assert 1 <= len(a["features"]) <= 2
        assert set(a["features"]) <= set(V.CELEBA_FEATURES)
        assert feature_conflict(a["features"], a["age"], a["gender"]) is None, p.text
        assert not {"Male", "Young", "Blurry"} & set(a["features"])
        shape = ID_SHAPE.fullmatch(p.text)
        assert shape, p.text
        assert (shape["age"], shape["ethnicity"], shape["gender"]) == (a["age"], a["ethnicity"], a["gender"])
        assert (shape["worn"] or "").startswith(",") == bool(shape["with"] and shape["worn"]), p.text
        phrases = [V.CELEBA_FEATURES[f][1] for f in a["features"]]
        assert sorted(re.findall("|".join(map(re.escape, sorted(phrases, key=len, reverse=True))), p.text)) \
            == sorted(phrases), p.text
        assert fix_articles(p.text) == p.text, p.text
        assert " who " not in p.text and "with with" not in p.text and " and with " not in p.text


def test_id_shapes_cover_every_form():
    """Every feature form and their mixes occur, so the shape test above is exercised on each branch."""
    bank = load_prompts("bundled")
    shapes = {tuple(bool(m[g]) for g in ("adjectives", "with", "worn"))
              for m in (ID_SHAPE.fullmatch(p.text) for p in bank["id"])}
    assert {(True, False, False), (False, True, False), (False, False, True), (True, True, False),
            (True, False, True), (False, True, True)} <= shapes


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
        noun, adjective = V.STYLE_NAMES[p.attributes["style"]]
        assert p.template in V.STYLE_TEMPLATES and p.attributes["style_name"] == noun
        assert (noun if "{style}" in p.template else adjective).lower() in p.text.lower(), p.text


def test_style_names_are_written_as_people_write_them(bank):
    texts = [p.text for p in bank["style"]]
    assert not [t for t in texts if "painting painting" in t.lower()]
    for written in ("Ukiyo-e", "Post-Impressionism", "Naïve Art (Primitivism)", "Mannerism (Late Renaissance)",
                    "Action painting of", "Color Field painting of"):
        assert any(written in t for t in texts), written
    for label in ("Ukiyo e", "Post Impressionism", "Naive Art Primitivism", "Mannerism Late Renaissance"):
        assert not [t for t in texts if label in t], label


def test_no_large_class_is_put_on_a_table(bank):
    table_templates = {t for t in V.LAYOUT_SETTINGS["table"] if "table" in V.LAYOUT_TEMPLATES[t]}
    large = set().union(*V.LAYOUT_LARGE_CLASSES.values())
    assert {"person", "dining table", "car", "elephant", "couch", "airplane"} <= large
    for p in bank["layout"]:
        a = p.attributes
        assert a["setting"] == layout_setting(a["class"]) and a["template_index"] in V.LAYOUT_SETTINGS[a["setting"]]
        assert p.template == V.LAYOUT_TEMPLATES[a["template_index"]]
        if a["class"] in large:
            assert a["template_index"] not in table_templates and "table" not in p.text.replace(
                "dining tables", ""), p.text


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
    added = {kw for kws in V.TONAL_KEYWORDS.values() for kw, extra, _ in kws if extra}
    assert len(added) == 7
    for p in bank["tonal"]:
        assert p.attributes["keyword"].lower() in p.text.lower()
        assert p.attributes["paper_keyword"] == (p.attributes["keyword"] not in added)


def test_paper_keywords_are_kept_verbatim():
    paper = {kw for kws in V.TONAL_KEYWORDS.values() for kw, extra, _ in kws if not extra}
    assert paper == {
        "monochrome, black and white", "desaturated, muted colors", "natural colors", "vibrant, saturated colors",
        "neon colors, fluorescent", "high key photography", "low key photography, dark scene", "dimly lit",
        "silhouette", "high contrast, hard lighting", "soft lighting, overcast day"}


def test_every_tonal_prompt_uses_an_allowed_keyword_template_pair(bank):
    allowed = {kw: set(templates) for kws in V.TONAL_KEYWORDS.values() for kw, _, templates in kws}
    used = {(p.attributes["keyword"], p.attributes["template_index"]) for p in bank["tonal"]}
    assert used == {(kw, t) for kw, ts in allowed.items() for t in ts}  # every allowed pair is used, none else
    assert set().union(*allowed.values()) == set(range(len(V.TONAL_TEMPLATES)))
    for p in bank["tonal"]:
        assert p.template == V.TONAL_TEMPLATES[p.attributes["template_index"]]
    texts = [p.text for p in bank["tonal"]]
    for broken in ("characterized by dimly lit", "captured with dimly lit", "colors properties",
                   "photography properties", "captured with silhouette", "A natural colors image"):
        assert not [t for t in texts if broken in t], broken


def test_no_excluded_word_in_any_base(bank):
    for p in bank["style"]:
        assert not mentions(p.attributes["base"], V.MEDIUM_OR_STYLE_WORDS), p.attributes["base"]
        assert len(p.attributes["base"].split()) <= V.PARTI_MAX_WORDS
        assert p.attributes["parti_category"] in V.PARTI_CATEGORIES
    for p in bank["tonal"]:
        assert not mentions(p.attributes["base"], V.MEDIUM_OR_STYLE_WORDS + V.LIGHT_OR_MOOD_WORDS), p.attributes["base"]


def test_accented_and_new_medium_words_are_excluded_from_the_source():
    rows = [{"Prompt": text, "Category": "People"} for text in (
        "Salvador Dalí", "a capybara made of voxels sitting in a field", "a thumbnail image of a person skiing",
        "a horse in a field")]
    assert [b.text for b in parti_bases(rows, V.MEDIUM_OR_STYLE_WORDS)] == ["a horse in a field"]


def test_no_base_holds_a_finite_verb_or_a_parti_typo(bank):
    for d in ("style", "tonal"):
        for p in bank[d]:
            base = p.attributes["base"]
            assert finite_verb(base) is None, base
            assert fix_articles(base) == base, base
            assert not mentions(base, [w for w in V.PARTI_FIXES if w.islower() and " " not in w]), base
            if "parti_text" in p.attributes:
                assert p.attributes["parti_text"] != base


def test_clauses_in_the_source_are_dropped():
    rows = [{"Prompt": text, "Category": "Animals"} for text in (
        "Jupiter rises on the horizon", "A dog gives an apple to a squirrel", "a tiger is playing football",
        "a tiger playing football")]
    assert [b.text for b in parti_bases(rows, ())] == ["a tiger playing football"]


def test_articles_agree_in_every_prompt(bank):
    texts = [p.text for d in ("id", "style", "layout", "tonal") for p in bank[d]]
    assert not [t for t in texts if fix_articles(t) != t]


def test_the_manifest_records_the_retired_hash_and_the_decisions():
    import json

    manifest = json.loads((REPO / "prompts" / "v1" / "manifest.json").read_text())
    assert manifest["retired_sha256"] == V.RETIRED_BANK_SHA256 and manifest["sha256"] not in V.RETIRED_BANK_SHA256
    decisions = manifest["decisions"]
    assert (REPO / decisions["notes"]).is_file()
    assert decisions["tonal_keyword_templates"]["dimly lit"] == [1, 3, 5]
    assert "person" in decisions["layout_large_classes"]["room"]


def test_rebuild_is_byte_identical(tmp_path):
    out = tmp_path / "v1"
    manifest = write_bank(build_bank(read_parti(PARTI)), out, PARTI)
    for dim in ("id", "style", "layout", "tonal"):
        assert (out / f"{dim}.jsonl").read_bytes() == (REPO / "prompts" / "v1" / f"{dim}.jsonl").read_bytes()
    committed = (REPO / "prompts" / "v1" / "manifest.json").read_text()
    assert (out / "manifest.json").read_text() == committed
    assert manifest["sources"]["parti"]["sha256"] == "fab29e41bb512a169b56acab4cf2a41dcb675e285df2efcde6640c7dd3c440eb"


@pytest.mark.parametrize("content, problem", [
    (b"Prompt\tCategory\n\xff\xfe broken\tAnimals\n", "is not UTF-8 TSV"),
    (b"Text\tKind\na cat\tAnimals\n", "line 2 has no Prompt or Category column"),
])
def test_a_damaged_parti_source_is_one_error_naming_the_fix(tmp_path, content, problem):
    from divgenbench.errors import DataError
    from divgenbench.prompts.build import read_parti

    source = tmp_path / "PartiPrompts.tsv"
    source.write_bytes(content)
    with pytest.raises(DataError, match=problem) as refused:
        read_parti(source)
    assert "--parti PATH" in refused.value.one_line()
