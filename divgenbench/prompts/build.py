"""Deterministic builder of prompt bank v1 (SPEC §2): ``divgenbench prompts build``.

All randomness comes from one ``random.Random(BANK_SEED)`` per dimension (Python's Mersenne Twister
and its ``shuffle``/``choice``/``sample`` are stable across versions), so a rebuild is byte-identical.
Records are ordered by category (ID cell, style, class, keyword) so evenly spaced subsets stay balanced.
"""

from __future__ import annotations

import csv
import itertools
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataError
from . import vocab as V

DETERMINERS = {"a", "an", "the", "some", "two", "three", "four", "five", "several", "many", "one", "this"}


@dataclass(frozen=True)
class BaseContent:
    """One PartiPrompts row usable as Style/Tonal base content."""

    row: int  # 1-based data row in PartiPrompts.tsv (header excluded)
    category: str
    text: str  # normalised: no trailing period, lower-case leading determiner


def _mentions(text: str, words: Iterable[str]) -> bool:
    low = text.lower()
    return any(re.search(r"(?<![a-z0-9])" + re.escape(w) + r"(?![a-z0-9])", low) for w in words)


def _normalise_base(text: str) -> str:
    text = " ".join(text.split()).rstrip(".").strip()
    first, _, rest = text.partition(" ")
    if first.lower() in DETERMINERS:
        text = first.lower() + (" " + rest if rest else "")
    return text


def read_parti(path: Path) -> list[dict[str, str]]:
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            return list(csv.DictReader(fh, delimiter="\t"))
    except OSError as exc:
        raise DataError(f"cannot read PartiPrompts source {path}: {exc.strerror}",
                        "pass --parti PATH to a copy of PartiPrompts.tsv") from exc


def parti_bases(rows: Sequence[dict[str, str]], exclude: Iterable[str]) -> list[BaseContent]:
    """Filter Parti rows per SPEC §2; [choice] one-sentence prompts only, first occurrence of a text."""
    exclude = tuple(exclude)
    seen: set[str] = set()
    bases = []
    for row_number, row in enumerate(rows, start=1):
        raw = row["Prompt"].strip()
        if row["Category"] not in V.PARTI_CATEGORIES or len(raw.split()) > V.PARTI_MAX_WORDS:
            continue
        text = _normalise_base(raw)
        if "." in text or "\n" in text or not text or _mentions(text, exclude) or text.lower() in seen:
            continue
        seen.add(text.lower())
        bases.append(BaseContent(row_number, row["Category"], text))
    return bases


def _split_balanced(total: int, groups: int, rng: random.Random) -> list[int]:
    """Sizes that differ by at most one; which groups get the extra one is drawn from ``rng``."""
    low, extra = divmod(total, groups)
    lucky = set(rng.sample(range(groups), extra))
    return [low + (i in lucky) for i in range(groups)]


def _record(dimension: str, index: int, text: str, template: str, attributes: dict) -> dict:
    return {"id": f"{dimension}-{index:04d}", "dimension": dimension, "text": text,
            "template": template, "attributes": attributes}


# --- ID ------------------------------------------------------------------------------------------
def feature_conflict(features: Sequence[str], age: str, gender: str) -> str | None:
    """Why a feature set breaks a SPEC §2 conflict rule, or None when it is allowed."""
    fs = set(features)
    if len(fs & V.HAIR_COLOURS) > 1:
        return "more than one hair colour"
    if V.HAIR_TEXTURES <= fs:
        return "straight and wavy hair"
    if "Bald" in fs and fs & V.BALD_EXCLUDES:
        return "bald with a hair feature"
    if gender != "man" and fs & V.BEARD_FEATURES:
        return "beard feature for a woman"
    if "No_Beard" in fs and len(fs & V.BEARD_FEATURES) > 1:
        return "no beard with a beard feature"
    if age == "young" and "Gray_Hair" in fs:
        return "gray hair with young"
    return None


def build_id(rng: random.Random) -> list[dict]:
    cells = list(itertools.product(V.AGES, V.ETHNICITIES, V.GENDERS))
    sizes = _split_balanced(800, len(cells), rng)
    names = sorted(V.CELEBA_FEATURES)
    records, texts = [], set()
    for (age, ethnicity, gender), size in zip(cells, sizes):
        made = 0
        while made < size:
            chosen = sorted(rng.sample(names, rng.choice((1, 2))))
            if feature_conflict(chosen, age, gender):
                continue
            phrase = " and ".join(V.CELEBA_FEATURES[f] for f in chosen)
            article = "an" if age[0] in "aeiou" else "a"
            text = V.ID_TEMPLATE.format(article=article, age=age, ethnicity=ethnicity, gender=gender,
                                        features=phrase)
            if text in texts:
                continue
            texts.add(text)
            made += 1
            records.append(_record("id", len(records) + 1, text, V.ID_TEMPLATE, {
                "age": age, "ethnicity": ethnicity, "gender": gender, "features": chosen,
                "group": f"{age}|{ethnicity}|{gender}"}))
    return records


