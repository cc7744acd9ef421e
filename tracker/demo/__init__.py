"""Demo and synthetic data: the demo province (`demo load`) and the generator (`demo generate`).

Not part of the running service's domain: operators load these for demonstrations,
benchmarks and browser tests.
"""
