"""Pages of the ledger import (台账导入), for every ledger in ``governance.ledger.registry``:

* ``/ledgers/<name>/import/``: the upload form (CSRF, size limit enforced while the body is
  read); a readable file is kept server-side and the browser goes to its preview;
* ``/ledgers/<name>/import/<token>/``: the dry run (rows to create, update, leave; the errors,
  "第5行：证件号码：…"), with the confirm button when every row is correct; after the import,
  the result;
* ``…/<token>/confirm/`` (POST): the import, all or nothing;
* ``…/<token>/errors.xlsx``: the uploaded rows with the bad cells in red;
* ``/ledgers/<name>/template/``: the template to fill in.

An unknown ledger is 404; a user the ledger's ``permission`` refuses gets 403; a token belongs
to the account that uploaded the file (anyone else: 404).
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from governance.errors import NotAllowed
from governance.ledger import import_workbooks, imports, staging
from governance.ledger.imports import LedgerImport, Outcome
from governance.ledger.registry import import_ledger
from governance.ledger.staging import StagedUpload
from governance.pii import mask_middle

PREVIEW_ROWS = 100
ERROR_LINES = 200
FILE_NAME_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\s]+')
ACTION_LABELS = {
    "create": gettext_lazy("Create"),
    "update": gettext_lazy("Update"),
    "unchanged": gettext_lazy("Unchanged"),
    "error": gettext_lazy("Error"),
}


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Excel file"))


class SizeLimitHandler(FileUploadHandler):
    """First in the chain: stops keeping a file once it passes the limit. The rest of the body
    is read and dropped, so an oversized upload fills neither memory nor the temporary
    directory, and the page can say why."""

    def __init__(self, request: HttpRequest, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.too_large = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if start + len(raw_data) > self.limit:
            self.too_large = True
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def _ledger(request: HttpRequest, name: str) -> LedgerImport:
    ledger = import_ledger(name)
    if ledger is None:
        raise Http404()
    if not ledger.permission(request.user):
        raise NotAllowed()
    return ledger


def _return_url(request: HttpRequest, ledger: LedgerImport) -> str:
    return ledger.return_url(request.user) if ledger.return_url else reverse("home")


def _file_name(text: str) -> str:
    return FILE_NAME_UNSAFE.sub("_", text).strip("_.")


def _xlsx(body: bytes, file_name: str, fallback: str) -> HttpResponse:
    response = HttpResponse(body, content_type=imports.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = import_workbooks.attachment(file_name, fallback)
    response["Cache-Control"] = "no-store"  # error reports hold the uploaded personal data
    return response


def _base_context(request: HttpRequest, ledger: LedgerImport, state: str) -> dict[str, Any]:
    return {
        "ledger": ledger,
        "state": state,
        "heading": _("Import: %(ledger)s") % {"ledger": ledger.title},
        "return_url": _return_url(request, ledger),
    }


def _render_upload(
    request: HttpRequest, ledger: LedgerImport, form: UploadForm, status: int = 200
) -> HttpResponse:
    context = _base_context(request, ledger, "upload") | {
        "form": form,
        "max_bytes": imports.max_bytes(),
        "max_size": imports.size_label(imports.max_bytes()),
        "max_rows": imports.max_rows(),
        "required_columns": [column.label for column in ledger.columns if column.required],
        "optional_columns": [column.label for column in ledger.columns if not column.required],
        "notes": [str(note) for note in ledger.notes],
    }
    return render(request, "ledger/import.html", context, status=status)


@csrf_exempt  # checked by csrf_protect below, once the size limit is in the handler chain
@login_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest, name: str) -> HttpResponse:
    """The upload form; a POSTed file that can be read is staged and previewed."""
    ledger = _ledger(request, name)
    limit = SizeLimitHandler(request, imports.max_bytes())
    if request.method == "POST":
        # Django's pattern for changing upload handlers: before anything reads request.POST
        # (the CSRF check would), hence csrf_exempt outside and csrf_protect inside.
        request.upload_handlers = [limit, *request.upload_handlers]
    return _import_page(request, ledger, limit)


@csrf_protect
def _import_page(
    request: HttpRequest, ledger: LedgerImport, limit: SizeLimitHandler
) -> HttpResponse:
    if request.method != "POST":
        return _render_upload(request, ledger, UploadForm())
    form = UploadForm(request.POST, request.FILES)
    valid = form.is_valid()
    too_large = _("The file is larger than %(size)s.") % {
        "size": imports.size_label(imports.max_bytes())
    }
    if limit.too_large:  # the file was dropped while reading: say why, not "required"
        form.errors["file"] = form.error_class([too_large])
        return _render_upload(request, ledger, form, status=413)
    if not valid:
        return _render_upload(request, ledger, form, status=400)
    upload = form.cleaned_data["file"]
    if upload.size > imports.max_bytes():
        form.add_error("file", too_large)
        return _render_upload(request, ledger, form, status=413)
    data = upload.read()
    try:
        imports.read_upload(ledger, data)
    except imports.ImportFileError as error:
        form.add_error("file", str(error))
        return _render_upload(request, ledger, form, status=400)
    staged = staging.stage_upload(
        data=data, ledger=ledger.name, owner_id=_owner(request), file_name=upload.name or ""
    )
    return redirect("ledger:preview", ledger.name, staged.token)


def _owner(request: HttpRequest) -> int:
    return int(request.user.pk or 0)  # signed in (login_required)


def _staged(request: HttpRequest, ledger: LedgerImport, token: str) -> StagedUpload:
    """The user's own staged upload (404 otherwise); ``StagedUploadExpired`` for an old one."""
    try:
        return staging.staged_upload(token=token, ledger=ledger.name, owner_id=_owner(request))
    except staging.StagedUploadMissing as error:
        raise Http404() from error


