"""Purging the audit trail past its retention — the one way entries leave it.

Entries are kept at least ``AUDIT_RETENTION_DAYS`` (等保 level 3: six months; a system check refuses less).
``purge(before)`` first writes the entries to a gzip'd JSON-lines archive (to be kept offline), then deletes
them in batches inside ``purging()``, which the model guard and, on PostgreSQL, the table's trigger require."""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import json
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .models import PURGING, AuditLog, AuditPurge

BATCH = 10_000


def earliest_allowed_cutoff() -> dt.date:
    return timezone.localdate() - dt.timedelta(days=settings.AUDIT_RETENTION_DAYS)


@contextlib.contextmanager
def purging(before: dt.date, archive: str = ""):
    """Allow deleting audit entries inside the block (one transaction), recorded as an ``AuditPurge``."""
    token = PURGING.set(True)
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":  # transaction-local: ends with this transaction
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('jingzhun.audit_purge', 'on', true)")
            record = AuditPurge.objects.create(before=before, archive=archive)
            yield record
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('jingzhun.audit_purge', 'off', true)")
    finally:
        PURGING.reset(token)


def purge(before: dt.date, archive: Path) -> int:
    """Archive, then delete, the entries dated before ``before``; returns how many."""
    if before > earliest_allowed_cutoff():
        raise ValueError(
            f"只能清理 {earliest_allowed_cutoff():%Y-%m-%d} 之前的记录（保存期 {settings.AUDIT_RETENTION_DAYS} 天）"
        )
    old = AuditLog.objects.filter(at__date__lt=before).order_by("id")
    count = 0
    with gzip.open(archive, "wt", encoding="utf-8") as out:
        for entry in old.values().iterator(chunk_size=BATCH):
            out.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")
            count += 1
    with purging(before, str(archive)) as record:
        while ids := list(old.values_list("id", flat=True)[:BATCH]):
            AuditLog.objects.filter(id__in=ids).delete()
        AuditPurge.objects.filter(pk=record.pk).update(entries=count)
    return count
