"""Request middleware that records the acting user for the audit trail."""

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
