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
from .grammar import finite_verb, fix_articles, indefinite_article, mentions

DETERMINERS = {"a", "an", "the", "some", "two", "three", "four", "five", "several", "many", "one", "this"}


@dataclass(frozen=True)
class BaseContent:
    """One PartiPrompts row usable as Style/Tonal base content."""

    row: int  # 1-based data row in PartiPrompts.tsv (header excluded)
    category: str
    text: str  # normalised and corrected: see base_text
    parti_text: str  # as Parti has it, normalised only


def _normalise_base(text: str) -> str:
    """No trailing period or doubled spaces, and a lower-case leading determiner ("The" → "the")."""
    text = " ".join(text.split()).rstrip(".").strip()
    first, _, rest = text.partition(" ")
    if first.lower() in DETERMINERS:
        text = first.lower() + (" " + rest if rest else "")
    return text


def base_text(text: str) -> str:
    """A normalised Parti text as the bank uses it: Parti's typos fixed (vocab.PARTI_FIXES), an article
    before a bare singular noun, and every "a"/"an" agreeing with its next word."""
    for wrong, right in V.PARTI_FIXES.items():
        text = re.sub(r"(?<!\w)" + re.escape(wrong) + r"(?!\w)", right, text)
    if any(re.match(re.escape(opening) + r"\b", text) for opening in V.BARE_SINGULAR_OPENINGS):
        text = f"{indefinite_article(text)} {text}"
    return fix_articles(text)


def read_parti(path: Path) -> list[dict[str, str]]:
    """PartiPrompts rows; a file that is not UTF-8 TSV with Prompt and Category columns is one DataError."""
    fix = "pass --parti PATH to a copy of PartiPrompts.tsv (UTF-8, tab-separated, with a header row)"
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh, delimiter="\t"))
    except OSError as exc:
        raise DataError(f"cannot read PartiPrompts source {path}: {exc.strerror}", fix) from exc
    except (UnicodeDecodeError, csv.Error) as exc:
        raise DataError(f"PartiPrompts source {path} is not UTF-8 TSV ({type(exc).__name__})", fix) from exc
    broken = next((i for i, row in enumerate(rows, start=2)
                   if not isinstance(row.get("Prompt"), str) or not isinstance(row.get("Category"), str)), None)
    if broken is not None:
        raise DataError(f"PartiPrompts source {path}: line {broken} has no Prompt or Category column", fix)
    return rows


def parti_bases(rows: Sequence[dict[str, str]], exclude: Iterable[str]) -> list[BaseContent]:
    """Filter Parti rows per SPEC §2 and docs/prompts.md: the listed categories, at most 20 words, no
    excluded word (accents folded), one sentence, a noun phrase (no finite verb outside a relative
    clause, see grammar.finite_verb), first occurrence of a text after corrections."""
    exclude = tuple(exclude)
    seen: set[str] = set()
    bases = []
    for row_number, row in enumerate(rows, start=1):
        raw = row["Prompt"].strip()
        if row["Category"] not in V.PARTI_CATEGORIES or len(raw.split()) > V.PARTI_MAX_WORDS:
            continue
        parti_text = _normalise_base(raw)
        if "." in parti_text or "\n" in parti_text or not parti_text:
            continue
        text = base_text(parti_text)
        if mentions(text, exclude) or finite_verb(text) or text.lower() in seen:
            continue
        seen.add(text.lower())
        bases.append(BaseContent(row_number, row["Category"], text, parti_text))
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


def id_features_phrase(features: Sequence[str]) -> tuple[str, str]:
    """(adjectives before the age, the phrase after the gender) for CelebA features, one grammar for all:
    "attractive, smiling" + " with bangs and a goatee, wearing a hat"."""
    by_form: dict[str, list[str]] = {V.ADJECTIVE: [], V.WITH: [], V.WEARING: []}
    ordered = sorted(features, key=lambda f: V.ADJECTIVE_ORDER.index(f) if f in V.ADJECTIVE_ORDER else -1)
    for feature in ordered:
        form, phrase = V.CELEBA_FEATURES[feature]
        by_form[form].append(phrase)
    after = ""
    if by_form[V.WITH]:
        after += " with " + " and ".join(by_form[V.WITH])
    if by_form[V.WEARING]:
        after += ("," if after else "") + " wearing " + " and ".join(by_form[V.WEARING])
    return ", ".join(by_form[V.ADJECTIVE]), after


def id_text(age: str, ethnicity: str, gender: str, features: Sequence[str]) -> str:
    adjectives, after = id_features_phrase(features)
    person = " ".join(w for w in (adjectives, age, ethnicity, gender) if w)
    return f"A high-quality portrait photo of {indefinite_article(person)} {person}{after}"


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
            text = id_text(age, ethnicity, gender, chosen)
            if text in texts:
                continue
            texts.add(text)
            made += 1
            records.append(_record("id", len(records) + 1, text, V.ID_TEMPLATE, {
                "age": age, "ethnicity": ethnicity, "gender": gender, "features": chosen,
                "group": f"{age}|{ethnicity}|{gender}"}))
    return records


