"""Offline-tolerant capture (issue #3 point 9): the table of client-generated ids already received.

The helpers every module uses live in ``kssp.core.offline``; this package only holds the model, its
migration and the daily purge of old keys.
"""
