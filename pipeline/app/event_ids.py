"""The event-id index of a worker: where its file lives, and how long it remembers.

Reading the claims topic into it: app.claims_reader.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import os
import re
from pathlib import Path
from typing import IO

from pipeline.covenant.policy import Policy
from pipeline.ops.retention import claims_horizon_ms
from pipeline.router.event_index import EventIndex
from pipeline.settings import Settings

log = logging.getLogger("ketenstroom.event_ids")


#: Index files one machine may hold per consumer group (workers of one group on one machine).
_SLOTS = 16
#: The Kafka cluster id every embedded broker (Tansu) reports: its address tells them apart.
EMBEDDED_CLUSTER_ID = "tansu_cluster"


def state_directory(settings: Settings, cluster_id: str, bootstrap: str) -> Path:
    """``<KETENSTROOM_STATE_DIR>/<cluster>/<group>``: where this worker keeps its files, apart
    from every other cluster's and consumer group's (several deployments may share a host or a
    volume; an index is only good for the claims topic it was read from)."""
    cluster = cluster_id if cluster_id != EMBEDDED_CLUSTER_ID else f"{cluster_id}-{bootstrap}"
    return settings.state_dir / _name(cluster) / _name(settings.router_group_id)


def _name(text: str) -> str:
    """``text`` as one directory name: no separator, no leading dot (so never ``..``)."""
    return re.sub(r"^\.", "_", re.sub(r"[^A-Za-z0-9._-]", "_", text)) or "_"


def open_event_index(settings: Settings, directory: Path) -> tuple[EventIndex, IO[bytes] | None]:
    """This worker's on-disk event-id index in ``directory``, and the lock that keeps it its own.

    ``event-ids-<n>.sqlite``: the first slot no other running worker holds, so a restarted
    worker finds the file its predecessor left (and reads only the claims since), and two
    workers of one group on one machine never share one.
    """
    directory.mkdir(parents=True, exist_ok=True)
    horizon = dt.timedelta(days=settings.event_id_horizon_days)
    for slot in range(_SLOTS):
        path = directory / f"event-ids-{slot}.sqlite"
        lock = _lock(path.with_suffix(".lock"))
        if lock is not None:
            return EventIndex(path, horizon), lock
    log.warning(
        "all %d event-id index slots in %s are in use; indexing in memory", _SLOTS, directory
    )
    return EventIndex(None, horizon), None


def horizon(settings: Settings, policy: Policy) -> dt.timedelta:
    """How long this worker remembers event ids under ``policy``: the setting, or as long as
    the disclosure log keeps lines of the policy's rules if longer (ops.retention)."""
    ms = claims_horizon_ms(policy.register.values(), settings.event_id_horizon_ms)
    return dt.timedelta(milliseconds=ms)


def _lock(path: Path) -> IO[bytes] | None:
    handle = path.open("ab")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    os.set_inheritable(handle.fileno(), False)
    return handle
