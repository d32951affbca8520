"""Offline evaluation: which model recommends best, measured on real people's anime lists.

Pure logic (numpy/pandas); the Dagster asset in ``defs/evaluation`` only wires it up. It runs
the service's own ``animusic_serving.recommend`` code, so what is measured is what serves.
"""
