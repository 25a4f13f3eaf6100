"""The explorer (``sim serve``): a local web application over a folder of results.

Browse runs, sweeps, calibrations, backtests and comparisons with interactive charts, and run
what-ifs: a scenario's inputs as a form generated from its JSON Schema, N replications in the
background beside the unchanged scenario, the paired differences with their intervals. It sits on
``sim.api`` (runs, comparisons, reports) and needs the ``explorer`` extra (Starlette, uvicorn, plotly).
"""
