"""Help finder for victims of crime: a situation in a person's words -> organisations that can help."""

__version__ = "0.1.0"

import os as _os

# Before any OpenMP runtime starts (faiss, the multilingual model's C engine): threads that wait for work
# sleep instead of spinning. Spinning wins a millisecond on an idle machine and loses tens when the cores
# are shared: the multilingual model took 145 ms a situation spinning and 44 ms passive on a loaded
# 2-core machine (12 ms idle either way).
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
