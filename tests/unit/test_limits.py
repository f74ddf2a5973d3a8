"""Bounded loading: every way a file can be too big, too deep, too strange or not text, at its line and column."""

from pathlib import Path

import pytest

from atmpcli.errors import ScenarioError
from atmpcli.limits import MAX_DEPTH, MAX_VALUES, InputLimits, format_size, parse_size
from atmpcli.scenario.yamlfile import load_yaml, parse_scalar


def problem(tmp_path: Path, content: str | bytes, limits: InputLimits | None = None) -> str:
    path = tmp_path / "s.yaml"
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    with pytest.raises(ScenarioError) as err:
        load_yaml(path, limits=limits)
    assert len(err.value.problems) == 1
    return str(err.value.problems[0]).replace(str(path), "s.yaml")


def laughs(levels: int) -> str:
    text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for i in range(1, levels):
        text += f"l{i}: &l{i} [" + ", ".join([f"*{'a' if i == 1 else f'l{i - 1}'}"] * 10) + "]\n"
    return text


def test_billion_laughs_stop_at_the_alias_that_passes_the_limit(tmp_path):
    # the lists a, l1, l2, l3 expand to 11, 111, 1,111 and 11,111 values; with the root and the keys,
    # 12,350 values precede l4, whose 4th alias of l3 brings the count to 12,351 + 4 x 11,111 = 56,795
    assert MAX_VALUES == 50_000
    message = problem(tmp_path, laughs(9))
    assert message == (
        "s.yaml:5:25: l4[3]: YAML aliases expand the file to more than 50,000 values, the limit; "
        "this alias (*l3) passes it"
    )


def test_aliases_that_fit_are_fine(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(laughs(4))  # 10 + 100 + 1,000 + 10,000 values and the keys
    assert len(load_yaml(path).data["l3"]) == 10


def test_an_alias_inside_its_own_anchor_is_refused(tmp_path):
    assert problem(tmp_path, "a: &x [1, *x]\n") == (
        "s.yaml:1:11: the alias *x refers to a node that contains it, so it never ends"
    )
    assert problem(tmp_path, "a: &m {b: *m}\n").startswith("s.yaml:1:11: the alias *m refers to a node")


def test_nesting_depth_is_limited_where_it_is_passed(tmp_path):
    assert MAX_DEPTH == 100
    # the mapping is level 1, so the 100th '[' opens level 101
    assert (
        problem(tmp_path, "a: " + "[" * 500 + "]" * 500 + "\n")
        == "s.yaml:1:103: nested deeper than 100 levels, the limit"
    )
    path = tmp_path / "ok.yaml"
    path.write_text("a: " + "[" * 99 + "]" * 99 + "\n")  # 100 levels with the mapping: the limit itself
    value, depth = load_yaml(path).data["a"], 1
    while value:
        value, depth = value[0], depth + 1
    assert depth == 99


def test_aliases_cannot_nest_past_the_depth_limit(tmp_path):
    # a is 60 levels (59 lists and a number); inside the 59 lists of b, with the root, it reaches 120
    deep = "[" * 59 + "1" + "]" * 59
    text = f"a: &a {deep}\nb: " + "[" * 59 + "*a" + "]" * 59 + "\n"
    assert problem(tmp_path, text) == (
        "s.yaml:2:63: b[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]"
        "[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]: "
        "YAML aliases expand the file deeper than 100 levels, the limit; this alias (*a) passes it"
    )


def test_more_values_than_the_limit_are_refused_while_reading(tmp_path):
    text = "a: [" + ", ".join(["1"] * (MAX_VALUES + 10)) + "]\n"
    # the mapping, the key 'a' and the list are 3 values: item 49,997 (from 0, at column 5 + 3 x 49,997)
    # is value 50,001
    assert problem(tmp_path, text, InputLimits(max_file_bytes=1 << 30)) == (
        f"s.yaml:1:{5 + 3 * 49_997}: the file has more than 50,000 values, the limit"
    )


def test_file_size_is_limited_and_can_be_raised(tmp_path):
    text = "title: x\n# " + "y" * 2000 + "\n"
    assert problem(tmp_path, text, InputLimits(max_file_bytes=1000)) == (
        "s.yaml: larger than 1000 bytes, the limit for a scenario file (raise it with --max-file-size)"
    )
    path = tmp_path / "s.yaml"
    assert load_yaml(path, limits=InputLimits(max_file_bytes=4000)).data == {"title": "x"}


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("title: a\x00b\n", "s.yaml:1:9: the control character U+0000 (NUL) is not allowed"),
        ("a: 1\ntitle: \x1b[31mred\n", "s.yaml:2:8: the control character U+001B (ESC) is not allowed"),
        ("a: 1  # \x07\n", "s.yaml:1:9: the control character U+0007 (BEL) is not allowed"),
        ("title: a\x85b\n", "s.yaml:1:9: the control character U+0085 (NEL) is not allowed"),
        (
            b"a: 1\ntitle: Min\xe9mal\n",
            "s.yaml:2:11: not UTF-8 text (invalid continuation byte: byte 0xE9); save the file as UTF-8",
        ),
        ("title: x\n".encode("utf-16"), "s.yaml:1:1: not UTF-8 text (the file is UTF-16); save it as UTF-8"),
        (
            'title: "\\e[2J"\n',
            "s.yaml:1:8: title: the control character U+001B (ESC) is not allowed in text (here from an escape sequence)",
        ),
        (
            'title: "\\ud800"\n',
            "s.yaml:1:8: title: the lone surrogate U+D800 is not allowed in text (here from an escape sequence)",
        ),
    ],
)
def test_characters_yaml_rejects_are_located(tmp_path, content, expected):
    assert problem(tmp_path, content) == expected


