"""Phone numbers are read in the organisation's own country (from the corpus), never a country fixed in code."""

from assistant.corpus.phones import dialable, tel_link


def test_a_number_is_read_in_the_country_of_the_organisation_that_gives_it():
    assert dialable("8 800 66 366", "lt") == "+37080066366"
    assert dialable("6712 3456", "lv") == "+37167123456"  # a Latvian page's number, dialled from anywhere
    assert dialable("+370 5 271 7851", None) == "+37052717851"  # written with its country code: no country needed
    assert dialable("112", "lv") == "112"
    assert 'href="tel:+37167123456"' in tel_link("6712 3456", "LV") and ">6712 3456<" in tel_link("6712 3456", "LV")
