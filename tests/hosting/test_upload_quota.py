"""Uploads per visitor on a Space: counted per hour, the same file once, a refused file deleted; local: none."""
import pytest

from finetune.errors import ConfigError
from finetune.hosting import upload_quota


@pytest.fixture
def quota(monkeypatch):
    monkeypatch.setenv("SPACE_ID", "someone/fine-tune-studio")
    monkeypatch.setenv("FINETUNE_UPLOADS_PER_HOUR", "2")
    monkeypatch.setattr(upload_quota, "_SEEN", upload_quota.defaultdict(upload_quota.deque))
    clock = [1000.0]
    monkeypatch.setattr(upload_quota.time, "monotonic", lambda: clock[0])
    return clock


def files(tmp_path, count):
    paths = [tmp_path / f"upload-{i}.csv" for i in range(count)]
    for path in paths:
        path.write_text("text,label\n")
    return paths


def test_a_visitor_past_the_quota_is_refused_and_the_file_deleted(quota, tmp_path):
    first, second, third = files(tmp_path, 3)
    upload_quota.admit("v:ann", first)
    upload_quota.admit("v:ann", second)
    upload_quota.admit("v:ann", first)  # the same upload read again is not another upload
    with pytest.raises(ConfigError, match="uploaded 2 files in the last hour.*about 60 min"):
        upload_quota.admit("v:ann", third)
    assert not third.exists() and first.exists()
    upload_quota.admit("v:bob", third.with_name("other.csv"))  # another visitor has their own allowance


def test_the_hour_slides_and_unsigned_pages_share_one_allowance(quota, tmp_path):
    paths = files(tmp_path, 5)
    upload_quota.admit(None, paths[0])
    upload_quota.admit("", paths[1])
    with pytest.raises(ConfigError):
        upload_quota.admit(None, paths[2])
    quota[0] += upload_quota.WINDOW_S + 1
    upload_quota.admit(None, paths[3])


def test_locally_every_upload_is_taken(monkeypatch, tmp_path):
    monkeypatch.delenv("SPACE_ID", raising=False)
    monkeypatch.setenv("FINETUNE_UPLOADS_PER_HOUR", "1")
    for path in files(tmp_path, 3):
        upload_quota.admit("v:ann", path)
        assert path.exists()
