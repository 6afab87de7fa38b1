"""WorkflowBuilder: the API prompt for checkpoint -> LoRA x n -> text encode -> sample -> save.

Node ids follow ComfyUI's default text-to-image graph (the reference prompt): 4 checkpoint,
6/7 positive/negative text, 5 latent, 3 KSampler, 8 VAE decode, 9 SaveImage; LoRAs take
10, 11, 12, ... in chain order, each feeding both MODEL and CLIP to the next.
"""

from __future__ import annotations

from typing import Any

from app.generation.params import GenerationParams

CHECKPOINT_ID = "4"
POSITIVE_ID = "6"
NEGATIVE_ID = "7"
LATENT_ID = "5"
SAMPLER_ID = "3"
DECODE_ID = "8"
SAVE_ID = "9"
FIRST_LORA_ID = 10
OUTPUT_PREFIX = "ComfyDesk"


def filename_prefix(request_id: str) -> str:
    """SaveImage's prefix: ComfyUI writes ``output/ComfyDesk/<request id>_00001_.png``."""
    return f"{OUTPUT_PREFIX}/{request_id}"


def _node(class_type: str, title: str, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"inputs": inputs, "class_type": class_type, "_meta": {"title": title}}


class WorkflowBuilder:
    """Builds the API-format prompt (node ids as strings, links as ``[id, slot]``)."""

    def build(self, params: GenerationParams, request_id: str) -> dict[str, dict[str, Any]]:
        prompt: dict[str, dict[str, Any]] = {
            CHECKPOINT_ID: _node("CheckpointLoaderSimple", "Load Checkpoint",
                                 {"ckpt_name": params.checkpoint}),
        }
        model: list[Any] = [CHECKPOINT_ID, 0]
        clip: list[Any] = [CHECKPOINT_ID, 1]
        for offset, lora in enumerate(params.loras):
            node_id = str(FIRST_LORA_ID + offset)
            title = "Load LoRA" if offset == 0 else f"Load LoRA {offset + 1}"
            prompt[node_id] = _node("LoraLoader", title, {
                "lora_name": lora.name,
                "strength_model": float(lora.strength_model),
                "strength_clip": float(lora.strength_clip),
                "model": model,
                "clip": clip,
            })
            model, clip = [node_id, 0], [node_id, 1]
        prompt[POSITIVE_ID] = _node("CLIPTextEncode", "CLIP Text Encode (Positive Prompt)",
                                    {"text": params.prompt, "clip": list(clip)})
        prompt[NEGATIVE_ID] = _node("CLIPTextEncode", "CLIP Text Encode (Negative Prompt)",
                                    {"text": params.negative_prompt, "clip": list(clip)})
        prompt[LATENT_ID] = _node("EmptyLatentImage", "Empty Latent Image", {
            "width": int(params.width), "height": int(params.height),
            "batch_size": int(params.batch_size),
        })
        sampler = params.sampler
        prompt[SAMPLER_ID] = _node("KSampler", "KSampler", {
            "seed": int(sampler.seed),
            "steps": int(sampler.steps),
            "cfg": float(sampler.cfg),
            "sampler_name": sampler.sampler_name,
            "scheduler": sampler.scheduler,
            "denoise": float(sampler.denoise),
            "model": model,
            "positive": [POSITIVE_ID, 0],
            "negative": [NEGATIVE_ID, 0],
            "latent_image": [LATENT_ID, 0],
        })
        prompt[DECODE_ID] = _node("VAEDecode", "VAE Decode",
                                  {"samples": [SAMPLER_ID, 0], "vae": [CHECKPOINT_ID, 2]})
        prompt[SAVE_ID] = _node("SaveImage", "Save Image", {
            "filename_prefix": filename_prefix(request_id), "images": [DECODE_ID, 0],
        })
        return prompt
