"""Small, tested text rules the bank builder applies to prompt text (docs/prompts.md).

Why rules and not a tagger: the bank must rebuild byte-identically offline from PyPI installs alone, and
the text it checks is one fixed source (PartiPrompts). The common English POS taggers fetch their models
at run time (nltk, spaCy, stanza), and a tagger's output can move between its releases, which would move
the bank. So the checks below use closed word classes (auxiliaries, determiners, prepositions, irregular
pasts) plus word order, and are tested on their own cases. Each rule errs towards rejecting: a rejected
base costs one candidate of ~900, a missed clause costs a prompt that reads wrong.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence


def fold_accents(text: str) -> str:
    """"Dalí" → "Dali": compatibility-decompose, then drop the combining marks."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def mentions(text: str, words: Iterable[str]) -> bool:
    """Whether ``text`` contains any of ``words`` as a whole word or phrase, ignoring case and accents."""
    low = fold_accents(text).lower()
    return any(re.search(r"(?<![a-z0-9])" + re.escape(fold_accents(w).lower()) + r"(?![a-z0-9])", low)
               for w in words)


# --- Articles ------------------------------------------------------------------------------------
# Vowel letters sounding like a consonant ("a unicorn", "a Ukiyo-e print", "a one-way street") and silent
# h's ("an hour"); initialisms go by the name of their first letter ("an F1", "an SUV", "a TV", "a UFO").
_CONSONANT_SOUND = re.compile(r"^(uni|use|usu|uti|uto|ute|uk|eu|one\b|once\b)", re.IGNORECASE)
_VOWEL_SOUND_H = re.compile(r"^(hour|honest|honou?r|heir)", re.IGNORECASE)
_INITIALISM = re.compile(r"^([A-Z]{1,4})(?:\d|\b|-)")
_VOWEL_SOUND_LETTERS = "AEFHILMNORSX"


def indefinite_article(word: str) -> str:
    """"a" or "an" before ``word``, by its sound: "an F1", "a unicorn", "an hour", "an elderly"."""
    initialism = _INITIALISM.match(word)
    if initialism and (len(initialism.group(1)) > 1 or not word[1:2].islower()):
        return "an" if word[0] in _VOWEL_SOUND_LETTERS else "a"
    if _VOWEL_SOUND_H.match(word):
        return "an"
    if _CONSONANT_SOUND.match(word):
        return "a"
    return "an" if word[:1].lower() in "aeiou" else "a"


def fix_articles(text: str) -> str:
    """Make every "a"/"an" agree with the next word ("a old phonograph" → "an old phonograph")."""
    def agree(match: re.Match) -> str:
        article, space, word = match.groups()
        wanted = indefinite_article(word)
        return (wanted.capitalize() if article[0].isupper() else wanted) + space + word

    return re.sub(r"\b([Aa]n?)(\s+)([\w'’-]+)", agree, text)


# --- Finite verbs ----------------------------------------------------------------------------------
# Finite forms of be/have/do, the modals and their contractions: a finite verb wherever they stand.
FINITE_AUXILIARIES = frozenset("""
    am is are was were isn't aren't wasn't weren't 's 're 'm has hasn't had hadn't 've 'd does doesn't did
    didn't don't do have can can't cannot could couldn't will won't 'll would wouldn't shall should shouldn't
    may might must mustn't""".split())
# Subject pronouns: a base holding one holds a clause ("one morning I chased …").
SUBJECT_PRONOUNS = frozenset({"i", "he", "she", "we", "they"})
# Irregular simple pasts that differ from their participle (gave/given), so never a reduced relative.
# Forms that are also common nouns (rose, saw, bit, spoke, lay) are left out.
IRREGULAR_PASTS = frozenset("""
    arose ate awoke became began blew broke chose came did drank drew drove fell flew forbade forgave forgot
    froze gave went grew hid knew rode rang ran sang sank shook shrank slew stole strode swam swore took tore
    threw trod woke wore wove wrote""".split())
DETERMINERS = frozenset("""
    a an the this these those its his her their my your our some any every each no several many few
    one two three four five six seven eight nine ten both either neither another""".split())
# Words that open a verb's object but never follow a noun inside a noun phrase.
OBJECT_OPENERS = DETERMINERS | {"itself", "himself", "herself", "themselves", "him", "them", "me", "us"}
SINGULAR_DETERMINERS = frozenset({"a", "an", "this", "one", "each", "every", "another"})
PREPOSITIONS = frozenset("""
    about above across after against along alongside amid among around as at atop before behind below
    beneath beside besides between beyond by despite down during for from in inside into like near next of
    off on onto opposite out outside over past per through throughout to toward towards under underneath
    unlike until up upon via with within without than""".split())