# --- Style and Tonal share the "slot × Parti base × template" construction -----------------------
@dataclass(frozen=True)
class Slot:
    """One Style or Tonal value: its fillers per template field, the templates it may use, its attributes."""

    fillers: dict[str, str]
    templates: tuple[int, ...]
    attributes: dict


def _slot_prompts(dimension: str, slots: Sequence[Slot], sizes: Sequence[int], bases: Sequence[BaseContent],
                  templates: Sequence[str], rng: random.Random) -> list[dict]:
    """Each slot gets ``size`` prompts; bases are drawn without replacement, the slot's templates cycle."""
    if sum(sizes) > len(bases):
        raise DataError(f"{dimension}: {len(bases)} Parti bases for {sum(sizes)} prompts",
                        "loosen the base filter or use a larger source")
    pool = list(bases)
    rng.shuffle(pool)
    records = []
    draw = iter(pool)
    for slot, size in zip(slots, sizes):
        template_order = list(slot.templates)
        rng.shuffle(template_order)
        for j in range(size):
            base = next(draw)
            t = template_order[j % len(template_order)]
            text = fill_template(templates[t], slot.fillers, base.text)
            fixed = {"parti_text": base.parti_text} if base.parti_text != base.text else {}
            records.append(_record(dimension, len(records) + 1, text, templates[t], {
                **slot.attributes, "template_index": t, "base": base.text, **fixed,
                "parti_row": base.row, "parti_category": base.category}))
    return records


def fill_template(template: str, fillers: dict[str, str], base: str) -> str:
    """Fill a Style/Tonal template; capitalise the first letter and make every "a"/"an" agree
    ([choice] the paper's "A {style} …" templates read "An Impressionist …" before a vowel)."""
    text = template.format(base=base, **fillers)
    return fix_articles(text[:1].upper() + text[1:])


def style_fillers(label: str) -> dict[str, str]:
    noun, adjective = V.STYLE_NAMES[label]
    painting = adjective if adjective.endswith("painting") else f"{adjective} painting"
    return {"style": noun, "style_adj": adjective, "style_painting": painting}


def build_style(rng: random.Random, bases: Sequence[BaseContent]) -> list[dict]:
    sizes = _split_balanced(800, len(V.WIKIART_STYLES), rng)
    everything = tuple(range(len(V.STYLE_TEMPLATES)))
    slots = [Slot(style_fillers(s), everything, {"style": s, "style_name": V.STYLE_NAMES[s][0]})
             for s in V.WIKIART_STYLES]
    return _slot_prompts("style", slots, sizes, bases, V.STYLE_TEMPLATES, rng)


def tonal_keywords() -> list[tuple[str, str, bool, tuple[int, ...]]]:
    """(axis, keyword, added_by_divgenbench, allowed template indices) for the 18 Tonal keywords."""
    return [(axis, kw, extra, allowed) for axis, kws in V.TONAL_KEYWORDS.items() for kw, extra, allowed in kws]


def build_tonal(rng: random.Random, bases: Sequence[BaseContent]) -> list[dict]:
    keywords = tonal_keywords()
    sizes = _split_balanced(800, len(keywords), rng)
    slots = [Slot({"tonal": kw, "Tonal": kw[:1].upper() + kw[1:]}, allowed,
                  {"axis": axis, "keyword": kw, "paper_keyword": not extra})
             for axis, kw, extra, allowed in keywords]
    return _slot_prompts("tonal", slots, sizes, bases, V.TONAL_TEMPLATES, rng)


# --- Layout --------------------------------------------------------------------------------------
def layout_setting(cls: str) -> str:
    """"table", "room" or "open": where a scene can hold several objects of this class."""
    return next((setting for setting, classes in V.LAYOUT_LARGE_CLASSES.items() if cls in classes), "table")


def build_layout(rng: random.Random) -> list[dict]:
    """10 prompts per class: two counts get 3 prompts (one per template), two get 2 (two templates).

    The pair of "3-prompt" counts rotates over classes so every count ends with exactly 200. Each class
    draws from the three templates of its setting.
    """
    counts = sorted(V.LAYOUT_COUNTS)
    records = []
    for c, (cls, plural) in enumerate(V.COCO_PLURALS.items()):
        heavy = {counts[c % 4], counts[(c + 1) % 4]}
        setting = layout_setting(cls)
        for n in counts:
            for k in sorted(rng.sample(range(3), 3 if n in heavy else 2)):
                t = V.LAYOUT_SETTINGS[setting][k]
                text = V.LAYOUT_TEMPLATES[t].format(n=V.LAYOUT_COUNTS[n], objects=plural)
                records.append(_record("layout", len(records) + 1, text, V.LAYOUT_TEMPLATES[t], {
                    "class": cls, "count": n, "plural": plural, "query": f"{cls}.", "setting": setting,
                    "template_index": t}))
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
