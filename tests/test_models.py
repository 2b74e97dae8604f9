import pytest

from finetune.config import ConfigError
from finetune.models.catalog import EMBEDDED, resolve_model


def test_embedded_default_is_a_local_folder():
    path = resolve_model("")
    assert resolve_model(EMBEDDED) == path and path.endswith("model")


def test_local_folder_is_used_as_is(tiny_model):
    assert resolve_model(tiny_model) == tiny_model


def test_folder_without_a_model_is_explained(tmp_path):
    with pytest.raises(ConfigError, match="holds no config.json"):
        resolve_model(str(tmp_path))


def test_hub_id_offline_fails_fast_with_what_to_do():
    with pytest.raises(ConfigError, match="Hub is not reachable.*embedded model"):
        resolve_model("distilbert-base-uncased")


def test_missing_path_is_not_mistaken_for_a_hub_id():
    with pytest.raises(ConfigError, match="No model folder at ./models/mine"):
        resolve_model("./models/mine")
