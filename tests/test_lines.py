"""The compiled reader of canonical observation lines (`ledger.lines`) is a proven copy of
the model: whatever line it takes, the pydantic model (`codec.decode_model`, the
definition) takes too, with the same fields; and it takes every canonical valid line, so
the fast path is the path. Random valid lines, lines with one bad field, and lines with
random byte mutations, duplicated keys and other spellings."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mibtrack.errors import ProjectError
from mibtrack.ledger import lines
from mibtrack.ledger.codec import _FIELD_ORDER as _ORDER
from mibtrack.ledger.codec import decode, decode_model, encode, parse_fields
from mibtrack.model import Observation

HEX = "0123456789abcdef"
_writer_chars = st.sampled_from("abcXYZ019._@+-")
_id_chars = st.sampled_from("abcXYZ019._-")

writers = st.builds(lambda a, b: a + b, st.sampled_from("aZ0"), st.text(_writer_chars, max_size=6))
metrics = st.builds(lambda a, b: a + b, st.sampled_from("mQ7"), st.text(_id_chars, max_size=6))
days = st.dates().map(lambda d: d.isoformat())
clocks = st.times().map(lambda t: t.strftime("%H:%M:%S.%f"))
values = st.one_of(
    st.integers(-10**15 + 1, 10**15 - 1).map(str),
    st.decimals(min_value=-10**14, max_value=10**14, places=6, allow_nan=False).map(
        lambda d: format(d.normalize(), "f") if d else "0"),
)
texts = st.one_of(st.none(), st.text(max_size=12),
                  st.sampled_from(["", "é\u2028\x7f", "a\nb\t\"\\/", "\U0001f600", "x" * 201]))
keys = st.one_of(st.none(), st.text(min_size=1, max_size=12),
                 st.sampled_from(["k" * 200, "k" * 201, "é" * 200, "\x00", "\U0001f600" * 200]))
hashes = st.text(st.sampled_from(HEX), min_size=64, max_size=64)


def _fields(writer, metric, day, moment, value, source, note, key, prev, seq,
            sig=None):
    return {"v": 1, "seq": seq, "type": "observation", "writer": writer, "recorded_at": moment,
            "as_of": day, "metric": metric, "value": value, "source": source, "note": note,
            "key": key, "prev": prev, "sig": sig}


valid_fields = st.builds(
    _fields, writers, metrics, days, st.builds(lambda d, c: f"{d}T{c}Z", days, clocks), values,
    texts.filter(lambda t: t is None or len(t) <= 12), texts.filter(lambda t: t is None or
                                                                    len(t) <= 12),
    st.one_of(st.none(), st.text(min_size=1, max_size=20)), hashes,
    st.integers(1, 10**12),
    st.one_of(st.none(), st.text(st.sampled_from("AZaz09+/"), min_size=4, max_size=90)
              .map(lambda t: t + "=")))

#: Field values the model refuses (or that are spelled so the fast path declines them).
BAD = {
    "writer": ["", "-a", "a b", "a\n", "é", "a" * 129],
    "metric": ["", ".m", "m/x", "m\n", "m" * 65],
    "as_of": ["2025-02-30", "2025-13-01", "20250101", "2025-1-01", "２０２５-01-01", 20250101],
    "recorded_at": ["2025-01-01T24:00:00.000000Z", "2025-01-01T10:60:00.000000Z",
                    "2025-01-01T10:00:00Z", "2025-01-01T10:00:00.000000+00:00",
                    "2025-02-30T10:00:00.000000Z", "2025-01-01T23:59:60.000000Z"],
    "value": ["1.50", "-0", "+1", "01", "1e5", "0.0000001", "1000000000000000", ".5", "1.",
              "１", "NaN", 5, 1.5, None, "1 000"],
    "key": ["", "k" * 201],
    "prev": ["A" * 64, "g" * 64, "0" * 63, "é" * 64],
    "seq": [0, -1, True, 1.0, "1", 10**30],
    "v": [2, True, "1", None],
    "type": ["Observation", "note"],
    "sig": ["", "a b", "é", "a===", "x" * 2001],
    "evidence": ["0" * 64 + ":1:a.pdf", "bad"],
    "recovered_from": ["0" * 64, "X"],
}


def _agree(line: bytes) -> None:
    """The fast reader takes `line` only if the model does, with the same entry; and
    `codec.decode` says exactly what the model says."""
    fast = lines.read_checked(line)
    try:
        model = decode_model(line, "f:1")
    except ProjectError as exc:
        assert fast is None, f"fast path took a line the model refuses: {exc.message}"
        with pytest.raises(ProjectError) as caught:
            decode(line, "f:1")
        assert caught.value.message == exc.message
        return
    if fast is not None:
        entry = lines.to_entry(fast)
        assert entry == model
        assert entry.model_dump(mode="json") == model.model_dump(mode="json")
        assert entry.model_fields_set == model.model_fields_set
        assert str(entry.value) == str(model.value)  # the same spelling: "100", never "1E+2"
        assert list(entry.__dict__) == list(model.__dict__)
    assert decode(line, "f:1") == model


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(valid_fields)
def test_every_canonical_valid_line_takes_the_fast_path(fields) -> None:
    line = encode(fields)[:-1]
    obs = lines.read_checked(line)
    assert obs is not None, line
    entry, model = lines.to_entry(obs), decode_model(line, "f:1")
    assert entry == model
    assert entry.model_fields_set == model.model_fields_set
    assert (str(entry.value), repr(entry.recorded_at)) == (str(model.value),
                                                           repr(model.recorded_at))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(valid_fields.filter(lambda f: f["key"] is not None and 1 <= len(f["key"]) <= 200))
def test_a_keyed_line_read_compactly_is_the_same_fact_in_the_same_place_and_order(fields) -> None:
    """`KeyedObservation` (what the rules of keys hold, for possibly very many entries)
    carries the model's values: the same content, place and ledger order for `resolve`."""
    from mibtrack.compute.ledger_state import ledger_order
    from mibtrack.model import fact_content

    line = encode(fields)[:-1]
    model = decode_model(line, "f:1")
    keyed = lines.to_keyed(lines.read_checked(line), model.key)
    assert (keyed.id, keyed.key, keyed.writer, keyed.seq, keyed.type, keyed.metric) == (
        model.id, model.key, model.writer, model.seq, model.type, model.metric)
    assert (keyed.recorded_at, keyed.as_of, keyed.value) == (model.recorded_at, model.as_of,
                                                            model.value)
    assert str(keyed.value) == str(model.value)
    assert fact_content(keyed) == fact_content(model)
    assert lines.content(lines.read_checked(line)) == lines.content(lines.read(line)) \
        == fact_content(model) \
        == fact_content(parse_fields(line))  # what a re-import compares, both ways
    assert ledger_order(keyed) == ledger_order(model)
    assert getattr(keyed, "recovered_from", None) is None


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(valid_fields, st.sampled_from(sorted(BAD)), st.data())
def test_one_bad_field_is_refused_as_the_model_refuses_it(fields, name, data) -> None:
    fields[name] = data.draw(st.sampled_from(BAD[name]))
    try:
        line = encode(fields)[:-1]
    except (TypeError, ValueError, UnicodeEncodeError):
        return  # not even a line the encoder can write
    _agree(line)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(valid_fields, st.integers(0, 10**6), st.integers(0, 255),
       st.sampled_from(["flip", "insert", "delete", "space", "duplicate", "reorder", "null",
                        "drop", "extra"]))
