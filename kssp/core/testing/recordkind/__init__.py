"""A protected record type that exists only for the kernel's own tests (issue #6 point 7).

Kernel tests (attachments, links, ...) exercise their mechanism on this record type instead of a
domain module's, so the kernel is tested without ``kssp.bulletins`` and import-linter needs no exception
for it. Installed only when ``KSSP_TESTING`` is on (``config/settings.py``); in production the model, its
table and its URL do not exist.
"""
