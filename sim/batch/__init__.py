"""Batches of replications: seeding, chunks, executors and the runner (knows no combat)."""
