"""Request middleware: the acting user for the audit trail, and the UI language."""

from django.conf import settings
from django.utils import translation

from .context import acting_as


def client_ip(request) -> str | None:
    # Behind a reverse proxy REMOTE_ADDR is the proxy; production sets the real address there (see docs).
    return request.META.get("REMOTE_ADDR")


class ActorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        source = "api" if request.path.startswith("/api/") else "web"
        with acting_as(source=source, ip=client_ip(request), request=request):
            return self.get_response(request)


class ChineseFirstLocaleMiddleware:
    """zh-Hans unless the user chose another language with the switch (the language cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language; officials' machines are often set to
    English, and the platform's language must not change under them.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response
