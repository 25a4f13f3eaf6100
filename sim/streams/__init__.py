"""Random streams: the children of a replication's seed sequence, made cheaply and exactly.

The lowest layer beside ``sim.errors``: the scenario layer samples uncertain numbers from these streams and
the model seeds its generators from them.
"""