def _again(request: HttpRequest, ledger: LedgerImport, message: str) -> HttpResponse:
    messages.warning(request, message)
    return redirect("ledger:import", ledger.name)


def _expired(request: HttpRequest, ledger: LedgerImport) -> HttpResponse:
    return _again(request, ledger, _("This upload has expired. Upload the file again."))


def _display(column: imports.Column, row: imports.Row) -> str:
    """A cell as the preview shows it: ID and phone numbers masked like everywhere else."""
    value = row.get(column.field)
    if value is None:
        raw = row.raw.get(column.field)
        return "" if raw is None else imports.cell_text(raw)
    if column.personal and column.kind != "phone":
        text = str(value)
        shown = (6, 4) if len(text) >= 12 else (len(text) // 4, len(text) // 4)
        return mask_middle(text[: shown[0]], text[len(text) - shown[1] :], len(text))
    if column.personal:
        text = str(value)
        return mask_middle(text[:3], text[-4:], len(text)) if len(text) >= 8 else "*" * len(text)
    if column.kind == "date":
        return value.isoformat()
    if column.kind == "choice":
        return imports.cell_text(row.raw.get(column.field))
    return str(value)


def _render_preview(
    request: HttpRequest,
    ledger: LedgerImport,
    staged: StagedUpload,
    outcome: Outcome,
    status: int = 200,
) -> HttpResponse:
    columns = ledger.preview_columns
    rows = []
    for result in outcome.results[:PREVIEW_ROWS]:
        if result.errors:
            note = "；".join(
                f"{named.label}：{message}" if (named := ledger.column(name)) else message
                for name, items in result.errors.items()
                for message in items
            )
        elif result.plan.action == "update" and result.plan.changes:
            labels = [
                column.label
                for name in result.plan.changes
                if (column := ledger.column(name)) is not None
            ]
            note = _("Changes: %(columns)s") % {"columns": "、".join(labels)}
        else:
            note = ""
        rows.append(
            {
                "number": result.row.number,
                "action": result.action,
                "action_label": ACTION_LABELS[result.action],
                "cells": [_display(column, result.row) for column in columns],
                "note": note,
            }
        )
    counts = outcome.counts
    error_lines = outcome.messages(limit=ERROR_LINES)
    context = _base_context(request, ledger, "preview") | {
        "staged": staged,
        "token": staged.token,
        "counts": counts,
        "total": len(outcome.results),
        "rows": rows,
        "shown": len(rows),
        "preview_labels": [column.label for column in columns],
        "error_lines": error_lines,
        "more_errors": max(0, outcome.message_count - len(error_lines)),
        "failed_row": outcome.failed_row,
        "can_confirm": outcome.ok and outcome.changes > 0,
        # Names in full, numbers masked: personal data on the page.
        "watermark": any(column.personal for column in ledger.columns),
    }
    return render(request, "ledger/import.html", context, status=status)


def _read(staged: StagedUpload, ledger: LedgerImport) -> imports.Sheet:
    try:
        return imports.read_upload(ledger, staged.read())
    except staging.StagedUploadMissing as error:
        raise Http404() from error


@login_required
@require_GET
def preview(request: HttpRequest, name: str, token: str) -> HttpResponse:
    """The dry run of a staged upload (nothing is written), or the result once imported."""
    ledger = _ledger(request, name)
    try:
        staged = _staged(request, ledger, token)
    except staging.StagedUploadExpired:
        return _expired(request, ledger)
    if staged.result is not None:
        context = _base_context(request, ledger, "result") | {
            "result": staged.result,
            "file_name": staged.file_name,
        }
        return render(request, "ledger/import.html", context)
    try:
        sheet = _read(staged, ledger)
    except imports.ImportFileError as error:
        return _again(request, ledger, str(error))
    return _render_preview(request, ledger, staged, imports.dry_run(ledger, sheet, request.user))


@login_required
@require_POST
def confirm(request: HttpRequest, name: str, token: str) -> HttpResponse:
    """Import the staged upload: every row checked again, then all written or none."""
    ledger = _ledger(request, name)
    try:
        staged = _staged(request, ledger, token)
    except staging.StagedUploadExpired:
        return _expired(request, ledger)
    if staged.result is not None:  # a second click: already imported
        return redirect("ledger:preview", ledger.name, staged.token)
    try:
        sheet = _read(staged, ledger)
    except imports.ImportFileError as error:
        return _again(request, ledger, str(error))
    outcome = imports.run_import(ledger, sheet, request.user)
    if outcome.applied:
        staging.staged_upload_done(staged, outcome.counts)
        return redirect("ledger:preview", ledger.name, staged.token)
    return _render_preview(request, ledger, staged, outcome, status=409)


@login_required
@require_GET
def error_report(request: HttpRequest, name: str, token: str) -> HttpResponse:
    """The staged upload's rows with the bad cells in red and what is wrong with each row."""
    ledger = _ledger(request, name)
    try:
        staged = _staged(request, ledger, token)
    except staging.StagedUploadExpired:
        return _expired(request, ledger)
    try:
        sheet = _read(staged, ledger)
    except imports.ImportFileError as error:
        return _again(request, ledger, str(error))
    outcome = imports.dry_run(ledger, sheet, request.user)
    today = timezone.localdate().isoformat()
    stem = _file_name(_("%(ledger)s import errors") % {"ledger": ledger.title})
    return _xlsx(
        import_workbooks.error_report(outcome),
        f"{stem}_{today}.xlsx",
        f"{ledger.name}-import-errors_{today}.xlsx",
    )


@login_required
@require_GET
def template(request: HttpRequest, name: str) -> HttpResponse:
    """The ledger's import template (.xlsx)."""
    ledger = _ledger(request, name)
    stem = _file_name(_("%(ledger)s import template") % {"ledger": ledger.title})
    return _xlsx(
        import_workbooks.template_workbook(ledger),
        f"{stem}.xlsx",
        f"{ledger.name}-import-template.xlsx",
    )
