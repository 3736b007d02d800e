"""A Blob service stand-in that refuses every request with one canned error, in process.

For what Azurite cannot play: it checks no Azure role, so the 403 `AuthorizationPermissionMismatch`
a real account answers for a missing data role ("Blob Storage error codes": "This request is
not authorized to perform this operation using this permission.") comes from here. It plugs
into azure-core as a `requests` transport adapter: the SDK's own error mapping still runs.
"""

from __future__ import annotations

import io
from typing import Any

import requests
import urllib3
from azure.core.pipeline.transport import RequestsTransport
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

_BODY = ('<?xml version="1.0" encoding="utf-8"?><Error><Code>{code}</Code>'
         "<Message>{message}</Message></Error>")


class RefusingAdapter(BaseAdapter):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__()
        self.status, self.code, self.message = status, code, message
        self.requests: list[requests.PreparedRequest] = []

    def send(self, request: requests.PreparedRequest, stream: bool = False,
             timeout: Any = None, verify: Any = True, cert: Any = None,
             proxies: Any = None) -> requests.Response:
        self.requests.append(request)
        body = _BODY.format(code=self.code, message=self.message).encode()
        headers = {"Content-Type": "application/xml", "Content-Length": str(len(body)),
                   "x-ms-error-code": self.code, "x-ms-request-id": "00000000-canned"}
        response = requests.Response()
        response.status_code = self.status
        response.reason = "Forbidden" if self.status == 403 else "Error"
        response.headers = CaseInsensitiveDict(headers)
        # azure-core reads the body from `raw` (a urllib3 response) when it streams.
        response.raw = urllib3.HTTPResponse(body=io.BytesIO(body), headers=headers,
                                            status=self.status, preload_content=False)
        response.url = request.url or ""
        response.request = request
        return response

    def close(self) -> None:
        pass


def refusing_transport(status: int, code: str,
                       message: str = "refused") -> tuple[RequestsTransport, RefusingAdapter]:
    adapter = RefusingAdapter(status, code, message)
    session = requests.Session()
    session.mount("https://", adapter)
    return RequestsTransport(session=session, session_owner=False), adapter
