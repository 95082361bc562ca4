"""Imported by the batch pool's forkserver: every worker forked from it inherits loaded
models and compiled rules instead of paying that start-up again (pipeline.warm_up)."""
from .pipeline import warm_up

warm_up()
