"""`python -m nscl_extract.cli`: the same command as `nscl-extract`."""
from . import main

main()