def test_a_utf8_byte_order_mark_and_tabs_in_text_are_fine(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_bytes(b'\xef\xbb\xbftitle: "a\\tb"\ndescription: |\n  two\n  lines\n')
    assert load_yaml(path).data == {"title": "a\tb", "description": "two\nlines\n"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("9" * 400, "a: the number 999999999999999… is beyond the range of floating-point numbers (about ±1.8e308)"),
        ("9" * 5000, "a: the number 999999999999999… is beyond the range of floating-point numbers (about ±1.8e308)"),
        (
            "-" + "1" * 310,
            "a: the number -11111111111111… is beyond the range of floating-point numbers (about ±1.8e308)",
        ),
        ("1e400", "a: the number 1e400 is beyond the range of floating-point numbers (about ±1.8e308)"),
    ],
)
def test_numbers_beyond_float_range_are_refused_at_the_field(tmp_path, value, expected):
    assert problem(tmp_path, f"a: {value}\n") == "s.yaml:1:4: " + expected


def test_numbers_within_float_range_and_explicit_infinity_load(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("a: 1e308\nb: " + "9" * 300 + "\nc: .inf\n")
    data = load_yaml(path).data
    assert data["a"] == 1e308 and data["b"] == int("9" * 300) and data["c"] == float("inf")


def test_missing_files_devices_and_directories(tmp_path):
    with pytest.raises(ScenarioError, match="file not found"):
        load_yaml(tmp_path / "none.yaml")
    with pytest.raises(ScenarioError, match="is a directory"):
        load_yaml(tmp_path)
    with pytest.raises(ScenarioError, match="larger than 1 MiB, the limit for a scenario file"):
        load_yaml(Path("/dev/zero"))  # endless: read up to the limit, no further


def test_command_line_values_with_huge_numbers_stay_text():
    assert parse_scalar("9" * 5000) == "9" * 5000  # then refused as a formula, with a message
    assert parse_scalar("1e-3") == 0.001


@pytest.mark.parametrize(
    ("text", "size"),
    [("1GiB", 1 << 30), ("512MiB", 512 << 20), ("1.5G", 3 << 29), ("800000", 800000), ("4 mb", 4 << 20), ("2k", 2048)],
)
def test_sizes_are_read_as_powers_of_1024(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "lots", "-1GiB", "0", "1XB"])
def test_bad_sizes_are_refused(text):
    with pytest.raises(ValueError):
        parse_size(text)


def test_sizes_are_printed_as_people_read_them():
    assert [format_size(n) for n in (1 << 30, 9.6 * (1 << 30), 512 << 20, 1000, 150 * (1 << 30))] == [
        "1 GiB",
        "9.6 GiB",
        "512 MiB",
        "1000 bytes",
        "150 GiB",
    ]


def test_merging_something_that_is_not_a_mapping_is_located(tmp_path):
    assert problem(tmp_path, "title: x\nsettings:\n  <<: 5\n  cycles: 3\n") == (
        "s.yaml:3:7: settings: cannot merge: expected a mapping or list of mappings for merging, but found scalar"
    )


def test_python_tags_are_refused_at_their_value(tmp_path):
    assert problem(tmp_path, 'a: !!python/object/apply:os.system ["ls"]\n') == (
        "s.yaml:1:4: a: the tag !!python/object/apply:os.system is not allowed: a scenario is plain data"
    )
    assert problem(tmp_path, "a: !!python/name:os.system x\n") == (
        "s.yaml:1:4: a: cannot read value: could not determine a constructor for the tag '!!python/name:os.system'"
    )
    assert (
        problem(tmp_path, "a: !!set {x, y}\n")
        == "s.yaml:1:4: a: the tag !!set is not allowed: a scenario is plain data"
    )