@example({"v": 1, "seq": 1, "type": "observation", "writer": "a", "recorded_at":
          "2025-01-01T00:00:00.000000Z", "as_of": "2025-01-01", "metric": "m", "value": "1",
          "source": None, "note": None, "key": None, "prev": "0" * 64}, 0, 0, "duplicate")
def test_mutated_lines_are_read_as_the_model_reads_them(fields, at, byte, how) -> None:
    line = bytearray(encode(fields)[:-1])
    where = at % len(line)
    if how == "flip":
        line[where] = byte
    elif how == "insert":
        line[where:where] = bytes([byte])
    elif how == "delete":
        del line[where]
    elif how == "space":
        line[where:where] = b" "
    else:
        data = json.loads(bytes(line))
        items = list(data.items())
        if how == "duplicate":  # the same key twice: json keeps the last, the model refuses
            text = bytes(line).decode()
            line = bytearray(text.replace(',"seq":', ',"seq":1,"seq":', 1).encode())
        elif how == "reorder":
            items[1], items[3] = items[3], items[1]
            line = bytearray(json.dumps(dict(items), ensure_ascii=False,
                                        separators=(",", ":")).encode())
        elif how == "null":
            items.insert(8, ("source", None))
            line = bytearray(json.dumps(dict(items), ensure_ascii=False,
                                        separators=(",", ":")).encode())
        elif how == "drop":
            del items[at % len(items)]
            line = bytearray(json.dumps(dict(items), ensure_ascii=False,
                                        separators=(",", ":")).encode())
        else:
            items.insert(at % len(items), ("extra", "x"))
            line = bytearray(json.dumps(dict(items), ensure_ascii=False,
                                        separators=(",", ":")).encode())
    _agree(bytes(line))


