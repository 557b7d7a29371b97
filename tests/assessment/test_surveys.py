"""Offline field surveys: the XLSForm passes pyxform (and ODK Validate where Java is), Central's CSV export is
imported into the sample as a job — all rows or none, each bad row named, idempotent by instance id — and the
web form gives the same record."""

import csv
import io
import shutil
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from jingzhun.assessment import services, survey
from jingzhun.assessment.models import SurveyImportJob, SurveyResponse
from jingzhun.core import jobs
from jingzhun.core.jobs import JobStatus
from jingzhun.core.models import AuditLog

from .conftest import YEAR

FIELDS = ("persons", "income_ok", "food_clothing", "education", "medical", "housing", "water", "satisfied")


@pytest.fixture
def sample(assessor, county, frame, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return services.sample_draw(user=assessor, county=county, year=YEAR, seed=99)


def answers_for(h) -> dict:
    """A fixed pattern: every third household fails 住房安全; every fourth is not satisfied."""
    n = int(h.key[-2:]) + int(h.key[1:3]) * 10
    return {"persons": h.persons or 2, "income_ok": True, "food_clothing": True, "education": True, "medical": True,
            "housing": n % 3 != 0, "water": True, "satisfied": n % 4 != 0,
            "team_satisfied": n % 2 == 0, "cadre_satisfied": None if n % 3 == 1 else True}  # fmt: skip


RATINGS = ("team_satisfied", "cadre_satisfied")


def rating(value) -> str:
    """An answer of the 精准帮扶 questions as the form writes it (None: 不了解)."""
    return "unknown" if value is None else "yes" if value else "no"


def central_csv(sample, rows=None, version=None, answers=None, edited=()) -> bytes:
    """An export as ODK Central writes it: its own columns around the form's fields (grouped fields named by
    their path); ``answers`` (a household → its answers) instead of ``answers_for``'s pattern; the households
    in ``edited`` as Central gives a submission edited once (a new meta-instanceID, one edit, the same KEY)."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["SubmissionDate", "village", "household", "grp-persons", *FIELDS[1:], "grp-team_satisfied",
                "grp-cadre_satisfied", "meta-instanceID", "KEY",
                "SubmitterID", "SubmitterName", "ReviewState", "Edits", "FormVersion"])  # fmt: skip
    for h in rows if rows is not None else sample.households.order_by("key"):
        a = (answers or answers_for)(h)
        w.writerow(["2026-10-12T08:00:00.000Z", h.region_id, h.key, a["persons"],
                    *("yes" if a[f] else "no" for f in FIELDS[1:]), *(rating(a.get(f)) for f in RATINGS),
                    f"uuid:{sample.pk}-{h.key}" + ("-e1" if h in edited else ""),
                    f"uuid:{sample.pk}-{h.key}", "5", "评估员", "", 1 if h in edited else 0,
                    version or sample.form_version])  # fmt: skip
    return out.getvalue().encode("utf-8")


def imported(assessor, sample, data: bytes, name="submissions.csv") -> SurveyImportJob:
    job = services.survey_import_start(user=assessor, sample=sample, upload=SimpleUploadedFile(name, data))
    return jobs.run(SurveyImportJob, job.pk, services.survey_import)


def test_the_xlsform_passes_pyxform_and_hides_the_registry(sample):
    data = survey.xlsform(form_id=sample.form_id, version=sample.form_version, title="雷山县入户调查")
    xml = survey.validate_xlsform(data)
    assert sample.form_version in xml and "households.csv" in xml and "villages.csv" in xml
    assert "status" not in xml and "在册" not in xml and "已脱贫" not in xml
    # the 精准帮扶 questions on the team and the cadre, with 不了解 as an answer
    assert "/team_satisfied" in xml and "/cadre_satisfied" in xml and "不了解" in xml


@pytest.mark.skipif(shutil.which("java") is None, reason="ODK Validate needs Java")
def test_the_xlsform_passes_odk_validate(sample):
    data = survey.xlsform(form_id=sample.form_id, version=sample.form_version, title="雷山县入户调查")
    survey.validate_xlsform(data, odk_validate=True)


def test_central_export_imports_once_and_again_changes_nothing(assessor, sample):
    job = imported(assessor, sample, central_csv(sample))
    assert job.status == JobStatus.DONE and job.imported == 8, job.message
    again = imported(assessor, sample, central_csv(sample))
    assert again.status == JobStatus.DONE and (again.imported, again.unchanged) == (0, 8)
    assert SurveyResponse.objects.filter(sample=sample).count() == 8
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr(f"{sample.form_id}.csv", central_csv(sample))
    assert imported(assessor, sample, zipped.getvalue(), "export.zip").unchanged == 8


def test_bad_rows_are_named_and_nothing_is_imported(assessor, sample, county, register):
    rows = list(sample.households.order_by("key"))
    data = central_csv(sample, rows[:3]) + central_csv(sample, rows[:1]).split(b"\r\n", 1)[1]  # a duplicate
    lines = data.decode().splitlines()
    lines.append(lines[1].replace(rows[0].key, "V09-H99").replace(f"-{rows[0].key}", "-other"))
    lines.append(lines[2].replace(sample.form_version, "2025.1.1").replace(f"-{rows[1].key}", "-old"))
    job = imported(assessor, sample, "\n".join(lines).encode())
    assert job.status == JobStatus.FAILED
    assert "第 5 行：实例" in job.message and "重复" in job.message
    assert "第 6 行：样本编号 V09-H99 不在本样本中" in job.message
    assert "第 7 行：表单版本 2025.1.1" in job.message
    assert not SurveyResponse.objects.exists()


def test_hostile_or_foreign_files_are_refused(assessor, sample, settings):
    with pytest.raises(ValidationError, match="CSV 文件或其 zip"):
        services.survey_import_start(user=assessor, sample=sample, upload=SimpleUploadedFile("a.xlsx", b"x"))
    with pytest.raises(ValidationError, match="10 MB"):
        services.survey_import_start(
            user=assessor, sample=sample, upload=SimpleUploadedFile("a.csv", b"a" * (10 * 2**20 + 1))
        )
    job = imported(assessor, sample, b"name,age\nx,1\n")
    assert job.status == JobStatus.FAILED and "缺少列" in job.message
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"{sample.form_id}.csv", b"0" * (settings.IMPORT_MAX_UNPACKED_BYTES + 1))
    job = imported(assessor, sample, bomb.getvalue(), "bomb.zip")
    assert job.status == JobStatus.FAILED and "解压后过大" in job.message


def test_the_web_form_gives_the_same_record_as_the_import(client, assessor, sample):
    imported(assessor, sample, central_csv(sample))
    asked = (*FIELDS, *RATINGS)
    by_import = {r.sample_household_id: [getattr(r, f) for f in asked] for r in SurveyResponse.objects.all()}
    # the 精准帮扶 questions came through: 不了解 kept empty, the others as answered
    assert {v[-1] for v in by_import.values()} == {None, True} and {v[-2] for v in by_import.values()} == {
        True,
        False,
    }
    SurveyResponse.objects.all().delete()
    client.force_login(assessor)
    for h in sample.households.all():
        a = answers_for(h)
        post = {f: ("yes" if a[f] else "no") if f != "persons" else a[f] for f in FIELDS}
        post |= {f: rating(a[f]) for f in RATINGS}
        assert client.post(reverse("assessment:survey_entry", args=[h.pk]), post).status_code == 302
    by_web = {r.sample_household_id: [getattr(r, f) for f in asked] for r in SurveyResponse.objects.all()}
    assert by_web == by_import
    again = client.post(reverse("assessment:survey_entry", args=[h.pk]), post, follow=True)
    assert "已有调查记录" in again.content.decode()


def test_pages_upload_and_show_the_job(client, assessor, sample, users):
    client.force_login(assessor)
    zipped = client.get(reverse("assessment:xlsform", args=[sample.pk]))
    names = zipfile.ZipFile(io.BytesIO(zipped.content)).namelist()
    assert names == [f"{sample.form_id}.xlsx", "villages.csv", "households.csv"]
    page = client.post(
        reverse("assessment:survey_import", args=[sample.pk]),
        {"file": SimpleUploadedFile("s.csv", central_csv(sample))},
    )
    assert page.status_code == 302
    job = SurveyImportJob.objects.get()
    jobs.run(SurveyImportJob, job.pk, services.survey_import)
    assert (
        "已完成" in client.get(page["Location"]).content.decode()
        or "完成" in client.get(page["Location"]).content.decode()
    )
    client.force_login(users["county"])
    assert client.get(page["Location"]).status_code == 404


def test_a_bad_rating_is_named_and_an_older_export_without_the_questions_still_imports(assessor, sample):
    def careless(h):
        return {**answers_for(h), "team_satisfied": "maybe"}

    data = central_csv(sample).decode().splitlines()
    header = data[0].split(",")
    at = header.index("grp-team_satisfied")
    bad = "\n".join(
        [data[0], *(",".join([*r.split(",")[:at], "maybe", *r.split(",")[at + 1 :]]) for r in data[1:])]
    )
    job = imported(assessor, sample, bad.encode())
    assert job.status == JobStatus.FAILED and "「team_satisfied」应为 yes、no 或 unknown" in job.message
    older = "\n".join(",".join(c for i, c in enumerate(r.split(",")) if i not in (at, at + 1)) for r in data)
    job = imported(assessor, sample, older.encode())
    assert job.status == JobStatus.DONE and job.imported == 8
    assert not SurveyResponse.objects.filter(team_satisfied__isnull=False).exists()


def test_central_s_submission_date_is_kept_and_an_edited_submission_keys_on_its_key(assessor, sample):
    import datetime as dt

    imported(assessor, sample, central_csv(sample))
    first = SurveyResponse.objects.filter(sample=sample).order_by("id").first()
    assert first.submitted_at == dt.datetime(2026, 10, 12, 8, 0, tzinfo=dt.UTC)  # Central's, not the import's
    # edited in Central: a new meta-instanceID, the same KEY — the same submission, not a second answer
    lines = central_csv(sample).decode().splitlines()
    header = lines[0].split(",")
    meta = header.index("meta-instanceID")
    rows = [r.split(",") for r in lines[1:]]
    for r in rows:
        r[meta] = "uuid:edited-" + r[meta].removeprefix("uuid:")
    data = "\n".join([lines[0], *(",".join(r) for r in rows)]).encode()
    again = imported(assessor, sample, data)
    assert again.status == JobStatus.DONE and (again.imported, again.unchanged) == (0, 8), again.message
    bad = data.decode().replace("2026-10-12T08:00:00.000Z", "昨天", 1).encode()
    SurveyResponse.objects.all().delete()
    job = imported(assessor, sample, bad)
    assert job.status == JobStatus.FAILED and "提交时间 昨天 不是日期时间" in job.message


def _odata(sample, households, submitted):
    """Rows as Central's OData returns them (``client.submissions.get_table()["value"]``): the form's groups as
    nested objects, ``__id`` the submission's id, ``__system`` its metadata."""
    out = []
    for h in households:
        a = answers_for(h)
        out.append({
            "__id": f"uuid:{sample.pk}-{h.key}",
            "__system": {"submissionDate": submitted, "formVersion": sample.form_version, "submitterName": "评估员"},
            "meta": {"instanceID": f"uuid:{sample.pk}-{h.key}"},
            "village": h.region_id, "household": h.key,
            "grp": {"persons": a["persons"], **{f: "yes" if a[f] else "no" for f in FIELDS[1:]},
                    **{f: rating(a[f]) for f in RATINGS}},
        })  # fmt: skip
    return out


def test_a_pull_imports_as_the_export_does_and_starts_after_the_last_submission(assessor, sample):
    households = list(sample.households.order_by("key"))
    assert services.survey_since(sample) is None and survey.since_filter(None) is None
    pulled = survey.odata_csv(_odata(sample, households[:5], "2026-10-12T08:00:00.000Z"))
    job = imported(assessor, sample, pulled, f"{sample.form_id}.csv")
    assert job.status == JobStatus.DONE and job.imported == 5, job.message
    by_pull = {
        r.sample_household_id: [getattr(r, f) for f in (*FIELDS, *RATINGS)]
        for r in SurveyResponse.objects.all()
    }
    since = services.survey_since(sample)
    assert survey.since_filter(since) == (
        "__system/submissionDate ge 2026-10-12T08:00:00.000000Z or __system/updatedAt ge 2026-10-12T08:00:00.000000Z"
    )
    # the next pull: what Central gives for that filter — the rest, and the last one again at the same instant
    later = _odata(sample, households[4:], "2026-10-13T09:30:00.000Z")
    later[0]["__system"]["submissionDate"] = "2026-10-12T08:00:00.000Z"
    job = imported(assessor, sample, survey.odata_csv(later), f"{sample.form_id}.csv")
    assert (job.imported, job.unchanged) == (3, 1), job.message
    assert services.survey_since(sample).isoformat() == "2026-10-13T09:30:00+00:00"
    # the same records as the CSV export gives
    SurveyResponse.objects.all().delete()
    imported(assessor, sample, central_csv(sample, rows=households[:5]))
    by_export = {
        r.sample_household_id: [getattr(r, f) for f in (*FIELDS, *RATINGS)]
        for r in SurveyResponse.objects.all()
    }
    assert by_pull == by_export


def _satisfaction(assessor, sample) -> float:
    made = {e.kind: e for e in services.estimates_compute(user=assessor, sample=sample)}
    return made["satisfaction"].point


def test_an_edit_in_central_replaces_the_answer_and_moves_the_estimate(assessor, sample):
    households = list(sample.households.order_by("key"))
    imported(assessor, sample, central_csv(sample))
    before = _satisfaction(assessor, sample)
    target = next(h for h in households if answers_for(h)["satisfied"])

    def changed(h):  # the assessor corrected one cell in Central: this household is not satisfied after all
        return {**answers_for(h), "satisfied": False} if h == target else answers_for(h)

    edit = central_csv(sample, answers=changed, edited=[target])
    job = imported(assessor, sample, edit)
    assert job.status == JobStatus.DONE, job.message
    assert (job.imported, job.updated, job.unchanged) == (0, 1, 7)
    record = SurveyResponse.objects.get(sample_household=target)
    assert record.satisfied is False and record.edits == 1 and record.version_id.endswith("-e1")
    assert _satisfaction(assessor, sample) < before
    entry = AuditLog.objects.filter(action="update", object_id=str(record.pk)).get()
    assert entry.changes["satisfied"] == [True, False], entry.changes
    # the same export again, or the one from before the edit: nothing changes, nothing more is audited
    for data in (edit, central_csv(sample)):
        again = imported(assessor, sample, data)
        assert (again.status, again.imported, again.updated, again.unchanged) == (JobStatus.DONE, 0, 0, 8)
    assert SurveyResponse.objects.get(sample_household=target).satisfied is False
    assert AuditLog.objects.filter(action="update", object_id=str(record.pk)).count() == 1


def test_a_changed_answer_that_is_not_an_edit_in_central_is_refused(assessor, sample):
    households = list(sample.households.order_by("key"))
    imported(assessor, sample, central_csv(sample))
    target = households[0]

    def doctored(h):  # the file changed by hand: the same version of the submission, another answer
        return {**answers_for(h), "persons": 9} if h == target else answers_for(h)

    job = imported(assessor, sample, central_csv(sample, answers=doctored))
    assert job.status == JobStatus.FAILED
    assert "第 2 行：实例" in job.message and "不是修改后的新版本" in job.message
    assert SurveyResponse.objects.get(sample_household=target).persons == answers_for(target)["persons"]
    # an export without the count of edits cannot say which version is newer
    lines = central_csv(sample, answers=doctored, edited=[target]).decode().splitlines()
    at = lines[0].split(",").index("Edits")
    data = "\n".join(",".join(c for i, c in enumerate(r.split(",")) if i != at) for r in lines).encode()
    job = imported(assessor, sample, data)
    assert job.status == JobStatus.FAILED and "没有 Edits（修改次数）列" in job.message
    assert SurveyResponse.objects.get(sample_household=target).persons == answers_for(target)["persons"]


def test_an_export_without_key_applies_the_edit_its_deprecated_id_names(assessor, sample):
    households = list(sample.households.order_by("key"))
    target = households[1]

    def keyless(data: bytes, deprecated: dict) -> bytes:
        rows = list(csv.reader(io.StringIO(data.decode())))
        head = rows[0]
        key = head.index("KEY")
        out = io.StringIO()
        w = csv.writer(out)
        w.writerow([*(c for i, c in enumerate(head) if i != key), "meta-deprecatedID"])
        for r in rows[1:]:
            w.writerow(
                [*(c for i, c in enumerate(r) if i != key), deprecated.get(r[head.index("household")], "")]
            )
        return out.getvalue().encode()

    job = imported(assessor, sample, keyless(central_csv(sample), {}))
    assert job.status == JobStatus.DONE and job.imported == 8, job.message

    def changed(h):
        return {**answers_for(h), "housing": not answers_for(h)["housing"]} if h == target else answers_for(h)

    edit = keyless(
        central_csv(sample, answers=changed, edited=[target]), {target.key: f"uuid:{sample.pk}-{target.key}"}
    )
    job = imported(assessor, sample, edit)
    assert (job.status, job.updated, job.unchanged) == (JobStatus.DONE, 1, 7), job.message
    assert SurveyResponse.objects.get(sample_household=target).housing is not answers_for(target)["housing"]
    again = imported(assessor, sample, edit)
    assert (again.status, again.updated, again.unchanged) == (JobStatus.DONE, 0, 8), again.message


def test_an_edit_after_the_province_s_check_is_refused_until_the_round_fails(assessor, sample, county, users):
    from django.utils import timezone

    from jingzhun.assessment.models import CountyExitStep

    households = list(sample.households.order_by("key"))
    imported(assessor, sample, central_csv(sample))
    target = households[2]

    def changed(h):
        return {**answers_for(h), "water": False} if h == target else answers_for(h)

    edit = central_csv(sample, answers=changed, edited=[target])
    for kind, level in (("propose", 3), ("city", 2), ("province_check", 1)):
        CountyExitStep.objects.create(county=county, year=YEAR, kind=kind, level=level, at=timezone.now())
    job = imported(assessor, sample, edit)
    assert job.status == JobStatus.FAILED
    assert f"样本户 {target.key} 的调查记录已用于 {county.name} {YEAR} 年省级专项评估检查" in job.message
    assert SurveyResponse.objects.get(sample_household=target).water is True
    # the province's 公示 does not pass: the round ends, the answers may be corrected for the next one
    CountyExitStep.objects.create(
        county=county,
        year=YEAR,
        kind="publicity",
        level=1,
        passed=False,
        note="公示期有异议",
        at=timezone.now(),
    )
    job = imported(assessor, sample, edit)
    assert (job.status, job.updated) == (JobStatus.DONE, 1), job.message
    assert SurveyResponse.objects.get(sample_household=target).water is False


def _estimates(sample) -> dict:
    """The sample's kept estimates as the sample page shows them: kind → (point, low, high, n_eff, se, units)."""
    from jingzhun.assessment.models import Estimate

    return {
        e.kind: (e.point, e.low, e.high, e.n_eff, e.se, e.units, e.psus)
        for e in Estimate.objects.filter(sample=sample)
    }


def test_the_web_form_gives_the_same_estimates_as_a_zipped_export(client, assessor, sample):
    """The acceptance of #22: the same answers imported from Central's zip and entered through the web form
    give the same estimates — point, interval and effective sample size of each kind."""
    import math

    from jingzhun.assessment.choices import Estimator

    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr(f"{sample.form_id}.csv", central_csv(sample))
    job = imported(assessor, sample, zipped.getvalue(), "export.zip")
    assert job.status == JobStatus.DONE and job.imported == 8, job.message
    client.force_login(assessor)
    assert client.post(reverse("assessment:estimates_compute", args=[sample.pk])).status_code == 302
    by_import = _estimates(sample)
    assert set(by_import) == {Estimator.WRONG_EXIT, Estimator.MISSED, Estimator.SATISFACTION}
    sat = by_import[Estimator.SATISFACTION]
    assert 0 < sat[0] < 1 and sat[1] < sat[0] < sat[2] and sat[3] > 0  # a real estimate, not an empty one

    SurveyResponse.objects.all().delete()
    for h in sample.households.all():
        a = answers_for(h)
        post = {f: ("yes" if a[f] else "no") if f != "persons" else a[f] for f in FIELDS}
        post |= {f: rating(a[f]) for f in RATINGS}
        assert client.post(reverse("assessment:survey_entry", args=[h.pk]), post).status_code == 302
    assert client.post(reverse("assessment:estimates_compute", args=[sample.pk])).status_code == 302
    by_web = _estimates(sample)
    assert by_web.keys() == by_import.keys()
    for kind, got in by_web.items():
        for a, b in zip(got, by_import[kind], strict=True):
            assert (a is None and b is None) or math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15), (kind, got)
    page = client.get(reverse("assessment:sample", args=[sample.pk])).content.decode()
    assert "错退率" in page