CONJUNCTIONS = frozenset({"and", "or", "but", "nor", ","})
# A finite verb may stand inside a relative clause ("a sign that says …"), nowhere else: adverbial
# clauses ("because it was …") are rejected too, they turn a depiction into a story.
RELATIVIZERS = frozenset({"that", "which", "who", "whom", "whose", "where"})
_CLOSED = DETERMINERS | PREPOSITIONS | CONJUNCTIONS | RELATIVIZERS | FINITE_AUXILIARIES | {
    "not", "so", "too", "very", "just", "all", "because", "while", "if", "though", "although", "when"}

# Quoted text (what a sign or a t-shirt says) is not part of the sentence.
_QUOTED = re.compile(r"(?<!\w)(?:'[^']+?'|\"[^\"]+?\"|‘[^’]+?’|“[^”]+?”)(?!\w)")
_TOKEN = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*|'[a-z]+|,")


def tokens(text: str) -> list[str]:
    """Lower-case words, clitics ("it's" → "it", "'s") and commas, with quoted text removed."""
    text = _QUOTED.sub(" ", text).replace("’", "'").lower()
    text = re.sub(r"\b(it|there|that|what|he|she)'s\b", r"\1 's", text)
    text = re.sub(r"\b(\w+)'(re|m|ll|ve|d)\b", r"\1 '\2", text)
    return _TOKEN.findall(text)


def _verb_shaped(word: str) -> bool:
    """Ends like a 3rd-person or past form (-s, -ed), excluding -ss/-us/-is and possessives."""
    return (word.endswith("ed") and len(word) > 3) or _s_form(word)


def _s_form(word: str) -> bool:
    return word.endswith("s") and not word.endswith(("ss", "us", "is", "'s")) and len(word) > 2


def _open_class(word: str | None) -> bool:
    """A word that can end a noun phrase: not a closed-class word, a number or an -ing form."""
    return word is not None and word not in _CLOSED and not word.endswith("ing") and not word.isdigit()


def finite_verb(text: str) -> str | None:
    """The first finite verb of a main or adverbial clause in ``text``, or None for a noun phrase.

    A noun phrase reads correctly after "depicting", "of" and "showing"; a clause does not ("depicting
    Jupiter rises on the horizon"). Signs of a clause:
      1. a finite auxiliary, copula or modal outside a relative clause ("a red bus is driving");
      2. a subject pronoun ("one morning I chased");
      3. an irregular simple past after a noun ("Mary gave", "… down the river sank");
      4. an open-class word between a noun and a determiner or object pronoun: a noun phrase never runs
         "noun word the", a transitive verb does ("a dog gives an apple", "the old man the boat", "the frog
         found itself");
      5. an -s word before a preposition ending a phrase that opened with a singular determiner or a bare
         capitalised name ("a cat jumps over", "Jupiter rises on"): a singular phrase has no plural head;
      6. a second -s word between open-class words after a relative clause's verb ("a bowl of soup that
         looks like a monster with tofu says deep learning");
      7. two -ed words in a row ("the rat … chased escaped").
    A relative pronoun licenses one verb group, plus verbs coordinated with it by "and"/"or".
    """
    words = tokens(text)
    relative_open = relative_verb_seen = False
    phrase_start = 0  # where the current noun phrase began: after a preposition, conjunction or -ing form
    for i, word in enumerate(words):
        prev = words[i - 1] if i else None
        nxt = words[i + 1] if i + 1 < len(words) else None
        if word in RELATIVIZERS:
            relative_open, relative_verb_seen, phrase_start = True, False, i + 1
        elif word in PREPOSITIONS or word in CONJUNCTIONS or word.endswith("ing"):
            phrase_start = i + 1
        elif word in FINITE_AUXILIARIES:
            if prev in DETERMINERS or (word in {"do", "have"} and prev in ({"to"} | FINITE_AUXILIARIES)):
                continue  # "a can of Spam", "to have"
            if not relative_open or (relative_verb_seen and prev not in {"and", "or"}):
                return word
            relative_verb_seen = True
        elif word in SUBJECT_PRONOUNS:
            return word
        elif relative_open and not relative_verb_seen and _verb_shaped(word):
            relative_verb_seen = True  # "that looks like …", "who whistles …"
        elif _open_class(prev) and (
                word in IRREGULAR_PASTS
                or (_open_class(word) and nxt in OBJECT_OPENERS)
                or (_s_form(word) and nxt in PREPOSITIONS and _singular_phrase(words[phrase_start:i], text))
                or (relative_verb_seen and _s_form(word) and _open_class(nxt))
                or (word.endswith("ed") and prev.endswith("ed"))):
            return word
    return None


def _singular_phrase(phrase: Sequence[str], text: str) -> bool:
    """Whether the words of a noun phrase before its last word make it singular: led by a singular
    determiner, or one bare capitalised name opening the text ("Jupiter")."""
    if not phrase:
        return False
    if phrase[0] in SINGULAR_DETERMINERS:
        return True
    return len(phrase) == 1 and text[:1].isupper() and text.lower().startswith(phrase[0])