# --- Style and Tonal share the "slot × Parti base × template" construction -----------------------
def _slot_prompts(dimension: str, slots: Sequence[dict], sizes: Sequence[int], bases: Sequence[BaseContent],
                  templates: Sequence[str], rng: random.Random) -> list[dict]:
    """Each slot value gets ``size`` prompts; bases are drawn without replacement, templates cycle."""
    if sum(sizes) > len(bases):
        raise DataError(f"{dimension}: {len(bases)} Parti bases for {sum(sizes)} prompts",
                        "loosen the base filter or use a larger source")
    pool = list(bases)
    rng.shuffle(pool)
    template_order = list(range(len(templates)))
    records = []
    draw = iter(pool)
    for slot, size in zip(slots, sizes):
        rng.shuffle(template_order)
        for j in range(size):
            base = next(draw)
            t = template_order[j % len(templates)]
            text = _fill(templates[t], slot["value"], base.text)
            records.append(_record(dimension, len(records) + 1, text, templates[t], {
                **slot["attributes"], "template_index": t, "base": base.text,
                "parti_row": base.row, "parti_category": base.category}))
    return records


def _fill(template: str, value: str, base: str) -> str:
    text = template.format(style=value, tonal=value, Tonal=value[:1].upper() + value[1:], base=base)
    text = text[:1].upper() + text[1:]
    # [choice] the paper's "A {style} …" templates take "An" before a vowel ("An Impressionism …").
    return re.sub(r"^A (?=[AEIOUaeiou])", "An ", text)


def build_style(rng: random.Random, bases: Sequence[BaseContent]) -> list[dict]:
    sizes = _split_balanced(800, len(V.WIKIART_STYLES), rng)
    slots = [{"value": s, "attributes": {"style": s}} for s in V.WIKIART_STYLES]
    return _slot_prompts("style", slots, sizes, bases, V.STYLE_TEMPLATES, rng)


def tonal_keywords() -> list[tuple[str, str, bool]]:
    """(axis, keyword, added_by_divgenbench) for the 18 Tonal keywords."""
    return [(axis, kw, extra) for axis, kws in V.TONAL_KEYWORDS.items() for kw, extra in kws]


def build_tonal(rng: random.Random, bases: Sequence[BaseContent]) -> list[dict]:
    keywords = tonal_keywords()
    sizes = _split_balanced(800, len(keywords), rng)
    slots = [{"value": kw, "attributes": {"axis": axis, "keyword": kw, "paper_keyword": not extra}}
             for axis, kw, extra in keywords]
    return _slot_prompts("tonal", slots, sizes, bases, V.TONAL_TEMPLATES, rng)


# --- Layout --------------------------------------------------------------------------------------
def build_layout(rng: random.Random) -> list[dict]:
    """10 prompts per class: two counts get 3 prompts (one per template), two get 2 (two templates).

    The pair of "3-prompt" counts rotates over classes so every count ends with exactly 200.
    """
    counts = sorted(V.LAYOUT_COUNTS)
    records = []
    for c, (cls, plural) in enumerate(V.COCO_PLURALS.items()):
        heavy = {counts[c % 4], counts[(c + 1) % 4]}
        for n in counts:
            templates = sorted(rng.sample(range(3), 3 if n in heavy else 2))
            for t in templates:
                text = V.LAYOUT_TEMPLATES[t].format(n=V.LAYOUT_COUNTS[n], objects=plural)
                records.append(_record("layout", len(records) + 1, text, V.LAYOUT_TEMPLATES[t], {
                    "class": cls, "count": n, "plural": plural, "query": f"{cls}.", "template_index": t}))
    return records


def build_bank(parti_rows: Sequence[dict[str, str]]) -> dict[str, list[dict]]:
    """All four dimensions; each draws from its own RNG seeded from BANK_SEED and its name."""
    style_bases = parti_bases(parti_rows, V.MEDIUM_OR_STYLE_WORDS)
    tonal_bases = parti_bases(parti_rows, V.MEDIUM_OR_STYLE_WORDS + V.LIGHT_OR_MOOD_WORDS)

    def rng(dimension: str) -> random.Random:
        return random.Random(f"{V.BANK_SEED}:{dimension}")

    return {
        "id": build_id(rng("id")),
        "style": build_style(rng("style"), style_bases),
        "layout": build_layout(rng("layout")),
        "tonal": build_tonal(rng("tonal"), tonal_bases),
    }
