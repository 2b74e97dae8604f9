"""The gate's own rules on a Space: ids that expire and are issued at a limited rate per client address,
quotas per client, the upload folder's cap, Hub-only model ids, the CPU clamps, one computation at a time."""
import os
import time
from types import SimpleNamespace

import pytest

from finetune.config import ConfigError, RunConfig
from finetune.hosting import gate, owners, spaces, upload_quota
from finetune.ui import visitor
from finetune.ui.messages import error_box, user_error


@pytest.fixture
def on_space(monkeypatch, runs_dir):
    monkeypatch.setenv("SPACE_ID", "someone/fine-tune-studio")
    return runs_dir


def request(host, forwarded=""):
    return SimpleNamespace(headers={"x-forwarded-for": forwarded} if forwarded else {},
                           client=SimpleNamespace(host=host))


def test_an_expired_id_is_nobody_and_the_page_gets_a_fresh_one(on_space, monkeypatch):
    token = visitor.issue(None)
    assert visitor.owner(token) and visitor.issue(token) == token
    later = time.time() + owners.MAX_AGE_S + 60
    monkeypatch.setattr(time, "time", lambda: later)
    assert visitor.owner(token) is None
    fresh = visitor.issue(token)
    assert fresh != token and visitor.owner(fresh)


def test_one_client_address_gets_a_few_ids_an_hour_behind_the_proxy_too(on_space, monkeypatch):
    monkeypatch.setenv("FINETUNE_IDS_PER_HOUR", "3")
    proxy = "10.0.0.1"  # every visitor's request.client.host behind a Space's proxy
    ids = [visitor.issue(None, None, request(proxy, "8.8.8.8")) for _ in range(4)]
    assert all(ids[:3]) and ids[3] == ""  # the fourth page of one client starts nothing
    assert visitor.issue(ids[0], None, request(proxy, "8.8.8.8")) == ids[0]  # a kept id is kept
    assert visitor.issue(None, None, request(proxy, "1.1.1.1"))  # another visitor behind the same proxy
    # a forged first entry changes nothing: the proxy's own (last public) entry counts
    assert visitor.issue(None, None, request(proxy, "9.9.9.9, 8.8.8.8")) == ""
    assert owners.peers(visitor.owner(ids[0])) == {visitor.owner(i) for i in ids[:3]}


def test_uploads_are_counted_per_client_as_well_as_per_id(on_space, monkeypatch, tmp_path):
    monkeypatch.setenv("FINETUNE_UPLOADS_PER_HOUR", "1")
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "uploads"))
    ids = [visitor.owner(visitor.issue(None, None, request("4.4.4.4"))) for _ in range(3)]
    files = []
    for i in range(4):
        files.append(tmp_path / f"f{i}.csv")
        files[-1].write_text("text,label\n")
    gate.admit_file(ids[0], files[0])
    with pytest.raises(ConfigError, match="uploaded 1 files"):
        gate.admit_file(ids[0], files[1])  # the id's own quota
    gate.admit_file(ids[1], files[2])
    with pytest.raises(ConfigError, match="uploaded 2 files"):
        gate.admit_file(ids[2], files[3])  # a fresh id of the same client: the client's quota (2 x 1) is used
    assert not files[3].exists()  # a refused upload is deleted
    with pytest.raises(ConfigError, match="no visitor id"):
        gate.admit_file(None, files[0])


def test_the_upload_folder_keeps_under_its_cap_oldest_first(on_space, monkeypatch, tmp_path):
    folder = tmp_path / "uploads"
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(folder))
    monkeypatch.setenv("FINETUNE_UPLOAD_FOLDER_BYTES", "1000")
    (folder / "a").mkdir(parents=True)
    old, new = folder / "a" / "old.bin", folder / "new.csv"
    old.write_bytes(b"x" * 800)
    os.utime(old, (time.time() - 600, time.time() - 600))
    new.write_bytes(b"y" * 500)
    upload_quota.check_folder(new)
    assert not old.exists() and new.exists()  # room made by removing the oldest raw upload
    huge = folder / "huge.csv"
    huge.write_bytes(b"z" * 2000)
    with pytest.raises(ConfigError, match="upload space is full"):
        upload_quota.check_folder(huge)
    assert not huge.exists()


