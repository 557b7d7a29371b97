"""The one Spark recipe's settings, without starting a JVM: what a deployment's environment gives each engine."""

import os

from jingzhun.core import spark


def test_empty_environment_values_mean_the_defaults(monkeypatch):
    # .env.example ships these empty: Spark must get its defaults, not "" (an unparsable master, a JVM that
    # refuses to start with no driver memory)
    for name in ("JINGZHUN_SPARK_MASTER", "JINGZHUN_SPARK_DRIVER_MEMORY", "JINGZHUN_SPARK_PARTITIONS"):
        monkeypatch.setenv(name, "")
    assert spark.master_url() == "local[2]"
    settings = spark.settings(spark.master_url())
    assert settings["spark.driver.memory"] == "4g"
    assert settings["spark.sql.shuffle.partitions"] == "2"


def test_partitions_follow_the_local_cores_and_a_cluster_keeps_spark_s_default(monkeypatch):
    monkeypatch.delenv("JINGZHUN_SPARK_PARTITIONS", raising=False)
    assert spark.settings("local")["spark.sql.shuffle.partitions"] == "1"
    assert spark.settings("local[3, 2]")["spark.sql.shuffle.partitions"] == "3"
    usable = str(len(os.sched_getaffinity(0)))
    assert spark.settings("local[*]")["spark.sql.shuffle.partitions"] == usable
    for cluster in ("spark://host:7077", "yarn", "k8s://https://api:6443"):
        assert "spark.sql.shuffle.partitions" not in spark.settings(cluster)
    monkeypatch.setenv("JINGZHUN_SPARK_PARTITIONS", "64")
    monkeypatch.setenv("JINGZHUN_SPARK_MASTER", "spark://host:7077")
    assert spark.master_url() == "spark://host:7077" and spark.master_url("local[4]") == "local[4]"
    assert spark.settings("spark://host:7077")["spark.sql.shuffle.partitions"] == "64"
