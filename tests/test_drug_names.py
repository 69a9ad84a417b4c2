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
    ("ANORO ELLIPTA COMPONENT VILANTEROL", "bn", "U10", "FLUPHENAZINE"),  # one ingredient of a combination
]


def test_fda_brand_names_join_the_list_through_a_name_it_knows(tmp_path):
    unii = tmp_path / "UNII_Names.txt"
    unii.write_text("Name\tTYPE\tUNII\tDisplay Name\n" + "".join("\t".join(r) + "\n" for r in ROWS), encoding="utf-8")
    table = {"carboprost tromethamine": {"carboprost tromethamine"}, "cisatracurium": {"cisatracurium"},
             "coumadin": {"warfarin"}, "warfarin": {"warfarin"}, "fluphenazine": {"fluphenazine"},
             "potassium": {"potassium"}}
    brands, rows, unknown, left = make.unii_brands(make.unii_path(str(tmp_path)), table, {"depot": 3.95})
    assert brands == {"hemabate": {"carboprost tromethamine"}, "nimbex": {"cisatracurium"},
                      "zovia lite": {"fluphenazine"}}
    assert (rows, unknown, left) == (10, 1, 5)
