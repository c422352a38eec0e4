"""Help finder for victims of crime: a situation in a person's words -> organisations that can help."""

__version__ = "0.1.0"

import os as _os

# Before any OpenMP runtime starts (faiss, the multilingual model's C engine): threads that wait for work
# sleep instead of spinning. Spinning loses when the cores are shared: in one run on a loaded 2-core
# machine the multilingual model took 145 ms a situation spinning and 44 ms passive.
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
