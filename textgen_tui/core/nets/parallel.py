"""Data-parallel training on several devices and processes, with `keras.distribution` (JAX).

Every device holds a copy of the weights and takes a slice of each global batch; the gradients
are averaged, so N devices train like one device on the whole batch. With several processes
(machines), each draws its own batches, process 0 alone writes the model folder and reports the
full event stream, and a process that stops answering makes the others stop within a timeout.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass

from textgen_tui.core.errors import ConfigError, first_line
from textgen_tui.core.nets.backend import import_keras

PEER_TIMEOUT = 60  # seconds without a word from another process before the run gives up


@dataclass(frozen=True)
class Parallel:
    """How one process takes part in a run."""

    devices: tuple[str, ...] = ()
    """The devices this run's data-parallel copies live on (all processes together); empty:
    Keras's default single device."""
    processes: int = 1
    """Processes taking part (one per machine, usually)."""
    process_id: int = 0
    """This process's rank; 0 writes the model folder and emits the full event stream."""
    peer_timeout: float = PEER_TIMEOUT
    """Seconds without progress after which a multi-process run is declared dead."""

    @property
    def chief(self) -> bool:
        return self.process_id == 0

    @property
    def share(self) -> tuple[int, int]:
        return (self.process_id, self.processes)

    @property
    def distributed(self) -> bool:
        return len(self.devices) > 1 or self.processes > 1

    def describe(self) -> str:
        if not self.distributed:
            return "one device"
        where = f"{len(self.devices)} devices"
        return where + (
            f" in {self.processes} processes (this is {self.process_id})" if self.processes > 1 else ""
        )

    def any(self, flag: bool) -> bool:
        """True in every process when `flag` is true in any (a collective: all must call it)."""
        if self.processes == 1:
            return flag
        import numpy as np
        from jax.experimental import multihost_utils

        return bool(np.any(multihost_utils.process_allgather(np.array([int(flag)], dtype=np.int32))))

    def scope(self):
        """The context the model is built and trained in (the training thread's: Keras keeps
        the distribution per thread)."""
        if not self.distributed:
            return contextlib.nullcontext()
        keras = import_keras()
        # Each process already draws its own batches: no sharding of the dataset by Keras.
        return keras.distribution.DataParallel(devices=list(self.devices), auto_shard_dataset=False).scope()


SINGLE = Parallel()


def env_processes() -> tuple[str | None, int | None, int | None]:
    """Keras's variables for several processes: KERAS_DISTRIBUTION_JOB_ADDRESSES (the first is
    the coordinator), KERAS_DISTRIBUTION_NUM_PROCESSES, KERAS_DISTRIBUTION_PROCESS_ID."""
    addresses = os.environ.get("KERAS_DISTRIBUTION_JOB_ADDRESSES") or None
    n = os.environ.get("KERAS_DISTRIBUTION_NUM_PROCESSES")
    i = os.environ.get("KERAS_DISTRIBUTION_PROCESS_ID")
    return addresses, int(n) if n and n.isdigit() else None, int(i) if i and i.isdigit() else None


def setup(
    devices: str | int | None = None,
    *,
    coordinator: str | None = None,
    num_processes: int | None = None,
    process_id: int | None = None,
    batch_size: int | None = None,
    peer_timeout: float = PEER_TIMEOUT,
) -> Parallel:
    """Join the processes (if several) and choose the devices: `devices` is "all", a count, or
    None (one). ConfigError, in one sentence, for what cannot work. Call before training."""
    env_addr, env_n, env_i = env_processes()
    coordinator = coordinator or env_addr
    num_processes = num_processes if num_processes is not None else env_n
    process_id = process_id if process_id is not None else env_i
    multi = (num_processes or 1) > 1
    if multi and (coordinator is None or process_id is None):
        raise ConfigError("several processes need --coordinator HOST:PORT and --process-id (0 … N-1)")
    if multi and not 0 <= process_id < num_processes:
        raise ConfigError(f"--process-id must be 0 … {num_processes - 1}, not {process_id}")
    keras = import_keras()
    backend = keras.backend.backend()
    wanted = device_count(devices)
    if (multi or wanted != 1) and backend != "jax":
        raise ConfigError(
            f"training on several devices or processes needs --backend jax; {backend} trains on one device"
        )
    if multi:
        _join(coordinator, num_processes, process_id, peer_timeout)
    found = [str(d) for d in keras.distribution.list_devices()]  # every process's devices
    if multi:
        if wanted not in (None, 1) and wanted * num_processes != len(found):
            raise ConfigError(
                "with several processes every device of every process takes part: use --devices all"
            )
        chosen = found
    elif wanted is None:
        chosen = found
    elif wanted > len(found):
        raise ConfigError(f"{wanted} devices asked for: this machine has {len(found)} ({', '.join(found)})")
    else:
        chosen = found[:wanted]
    if batch_size is not None and len(chosen) > 1 and batch_size % len(chosen):
        raise ConfigError(f"the batch size ({batch_size}) must divide evenly across {len(chosen)} devices")
    if len(chosen) == 1 and not multi:
        return SINGLE
    return Parallel(tuple(chosen), num_processes or 1, process_id or 0, peer_timeout)


def device_count(devices: str | int | None) -> int | None:
    """None for all devices, else a positive count (1 when not given). ConfigError otherwise."""
    if devices is None:
        return 1
    if isinstance(devices, str):
        text = devices.strip().lower()
        if text == "all":
            return None
        if not text.isdigit():
            raise ConfigError(f"--devices takes 'all' or a number, not {devices!r}")
        devices = int(text)
    if devices < 1:
        raise ConfigError(f"--devices must be at least 1, not {devices}")
    return devices


_joined: tuple | None = None


def _join(coordinator: str, n: int, i: int, timeout: float) -> None:
    """jax.distributed.initialize, once per process, with timeouts that turn a missing or dead
    peer into an error instead of a hang."""
    global _joined
    key = (coordinator, n, i)
    if _joined == key:
        return
    if _joined is not None:
        raise ConfigError("this process already joined another multi-process run")
    if ":" not in coordinator:
        raise ConfigError(f"--coordinator takes HOST:PORT, not {coordinator!r}")
    import jax

    try:
        jax.distributed.initialize(
            coordinator_address=coordinator.split(",")[0],
            num_processes=n,
            process_id=i,
            initialization_timeout=int(max(timeout, 10)),
            heartbeat_timeout_seconds=int(max(timeout, 10)),
        )
    except Exception as exc:  # noqa: BLE001 - one sentence for the user
        raise ConfigError(
            f"could not join the run at {coordinator} as process {i} of {n}: {first_line(exc, 200)}"
        ) from None
    _joined = key
