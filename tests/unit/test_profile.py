"""nndl.profile: one registry of every quick/full size of the chapter, read by every recipe and shown on the site."""

import sys
from pathlib import Path

import pytest

from nndl.profile import PROFILES, SECTION_TITLES, SIZES, sizes

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "_ext"))
import profiles as site_table  # noqa: E402


def test_full_is_the_book_and_quick_is_smaller():
    for section, entries in SIZES.items():
        for name, size in entries.items():
            assert 0 < size.quick <= size.full, (section, name)
    assert sizes("7.2", "full") == {"num_samples": 60000, "num_epochs": 30}
    assert sizes("7.6", "full") == {"num_iters": 50_000, "exercise_num_iters": 50_000}
    assert sizes("7.4", "full") == {"num_epochs": 100}


def test_sizes_follows_the_environment(monkeypatch):
    monkeypatch.setenv("NNDL_PROFILE", "full")
    assert sizes("7.5") == sizes("7.5", "full")
    monkeypatch.setenv("NNDL_PROFILE", "quick")
    assert sizes("7.5") == sizes("7.5", "quick") != sizes("7.5", "full")


def test_bad_names_are_named():
    with pytest.raises(ValueError, match="profile 必须是 'quick', 'full' 之一，收到 'medium'"):
        sizes("7.2", "medium")
    with pytest.raises(ValueError, match="section 必须是 .* 之一，收到 '7.7'"):
        sizes("7.7", "quick")


def test_site_table_has_one_row_per_size_with_the_registry_values():
    rows = site_table.rows()
    assert len(rows) == sum(len(v) for v in SIZES.values())
    expected = [(size.meaning, f"{size.quick:,}", f"{size.full:,}") for v in SIZES.values() for size in v.values()]
    assert [r[1:] for r in rows] == expected
    assert [r[0] for r in rows if r[0]] == [SECTION_TITLES[s] for s in SIZES]
    assert PROFILES == ("quick", "full")


def test_every_recipe_reads_its_sizes_from_the_registry():
    from nndl.sections import s7_3_exercises, s7_4_initialization, s7_5_normalization

    assert s7_3_exercises.configs({"a": ("SGD", 0.1, {})}, "full")[0].params["num_train"] == 60000
    assert s7_4_initialization.configs(["xavier_normal"], profile="quick")[0].units == sizes("7.4", "quick")["num_epochs"]
    assert s7_5_normalization.norm_configs("quick")[0].params == {"norm": None, **sizes("7.5", "quick")}