def test_a_model_id_is_a_hub_id_on_a_space_even_where_a_folder_of_that_name_exists(on_space, monkeypatch, tmp_path,
                                                                                    tiny_model):
    import shutil

    import huggingface_hub

    from finetune.data.token_lengths import model_files
    from finetune.models.catalog import resolve_model

    monkeypatch.chdir(tmp_path)
    shutil.copytree(tiny_model, tmp_path / "zz" / "tiny")  # a relative folder named like a Hub id
    fetched = []
    monkeypatch.setattr(huggingface_hub, "snapshot_download", lambda repo, **k: fetched.append(repo) or "/hub/cache")
    assert gate.model_id("zz/tiny", "classification") == "zz/tiny"
    assert resolve_model("zz/tiny") == "/hub/cache" and fetched == ["zz/tiny"]  # from the Hub, not the folder
    assert model_files("zz/tiny") == model_files("zz/absent") == (None, None)  # the counter tells nothing
    for path in (tiny_model, "/etc", "../zz/tiny", "~/x", "a/b/c"):
        with pytest.raises(ConfigError, match="server folders are not offered here"):
            gate.model_id(path, "classification")
    assert gate.model_id("", "classification") == ""  # the embedded model


def test_a_cpu_space_clamps_batch_accumulation_processes_and_fsdp(on_space, tmp_path, keyword_csv):
    config = RunConfig(data_file=str(keyword_csv), batch_size=512, gradient_accumulation_steps=64, processes=2,
                       nnodes=2, fsdp=True)
    clamped, notes = spaces.apply_limits(config, tmp_path)
    assert (clamped.batch_size, clamped.gradient_accumulation_steps, clamped.processes, clamped.nnodes,
            clamped.fsdp) == (spaces.LIMITS.max_batch_size, spaces.LIMITS.max_accumulation, 1, 1, False)
    assert any("batch_size lowered from 512" in n for n in notes) and any("fsdp" in n for n in notes)


def test_one_computation_at_a_time_per_visitor_on_a_space(on_space):
    with gate.work("v:a", "quick models"):
        with pytest.raises(ConfigError, match="Your quick models is still running"):
            with gate.work("v:a", "label review"):
                pass
        with gate.work("v:b", "label review"):  # another visitor is not held up
            pass
    with gate.work("v:a", "label review"):  # free again
        pass
    with pytest.raises(ConfigError, match="no visitor id"):
        with gate.work(None, "quick models"):
            pass


def test_messages_on_a_space_show_no_server_path(on_space, runs_dir):
    message = f"No model folder at {runs_dir}/20260101-x/model; see https://huggingface.co/org/name"
    assert str(runs_dir) not in str(user_error(ConfigError(message))) and str(runs_dir) not in error_box(message)
    assert "https://huggingface.co/org/name" in error_box(message)


def test_a_search_and_each_of_its_trials_record_their_owner(runs_dir, monkeypatch, tmp_path):
    """Locally (where the search is offered) it goes through the gate too: the search folder and every trial
    folder are the starting visitor's."""
    from finetune.training import engine
    from finetune.sweeps import search
    from finetune.sweeps.record import Sweep

    monkeypatch.setattr("finetune.control.processes.start_process", lambda folder, command: None)
    sweep_dir = gate.start_search(RunConfig(), "v:me", trials=2, budget_minutes=1, space=["learning_rate"])
    assert owners.owner_of(sweep_dir) == "v:me"
    seen = []
    monkeypatch.setattr(engine, "train", lambda config, folder, callbacks: seen.append(owners.owner_of(folder)) or 1 / 0)
    objective = search._Objective(RunConfig(), sweep_dir, {}, Sweep("accuracy", "maximize", 60, 2, {}),
                                  search.Budget(time.time(), 60))
    with pytest.raises(ZeroDivisionError):
        objective(SimpleNamespace(number=0))
    assert seen == ["v:me"]  # recorded before the trial trained
