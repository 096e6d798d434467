"""Policy validation: an invalid policy never runs, and the message names file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from redact.errors import PolicyError
from redact.policy import bundled_policies, load_policy, policy_json_schema

VALID = """\
name: test
ceiling: U
default:
  action: withhold
  label: "(b)(1)"
rules:
  - id: release-u
    when: {level: U}
    action: release
"""


def write(tmp_path: Path, text: str, name: str = "policy.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        load_policy(str(path))
    return caught.value


def test_a_valid_policy_loads_with_rule_sources(tmp_path: Path) -> None:
    path = write(tmp_path, VALID)
    policy = load_policy(str(path))
    assert policy.name == "test"
    assert str(policy.rules[0].source) == f"{path}:7"
    assert len(policy.sha256) == 64


@pytest.mark.parametrize(("text", "line", "key", "message"), [
    (VALID.replace("  - id: release-u\n", "  - id: release-u\n    colour: red\n"), 8, "rules[0].colour",
     "unknown key"),
    (VALID.replace("when: {level: U}", "when: {level: X}"), 8, "rules[0].when.level", "Input should be"),
    (VALID.replace("action: release", "action: no"), 9, "rules[0].action", "Input should be"),
    (VALID.replace("when: {level: U}", "when: {text_matches: '(unclosed'}"), 8,
     "rules[0].when.text_matches", "invalid regular expression"),
    (VALID.replace("action: release", "action: withhold"), 7, "rules[0]", "needs a label"),
    (VALID.replace("when: {level: U}", "when: {level_at_most: C, level_at_least: S}"), 8,
     "rules[0].when", "no portion can match"),
    (VALID.replace('label: "(b)(1)"', 'label: "(b)(1) {secret}"'), 5, "default.label", "unknown placeholder"),
    (VALID.replace("ceiling: U", "ceiling: [U]"), 2, "ceiling", "Input should be"),
])
def test_invalid_policies_name_file_line_and_key(tmp_path: Path, text: str, line: int, key: str,
                                                  message: str) -> None:
    path = write(tmp_path, text)
    error = error_of(path)
    assert error.path == str(path)
    assert error.line == line
    assert error.key == key
    assert message in error.message
    assert str(error).startswith(f"{path}:{line}:")


def test_missing_default(tmp_path: Path) -> None:
    error = error_of(write(tmp_path, "name: x\nceiling: U\nrules: []\n"))
    assert error.key == "default" and "default" in error.message


def test_missing_ceiling(tmp_path: Path) -> None:
    error = error_of(write(tmp_path, "name: x\ndefault: {action: withhold, label: '(b)(1)'}\n"))
    assert error.key == "ceiling"


def test_duplicate_key_is_an_error_not_last_wins(tmp_path: Path) -> None:
    error = error_of(write(tmp_path, VALID + "ceiling: TS\n"))
    assert error.line == 10 and "duplicate" in error.message.lower()


def test_python_object_tag_is_refused(tmp_path: Path) -> None:
    error = error_of(write(tmp_path, VALID + "description: !!python/object/apply:os.system ['true']\n"))
    assert error.line == 10 and "not allowed" in error.message


def test_alias_bomb_is_refused(tmp_path: Path) -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n" \
           "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
    error = error_of(write(tmp_path, VALID + bomb))
    assert "aliases are not allowed" in error.message and error.line == 10


def test_extends_cycle(tmp_path: Path) -> None:
    write(tmp_path, VALID.replace("name: test", "name: a\nextends: b.yaml"), "a.yaml")
    write(tmp_path, VALID.replace("name: test", "name: b\nextends: a.yaml"), "b.yaml")
    error = error_of(tmp_path / "a.yaml")
    assert "cycle" in error.message and error.key == "extends"


def test_extends_a_missing_policy(tmp_path: Path) -> None:
    error = error_of(write(tmp_path, VALID.replace("name: test", "name: a\nextends: nowhere")))
    assert error.key == "extends" and error.line == 2


def test_missing_terms_file(tmp_path: Path) -> None:
    text = VALID + "spans:\n  - id: names\n    label: '(b)(6)'\n    terms_file: names.txt\n"
    error = error_of(write(tmp_path, text))
    assert error.key == "spans[0].terms_file" and error.line == 13 and "names.txt" in error.message


def test_extends_composes_child_rules_first_and_keeps_the_lowest_ceiling(tmp_path: Path) -> None:
    write(tmp_path, VALID.replace("name: test", "name: base"), "base.yaml")
    child = write(tmp_path, "name: child\nextends: base.yaml\nceiling: C\nrules:\n"
                  "  - id: release-c\n    when: {level: C}\n    action: release\n", "child.yaml")
    policy = load_policy(str(child))
    assert [r.rule.id for r in policy.rules] == ["release-c", "release-u"]
    assert policy.ceiling.name == "U"
    assert policy.default.action == "withhold"


def test_released_controls_keep_what_every_file_allows(tmp_path: Path) -> None:
    write(tmp_path, VALID.replace("name: test", "name: base") + "released_controls: [sbu, NOFORN, REL]\n", "base.yaml")
    child = write(tmp_path, "name: child\nextends: base.yaml\nreleased_controls: [SBU, REL, ORCON]\n", "child.yaml")
    loose = write(tmp_path, "name: loose\nextends: base.yaml\n", "loose.yaml")
    assert load_policy(str(child)).released_controls == {"SBU", "REL"}
    assert load_policy(str(loose)).released_controls == {"SBU", "NOFORN", "REL"}
    assert load_policy(str(tmp_path / "base.yaml")).released_controls == {"SBU", "NOFORN", "REL"}


def test_not_a_mapping(tmp_path: Path) -> None:
    error = error_of(write(tmp_path, "- just\n- a list\n"))
    assert error.line == 1


def test_yaml_syntax_error_has_a_position(tmp_path: Path) -> None:
    error = error_of(write(tmp_path, "name: [unclosed\n"))
    assert error.line is not None


@pytest.mark.parametrize("name", bundled_policies())
def test_every_bundled_policy_validates(name: str) -> None:
    policy = load_policy(name)
    assert policy.name == name and policy.description


def test_unknown_policy_name() -> None:
    with pytest.raises(PolicyError, match="no policy named"):
        load_policy("no-such-policy")


def test_json_schema_comes_from_the_model() -> None:
    schema = policy_json_schema()
    assert schema["additionalProperties"] is False
    assert {"name", "default", "rules", "ceiling", "extends"} <= set(schema["properties"])


def test_shipped_schema_is_the_one_the_code_validates_with() -> None:
    import json

    from redact.resources import package_path
    shipped = json.loads(package_path("policy.schema.json").read_text(encoding="utf-8"))
    assert shipped == policy_json_schema(), "regenerate: redact policy schema > redact/policy.schema.json"


def test_decl_kind_and_dates_validate(tmp_path: Path) -> None:
    good = VALID.replace("when: {level: U}", "when: {decl_kind: [oadr, exemption], dated_before: 1990-01-01}")
    assert load_policy(str(write(tmp_path, good))).rules[0].rule.when.decl_kind == ["oadr", "exemption"]
    bad = VALID.replace("when: {level: U}", "when: {decl_kind: [someday]}")
    assert error_of(write(tmp_path, bad)).key == "rules[0].when.decl_kind"


FIVE_MISTAKES = """name: five
ceiling: U
default: {action: withhold, label: "(b)(1)"}
rules:
  - id: one
    acton: release
    when: {level: U}
  - id: two
    action: relase
    label: "(b)(1)"
  - id: three
    action: withhold
    labl: "(b)(1)"
    when: {levl: S}
"""


def test_every_problem_of_a_policy_in_one_run(tmp_path: Path) -> None:
    """Five mistakes, five messages, sorted by line, each naming its line and key; an unknown key
    is named (with the key it resembles) even where the same rule also misses a required one."""
    path = write(tmp_path, FIVE_MISTAKES)
    lines = str(error_of(path)).splitlines()
    assert lines == [
        f"{path}:5:5: rules[0].action: Field required",  # the rule that lacks it
        f"{path}:6:5: rules[0].acton: unknown key 'acton' (did you mean 'action'?)",
        f"{path}:9:5: rules[1].action: Input should be 'release' or 'withhold'",
        f"{path}:13:5: rules[2].labl: unknown key 'labl' (did you mean 'label'?)",
        f"{path}:14:12: rules[2].when.levl: unknown key 'levl' (did you mean 'level'?)",
    ]
