"""The builder's text rules on their own cases: finite verbs, articles, accent folding, quoted text."""

from __future__ import annotations

import pytest

from divgenbench.prompts.grammar import finite_verb, fix_articles, fold_accents, indefinite_article, mentions, tokens

# Parti clauses (one per sign of a clause in finite_verb's docstring) and the verb the rule must name.
CLAUSES = [
    ("a red bus is driving on the road", "is"),
    ("the sunset on the beach is wonderful", "is"),
    ("the trophy doesn't fit into the brown suitcase because it's too large", "doesn't"),
    ("the large ball crashed right through the table because it was made of steel", "was"),
    ("the mouse the cat watches is jumping in the air", "is"),
    ("a bare kitchen has wood cabinets and white appliances", "has"),
    ("one morning I chased an elephant in my pajamas", "i"),
    ("Mary gave the child the dog bit a Band-Aid", "gave"),
    ("the raft floated down the river sank", "sank"),
    ("the horse raced past the barn fell", "fell"),
    ("To a squirrel, a dog gives an apple", "gives"),
    ("a man sips a latte and a woman a beer", "sips"),
    ("a rabbit checks its watch, and so does a gecko", "checks"),
    ("the old man the boat", "man"),
    ("the frog found itself in the newspaper", "found"),
    ("the coach smiled at the player tossed the frisbee", "tossed"),
    ("a cat that has black fur bats a red Christmas ornament that has silver sparkles", "bats"),
    ("Jupiter rises on the horizon", "rises"),
    ("a cat jumps over a baby gate", "jumps"),
    ("a bowl of soup that looks like a monster with tofu says deep learning", "says"),
    ("the man who whistles tunes pianos", "tunes"),
    ("the rat the cat the dog bit chased escaped", "escaped"),
]

# Noun phrases that read correctly after "depicting", "of" and "showing", chosen to sit next to each rule.
NOUN_PHRASES = [
    "a bicycle wheel that is made of red yarn",  # relative clause: "is" licensed by "that"
    "7 dogs sitting around a poker table, two of which are turning away",
    "a man who is tall and has a beard",  # verbs coordinated inside the relative clause
    "a sign that says Deep Learning",
    "a lizard that just lost its tail",
    "a can of Spam on an elegant plate",  # "can" after a determiner is a noun
    "a hedgehog using a calculator",  # -ing forms before a determiner
    "a stop sign knocked over on a sidewalk",  # a participle is not a past tense
    "a pair of shoes on a tennis racquet",  # plural heads before a preposition
    "several lily pads without frogs",
    "two red balls on a table",
    "a drop-top sports car coming around a bend in the road",
    "a Styracosaurus displaying its horns",
    "a book with the words 'Don't Panic!' written on it",  # quoted text is not parsed
    "the saying 'do unto others as they would do unto you' written on a white background",
    "a store front that has the word ‘openai’ written on it",
    "a dolphin in an astronaut suit on saturn",
    "Tibetan priests ringing a bell",
    "a red rose in a vase",  # a past form that is also a noun is not listed
]


@pytest.mark.parametrize(("text", "verb"), CLAUSES)
def test_each_clause_is_caught_with_its_verb(text, verb):
    assert finite_verb(text) == verb


@pytest.mark.parametrize("text", NOUN_PHRASES)
def test_noun_phrases_pass(text):
    assert finite_verb(text) is None


def test_quoted_text_and_clitics_are_tokenised():
    assert tokens("a t-shirt with 'ANKH' written on it") == ["a", "t-shirt", "with", "written", "on", "it"]
    assert tokens("it’s a corgi’s head") == ["it", "'s", "a", "corgi's", "head"]


@pytest.mark.parametrize(("word", "article"), [
    ("old", "an"), ("elderly", "an"), ("young", "a"), ("F1", "an"), ("TV", "a"), ("UFO", "a"), ("X-ray", "an"),
    ("unicorn", "a"), ("umbrella", "an"), ("Ukiyo-e", "a"), ("hour", "an"), ("one-way", "a"), ("IPA", "an"),
    ("Impressionist", "an"), ("High", "a"), ("iPhone", "an"),
])
def test_indefinite_article_goes_by_sound(word, article):
    assert indefinite_article(word) == article


def test_fix_articles_repairs_every_article_and_keeps_capitals():
    assert fix_articles("a old phonograph next to an rhinoceros") == "an old phonograph next to a rhinoceros"
    assert fix_articles("A overexposed image of a elephant") == "An overexposed image of an elephant"
    assert fix_articles("a banana on an orange plate") == "a banana on an orange plate"


def test_accents_fold_before_matching():
    assert fold_accents("Salvador Dalí, Naïve") == "Salvador Dali, Naive"
    assert mentions("Salvador Dalí with a robotic half face", ["dali"])
    assert mentions("a capybara made of voxels", ["voxels"]) and not mentions("a boiling pot", ["oil"])
