"""``comfydesk generate`` and ``comfydesk history``."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from app.comfy.errors import ComfyError
from app.generation.errors import GenerationError, InvalidParams
from app.generation.params import GenerationParams, LoraSpec, SamplerParams, new_seed
from app.generation.records import ProgressUpdate, Update


def _lora(text: str) -> LoraSpec:
    """``NAME[:MODEL[:CLIP]]``; the name itself may contain ':' only before the strengths."""
    parts = text.rsplit(":", 2)
    numbers: list[float] = []
    while len(parts) > 1:
        try:
            numbers.insert(0, float(parts[-1]))
        except ValueError:
            break
        parts.pop()
    name = ":".join(parts)
    if not name:
        raise argparse.ArgumentTypeError(f"--lora {text!r}: no LoRA name")
    strength_model = numbers[0] if numbers else 1.0
    strength_clip = numbers[1] if len(numbers) > 1 else strength_model
    return LoraSpec(name, strength_model, strength_clip)


def register(subparsers: Any) -> None:
    gen = subparsers.add_parser("generate", help="generate images with ComfyUI and store them")
    gen.add_argument("--checkpoint", required=True, help="checkpoint name as ComfyUI lists it")
    gen.add_argument("--prompt", required=True)
    gen.add_argument("--negative", default="")
    gen.add_argument("--lora", action="append", type=_lora, default=[],
                     metavar="NAME:MODEL[:CLIP]", help="LoRA and strengths (repeatable)")
    gen.add_argument("--width", type=int, default=512)
    gen.add_argument("--height", type=int, default=512)
    gen.add_argument("--batch", type=int, default=1)
    gen.add_argument("--seed", type=int, default=None, help="default: a random seed")
    gen.add_argument("--steps", type=int, default=20)
    gen.add_argument("--cfg", type=float, default=8.0)
    gen.add_argument("--sampler", default="euler")
    gen.add_argument("--scheduler", default="normal")
    gen.add_argument("--denoise", type=float, default=1.0)
    gen.add_argument("--backend", default=None, help="ComfyUI URL (default: dispatch over the "
                                                     "configured backends)")
    gen.add_argument("--wait", action="store_true",
                     help="follow the run, print progress and the output files")
    gen.add_argument("--timeout", type=float, default=3600.0, help="seconds to wait at most")
    gen.set_defaults(func=run_generate)
    hist = subparsers.add_parser("history", help="list stored generation requests")
    hist.add_argument("--limit", type=int, default=20)
    hist.set_defaults(func=run_history)


def _open() -> tuple[Any, Any, Any]:
    from app.config import SettingsStore, database_url, resolve_paths
    from app.db.database import open_database

    paths = resolve_paths().ensure()
    settings = SettingsStore(paths.settings_file).load()
    return paths, settings, open_database(database_url(paths))


def _params(args: argparse.Namespace) -> GenerationParams:
    return GenerationParams(
        checkpoint=args.checkpoint, prompt=args.prompt, negative_prompt=args.negative,
        loras=tuple(args.lora), width=args.width, height=args.height, batch_size=args.batch,
        sampler=SamplerParams(seed=new_seed() if args.seed is None else args.seed,
                              steps=args.steps, cfg=args.cfg, sampler_name=args.sampler,
                              scheduler=args.scheduler, denoise=args.denoise))


def _printer(update: Update) -> None:
    if isinstance(update, ProgressUpdate):
        step = f"step {update.step}/{update.steps}, " if update.steps else ""
        print(f"  {step}nodes {update.nodes_done}/{update.nodes_total}, "
              f"{update.elapsed:.1f} s", file=sys.stderr, flush=True)


def run_generate(args: argparse.Namespace) -> int:
    from app.db.database import DatabaseError
    from app.generation.standalone import StandaloneGeneration

    try:
        paths, settings, database = _open()
    except DatabaseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    urls = [args.backend] if args.backend else [b.url for b in settings.backends]
    runner = StandaloneGeneration(database, paths, urls)
    try:
        return _generate(runner, args, paths)
    finally:
        runner.close()
        database.dispose()


def _generate(runner: Any, args: argparse.Namespace, paths: Any) -> int:
    service = runner.service
    if args.wait:
        service.add_listener(_printer)
        runner.connect(timeout=5.0)
    try:
        record = service.submit(_params(args), backend=args.backend)
    except InvalidParams as exc:
        for name, problem in exc.field_errors.items():
            print(f"error: {name}: {problem}", file=sys.stderr)
        return 2
    except (GenerationError, ComfyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"request {record.id} queued on {record.backend} (prompt {record.comfyui_prompt_id})")
    if not args.wait:
        return 0
    try:
        record = service.wait(record.id, timeout=args.timeout)
    except KeyboardInterrupt:  # Ctrl+C stops the waiting, not the run
        print(f"stopped waiting: request {record.id} goes on in ComfyUI; ComfyDesk picks it up "
              "when it next starts (see 'comfydesk history')", file=sys.stderr)
        return 130
    service.drain()
    record = service.store.get(record.id)
    if record.status != "completed":
        print(f"error: request {record.id} is {record.status}: {record.error or 'timed out'}",
              file=sys.stderr)
        return 1
    for rel in record.output_paths:
        print(paths.data_dir / rel)
    return 0


def run_history(args: argparse.Namespace) -> int:
    from app.db.database import DatabaseError
    from app.generation.store import GenerationStore

    try:
        paths, _settings, database = _open()
    except DatabaseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    try:
        for record in GenerationStore(database).latest(args.limit):
            status = "not sent" if record.not_sent else record.status
            tag = " [external]" if record.external else ""
            print(f"{record.created_at:%Y-%m-%d %H:%M:%S}  {record.id}  {status:<10} "
                  f"{record.checkpoint_model}  {record.prompt[:60]!r}{tag}")
            if record.error:
                print(f"    error: {record.error}")
            for rel in record.output_paths:
                print(f"    {paths.data_dir / rel}")
    finally:
        database.dispose()
    return 0
