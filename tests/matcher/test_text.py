from matcher.analysis import analyse_tokens, default_analyzer, default_tagger, terms_of
from hypothesis import given, strategies as st

from matcher.text import CLAUSE_PUNCT, clause_split, normalize, stem, tokenize


def an(word):
    return default_analyzer().analyse(word)


def test_normalize_keeps_danish_letters_and_casefolds():
    assert normalize("ÆBLE Øre Ålborg") == "æble øre ålborg"
    assert [t.surface for t in tokenize("Høje-Taastrup, 4 mdr.")] == ["høje", "taastrup", "4", "mdr"]


def test_stemming_merges_inflections():
    assert stem("gruppen") == stem("grupper") == stem("gruppe")
    assert stem("sorgen") == stem("sorg")


def test_compound_splitting_into_known_parts():
    assert an("lektiehjælp").parts == (stem("lektie"), stem("hjælp"))
    assert stem("sorg") in an("sorggruppe").parts
    assert stem("skilsmisse") in an("skilsmissebørn").parts
    # linking -s-
    parts = an("familiehusets").parts or an("netværksgruppe").parts
    assert parts
    assert an("netværksgruppe").parts == (stem("netværk"), stem("gruppe"))


def test_short_known_words_are_not_split():
    assert an("forældre").parts == ()


def test_typo_correction_maps_to_vocabulary():
    assert an("skilsmise").stem == stem("skilsmisse")  # same stem: known as it is
    assert an("fødselsdepresion").word == "fødselsdepression"
    assert an("mobing").word == "mobning"
    assert an("mobing").corrected_from == "mobing"
    # a typo in the last part of a compound
    assert an("budgethjæp").word == "budgethjælp"


def test_short_words_are_not_corrected():
    assert an("kat").corrected_from is None


def test_concept_tagger_bridges_caseworker_and_ngo_words():
    tagger = default_tagger()

    def keys(text):
        toks = analyse_tokens([t.surface for t in tokenize(text)])
        return {h.key for h in tagger.tag(toks)}

    assert "fodselsdepression" in keys("mor har fødselsdepression")
    assert "fodselsdepression" in keys("gruppe for mødre med efterfødselsreaktion")
    assert "faengsel_kriminalitet" in keys("far sidder inde")
    assert "faengsel_kriminalitet" in keys("for pårørende til indsatte")
    assert "misbrug_familie" in keys("far drikker")
    assert "misbrug_familie" in keys("alkoholproblemer i familien")
    assert "sorg" in keys("sorggruppe for børn")


def test_negated_concept_is_dropped():
    tagger = default_tagger()
    toks = analyse_tokens([t.surface for t in tokenize("der er ikke tale om vold")])
    assert "vold" not in {h.key for h in tagger.tag(toks)}


def test_terms_include_compound_parts_with_lower_weight():
    toks = analyse_tokens(["lektiecafé"])
    tf = terms_of(toks)
    assert tf[stem("lektiecafé")] == 1.0
    assert tf[stem("lektie")] == 0.5


def _clauses_the_slow_way(norm: str) -> tuple[list[str], list[int], list[int]]:
    toks = tokenize(norm)
    surfaces = [t.surface for t in toks]
    starts, commas = [], []
    for k in range(1, len(toks)):
        gap = norm[toks[k - 1].end:toks[k].start]
        if any(ch in CLAUSE_PUNCT for ch in gap):
            starts.append(k)
            if "," in gap:
                commas.append(k)
    return surfaces, starts, commas


@given(st.text(alphabet=list("ab æø1_-.,;:!?()[]\n–—\t«»'\"/½\u2028\r"), max_size=40))
def test_the_fast_clause_split_finds_the_words_and_clauses_of_the_tokenizer(text):
    norm = normalize(text)
    assert clause_split(norm) == _clauses_the_slow_way(norm)


def test_clause_split_of_an_offer_text():
    words, starts, commas = clause_split(normalize("Mødes kl. 17.15 (gratis), for børn og unge – ring!"))
    assert words == ["mødes", "kl", "17", "15", "gratis", "for", "børn", "og", "unge", "ring"]
    assert [words[k] for k in starts] == ["17", "15", "gratis", "for", "ring"]
    assert [words[k] for k in commas] == ["for"]