def test_the_struct_declares_the_models_fields() -> None:
    """A field added to, or dropped from, the model's Observation fails here until the
    compiled reader says the same (required fields required, optional ones optional)."""
    import msgspec

    info = msgspec.structs.fields(lines.ObservationLine)
    assert {f.name for f in info} == set(Observation.model_fields)
    optional = {f.name for f in info if not f.required}
    # v has a default in the model; the stored form always carries it, so the reader asks
    # for it (a line without it is read by the model)
    assert optional == {n for n, f in Observation.model_fields.items()
                        if not f.is_required()} - {"v"}


def test_a_duplicated_key_is_never_read_fast() -> None:
    # json.loads would keep seq 2 silently; the model refuses the duplicate, and so the
    # fast reader must not take the line (canonical bytes only)
    good = encode({"v": 1, "seq": 1, "type": "observation", "writer": "a",
                   "recorded_at": "2025-01-01T00:00:00.000000Z", "as_of": "2025-01-01",
                   "metric": "m", "value": "1", "prev": "0" * 64})[:-1]
    doubled = good.replace(b',"seq":1,', b',"seq":1,"seq":2,')
    assert lines.read_checked(good) is not None
    assert lines.read_checked(doubled) is None
    with pytest.raises(ProjectError, match="duplicate key 'seq'"):
        decode(doubled, "f:1")


@settings(max_examples=300)
@given(st.dictionaries(st.sampled_from(["type", "as_of", "metric", "value", "objective",
                                        "source", "note", "key", "reason", "seq", "v"]),
                       st.one_of(st.text(), st.integers(-10**20, 10**20)), min_size=1))
def test_the_encoder_writes_the_bytes_json_dumps_writes(fields) -> None:
    # the format's definition (docs/ledger-format.md) is json.dumps' compact form; the
    # encoder writes it with msgspec, byte for byte the same (escapes, non-ASCII, numbers)
    fields = {**fields, "prev": "0" * 64}
    try:
        expected_body = json.dumps({k: fields[k] for k in _ORDER if k in fields},
                                   ensure_ascii=False, separators=(",", ":")).encode()
    except UnicodeEncodeError:  # a lone surrogate: neither can write it
        with pytest.raises(UnicodeEncodeError):
            encode(fields)
        return
    line = encode(fields)
    assert line.startswith(expected_body[:-1] + b',"id":"')
    assert line.endswith(b'"}\n')
