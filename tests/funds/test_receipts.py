"""报账 against receipts (issue 21): a project's payment takes one or more receipt files (PDF, JPEG, PNG) and what
they are; without one (unless the fund policy of the year says otherwise) it is refused and nothing changes. The
files are hostile uploads: checked by their first bytes and declared picture size, kept under the media folder,
read in the payment's scope (404 outside it) and every download audited."""

from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from jingzhun.accounts.choices import Role
from jingzhun.core.models import AuditLog
from jingzhun.core.uploads import tiny_pdf
from jingzhun.funds import services
from jingzhun.funds.models import Payment, PaymentReceipt
from jingzhun.projects.models import ProjectStep
from tests.conftest import make_user

from .conftest import YEAR
from .test_pages import login

ACCOUNT = "6228480000000000001"


def _settle(client, project, allocation, files=(), note="建工队开具的工程款发票 No.0012345，20000 元"):
    data = {"pay-allocation": allocation.pk, "pay-stage": "start", "pay-category": "industry",
            "pay-amount": "20000", "pay-purpose": "开工预付", "pay-payee_name": "雷山县建工队",
            "pay-bank_name": "农行", "pay-bank_account": ACCOUNT, "pay-receipts_note": note}  # fmt: skip
    if files:
        data["pay-receipts"] = list(files)
    return client.post(f"/funds/projects/{project.pk}/settle/", data, follow=True)


def _png(width: int, height: int) -> bytes:
    """A PNG header declaring ``width`` × ``height`` (the IHDR chunk; no pixels follow)."""
    ihdr = width.to_bytes(4, "big") + height.to_bytes(4, "big") + b"\x08\x02\x00\x00\x00"
    return b"\x89PNG\r\n\x1a\n" + len(ihdr).to_bytes(4, "big") + b"IHDR" + ihdr + b"\x00" * 4


def _nothing_changed(project, chain):
    project.refresh_from_db()
    chain["county"].refresh_from_db()
    assert project.settled == 0 and chain["county"].balance == Decimal(600000)
    assert not Payment.objects.exists() and not PaymentReceipt.objects.exists()
    assert not ProjectStep.objects.filter(project=project, kind="settle").exists()


def test_a_settlement_without_a_receipt_is_refused_and_nothing_changes(client, chain, finance, project):
    page = _settle(login(client, finance), project, chain["county"]).content.decode()
    assert "报账须附票据" in page
    _nothing_changed(project, chain)


def test_a_fake_pdf_and_an_oversized_image_are_refused(client, chain, finance, project, settings):
    login(client, finance)
    fake = SimpleUploadedFile("发票.pdf", b"<html><script>alert(1)</script></html>")
    page = _settle(client, project, chain["county"], [fake]).content.decode()
    assert "发票.pdf" in page and "文件内容不是 PDF 文件" in page
    _nothing_changed(project, chain)
    bomb = SimpleUploadedFile("收据.png", _png(40000, 40000))  # a few bytes declaring 1.6 gigapixels
    page = _settle(client, project, chain["county"], [bomb]).content.decode()
    assert "图片尺寸 40000×40000 过大" in page
    _nothing_changed(project, chain)
    big = SimpleUploadedFile("大.pdf", b"%PDF-1.4\n" + b"0" * (10 * 2**20))  # over 10 MB
    assert "附件不能超过 10 MB" in _settle(client, project, chain["county"], [big]).content.decode()
    _nothing_changed(project, chain)
    assert not (settings.MEDIA_ROOT.exists() and any(settings.MEDIA_ROOT.rglob("*.*")))  # no file kept


def test_receipts_are_kept_listed_and_downloaded_in_scope(
    client, chain, finance, project, settings, county_b
):
    files = [
        SimpleUploadedFile("发票.pdf", tiny_pdf("invoice")),
        SimpleUploadedFile("收据.png", _png(1200, 1600)),
        SimpleUploadedFile("照片.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
                                      b"\xff\xc0\x00\x11\x08\x03\x00\x04\x00\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01"),
    ]  # fmt: skip
    page = _settle(login(client, finance), project, chain["county"], files).content.decode()
    payment = Payment.objects.get()
    receipts = list(payment.receipts.order_by("id"))
    assert [r.name for r in receipts] == ["发票.pdf", "收据.png", "照片.jpg"]
    assert payment.receipts_note == "建工队开具的工程款发票 No.0012345，20000 元"
    # the files are under the media folder, the database keeps their paths
    assert all((settings.MEDIA_ROOT / r.file.name).is_file() for r in receipts)
    assert receipts[0].file.name.startswith("funds/receipts/")
    # the project page lists them with the payment, and the step says what was attached
    for r in receipts:
        assert f"/funds/receipts/{r.pk}/" in page and r.name in page
    step = ProjectStep.objects.get(project=project, kind="settle")
    assert "附票据 3 张" in step.note
    # downloaded in scope, as an attachment, audited under the payment
    response = client.get(f"/funds/receipts/{receipts[0].pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF-")
    assert response["Content-Disposition"].startswith("attachment")
    assert AuditLog.objects.filter(
        action="download", actor=finance, root=f"funds.payment:{payment.pk}"
    ).exists()
    # a finance officer of another county: 404, and nothing audited for them
    other = make_user("finance_b", Role.FINANCE, county_b.region)
    assert login(client, other).get(f"/funds/receipts/{receipts[0].pk}/").status_code == 404
    assert not AuditLog.objects.filter(action="download", actor=other).exists()


def test_the_policy_may_waive_receipts(chain, finance, project, users):
    services.rule_set(user=users["national"], year=YEAR, source="central", receipts_required=False)
    payment = services.project_payment_create(
        user=finance, allocation=chain["county"], project=project, stage="start", amount="20000", purpose="开工预付",
        payee_name="雷山县建工队", bank_name="农行", bank_account=ACCOUNT,
    )  # fmt: skip
    assert not payment.receipts.exists()
    project.refresh_from_db()
    assert project.settled == Decimal(20000)
