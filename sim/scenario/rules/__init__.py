"""Rules a scenario chooses among: withdrawal rules, allocation policies and supply effects.

Each rule is one module in its subpackage (``withdrawal/``, ``allocation/``, ``supply/``): the
fields it adds to the scenario schema, and its decision as a small pure function or class over
plain numbers. Every module of a subpackage is imported when the subpackage is, so adding a rule is
adding a module (and its test); the schema and the model find it in the subpackage's registry.
"""
