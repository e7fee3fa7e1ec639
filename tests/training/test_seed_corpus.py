"""The bundled seed corpus meets the bar the product promises (and stays valid as it grows)."""

import json

import pytest

from kiennghi.training.corpus import load_corpus, seed_corpus_dir
from kiennghi.training.corpus_stats import corpus_stats


@pytest.fixture(scope="module")
def items(catalog):
    return load_corpus(seed_corpus_dir(), catalog)


def test_size_and_coverage(items, catalog):
    stats = corpus_stats(items)
    assert stats["written"] >= 2000
    assert set(stats["per_sector"]) == set(catalog.taxonomy.codes)
    assert min(stats["per_sector"].values()) >= 60
    assert stats["accentless_share"] >= 0.10
    assert stats["words_min"] <= 8 and stats["words_max"] >= 150


def test_rows_agree_with_the_directory(catalog):
    for path in sorted(seed_corpus_dir().glob("*.jsonl")):
        for number, line in enumerate(path.open(encoding="utf-8"), start=1):
            row = json.loads(line)
            where = f"{path.name}:{number}"
            assert row["lead_department"] == catalog.directory.assignment(row["sector"]).lead, where
            for code in row["coordinating_departments"]:
                catalog.directory.body(code)
            assert row["lead_department"] not in row["coordinating_departments"], where
            assert row["origin"] in ("written", "derived"), where


def test_voices_are_known_associations(items):
    import yaml

    from kiennghi.resources import bundled_data_path

    known = {
        a["code"] for a in yaml.safe_load(bundled_data_path("associations.yaml").read_text())["associations"]
    }
    assert {i.voice for i in items} <= known
