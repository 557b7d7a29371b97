"""``jingzhun survey-pull`` with pyodk against a stand-in for ODK Central on this machine (its login and OData
table over HTTP, nothing else faked): a missing or incomplete configuration is said before anything is fetched,
and the pulled rows go through the one checked import."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.management import CommandError, call_command

from jingzhun.assessment.models import SurveyResponse

from .test_surveys import _odata, sample  # noqa: F401  (the sample fixture)


class Central:
    """Answers pyodk's login and the form's OData table with ``rows``; keeps the queries it was asked."""

    def __init__(self, rows):
        self.rows, self.asked = rows, []
        central = self

        class Handler(BaseHTTPRequestHandler):
            def _send(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                self._send(200, {"token": "t0ken"} if self.path == "/v1/sessions" else {})

            def do_GET(self):
                url = urlparse(self.path)
                if self.headers.get("Authorization") != "Bearer t0ken":
                    self._send(401, {"message": "unauthorised"})
                elif url.path.endswith(".svc/Submissions"):
                    central.asked.append((url.path, parse_qs(url.query)))
                    self._send(200, {"value": central.rows})
                else:
                    self._send(200, {})

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def configured(tmp_path, monkeypatch, settings):
    """pyodk's configuration file and token cache under the test's folder; the project from our setting."""
    monkeypatch.setenv("PYODK_CACHE_FILE", str(tmp_path / "cache.toml"))
    settings.ODK_PROJECT_ID = 7

    def write(text: str):
        path = tmp_path / "pyodk.toml"
        path.write_text(text, encoding="utf-8")
        monkeypatch.setenv("PYODK_CONFIG_FILE", str(path))
        return path

    return write


def pull(sample, assessor) -> str:  # noqa: F811
    from io import StringIO

    out = StringIO()
    call_command("survey-pull", str(sample.pk), "--user", assessor.username, stdout=out)
    return out.getvalue()


def test_without_a_configuration_the_pull_says_what_to_set_and_imports_nothing(
    assessor,
    sample,  # noqa: F811
    configured,
    tmp_path,
    monkeypatch,
    settings,
):
    monkeypatch.setenv("PYODK_CONFIG_FILE", str(tmp_path / "absent.toml"))
    with pytest.raises(CommandError, match=r"未配置 ODK Central.*absent\.toml.*base_url、username、password"):
        pull(sample, assessor)
    configured('[central]\nbase_url = "https://central.example"\nusername = "a@example.org"\npassword = ""\n')
    with pytest.raises(CommandError, match=r"未配置 ODK Central.*'password' must not be empty"):
        pull(sample, assessor)
    configured('[centrl]\nbase_url = "https://central.example"\n')
    with pytest.raises(CommandError, match=r"未配置 ODK Central.*缺少 'central'"):
        pull(sample, assessor)
    configured("base_url = https://central.example\n")  # not TOML
    with pytest.raises(CommandError, match="未配置 ODK Central"):
        pull(sample, assessor)
    settings.ODK_PROJECT_ID = None
    configured(
        '[central]\nbase_url = "https://central.example"\nusername = "a@example.org"\npassword = "pw"\n'
    )
    with pytest.raises(CommandError, match="JINGZHUN_ODK_PROJECT_ID"):
        pull(sample, assessor)
    assert not SurveyResponse.objects.exists()


def test_a_pull_fetches_the_form_s_table_and_imports_it_then_asks_only_for_what_is_newer(
    assessor,
    sample,  # noqa: F811
    configured,
):
    households = list(sample.households.order_by("key"))
    with Central(_odata(sample, households[:5], "2026-10-12T08:00:00.000Z")) as central:
        configured(f'[central]\nbase_url = "{central.url}"\nusername = "a@example.org"\npassword = "pw"\n')
        assert "已导入 5 条新的调查记录" in pull(sample, assessor)
        path, query = central.asked[0]
        assert path == f"/v1/projects/7/forms/{sample.form_id}.svc/Submissions" and "$filter" not in query
        assert SurveyResponse.objects.filter(sample=sample).count() == 5
        central.rows = []
        assert "没有新的提交数据" in pull(sample, assessor)
        asked = central.asked[1][1]["$filter"][0]
        assert asked == (
            "__system/submissionDate ge 2026-10-12T08:00:00.000000Z"
            " or __system/updatedAt ge 2026-10-12T08:00:00.000000Z"
        )
        # one submission edited in Central: a new version of it, the same __id, found by its updatedAt
        edited = _odata(sample, households[:1], "2026-10-12T08:00:00.000Z")[0]
        edited["__system"] |= {"edits": 1, "updatedAt": "2026-10-14T10:00:00.000Z"}
        edited["meta"] = {"instanceID": edited["__id"] + "-e1", "deprecatedID": edited["__id"]}
        edited["grp"]["satisfied"] = "no" if edited["grp"]["satisfied"] == "yes" else "yes"
        central.rows = [edited]
        assert "1 条按 ODK Central 中的修改更新" in pull(sample, assessor)
        record = SurveyResponse.objects.get(sample_household=households[0])
        assert record.satisfied is (edited["grp"]["satisfied"] == "yes") and record.edits == 1
        central.rows = []
        pull(sample, assessor)
        assert "2026-10-14T10:00:00.000000Z" in central.asked[-1][1]["$filter"][0]
