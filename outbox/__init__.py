"""The transactional outbox: every task the shop sends is first a row in the transaction it belongs to.

``services.enqueue`` writes the row; one on-commit callback per transaction publishes that
transaction's rows; the relay (``tasks.relay``, run by Beat every few seconds) publishes
whatever the callback could not: the broker was down, or the process died between commit
and publish. See docs/reliability.md.
"""
