from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from jingzhun.core.middleware import client_ip
from jingzhun.regions.choices import RegionLevel
from jingzhun.regions.forms import offer_regions

from . import throttle, twofactor
from .backends import refused_in_production
from .models import User


class ThrottledLoginForm(AuthenticationForm):
    """The login form: refuses further attempts after repeated failures for the same account and address, slows
    an address that fails across many accounts, refuses the demo password in production, and asks for the
    one-time code of accounts with a second factor."""

    otp = forms.CharField(
        label=_("动态验证码"), required=False, max_length=8,
        help_text=_("开启了两步验证的账号填写手机验证器上的 6 位数字。"),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )  # fmt: skip

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("用户名或密码不正确。"),
        "locked": _("登录失败次数过多，请 %(minutes)d 分钟后再试。"),
        "slow": _("该网络地址登录失败次数较多，请 %(seconds)d 秒后再试。"),
        "demo": _("演示账号和演示密码在生产环境中不能使用，请联系安全管理员重置密码。"),
        "otp": _("动态验证码不正确或已使用，请输入验证器上当前的 6 位数字。"),
        "otp_missing": _("该账号开启了两步验证，请输入验证器上的 6 位动态验证码。"),
    }

    def clean(self):
        username = self.data.get("username", "")
        ip = client_ip(self.request) if self.request else None
        if throttle.is_locked(username, ip):
            raise forms.ValidationError(
                self.error_messages["locked"],
                code="locked",
                params={"minutes": settings.LOGIN_LOCK_SECONDS // 60},
            )
        if wait := throttle.address_wait(ip):
            raise forms.ValidationError(self.error_messages["slow"], code="slow", params={"seconds": wait})
        if refused_in_production(self.data.get("password")):
            throttle.record_failure(username, ip)
            raise forms.ValidationError(self.error_messages["demo"], code="demo")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            throttle.record_failure(username, ip)
            raise
        user = self.get_user()
        if user is not None and user.has_second_factor:
            code = self.cleaned_data.get("otp", "")
            if not code.strip():
                raise forms.ValidationError(self.error_messages["otp_missing"], code="otp_missing")
            if not twofactor.verify(user.totp_secret, code, user_key=str(user.pk)):
                throttle.record_failure(username, ip)
                raise forms.ValidationError(self.error_messages["otp"], code="otp")
        throttle.clear(username, ip)
        return cleaned


class UserForm(forms.ModelForm):
    """An account created or changed by a security administrator, within the administrator's region."""

    region_code = forms.CharField(
        label=_("管辖区划"), max_length=12, required=False,
        help_text=_("选择用户所管辖的区划；选「全部区划」表示全国，仅全国的安全管理员可用。"),
    )  # fmt: skip

    class Meta:
        model = User
        fields = ["username", "first_name", "role"]
        labels = {"first_name": _("姓名")}

    def __init__(self, *args, manager, **kwargs):
        super().__init__(*args, **kwargs)
        self.manager = manager
        if self.instance.pk:
            self.fields["username"].disabled = True
            self.initial.setdefault("region_code", self.instance.region_id or "")
        elif manager.region_id:
            self.initial.setdefault("region_code", manager.region_id)
        help_text = self.fields["region_code"].help_text
        offer_regions(self, "region_code", user=manager, levels=RegionLevel.values, action="manage_users",
                      required=False)  # fmt: skip
        self.fields["region_code"].help_text = help_text if not manager.region_id else ""


class PasswordResetByManagerForm(forms.Form):
    password = forms.CharField(
        label=_("新密码"), widget=forms.PasswordInput(render_value=False), strip=False,
        help_text=_("至少 10 位，不能全为数字；用户下次登录时须修改。"),
    )  # fmt: skip


class OtpConfirmForm(forms.Form):
    """Turning the second factor on or off: the current password and a code (a borrowed session is not enough)."""

    password = forms.CharField(label=_("当前密码"), widget=forms.PasswordInput, strip=False)
    otp = forms.CharField(label=_("动态验证码"), max_length=8)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        if not self.user.check_password(self.cleaned_data["password"]):
            raise forms.ValidationError(_("密码不正确。"))
        return self.cleaned_data["password"]
