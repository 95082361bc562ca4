"""Imported by the batch pool's forkserver: every worker forked from it inherits loaded
models and compiled rules instead of paying that start-up again (pipeline.warm_up). The
fork server dies with the batch that started it, as its workers die with it."""
from .batch import _die_with_parent
from ..pipeline import warm_up

_die_with_parent()
warm_up()
