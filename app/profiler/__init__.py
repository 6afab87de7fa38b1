"""Per-node profiling of ComfyUI runs: sampler backends, the events+samples engine, storage.

Plain Python (no Qt): usable from the CLI, tests and the Profiler dock alike.
"""
