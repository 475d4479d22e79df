"""Test helpers of the kernel: API contract mixins (``contract.py``). Never imported by production code."""
