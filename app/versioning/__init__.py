"""Workflow versioning (git snapshots, diff, bundles). Its issue is not open yet."""
