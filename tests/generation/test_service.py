"""GenerationService against the fake ComfyUI: runs, cancel, interrupt, loss, retry, restart."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from PIL import Image

from app.comfy.client import ComfyClient
from app.generation.builder import WorkflowBuilder
from app.generation.errors import InvalidParams
from app.generation.records import PreviewUpdate, ProgressUpdate
from app.generation.store import CHECKPOINT, LORA
from tests.generation.conftest import params

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("loras", [0, 1, 3])
def test_builder_prompts_pass_the_servers_validation(fake_comfy, loras):
    prompt = WorkflowBuilder().build(params(loras=loras), "check")
    queued = ComfyClient(fake_comfy.url).queue_prompt(prompt, "test-client")
    assert queued.node_errors == {}
    assert fake_comfy.wait_idle(10)
    assert fake_comfy.history[queued.prompt_id]["status"]["status_str"] == "success"


def test_complete_run_stores_outputs_thumbnails_and_reports_progress(
        fake_comfy, make_runner, paths, recorder):
    runner = make_runner(fake_comfy.url)
    runner.service.add_listener(recorder)
    record = runner.service.submit(params())
    assert record.status == "pending" and record.backend == fake_comfy.url
    done = runner.service.wait(record.id, timeout=10)
    assert done.status == "completed", done.error
    assert done.started_at is not None and done.finished_at >= done.started_at
    assert len(done.output_paths) == 1 and len(done.thumbnail_paths) == 1
    with Image.open(paths.data_dir / done.output_paths[0]) as image:
        assert image.size == (64, 64)
    with Image.open(paths.data_dir / done.thumbnail_paths[0]) as thumb:
        assert max(thumb.size) <= 256
    assert done.remote_outputs[0]["subfolder"] == "ComfyDesk"
    assert done.remote_outputs[0]["filename"].startswith(done.id)
    steps = [(u.step, u.steps) for u in recorder.of(ProgressUpdate)]
    assert (2, 2) in steps
    assert recorder.of(ProgressUpdate)[-1].nodes_done == 8
    assert recorder.of(PreviewUpdate), "preview frames reach the listener"
    posted = [r for r in fake_comfy.requests if r.method == "POST" and r.path == "/prompt"]
    assert posted[-1].json["client_id"] == runner.client_id
    assert posted[-1].json["prompt"]["9"]["inputs"]["filename_prefix"] == f"ComfyDesk/{done.id}"


def test_models_are_remembered_per_backend_for_offline_use(fake_comfy, make_runner):
    runner = make_runner(fake_comfy.url, connect=False)
    runner.service.sync_models(fake_comfy.url)
    store = runner.service.store
    assert store.known_models(CHECKPOINT, fake_comfy.url) == [
        "random_sd15.safetensors", "sub/other.safetensors"]
    assert store.known_models(LORA) == ["random_lora.safetensors"]
    fake_comfy.scenario.models["checkpoints"] = ["random_sd15.safetensors"]
    runner.service.sync_models(fake_comfy.url)
    assert store.known_models(CHECKPOINT) == ["random_sd15.safetensors"]
    assert "sub/other.safetensors" in store.known_models(CHECKPOINT, active_only=False)
    fake_comfy.stop()
    options = runner.service.known_options(fake_comfy.url)
    assert options.checkpoints == ("random_sd15.safetensors",)
    assert "euler" in options.samplers


def test_invalid_input_is_refused_before_anything_is_stored_or_sent(fake_comfy, make_runner):
    runner = make_runner(fake_comfy.url, connect=False)
    runner.service.sync_models(fake_comfy.url)
    with pytest.raises(InvalidParams) as caught:
        runner.service.submit(params(width=100, checkpoint=""))
    assert set(caught.value.field_errors) == {"width", "checkpoint"}
    assert runner.service.store.count() == 0
    assert not [r for r in fake_comfy.requests if r.path == "/prompt"]


def test_a_model_the_backend_lacks_is_named_and_kept_as_failed(fake_comfy, make_runner):
    runner = make_runner(fake_comfy.url, connect=False)
    with pytest.raises(InvalidParams) as caught:
        runner.service.submit(params(checkpoint="missing.safetensors"),
                              backend=fake_comfy.url)
    assert "missing.safetensors" in str(caught.value)
    (record,) = runner.service.store.latest(5)
    assert record.status == "failed" and "missing.safetensors" in record.error


def test_a_comfyui_rejection_is_stored_with_its_node_errors(fake_comfy, make_runner):
    def breaks_the_sampler(prompt, _profile):
        prompt["3"]["inputs"]["steps"] = 0  # below KSampler's min: ComfyUI refuses it
        return prompt

    runner = make_runner(fake_comfy.url, connect=False, profile_applier=breaks_the_sampler)
    from app.comfy.errors import PromptRejected

    with pytest.raises(PromptRejected):
        runner.service.submit(params(), profile_id="p1")
    (record,) = runner.service.store.latest(5)
    assert record.status == "failed" and record.profile_id == "p1"
    assert "KSampler" in record.error and "steps" in record.error
    assert record.comfyui_prompt_id is None


def slow(fake_comfy, step: float = 0.05) -> None:
    """Sampler steps take ``step`` seconds, so a 200-step request runs for a while."""
    fake_comfy.scenario.step_duration = step


def status_of(runner, request_id):
    return lambda: runner.service.store.get(request_id).status


def test_cancel_pending_removes_it_from_comfyuis_queue(fake_comfy, make_runner, recorder):
    slow(fake_comfy)
    runner = make_runner(fake_comfy.url)
    runner.service.add_listener(recorder)
    running = runner.service.submit(params(sampler=params().sampler.__class__(steps=200)))
    waiting = runner.service.submit(params(seed=7))
    recorder.wait_for(lambda: status_of(runner, running.id)() == "processing")
    cancelled = runner.service.cancel(waiting.id)
    assert cancelled.status == "cancelled"
    deletes = [r.json for r in fake_comfy.requests if r.method == "POST" and r.path == "/queue"]
    assert {"delete": [waiting.comfyui_prompt_id]} in deletes
    assert waiting.comfyui_prompt_id not in [i[1] for i in fake_comfy.queue["pending"]]
    runner.service.cancel(running.id)  # interrupt: the running one ends as well
    recorder.wait_for(lambda: status_of(runner, running.id)() == "cancelled")
    assert runner.service.store.get(waiting.id).status == "cancelled"


def test_cancel_running_interrupts_it(fake_comfy, make_runner, recorder):
    slow(fake_comfy)
    runner = make_runner(fake_comfy.url)
    runner.service.add_listener(recorder)
    record = runner.service.submit(params(sampler=params().sampler.__class__(steps=200)))
    recorder.wait_for(lambda: any(isinstance(u, ProgressUpdate) and u.step >= 1
                                  for u in recorder.updates))
    assert runner.service.cancel(record.id).status == "processing"  # until ComfyUI stops it
    recorder.wait_for(lambda: status_of(runner, record.id)() == "cancelled")
    interrupts = [r for r in fake_comfy.requests if r.path == "/interrupt"]
    assert interrupts and interrupts[-1].json == {"prompt_id": record.comfyui_prompt_id}
    final = runner.service.store.get(record.id)
    assert final.error is None and final.output_paths == ()


def test_server_lost_mid_run_fails_with_the_reason_then_retry_succeeds(
        fake_comfy, make_runner, recorder):
    slow(fake_comfy)
    runner = make_runner(fake_comfy.url)
    runner.service.add_listener(recorder)
    record = runner.service.submit(params(sampler=params().sampler.__class__(steps=200)))
    recorder.wait_for(lambda: status_of(runner, record.id)() == "processing")
    fake_comfy.restart()  # ComfyUI goes away: the run and its history are gone
    fake_comfy.stop()
    recorder.wait_for(lambda: status_of(runner, record.id)() == "failed", timeout=15)
    failed = runner.service.store.get(record.id)
    assert fake_comfy.url in failed.error and "went away" in failed.error
    fake_comfy.start()
    fake_comfy.scenario.step_duration = 0.0
    assert runner.connect(timeout=10)[fake_comfy.url]
    retried = runner.service.retry(record.id)
    assert retried.id == record.id and retried.status == "pending" and retried.error is None
    done = runner.service.wait(record.id, timeout=10)
    assert done.status == "completed" and done.output_paths


def test_requests_survive_an_app_restart(fake_comfy, make_runner, recorder):
    slow(fake_comfy, 0.01)
    first = make_runner(fake_comfy.url, connect=False)
    sent = first.service.submit(params(sampler=params().sampler.__class__(steps=30)))
    never_sent = first.service.store.create("not-sent-1", params(seed=9))
    first.close()  # the app quits while the request runs in ComfyUI
    assert fake_comfy.wait_idle(10)
    second = make_runner(fake_comfy.url)
    second.service.add_listener(recorder)
    assert second.service.recover() == [sent.id]
    second.service.drain()
    done = second.service.store.get(sent.id)
    assert done.status == "completed" and done.output_paths
    waiting = second.service.store.get(never_sent.id)
    assert waiting.status == "pending" and waiting.not_sent
    second.service.retry(never_sent.id)
    assert second.service.wait(never_sent.id, timeout=10).status == "completed"


def test_restart_of_comfyui_while_the_app_was_closed_marks_the_request_failed(
        fake_comfy, make_runner):
    slow(fake_comfy)
    first = make_runner(fake_comfy.url, connect=False)
    sent = first.service.submit(params(sampler=params().sampler.__class__(steps=200)))
    first.close()
    fake_comfy.restart()  # history and queue are gone
    second = make_runner(fake_comfy.url, connect=False)
    second.service.recover()
    lost = second.service.store.get(sent.id)
    assert lost.status == "failed" and "no longer knows" in lost.error


def test_dispatch_prefers_the_backend_with_the_shorter_queue_and_the_models(
        fake_comfy, fake_comfy_factory, make_runner):
    other = fake_comfy_factory()
    other.scenario.models["checkpoints"] = ["random_sd15.safetensors"]
    slow(fake_comfy)
    busy = ComfyClient(fake_comfy.url)
    for seed in (1, 2):  # someone else keeps the first backend busy
        busy.queue_prompt(WorkflowBuilder().build(
            params(seed=seed, sampler=params().sampler.__class__(steps=100)), "x"), "browser")
    runner = make_runner(fake_comfy.url, other.url)
    record = runner.service.submit(params())
    assert record.backend == other.url
    assert runner.service.wait(record.id, timeout=10).status == "completed"
    busy.interrupt()
    fake_comfy.scenario.step_duration = 0.0
    ComfyClient(fake_comfy.url).delete_from_queue(
        [item[1] for item in fake_comfy.queue["pending"]])
    only_first = runner.service.submit(params(checkpoint="sub/other.safetensors"))
    assert only_first.backend == fake_comfy.url
    assert runner.service.wait(only_first.id, timeout=10).status == "completed"


def test_jobs_from_other_clients_join_the_history_marked_external(
        fake_comfy, make_runner, paths):
    browser = ComfyClient(fake_comfy.url)
    queued = browser.queue_prompt(WorkflowBuilder().build(params(seed=5), "web"), "browser-tab")
    assert fake_comfy.wait_idle(10)
    runner = make_runner(fake_comfy.url, connect=False)
    own = runner.service.submit(params(seed=6))
    assert fake_comfy.wait_idle(10)
    added = runner.service.poll_external(fake_comfy.url)
    assert len(added) == 1
    record = runner.service.store.get(added[0])
    assert record.external and record.status == "completed"
    assert record.comfyui_prompt_id == queued.prompt_id
    assert record.prompt == "a photo of a cat sitting on a window sill"
    assert record.sampler_params["seed"] == 5 and record.checkpoint_model
    assert (paths.data_dir / record.output_paths[0]).is_file()
    assert runner.service.poll_external(fake_comfy.url) == []  # kept once, not twice
    assert own.id not in added
    runner.service.delete(record.id)
    assert runner.service.poll_external(fake_comfy.url) == []  # deleted stays deleted
    assert not (paths.data_dir / record.output_paths[0]).exists()


def test_cancel_works_while_the_backend_is_away(fake_comfy, make_runner):
    slow(fake_comfy)
    runner = make_runner(fake_comfy.url, connect=False)
    record = runner.service.submit(params(sampler=params().sampler.__class__(steps=200)))
    fake_comfy.stop()
    cancelled = runner.service.cancel(record.id)
    assert cancelled.status == "cancelled" and "could not be reached" in cancelled.error


def test_a_full_disk_while_saving_images_loses_nothing_and_retry_fetches_them(
        fake_comfy, make_runner, paths, monkeypatch):
    real_replace = os.replace
    disk = {"full": True, "written": 0}

    def replace(src, dst, *args, **kwargs):
        if Path(dst).parent == paths.images_dir:
            if disk["full"] and disk["written"] >= 1:  # the second image of the batch
                raise OSError(errno.ENOSPC, "No space left on device")
            disk["written"] += 1
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    runner = make_runner(fake_comfy.url)
    record = runner.service.submit(params(batch_size=2))
    failed = runner.service.wait(record.id, timeout=10)
    assert failed.status == "failed" and "No space left on device" in failed.error
    assert "Retry fetches them again" in failed.error
    assert len(failed.remote_outputs) == 2 and failed.output_paths == ()
    assert list(paths.images_dir.iterdir()) == []  # the first image is not left behind
    assert list(paths.thumbnails_dir.iterdir()) == []

    disk["full"] = False  # the user made room
    sent = len([r for r in fake_comfy.requests if r.path == "/prompt"])
    done = runner.service.retry(record.id)
    assert done.status == "completed" and done.error is None
    assert len(done.output_paths) == 2 and len(done.thumbnail_paths) == 2
    assert all((paths.data_dir / p).is_file() for p in done.output_paths)
    assert len([r for r in fake_comfy.requests if r.path == "/prompt"]) == sent  # not re-run


def test_odd_characters_in_model_names_and_prompts_go_through(fake_comfy, make_runner, paths):
    odd = "sub dir/ünï cödé (v2) [fp16] 'q' & co.safetensors"
    fake_comfy.scenario.models["checkpoints"].append(odd)
    runner = make_runner(fake_comfy.url)
    record = runner.service.submit(params(checkpoint=odd, prompt='a "cat" 🐱 \\ {x} %s\n2nd'))
    done = runner.service.wait(record.id, timeout=10)
    assert done.status == "completed", done.error
    assert done.checkpoint_model == odd and done.prompt.endswith("🐱 \\ {x} %s\n2nd")
    posted = [r.json for r in fake_comfy.requests if r.path == "/prompt"][-1]["prompt"]
    assert posted["4"]["inputs"]["ckpt_name"] == odd
    (image,) = done.output_paths
    assert (paths.data_dir / image).is_file() and image.isascii()


def test_odd_history_entries_are_skipped_and_do_not_block_the_rest(fake_comfy, make_runner):
    browser = ComfyClient(fake_comfy.url)
    queued = browser.queue_prompt(WorkflowBuilder().build(params(seed=5), "web"), "browser-tab")
    assert fake_comfy.wait_idle(10)
    odd = {  # what a broken custom node or proxy might leave in ComfyUI's history
        "odd-1": "not an object",
        "odd-2": {"prompt": {"a": 1, "b": 2, "c": 3}, "outputs": {}},
        "odd-3": {"prompt": [0, "odd-3", {}, {}, []], "outputs": ["x"], "status": {}},
        "odd-4": {"prompt": [0, "odd-4", {}, {}, []], "status": "error"},
        "odd-5": {"prompt": [0, "odd-5", {}, {}, []], "status": {"messages": "x"}},
        "odd-6": {"prompt": [0, "odd-6", {"3": "junk"}, {}, []], "outputs": {"9": None},
                  "status": {"status_str": "success", "messages": [["x"], 5]}},
    }
    fake_comfy.state.history.update(odd)
    runner = make_runner(fake_comfy.url, connect=False)
    added = runner.service.poll_external(fake_comfy.url)
    imported = {runner.service.store.get(i).comfyui_prompt_id for i in added}
    assert imported == {queued.prompt_id, "odd-6"}  # odd-6 is odd inside, but shaped right
    assert runner.service.poll_external(fake_comfy.url) == []
