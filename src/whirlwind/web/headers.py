"""Security headers on every response (CSP without unsafe-inline, no framing)."""

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def security_headers_tween_factory(handler, registry):
    def tween(request):
        response = handler(request)
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if request.environ.get("whirlwind.identity") is not None:
            # Pages with personal data are not kept by shared caches or the back button.
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    return tween
