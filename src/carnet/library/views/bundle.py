"""The offline bundle on the site: the download of the latest public bundle, and the link to it.

Only a *public* bundle is ever offered (``carnet bundle`` records one after a public build;
:func:`carnet.library.bundle.bundle_record`), so the download is open to everyone. The file is
streamed from Django's storage (S3-compatible storage works the same). With no bundle yet, a
404 page says so in the visitor's language.
"""

from __future__ import annotations

from typing import cast

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.http import require_safe

from carnet.core.access import public
from carnet.library.bundle import latest_public_bundle


@public
@require_safe
def bundle_latest(request: HttpRequest) -> HttpResponse:
    bundle = latest_public_bundle()
    if bundle is None:
        return render(request, "library/bundle/missing.html", status=404)
    try:
        handle = bundle.file.open("rb")
    except OSError:
        return render(request, "library/bundle/missing.html", status=404)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"carnet-library-{bundle.built_at:%Y-%m-%d}.zip",
        content_type="application/zip",
    )
    response["Content-Length"] = str(bundle.size)
    response["X-Content-SHA256"] = bundle.sha256
    # A streamed response (the zip may be large); carnet.core.access types views as returning HttpResponse.
    return cast(HttpResponse, response)


urlpatterns: list[URLPattern] = [path("offline/", bundle_latest, name="bundle_latest")]
