"""Each customer its own library (SPEC §6), also when two customers of one company share a name."""
from domain.sharepoint.layout import customer_library_name, placement


def test_a_customer_alone_with_its_name_gets_a_library_named_after_it():
    assert customer_library_name("Fjordkraft: AS", 10002, others=[(10001, "Statkraft AS")]) == "Fjordkraft_ AS"


def test_of_two_customers_with_one_name_the_lower_number_keeps_it_and_the_other_adds_its_number():
    others = [(10001, "Fjordkraft AS")]
    assert customer_library_name("Fjordkraft AS", 10007, others=others) == "Fjordkraft AS (10007)"
    assert customer_library_name("Fjordkraft AS", 10001, others=[(10007, "Fjordkraft AS")]) == "Fjordkraft AS"


def test_names_that_become_one_library_name_count_as_the_same_name():
    # ":" becomes "_", and SharePoint compares names without regard to case
    assert customer_library_name("fjordkraft_ as", 10003, others=[(10001, "Fjordkraft: AS")]) == "fjordkraft_ as (10003)"


def test_a_long_name_is_shortened_so_its_number_still_fits():
    name = customer_library_name("N" * 300, 10004, others=[(10001, "N" * 300)])
    assert name.endswith(" (10004)") and len(name) <= 255
    assert name == customer_library_name("N" * 300, 10004, others=[(10001, "N" * 300)])


def test_the_placement_uses_the_library_name_it_is_given():
    spot = placement("Fjordkraft AS", "a.pdf", project=(1, "Pier"), library="Fjordkraft AS (10007)")
    assert spot.path == "Fjordkraft AS (10007)/Pier/a.pdf"
