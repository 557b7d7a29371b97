"""``jingzhun household-register FILE``: register households from JSON in the API's shape (one or a list)."""

import json
import sys

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from jingzhun.accounts.models import User
from jingzhun.core.api import flatten_errors, validation_error_detail
from jingzhun.core.context import acting_as
from jingzhun.registry.serializers import HouseholdSerializer
from jingzhun.registry.services import households_register


class Command(BaseCommand):
    help = "Register households from a JSON file ('-' for standard input) in the API's household shape."

    def add_arguments(self, parser):
        parser.add_argument("file", help="JSON file with one household object or a list of them; '-' = stdin")
        parser.add_argument("--user", help="act as this user (their region scope and role apply)")

    def handle(self, *args, file, user=None, **opts):
        actor = None
        if user:
            actor = User.objects.filter(username=user, is_active=True).first()
            if actor is None:
                raise CommandError(f"用户 {user} 不存在或已停用。")
        try:
            text = sys.stdin.read() if file == "-" else open(file, encoding="utf-8").read()  # noqa: SIM115
            data = json.loads(text)
        except OSError as exc:
            raise CommandError(f"无法读取文件 {file}：{exc.strerror}") from exc
        except json.JSONDecodeError as exc:
            raise CommandError(f"JSON 格式错误（第 {exc.lineno} 行第 {exc.colno} 列）：{exc.msg}") from exc
        records = data if isinstance(data, list) else [data]
        items, problems = [], []
        for n, record in enumerate(records):
            serializer = HouseholdSerializer(data=record)
            if not serializer.is_valid():
                errors = flatten_errors(serializer.errors, f"{n}." if len(records) > 1 else "")
                problems += [f"{path}: {m}" for path, msgs in errors.items() for m in msgs]
                continue
            payload = serializer.service_input()
            items.append(
                {
                    "household": payload["data"],
                    "members": payload["members"] or [],
                    "years": payload["years"] or [],
                }
            )
        if problems:
            raise CommandError("数据有误，未保存任何内容：\n  " + "\n  ".join(problems))
        try:
            with acting_as(actor, source="command:household-register"):
                households = households_register(user=actor, items=items, batch=len(items) > 1)
        except ValidationError as exc:
            lines = [f"{k}: {m}" for k, msgs in validation_error_detail(exc).items() for m in msgs]
            raise CommandError("数据有误，未保存任何内容：\n  " + "\n  ".join(lines)) from exc
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        for h in households:
            self.stdout.write(
                self.style.SUCCESS(f"已建档：户编号 {h.number}（{h.head_name}，{h.member_count} 人）")
            )
