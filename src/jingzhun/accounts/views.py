"""Account pages: one's own password and second factor; the security administrator's users; the auditor's
trail. Each page checks its action (``User.can``) and scope; every write goes through ``services`` (audited)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jingzhun.core.audit import Names, model_of, readable_changes
from jingzhun.core.masking import sees_in_full
from jingzhun.core.models import AuditAction, AuditLog

from . import permissions, services, twofactor
from .forms import OtpConfirmForm, PasswordResetByManagerForm, UserForm


def _form_errors(form: forms.Form, exc: ValidationError) -> None:
    for field, msgs in exc.message_dict.items():
        for message in msgs:
            form.add_error(field if field in form.fields else None, message)


@login_required
def password_change(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        services.password_changed(user)
        update_session_auth_hash(request, user)  # stay logged in with the new password
        messages.success(request, _("密码已修改。"))
        return redirect("home")
    return render(request, "accounts/password_change.html", {"form": form})


@login_required
def second_factor(request):
    """Turn the one-time code on (scan, confirm a code) or off (confirm a code)."""
    user = request.user
    form = OtpConfirmForm(request.POST or None, user=user)
    pending = request.session.get("totp_pending") or twofactor.new_secret()
    request.session["totp_pending"] = pending
    secret = user.totp_secret or pending
    if request.method == "POST" and form.is_valid():
        if twofactor.verify(secret, form.cleaned_data["otp"], user_key=str(user.pk)):
            services.second_factor_set(user=user, secret="" if user.has_second_factor else pending)
            request.session.pop("totp_pending", None)
            messages.success(
                request, _("两步验证已开启。") if user.has_second_factor else _("两步验证已关闭。")
            )
            return redirect("accounts:second_factor")
        form.add_error("otp", _("验证码不正确，请输入验证器上当前的 6 位数字。"))
    uri = twofactor.provisioning_uri(pending, user.username)
    return render(
        request,
        "accounts/second_factor.html",
        {"form": form, "enabled": user.has_second_factor, "secret": pending, "qr": twofactor.qr_svg(uri)},
    )


def _manager(request):
    if not permissions.may(request.user, "manage_users"):
        raise PermissionDenied(_("只有安全管理员可以管理用户。"))
    return request.user


@login_required
def users(request):
    manager = _manager(request)
    qs = services.managed_users(manager)
    q = request.GET.get("q", "").strip()[:50]
    if q:
        qs = qs.filter(username__icontains=q) | qs.filter(first_name__icontains=q)
    rows = list(qs[:500])
    return render(request, "accounts/users.html", {"users": rows, "q": q, "truncated": len(rows) == 500})


@login_required
def user_edit(request, pk: int | None = None):
    manager = _manager(request)
    user = get_object_or_404(services.managed_users(manager), pk=pk) if pk else None
    form = UserForm(request.POST or None, instance=user, manager=manager)
    password_form = PasswordResetByManagerForm(request.POST or None) if user is None else None
    if request.method == "POST" and form.is_valid() and (password_form is None or password_form.is_valid()):
        try:
            saved = services.user_save(
                manager=manager, user=user, data={**form.cleaned_data},
                password=password_form.cleaned_data["password"] if password_form else "",
            )  # fmt: skip
        except ValidationError as exc:
            _form_errors(password_form if password_form and "password" in exc.message_dict else form, exc)
        else:
            messages.success(request, _("已保存用户 %(u)s。") % {"u": saved.username})
            return redirect("accounts:users")
    return render(
        request,
        "accounts/user_form.html",
        {"form": form, "password_form": password_form, "edited": user,
         "reset_form": PasswordResetByManagerForm() if user else None},
    )  # fmt: skip


@login_required
@require_POST
def user_active(request, pk: int):
    manager = _manager(request)
    user = get_object_or_404(services.managed_users(manager), pk=pk)
    try:
        services.user_set_active(manager=manager, user=user, active=request.POST.get("active") == "1")
        text = _("已启用 %(u)s。") if user.is_active else _("已停用 %(u)s。")
        messages.success(request, text % {"u": user.username})
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return redirect("accounts:users")


@login_required
@require_POST
def user_reset(request, pk: int):
    manager = _manager(request)
    user = get_object_or_404(services.managed_users(manager), pk=pk)
    form = PasswordResetByManagerForm(request.POST)
    if form.is_valid():
        try:
            services.user_reset_password(manager=manager, user=user, password=form.cleaned_data["password"])
            messages.success(request, _("已重置 %(u)s 的密码，用户下次登录时须修改。") % {"u": user.username})
            return redirect("accounts:users")
        except ValidationError as exc:
            _form_errors(form, exc)
    return render(
        request,
        "accounts/user_form.html",
        {"form": UserForm(instance=user, manager=manager), "edited": user, "reset_form": form},
    )


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=gettext_lazy("操作人"), required=False, max_length=150)
    action = forms.ChoiceField(
        label=gettext_lazy("操作"), required=False, choices=[("", "—"), *AuditAction.choices]
    )
    since = forms.DateField(label=gettext_lazy("起始日期"), required=False)
    until = forms.DateField(label=gettext_lazy("截止日期"), required=False)


@login_required
def audit_trail(request):
    """操作日志 for the security auditor (安全审计员): every entry of the region, personal data masked."""
    if not permissions.may(request.user, "audit"):
        raise PermissionDenied(_("只有安全审计员可以查看操作日志。"))
    form = AuditFilterForm(request.GET or None)
    qs = AuditLog.objects.for_user(request.user, "audit")
    if form.is_valid():
        data = form.cleaned_data
        if data["actor"]:
            qs = qs.filter(actor_label=data["actor"].strip())
        if data["action"]:
            qs = qs.filter(action=data["action"])
        if data["since"]:
            qs = qs.filter(at__date__gte=data["since"])
        if data["until"]:
            qs = qs.filter(at__date__lte=data["until"])
    # Newest first, 50 a page; the cursor is the last id seen (the primary key: an index range at any size).
    older = request.GET.get("older", "")
    if older.isascii() and older.isdigit() and len(older) < 19:
        qs = qs.filter(id__lt=int(older))
    entries = list(qs.order_by("-id")[: AUDIT_PAGE + 1])
    more, entries = len(entries) > AUDIT_PAGE, entries[:AUDIT_PAGE]
    full = sees_in_full(request.user)
    names = Names(request.user)  # references by what they name, in the auditor's scope
    for entry in entries:
        model = model_of(entry.model)
        entry.rows = readable_changes(entry, model, full=full, names=names)
        entry.kind = str(model._meta.verbose_name) if model else entry.model
    params = request.GET.copy()
    params.pop("older", None)
    return render(
        request,
        "accounts/audit.html",
        {
            "form": form,
            "entries": entries,
            "older": entries[-1].pk if more else None,
            "query": params.urlencode(),
        },
    )


AUDIT_PAGE = 50
