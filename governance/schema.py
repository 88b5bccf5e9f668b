"""The OpenAPI schema's error answers, documented once for every operation.

What the API answers besides success comes from one place (``governance.api.exception_handler``
and the parser, the throttles and the permissions), so the schema documents it once too: every
operation gets, next to its own answers,

* 400 with field messages where it takes input (a body, or a query string),
* 401 everywhere (none signed in where a user is needed, or a token that is not valid),
* 403 where it needs a signed-in user (the role may not act here, or the one-time password
  is not changed yet),
* 404 where the path names a row (outside the caller's area, or gone) or the query names one
  (a unit outside the area, a page past the end),
* 409 where it changes something (a step the record's state does not allow, or a record that
  changed since the version sent),
* 415 where it takes a body (a ``Content-Type`` the API does not read),
* 429 everywhere (the rate limits of ``governance.ratelimit``), with ``Retry-After``.

Two shared components describe the bodies: ``Error`` (``detail``, plus field messages when
a refusal names fields) and ``ValidationError`` (field → messages; a nested field's messages
as an object of the same shape; ``detail`` when the body as a whole is wrong).

It also documents the ``null`` and ``""`` that read-only fields of model serializers send
(``answers_like_its_model``), which drf-spectacular would otherwise leave out.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers
from rest_framework.permissions import AllowAny

WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def _messages() -> dict[str, Any]:
    return {
        "type": "array",
        "items": {"type": "string"},
        "description": str(_("The messages, in the language of the request.")),
    }


def error_components() -> tuple[ResolvedComponent, ResolvedComponent]:
    """``Error`` and ``ValidationError``, their descriptions in the current language."""
    error = ResolvedComponent(
        name="Error",
        type=ResolvedComponent.SCHEMA,
        object="Error",
        schema={
            "type": "object",
            "description": str(_("A refusal: why, and the fields it names, if any.")),
            "properties": {"detail": {"type": "string"}},
            "required": ["detail"],
            "additionalProperties": _messages(),
        },
    )
    validation_error = ResolvedComponent(
        name="ValidationError",
        type=ResolvedComponent.SCHEMA,
        object="ValidationError",
        schema={
            "type": "object",
            "description": str(
                _(
                    "Bad input: each field that was wrong with its messages (a nested field's "
                    "messages keyed by its name or position); detail when the request as a "
                    "whole was wrong."
                )
            ),
            "properties": {
                "detail": {"oneOf": [{"type": "string"}, _messages()]},
                "non_field_errors": _messages(),
            },
            "additionalProperties": {"oneOf": [_messages(), {"type": "object"}]},
        },
    )
    return error, validation_error


def _answer(description: Any, component: ResolvedComponent, **extra: Any) -> dict[str, Any]:
    return {
        "description": str(description),
        "content": {"application/json": {"schema": component.ref}},
        **extra,
    }


def answers_like_its_model(field: serializers.Field[Any, Any, Any, Any]) -> None:
    """Give a read-only field of a model serializer the ``null`` and ``""`` its model sends.

    DRF drops ``allow_null`` and ``allow_blank`` from read-only fields, so the schema would
    promise a value where the answer holds ``null`` (a nullable column, or a source through a
    relation that may be empty: ``rule.code`` of an entry without a rule) or ``""`` (a choice
    column that may be blank, e.g. a policy for every category)."""
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None or not field.read_only or field.source == "*":
        return
    nullable = blank = False
    for position, name in enumerate(field.source_attrs):
        try:
            column = model._meta.get_field(name)
        except FieldDoesNotExist:
            break  # a property or method: what it answers is its own business
        last = position == len(field.source_attrs) - 1
        if isinstance(column, models.ForeignObjectRel):
            nullable = nullable or column.one_to_one  # a missing reverse row reads as None
        else:
            nullable = nullable or column.null
        if last:
            blank = bool(getattr(column, "choices", None)) and getattr(column, "blank", False)
        elif column.related_model is None:
            break
        else:
            model = column.related_model
    if nullable:
        field.allow_null = True
    if blank and isinstance(field, serializers.ChoiceField):
        field.allow_blank = True


class ErrorDocumentingSchema(AutoSchema):
    """drf-spectacular's schema with the error answers of the module docstring, and read-only
    fields that may be ``null`` or ``""`` documented so (``answers_like_its_model``)."""

    def _map_serializer_field(
        self, field: Any, direction: Any, bypass_extensions: bool = False
    ) -> Any:
        if direction == "response" and isinstance(field, serializers.Field):
            answers_like_its_model(field)
        return super()._map_serializer_field(field, direction, bypass_extensions)

    def get_operation(
        self, path: str, path_regex: str, path_prefix: str, method: str, registry: Any
    ) -> dict[str, Any] | None:
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        error, validation_error = error_components()
        self.registry.register_on_missing(error)
        self.registry.register_on_missing(validation_error)
        parameters = operation.get("parameters", [])
        in_path = any(p["in"] == "path" for p in parameters)
        in_query = any(p["in"] == "query" for p in parameters)
        has_body = "requestBody" in operation
        writes = self.method in WRITES
        permissions = self.view.get_permissions()
        anonymous = all(isinstance(p, AllowAny) for p in permissions)  # none: anyone

        errors: dict[str, dict[str, Any]] = {}
        if has_body or in_query or writes:
            errors["400"] = _answer(_("Bad input: the field messages."), validation_error)
        errors["401"] = _answer(_("Not signed in, or the token sent is not valid."), error)
        if not anonymous:
            errors["403"] = _answer(
                _("Signed in, but the role may not do this here (or must change its password)."),
                error,
            )
        if in_path or in_query:
            errors["404"] = _answer(
                _(
                    "No such row in your area (the path's, or one the query names), or no "
                    "such page."
                ),
                error,
            )
        if writes and not anonymous:
            errors["409"] = _answer(
                _("The record's state does not allow this, or it changed since your version."),
                error,
            )
        if has_body:
            errors["415"] = _answer(_("A Content-Type the API does not read."), error)
        errors["429"] = _answer(
            _("Too many requests: wait the seconds of Retry-After."),
            error,
            headers={"Retry-After": {"schema": {"type": "integer"}}},
        )

        responses = operation["responses"]
        for code, answer in errors.items():
            declared = responses.get(code)
            if declared is None:
                responses[code] = answer
            elif "content" not in declared:  # an operation's own wording, without a body
                declared["content"] = answer["content"]
        operation["responses"] = dict(sorted(responses.items()))
        return operation
