"""Dataset annotations: Fides files load as they are; mistakes are refused with their exact path."""

from __future__ import annotations

import pytest

from privacyhub.datasets.annotation import AnnotationInvalid, parse_dataset
from privacyhub.datasets.schema import TableShape, build_graph

# Written the way Fides projects write them: legacy ``fidesops_meta``, data types, lengths.
FIDES_FILE = """
dataset:
  - fides_key: crm
    name: CRM
    description: Customers and their visits
    collections:
      - name: customer
        fields:
          - name: id
            data_categories: [user.unique_id]
            fidesops_meta:
              primary_key: True
          - name: email
            data_categories: [user.contact.email]
            fidesops_meta:
              identity: email
              data_type: string
          - name: name
            data_categories: [user.name]
            fidesops_meta:
              data_type: string
              length: 40
          - name: address_id
            data_categories: [system.operations]
            fidesops_meta:
              references:
                - dataset: crm
                  field: address.id
                  direction: to
      - name: address
        fields:
          - name: id
            data_categories: [system.operations]
            fides_meta: {primary_key: true}
          - name: street
            data_categories: [user.contact.address.street]
      - name: visit
        fields:
          - name: id
            fides_meta: {primary_key: true}
          - name: customer_id
            data_categories: [user.unique_id]
            fidesops_meta:
              references:
                - dataset: crm
                  field: customer.id
                  direction: from
          - name: at
            data_categories: [user.behavior.browsing_history]
"""


def errors_of(text: str) -> list[dict[str, str]]:
    with pytest.raises(AnnotationInvalid) as caught:
        parse_dataset(text)
    return caught.value.errors  # type: ignore[return-value]


def test_a_fides_file_loads_unchanged():
    parsed = parse_dataset(FIDES_FILE)
    assert parsed.key == "crm"
    assert sorted(parsed.collections) == ["address", "customer", "visit"]
    customer = parsed.collections["customer"]
    assert customer.primary_key == ("id",)
    assert customer.fields["email"].identity == "email"
    assert customer.erasure == "delete"                       # the default
    assert {(r.holder, r.holder_field, r.target, r.target_field, r.kind) for r in parsed.references} == {
        ("customer", "address_id", "address", "id", "to"),
        ("visit", "customer_id", "customer", "id", "from"),
    }


def test_our_keys_are_read_beside_fideslang():
    text = FIDES_FILE.replace(
        "      - name: visit\n",
        "      - name: visit\n        privacyhub: {erasure: retain, retain_for: 2y, legal_basis: \"fraud checks\"}\n")
    text = text.replace("          - name: street\n",
                        "          - name: street\n            privacyhub: {mask: hash}\n")
    parsed = parse_dataset(text)
    assert (parsed.collections["visit"].erasure, parsed.collections["visit"].retain_for) == ("retain", "2y")
    assert parsed.collections["address"].fields["street"].mask == "hash"


def test_dangling_reference_to_unknown_collection():
    text = FIDES_FILE.replace("field: address.id", "field: adress.id")
    assert errors_of(text) == [{
        "path": "crm.collections[customer].fields[address_id].fides_meta.references[0].field",
        "message": "dangling reference: no collection 'adress'"}]


def test_dangling_reference_to_unknown_field():
    text = FIDES_FILE.replace("field: customer.id", "field: customer.uid")
    assert errors_of(text) == [{
        "path": "crm.collections[visit].fields[customer_id].fides_meta.references[0].field",
        "message": "dangling reference: collection 'customer' has no field 'uid'"}]


def test_category_outside_the_taxonomy():
    text = FIDES_FILE.replace("[user.behavior.browsing_history]", "[user.behaviour.browsing]")
    assert errors_of(text) == [{
        "path": "crm.collections[visit].fields[at].data_categories[0]",
        "message": "data category 'user.behaviour.browsing' is not in the fideslang taxonomy"}]


def test_our_keys_are_checked_too():
    text = FIDES_FILE.replace(
        "      - name: visit\n", "      - name: visit\n        privacyhub: {erasure: retain, keep: forever}\n")
    text = text.replace("          - name: street\n",
                        "          - name: street\n            privacyhub: {mask: blur}\n")
    text = text.replace("          - name: name\n", "          - name: name\n            privacyhub: {owns: true}\n")
    assert errors_of(text) == [
        {"path": "crm.collections[address].fields[street].privacyhub.mask",
         "message": "'blur' is not one of null, fixed, hash, random"},
        {"path": "crm.collections[visit].privacyhub.keep",
         "message": "unknown key; expected one of erasure, legal_basis, provided, retain_for, retain_from"},
        {"path": "crm.collections[visit].privacyhub.retain_for",
         "message": "erasure 'retain' needs a period such as '8y'"},
        {"path": "crm.collections[visit].privacyhub.legal_basis",
         "message": "erasure 'retain' needs the legal basis for keeping the rows"},
        {"path": "crm.collections[customer].fields[name].privacyhub.owns",
         "message": "'owns' is only meaningful on a field with a 'to' reference"},
    ]


def test_fides_shape_errors_name_the_entry():
    text = FIDES_FILE.replace("                  direction: from", "                  direction: sideways")
    [error] = errors_of(text)
    assert error["path"] == "crm.collections[visit].fields[customer_id].fidesops_meta.references[0].direction"


def test_not_yaml_and_not_a_dataset():
    assert errors_of("dataset: [unclosed")[0]["path"].startswith("line ")
    assert errors_of("collections: []") == [{"path": "dataset", "message": "expected a list under 'dataset'"}]


TABLES = {
    "customer": TableShape("customer", {"id": False, "email": False, "name": True, "address_id": True}, ("id",)),
    "address": TableShape("address", {"id": False, "street": True}, ("id",)),
}


def test_annotation_is_checked_against_the_database():
    with pytest.raises(AnnotationInvalid) as caught:
        build_graph(parse_dataset(FIDES_FILE.replace("name: street", "name: road")), TABLES)
    assert caught.value.errors == [
        {"path": "crm.collections[address].fields[road]",
         "message": "unknown field: table 'address' has no column 'road'"},
        {"path": "crm.collections[visit]", "message": "unknown collection: the database has no table 'visit'"},
    ]


def test_tables_without_annotation_are_reflected():
    tables = {**TABLES, "coupon": TableShape("coupon", {"id": False, "customer_id": True, "owner_email": True}, ("id",),
                                             [("customer_id", "customer", "id")])}
    parsed = parse_dataset(FIDES_FILE.replace("      - name: visit\n", "      - name: unused\n", 1)
                           .split("      - name: unused\n")[0])
    graph = build_graph(parsed, tables, {"coupon.owner_email": "email"})
    assert graph.collections["coupon"].annotated is False
    assert ("coupon", "owner_email", "email") in graph.identity_fields()
    [edge] = [r for r in graph.references if r.holder == "coupon"]
    assert (edge.target, edge.kind, edge.makes_children, edge.makes_referenced) == ("customer", "fk", True, True)
