"""marshmallow schemas for the catalogue exchange format and the API. Every message a user reads is Danish."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, pre_load, validate, validates_schema

from .elements import ELEMENT_KEYS
from .messages import NOT_AN_OBJECT, NOT_INTEGER, NOT_TEXT, REQUIRED
from .models import FORMATS, ROLES, STATUSES
from .municipalities import NATIONWIDE, UnknownMunicipality, canonical_area

_BASE_ERRORS = {"required": REQUIRED, "null": REQUIRED, "validator_failed": "Ugyldig værdi."}


class Str(fields.String):
    default_error_messages = {**_BASE_ERRORS, "invalid": NOT_TEXT, "invalid_utf8": "Ugyldig tekst."}

    def _deserialize(self, value, attr, data, **kwargs):
        out = super()._deserialize(value, attr, data, **kwargs)
        return out.strip() if isinstance(out, str) else out


class Int(fields.Integer):
    default_error_messages = {**_BASE_ERRORS, "invalid": NOT_INTEGER,
                              "too_large": "Tallet er for stort."}

    def __init__(self, **kw):
        super().__init__(strict=False, **kw)


class Bool(fields.Boolean):
    default_error_messages = {**_BASE_ERRORS, "invalid": "Skal være sand eller falsk."}


class Email(fields.Email):
    default_error_messages = {**_BASE_ERRORS, "invalid": "Ugyldig e-mailadresse."}


class Url(fields.Url):
    default_error_messages = {**_BASE_ERRORS, "invalid": "Ugyldig webadresse (skal begynde med http:// eller https://)."}


class List(fields.List):
    default_error_messages = {**_BASE_ERRORS, "invalid": "Skal være en liste."}


class Dict(fields.Dict):
    default_error_messages = {**_BASE_ERRORS, "invalid": "Skal være et objekt."}


class Nested(fields.Nested):
    default_error_messages = {**_BASE_ERRORS, "type": "Skal være et objekt."}


class DateOrDateTime(fields.Field):
    """Accepts "2026-05-01" or an ISO date-time; gives a naive UTC datetime."""
    default_error_messages = {**_BASE_ERRORS, "invalid": "Ugyldig dato (brug ÅÅÅÅ-MM-DD)."}

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        if isinstance(value, datetime) and value.time() == datetime.min.time():
            return value.date().isoformat()
        return value.isoformat()

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, datetime):
            return value.replace(tzinfo=None)
        if isinstance(value, date):
            return datetime(value.year, value.month, value.day)
        if not isinstance(value, str):
            raise self.make_error("invalid")
        try:
            if len(value) == 10:
                d = date.fromisoformat(value)
                return datetime(d.year, d.month, d.day)
            dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise self.make_error("invalid") from exc
        if dt.tzinfo is not None:
            dt = dt.astimezone(UTC).replace(tzinfo=None)
        return dt


def length(lo: int | None = None, hi: int | None = None):
    if lo and hi:
        msg = f"Skal være mellem {lo} og {hi} tegn."
    elif hi:
        msg = f"Højst {hi} tegn."
    else:
        msg = f"Mindst {lo} tegn."
    return validate.Length(min=lo, max=hi, error=msg)


class DanishSchema(Schema):
    error_messages = {"unknown": "Ukendt felt.", "type": NOT_AN_OBJECT}


class ContactSchema(DanishSchema):
    class Meta:
        unknown = EXCLUDE

    email = Email(allow_none=True, load_default=None)
    phone = Str(allow_none=True, load_default=None, validate=length(hi=40))


class ElementSchema(DanishSchema):
    level = Int(required=True, validate=validate.Range(0, 3, error="Niveau skal være 0, 1, 2 eller 3."))
    evidence = Str(load_default="", validate=length(hi=2000))


def valid_area(name: str) -> None:
    try:
        canonical_area(name)
    except UnknownMunicipality as exc:
        raise ValidationError(str(exc)) from exc


def _valid_element_key(key: str) -> None:
    if key not in ELEMENT_KEYS:
        raise ValidationError(f"Ukendt element '{key}'.")


class OfferSchema(DanishSchema):
    """One offer in the exchange format (shared/eval/FORMAT.md) plus our own fields."""

    class Meta:
        unknown = EXCLUDE

    id = Int(dump_only=True)
    external_id = Str(allow_none=True, load_default=None, validate=length(1, 100))
    organisation = Str(load_only=True, validate=length(1, 100))
    title = Str(required=True, validate=length(3, 200))
    description = Str(required=True, validate=length(20, 5000))
    target_group = Str(load_default="", validate=length(hi=500))
    age_min = Int(allow_none=True, load_default=None, validate=validate.Range(0, 120, error="Skal være mellem 0 og 120."))
    age_max = Int(allow_none=True, load_default=None, validate=validate.Range(0, 120, error="Skal være mellem 0 og 120."))
    audience = List(Str(validate=length(1, 60)), load_default=list,
                    validate=validate.Length(max=10, error="Højst 10 målgrupper."))
    areas = List(Str(validate=valid_area), required=True,
                 validate=validate.Length(min=1, error="Vælg mindst én kommune eller 'Hele landet'."))
    formats = List(Str(validate=validate.OneOf(FORMATS, error="Ukendt form: {input}. Vælg blandt: {choices}.")),
                   load_default=list)
    cost = Str(load_default="gratis", validate=length(hi=200))
    schedule = Str(load_default="", validate=length(hi=500))
    contact = Nested(ContactSchema, load_default=dict)
    tags = List(Str(validate=length(1, 60)), load_default=list,
                validate=validate.Length(max=20, error="Højst 20 nøgleord."))
    languages = List(Str(validate=length(1, 40)), load_default=list)
    status = Str(validate=validate.OneOf(STATUSES, error="Status skal være draft, published eller archived."))
    assured_at = DateOrDateTime(allow_none=True)
    elements = Dict(keys=Str(validate=_valid_element_key), values=Nested(ElementSchema))
    version = Int()

    @pre_load
    def _blank_to_none(self, data, **kwargs):
        if isinstance(data, dict):
            data = dict(data)
            for key in ("age_min", "age_max", "external_id"):
                if data.get(key) == "":
                    data[key] = None
        return data

    @validates_schema
    def _ages(self, data, **kwargs):
        lo, hi = data.get("age_min"), data.get("age_max")
        if lo is not None and hi is not None and lo > hi:
            raise ValidationError("Højeste alder skal være større end eller lig med laveste alder.", "age_max")

    @post_load
    def _canonical(self, data, **kwargs):
        if "areas" in data:
            areas = list(dict.fromkeys(canonical_area(a) for a in data["areas"]))
            data["areas"] = [NATIONWIDE] if NATIONWIDE in areas else areas
        if "formats" in data:
            data["formats"] = list(dict.fromkeys(data["formats"]))
        if "cost" in data and data["cost"].casefold() == "gratis":
            data["cost"] = "gratis"
        for key in ("tags", "audience", "languages"):
            if key in data:
                data[key] = list(dict.fromkeys(x for x in data[key] if x))
        return data


CVR_RE = re.compile(r"^\d{8}$")


class OrganisationSchema(DanishSchema):
    class Meta:
        unknown = EXCLUDE

    id = Int(dump_only=True)
    external_id = Str(allow_none=True, load_default=None, validate=length(1, 100))
    name = Str(required=True, validate=length(2, 200))
    cvr = Str(allow_none=True, load_default=None,
              validate=validate.Regexp(CVR_RE, error="CVR-nummer skal være 8 cifre."))
    website = Url(allow_none=True, load_default=None)
    email = Email(allow_none=True, load_default=None)
    phone = Str(allow_none=True, load_default=None, validate=length(hi=40))
    description = Str(allow_none=True, load_default=None, validate=length(hi=3000))
    verified = Bool(dump_only=True)

    @pre_load
    def _blank_to_none(self, data, **kwargs):
        if isinstance(data, dict):
            data = {k: (None if v == "" else v) for k, v in data.items()}
            if isinstance(data.get("cvr"), str):
                data["cvr"] = data["cvr"].replace(" ", "")
        return data


class UserSchema(DanishSchema):
    email = Email(required=True)
    name = Str(load_default="", validate=length(hi=200))
    password = Str(required=True, load_only=True, validate=length(10, 200))
    role = Str(required=True, validate=validate.OneOf(ROLES, error="Ukendt rolle."))
    home_municipality = Str(allow_none=True, load_default=None, validate=valid_area)


def errors_to_paths(messages: dict | list, prefix: str = "") -> dict[str, list[str]]:
    """Flatten marshmallow's nested error dict to {"contact.email": ["Ugyldig e-mailadresse."], ...}."""
    out: dict[str, list[str]] = {}
    if isinstance(messages, list):
        if all(isinstance(m, str) for m in messages):
            out[prefix or "_schema"] = list(messages)
            return out
        for i, m in enumerate(messages):
            out.update(errors_to_paths(m, f"{prefix}.{i}" if prefix else str(i)))
        return out
    for key, value in messages.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict) and "value" in value and len(value) == 1:
            value = value["value"]  # marshmallow's shape for Dict value errors
        if isinstance(value, (dict, list)):
            out.update(errors_to_paths(value, path))
        else:
            out[path] = [str(value)]
    return out
