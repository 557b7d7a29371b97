"""One Spark session recipe for every engine that runs on Spark (the indicators' rollup, the early warning's
scoring, the funds alerts): the settings measured on the funds alerts (issue 21, docs/decisions.md #99) apply to
all three, and a cluster is pointed at in one place (``JINGZHUN_SPARK_MASTER``)."""

from __future__ import annotations

import os


def _local_cores(master: str) -> int | None:
    """The cores a ``local`` master runs on (``local``: 1, ``local[N]``/``local[N, F]``: N, ``local[*]``: the
    machine's); None for a cluster's master."""
    if master == "local":
        return 1
    if not master.startswith("local["):
        return None
    n = master[len("local[") :].split(",")[0].rstrip("]").strip()
    # the cores this process may use (a container's CPU set), as the JVM's local[*] counts them
    return len(os.sched_getaffinity(0)) if n == "*" else int(n)


def settings(master: str) -> dict[str, str]:
    """The session's settings for ``master`` (issue 21, docs/decisions.md #99: measured on the funds alerts at 1 M
    payments).

    - ``spark.sql.shuffle.partitions``: ``JINGZHUN_SPARK_PARTITIONS``, else in local mode the core count (every
      rule aggregates or joins through a shuffle; 8 partitions on 2 cores made each shuffle 8 tasks of start-up
      and spill-file overhead for a few MB: the outlier rule 38.3 s → 17.0 s at 1 M with 2, warm), on a cluster
      Spark's default, which adaptive execution coalesces.
    - Adaptive query execution on, with partition coalescing and skew-join handling (Spark 4's default, set so
      that a cluster configured otherwise still gets it): it turns a join into a broadcast once a side is known
      small at run time and merges tiny shuffle partitions.
    - ``spark.sql.autoBroadcastJoinThreshold`` 64 MB: the small sides (cadres, events, the shared accounts'
      groups, the counties' medians) are broadcast instead of sort-merge joined against 50 M payments.
    - ``spark.driver.memory`` (``JINGZHUN_SPARK_DRIVER_MEMORY``, default 4g; read only when the JVM starts): in
      local mode the driver is the executor, and Spark's 1g default spills the aggregations of the national
      snapshot. On a cluster the executors' memory is the cluster's configuration.
    """
    cores = _local_cores(master)
    settings = {
        "spark.ui.enabled": "false",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.adaptive.enabled": "true",
        "spark.sql.adaptive.coalescePartitions.enabled": "true",
        "spark.sql.adaptive.skewJoin.enabled": "true",
        "spark.sql.autoBroadcastJoinThreshold": str(64 * 2**20),
        "spark.driver.memory": os.environ.get("JINGZHUN_SPARK_DRIVER_MEMORY") or "4g",
    }
    partitions = os.environ.get("JINGZHUN_SPARK_PARTITIONS") or (str(cores) if cores else None)
    if partitions:
        settings["spark.sql.shuffle.partitions"] = partitions
    if cores:
        settings["spark.default.parallelism"] = str(cores)
    return settings


def master_url(master: str | None = None) -> str:
    """``master``, else ``JINGZHUN_SPARK_MASTER``, else ``local[2]`` (an empty value, as .env.example ships it,
    is the default, not a master Spark cannot parse)."""
    return master or os.environ.get("JINGZHUN_SPARK_MASTER") or "local[2]"


def session(app: str, master: str | None = None):
    """A Spark session named ``app`` with ``settings`` on ``master`` (``JINGZHUN_SPARK_MASTER``, default
    ``local[2]``); an already-running session is reused (its SQL settings set again, its memory as it started).

    Pointing it at a cluster: ``JINGZHUN_SPARK_MASTER=spark://host:7077`` (or ``yarn``) with the snapshot on
    storage every executor reads; shuffle partitions are then Spark's default (coalesced by adaptive execution)
    unless ``JINGZHUN_SPARK_PARTITIONS`` says otherwise."""
    from pyspark.sql import SparkSession

    master = master_url(master)
    builder = SparkSession.builder.master(master).appName(app)
    for key, value in settings(master).items():
        builder = builder.config(key, value)
    return builder.getOrCreate()
