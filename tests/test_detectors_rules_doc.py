"""detectors/rules/README.md documents every key a rule file may use (it is the rule authors' reference)."""

from __future__ import annotations

from pathlib import Path

from detectors.rules import FIELD_KINDS, KIND_KEYS, TITLE_TARGETS

README = Path(__file__).resolve().parents[1] / "detectors" / "rules" / "README.md"


def test_every_kind_key_and_field_kind_is_documented():
    text = README.read_text(encoding="utf-8")
    for kind, keys in KIND_KEYS.items():
        assert f"| `{kind}` |" in text, kind
        for key in keys:
            assert f"`{key}`" in text, (kind, key)
    listed = text.split("Field kinds: `", 1)[1].split("`", 1)[0].split()
    assert sorted(listed) == sorted(FIELD_KINDS)
    for target in TITLE_TARGETS:
        assert f"`{target}`" in text, target
