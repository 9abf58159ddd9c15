"""textgen-tui: train character- and word-level LSTM text generators and play with them live."""

import os

__version__ = "0.1.0"

# numpy's BLAS on one thread, set before numpy loads: the numpy nets multiply one token's row (or
# a few) at a time, and on a busy machine (training, the shared cores) BLAS threads only contend
# (benchmarks/results/write.md measures it).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
