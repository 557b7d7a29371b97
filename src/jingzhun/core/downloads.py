"""Files kept by jobs (import files, error reports, registers) handed out: one rule for who may have them, and
every download audited.

A job's file was made once, for whoever asked; it may hold personal data in full. It goes to its requester and
to readers who see personal data in full, decided when it is downloaded — a requester whose role has since
lost that right no longer gets a file made with full data (``core.masking``)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from . import audit
from .masking import sees_in_full
from .models import AuditAction


def may_download(user, *, requester_id: int | None, requester_may: bool) -> bool:
    """May ``user`` download a job's file made for ``requester_id``? Readers who see personal data in full may;
    the requester may when ``requester_may`` (its own upload; a file made masked, or for a right it still has)."""
    if sees_in_full(user):
        return True
    return requester_may and requester_id is not None and requester_id == user.pk


def jobs_for_reader(queryset, user):
    """The jobs of ``queryset`` whose files ``user`` may be handed (``may_download``'s rule as a query): all of
    them for readers who see personal data in full, else their own."""
    return queryset if sees_in_full(user) else queryset.filter(user=user)


def job_file_response(
    user, job, field_file, *, filename: str, requester_id: int | None, full_data: bool, region_code: str,
    requester_may: bool | None = None, content_type: str | None = None, root: str | None = None,
) -> FileResponse:  # fmt: skip
    """The job's file as an attachment, if ``user`` may have it (else PermissionDenied), with an audit entry.
    ``full_data``: the file holds personal data in full; by default its requester may then have it only while
    seeing personal data in full (``requester_may`` overrides, e.g. for the requester's own upload)."""
    requester_may = (not full_data) if requester_may is None else requester_may
    if not may_download(user, requester_id=requester_id, requester_may=requester_may):
        raise PermissionDenied(
            _("该文件含完整的个人信息，只提供给提交人和有权查看完整个人信息的角色。")
            if full_data
            else _("该文件只提供给提交人和有权查看完整个人信息的角色。")
        )
    return audited_file_response(
        user, job, field_file, filename=filename, root=root or f"{job._meta.label_lower}:{job.pk}",
        region_code=region_code, changes={"full_personal_data": [None, full_data]}, content_type=content_type,
    )  # fmt: skip


def _download_entry(user, obj, *, filename: str, root: str, region_code: str, changes: dict | None):
    entry = audit.build_entry(
        AuditAction.DOWNLOAD, obj, changes={"file": [None, filename], **(changes or {})}, root=root,
        region_code=region_code,
    )  # fmt: skip
    entry.actor, entry.actor_label = user, user.get_username()
    return entry


def record_download(
    user, obj, *, filename: str, root: str, region_code: str, changes: dict | None = None
) -> None:
    """Audit that ``user`` downloaded ``filename`` (a stored file, or a register, handbook or list made for the
    request) about ``obj``: every download of personal data, masked or not, is on record."""
    _download_entry(user, obj, filename=filename, root=root, region_code=region_code, changes=changes).save()


def record_downloads(user, objs, *, filename: str, root_of, region_of, changes: dict | None = None) -> None:
    """``record_download`` for each of ``objs`` in one file (a batch of cards): one entry each, on its own
    record's history (``root_of(obj)``, ``region_of(obj)``), written in one statement."""
    audit.record_many(
        _download_entry(
            user, o, filename=filename, root=root_of(o), region_code=region_of(o), changes=changes
        )
        for o in objs
    )


def audited_file_response(
    user, obj, field_file, *, root: str, region_code: str, filename: str | None = None,
    changes: dict | None = None, content_type: str | None = None, as_attachment: bool = True,
) -> FileResponse:  # fmt: skip
    """A stored file (an upload, a job's output) handed to ``user``, with an audit entry under ``root``: scans
    and photos of households are personal data whatever a mask could do to them. No file stored, or one gone
    from storage, gives 404 and records nothing; ``filename`` defaults to the stored file's own name (without its
    folders)."""
    if not field_file:
        raise Http404
    filename = filename or field_file.name.rsplit("/", 1)[-1]
    try:  # opened first: a file gone from storage is a 404, not a download recorded before a server error
        handle = field_file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    record_download(user, obj, filename=filename, root=root, region_code=region_code, changes=changes)
    return FileResponse(handle, as_attachment=as_attachment, filename=filename, content_type=content_type)
