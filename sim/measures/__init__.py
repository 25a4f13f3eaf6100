"""Quantities measured on one replication's trajectory: what outcomes and observations compare with."""
