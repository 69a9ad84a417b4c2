"""The drug list's generator (``bot/data/make_drug_names.py``): which FDA UNII brand names join the list."""

from __future__ import annotations

from bot.data import make_drug_names as make

ROWS = [
    ("HEMABATE", "bn", "U1", "CARBOPROST TROMETHAMINE"),  # display name known whole
    ("NIMBEX", "bn", "U2", "CISATRACURIUM BESYLATE"),  # known without its salt
    ("CARBOPROST TROMETHAMINE", "cn", "U1", "CARBOPROST TROMETHAMINE"),  # not a brand
    ("COUMADIN", "bn", "U3", "WARFARIN SODIUM"),  # the first source maps it already: kept as it is
    ("ROUNDUP-X", "bn", "U4", "GLYPHOSATE ISOPROPYLAMMONIUM"),  # a display name the first source does not know
    ("DEPOT", "bn", "U5", "FLUPHENAZINE DECANOATE"),  # an English word
    ("PPE", "bn", "U6", "POTASSIUM CHLORIDE"),  # too short
    ("COSMIC (HERBICIDE)", "bn", "U7", "FLUPHENAZINE"),  # bracketed
    ("TACE", "bn", "U8", "FLUPHENAZINE"),  # a general medical abbreviation (transarterial chemoembolization)
    ("ZOVIA LITE", "bn", "U9", "FLUPHENAZINE"),  # two words: the English-word rule is for one word
    # a combination product's rows, one per drug the list holds, of type bn or cn
    ("AUGMENTIN COMPONENT AMOXICILLIN", "bn", "U10", "AMOXICILLIN"),
    ("AUGMENTIN COMPONENT CLAVULANATE POTASSIUM", "cn", "U11", "CLAVULANATE POTASSIUM"),
    ("SINEMET COMPONENT CARBIDOPA", "cn", "U12", "CARBIDOPA"),  # one ingredient only (the list lacks its levodopa)
    ("WEEDOFF COMPONENT GLYPHOSATE", "cn", "U13", "GLYPHOSATE"),  # a drug the first source does not know
    ("WEEDOFF COMPONENT WARFARIN SODIUM", "cn", "U14", "WARFARIN SODIUM"),
    ("COUMADIN COMPONENT WARFARIN SODIUM", "cn", "U15", "WARFARIN SODIUM"),  # mapped already
    ("TACE COMPONENT CARBIDOPA", "cn", "U16", "CARBIDOPA"),  # the brand filters hold for combinations too
    ("TACE COMPONENT AMOXICILLIN", "cn", "U17", "AMOXICILLIN"),
    ("CODEX COMPONENT CARBIDOPA", "cd", "U18", "CARBIDOPA"),  # rows of other types are not a product's drugs
    ("CODEX COMPONENT AMOXICILLIN", "cd", "U19", "AMOXICILLIN"),
]


def test_fda_brand_names_join_the_list_through_a_name_it_knows(tmp_path):
    unii = tmp_path / "UNII_Names.txt"
    unii.write_text("Name\tTYPE\tUNII\tDisplay Name\n" + "".join("\t".join(r) + "\n" for r in ROWS), encoding="utf-8")
    table = {"carboprost tromethamine": {"carboprost tromethamine"}, "cisatracurium": {"cisatracurium"},
             "coumadin": {"warfarin"}, "warfarin": {"warfarin"}, "fluphenazine": {"fluphenazine"},
             "potassium": {"potassium"}, "amoxicillin": {"amoxicillin"}, "clavulanate": {"clavulanic acid"},
             "carbidopa": {"carbidopa"}}
    brands, rows, unknown, left, combinations = make.unii_brands(make.unii_path(str(tmp_path)), table,
                                                                 {"depot": 3.95})
    assert brands == {"hemabate": {"carboprost tromethamine"}, "nimbex": {"cisatracurium"},
                      "zovia lite": {"fluphenazine"}}
    assert (rows, unknown, left) == (9, 1, 4)
    assert combinations == {"augmentin": ["amoxicillin", "clavulanic acid"]}


def test_a_combination_is_named_as_the_first_source_names_it_in_any_order_else_by_its_drugs():
    named = make.combination_names({"levodopa and carbidopa", "trimethoprim/sulfamethoxazole", "levodopa", "carbidopa"})
    assert make.combination_name(["carbidopa", "levodopa"], named) == "levodopa and carbidopa"
    assert make.combination_name(["sulfamethoxazole", "trimethoprim"], named) == "trimethoprim/sulfamethoxazole"
    assert make.combination_name(["amoxicillin", "clavulanic acid"], named) == "amoxicillin and clavulanic acid"


def test_a_combination_s_component_drops_only_its_salt_words():
    table = {"clavulanate": {"clavulanic acid"}, "sodium": {"sodium"}, "picosulfate": {"sodium picosulfate"}}
    assert make.salt_free("CLAVULANATE POTASSIUM", table) == {"clavulanic acid"}
    assert make.salt_free("SODIUM PICOSULFATE", table) is None  # not "sodium": picosulfate is no salt word
    assert make.salt_free("SODIUM CHLORIDE", table) is None  # only salt words left


def test_a_generic_name_with_salt_words_listed_under_another_name_is_that_same_drug():
    """Only names that read as one drug: the source also files salts under a parent compound or class (aspirin
    under salicylic acid, estradiol under estrogen) or under a compound with a substituent in front."""
    table = {"levothyroxine": {"levothyroxine"}, "thyroxine": {"thyroxine"}, "levothyroxine sodium": {"thyroxine"},
             "synthroid": {"thyroxine"}, "cefalexin": {"cefalexin"}, "cephalexin": {"cephalexin"},
             "cefalexin monohydrate": {"cephalexin"},
             "aspirin": {"aspirin"}, "salicylic acid": {"salicylic acid"}, "aspirin calcium": {"salicylic acid"},
             "estradiol": {"estradiol"}, "estrogen": {"estrogen"}, "estradiol valerate": {"estrogen"},
             "choline": {"choline"}, "acetylcholine": {"acetylcholine"}, "choline chloride": {"acetylcholine"},
             "calcium": {"calcium"}, "calcium lactate": {"calcium lactate"},
             "quetiapine": {"quetiapine"}, "quetiapine fumarate": {"quetiapine fumarate"}}
    generic = {n for names in table.values() for n in names}
    assert make.salt_forms(table, generic) == {
        "levothyroxine": {"thyroxine"}, "thyroxine": {"levothyroxine"},
        "cefalexin": {"cephalexin"}, "cephalexin": {"cefalexin"}}
