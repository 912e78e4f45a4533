"""The HTTP exchange behind a fetched page, as a web archive (WARC) records it."""


def header_pairs(headers) -> list[list[str]]:
    """Scrapy ``headers`` as ``[name, value]`` pairs in order, a repeated header once per value."""
    return [[name.decode("latin-1"), value.decode("latin-1")] for name, values in headers.items() for value in values]


def http_exchange(response) -> dict | None:
    """How ``response`` was fetched: protocol, request method and headers, every response
    header and the server's IP; None for a response not fetched by Scrapy (rebuilt from the
    archive), which has no request to tell of."""
    try:
        request = response.request
    except AttributeError:
        return None
    if request is None:
        return None
    protocol = getattr(response, "protocol", None)
    return {
        "protocol": protocol,
        # What Scrapy's clients send whatever the server answers with (an HTTP/1.0 server too).
        "request_protocol": "HTTP/2" if protocol == "h2" else "HTTP/1.1",
        "method": request.method,
        "request_headers": header_pairs(request.headers),
        "response_headers": header_pairs(response.headers),
        "ip": str(response.ip_address) if getattr(response, "ip_address", None) else None,
    }
