"""One end-to-end run on the real embedded MiniLM (slow: about half a minute on 2 cores)."""
import pytest

from finetune.config import RunConfig
from finetune.training.engine import train
from finetune.services.predictions import predict_texts
from tests.conftest import SAMPLES

pytestmark = pytest.mark.slow


def test_embedded_minilm_learns_the_bundled_domain_sample(tmp_path):
    config = RunConfig(data_file=str(SAMPLES / "legal_medical_financial.csv"))  # defaults, embedded model
    results = train(config, tmp_path / "run")
    assert results.metrics["accuracy"] >= 0.9, results.metrics
    prediction = predict_texts(tmp_path / "run", ["The patient was prescribed antibiotics after surgery."])[0]
    assert prediction["label"] == "medical" and prediction["score"] > 0.6
