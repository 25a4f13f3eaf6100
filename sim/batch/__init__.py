"""Batches of replications: seeding, chunks, executors and the results store."""
