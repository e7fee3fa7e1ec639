"""Training configs are typed and strict, and the dataclass defaults are the only defaults."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from kiennghi.catalog import load_abbreviations
from kiennghi.errors import TrainingError
from kiennghi.training.config import (
    CLASSIFIER_KEYS,
    FEATURE_KEYS,
    ClassifierConfig,
    FeatureConfig,
    TrainConfig,
    default_config_path,
    load_config,
)
from kiennghi.training.pipeline import build_pipeline


def write(tmp_path: Path, body: str, name: str = "cau-hinh.yaml") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def message(excinfo: pytest.ExceptionInfo[TrainingError]) -> str:
    return " ".join(str(excinfo.value).split())


def test_bundled_default_is_the_dataclass_defaults():
    """default.yaml spells the defaults out; it must say exactly what TrainConfig() says."""
    assert load_config(None) == TrainConfig()
    assert load_config() == TrainConfig()


def test_bundled_default_spells_out_every_key():
    raw = yaml.safe_load(default_config_path().read_text(encoding="utf-8"))
    assert set(raw) == set(TrainConfig.__dataclass_fields__)
    assert tuple(raw["features"]) == FEATURE_KEYS
    assert set(raw["classifier"]) == set(CLASSIFIER_KEYS)


def test_defaults_are_the_chosen_model():
    """The values chosen in docs/model-comparison.md; changing one retrains the bundled model."""
    config = TrainConfig()
    assert config.features == FeatureConfig(
        words=(1, 2),
        accentless_words=(1, 3),
        accentless_chars=(3, 5),
        segment=False,
        mask_places=True,
        min_df=2,
        max_features=150_000,
    )
    assert config.classifier == ClassifierConfig(
        type="svm", C=0.5, class_weight="balanced", calibration="sigmoid", calibration_folds=3
    )
    assert (config.name, config.accentless_augment, config.cv_folds, config.seed) == ("default", 1.0, 5, 13)


def test_partial_config_fills_the_rest_from_the_defaults(tmp_path):
    path = write(tmp_path, "name: thu\nfeatures:\n  min_df: 1\nclassifier:\n  C: 2\ncv_folds: 3\n")
    config = load_config(path)
    assert config == replace(
        TrainConfig(),
        name="thu",
        features=replace(FeatureConfig(), min_df=1),
        classifier=replace(ClassifierConfig(), C=2.0),
        cv_folds=3,
    )
    assert isinstance(config.classifier.C, float)


def test_empty_file_and_empty_sections_are_the_defaults(tmp_path):
    assert load_config(write(tmp_path, "")) == TrainConfig()
    assert load_config(write(tmp_path, "features:\nclassifier:\n")) == TrainConfig()


def test_ngram_ranges_are_tuples_and_null_turns_a_family_off(tmp_path):
    config = load_config(write(tmp_path, "features: {words: [1, 3], accentless_chars: null}\n"))
    assert config.features.words == (1, 3)
    assert config.features.accentless_chars is None
    steps = dict(build_pipeline(config.features, config.classifier).steps)
    assert [name for name, _ in steps["features"].transformer_list] == ["words", "accentless_words"]


@pytest.mark.parametrize(
    ("section", "key", "valid"),
    [
        ("features", "min_dff", FEATURE_KEYS),
        ("features", "mask_place", FEATURE_KEYS),
        ("classifier", "c", CLASSIFIER_KEYS),
        ("classifier", "calibration_fold", CLASSIFIER_KEYS),
        (None, "cv_fold", tuple(TrainConfig.__dataclass_fields__)),
    ],
)
def test_misspelled_key_names_the_key_the_file_and_the_valid_keys(tmp_path, section, key, valid):
    body = f"{section}:\n  {key}: 1\n" if section else f"{key}: 1\n"
    path = write(tmp_path, body)
    with pytest.raises(TrainingError) as excinfo:
        load_config(path)
    text = message(excinfo)
    assert "khóa không hợp lệ" in text and key in text and str(path) in text
    assert "các khóa hợp lệ" in text and all(k in text for k in valid)
    if section:
        assert f"mục '{section}'" in text


@pytest.mark.parametrize(
    ("body", "key", "expected"),
    [
        ("classifier: {C: abc}", "classifier.C", "số dương"),
        ("classifier: {C: 0}", "classifier.C", "số dương"),
        ("classifier: {C: true}", "classifier.C", "số dương"),
        ("classifier: {type: forest}", "classifier.type", "svm, logreg"),
        ("classifier: {calibration: platt}", "classifier.calibration", "sigmoid, isotonic"),
        ("classifier: {calibration_folds: 1}", "classifier.calibration_folds", "≥ 2"),
        ("classifier: {calibration_folds: 2.5}", "classifier.calibration_folds", "số nguyên"),
        ("classifier: {class_weight: equal}", "classifier.class_weight", "balanced"),
        ("features: {words: 3}", "features.words", "cặp số nguyên"),
        ("features: {words: [1, 2, 3]}", "features.words", "cặp số nguyên"),
        ("features: {accentless_chars: [5, 3]}", "features.accentless_chars", "nhỏ nhất ≤ lớn nhất"),
        ("features: {accentless_words: [0, 2]}", "features.accentless_words", "cặp số nguyên"),
        ("features: {min_df: -1}", "features.min_df", "≥ 1"),
        ("features: {min_df: 0.5}", "features.min_df", "số nguyên"),
        ("features: {max_features: 0}", "features.max_features", "≥ 1"),
        ("features: {mask_places: 'yes'}", "features.mask_places", "true hoặc false"),
        ("features: {segment: 1}", "features.segment", "true hoặc false"),
        ("accentless_augment: 1.5", "accentless_augment", "từ 0 đến 1"),
        ("cv_folds: 1", "cv_folds", "≥ 2"),
        ("seed: -3", "seed", "≥ 0"),
        ("seed: '13'", "seed", "số nguyên"),
        ("name: ''", "name", "chuỗi không rỗng"),
    ],
)
def test_wrong_value_names_the_key_the_file_and_what_is_expected(tmp_path, body, key, expected):
    path = write(tmp_path, body + "\n")
    with pytest.raises(TrainingError) as excinfo:
        load_config(path)
    text = message(excinfo)
    assert "giá trị không hợp lệ" in text and f"'{key}'" in text and str(path) in text
    assert expected in text


def test_section_that_is_not_a_mapping_is_refused(tmp_path):
    path = write(tmp_path, "features: [1, 2]\n")
    with pytest.raises(TrainingError, match="mục 'features'") as excinfo:
        load_config(path)
    assert str(path) in str(excinfo.value)


def test_config_without_any_feature_family_is_refused(tmp_path):
    path = write(tmp_path, "features: {words: null, accentless_words: null, accentless_chars: null}\n")
    with pytest.raises(TrainingError, match="ít nhất một") as excinfo:
        load_config(path)
    assert str(path) in str(excinfo.value)


def test_configs_built_in_code_are_checked_too():
    with pytest.raises(TrainingError, match=r"classifier\.calibration_folds"):
        ClassifierConfig(calibration_folds=1)
    with pytest.raises(TrainingError, match=r"features\.words"):
        replace(FeatureConfig(), words=(3, 1))
    with pytest.raises(TrainingError, match="cv_folds"):
        TrainConfig(cv_folds=0)
    assert FeatureConfig(words=[1, 4]).words == (1, 4)  # type: ignore[arg-type]


def test_plain_dicts_are_accepted_and_checked_like_yaml():
    config = TrainConfig(features={"min_df": 1}, classifier={"type": "logreg"})  # type: ignore[arg-type]
    assert config.features == replace(FeatureConfig(), min_df=1)
    assert config.classifier == replace(ClassifierConfig(), type="logreg")
    with pytest.raises(TrainingError, match="min_dff"):
        TrainConfig(features={"min_dff": 1})  # type: ignore[arg-type]
    with pytest.raises(TrainingError, match="min_dff"):
        build_pipeline(features={"min_dff": 1})


def test_build_pipeline_takes_typed_configs_and_dicts_alike():
    abbr = load_abbreviations()

    def params(pipeline):
        return {k: repr(v) for k, v in pipeline.get_params().items() if k not in ("steps", "memory")}

    typed = build_pipeline(FeatureConfig(min_df=1), ClassifierConfig(C=2.0), abbr, seed=4)
    plain = build_pipeline({"min_df": 1}, {"C": 2}, abbr, seed=4)
    assert params(typed) == params(plain)
    assert params(build_pipeline(abbreviations=abbr)) == params(
        build_pipeline(TrainConfig().features, TrainConfig().classifier, abbr)
    )
    defaults = build_pipeline(abbreviations=abbr, seed=13).get_params()
    assert defaults["normalize__mask_places"] is True
    assert defaults["features__accentless_chars__ngram_range"] == (3, 5)
    assert defaults["features__words__min_df"] == 2
    assert defaults["features__words__max_features"] == 150_000
    assert defaults["classifier__cv"] == 3 and defaults["classifier__estimator__C"] == 0.5


def test_metadata_form_is_plain_json_and_round_trips():
    config = TrainConfig()
    data = config.as_dict()
    assert json.loads(json.dumps(data)) == data  # lists, not tuples: what metadata.json reads back
    assert data["features"]["accentless_chars"] == [3, 5]
    assert data["classifier"]["C"] == 0.5
    assert TrainConfig.from_mapping(data) == config
