"""API-specific marshmallow schemas. They reuse catalog's Danish field classes, so webargs' own 422 answers
carry Danish messages too. Response schemas document the JSON (views build it directly for speed)."""
from __future__ import annotations

from marshmallow import EXCLUDE, fields, validate

from catalog.elements import BAND_KEYS
from catalog.models import FORMATS, STATUSES
from catalog.schemas import (Bool, ContactSchema, DanishSchema, Dict, Int, List, Nested, OfferSchema, Str,
                             length)

MAX_TEXT = 20_000


# --- requests -------------------------------------------------------------------------------------------

class OfferListQuerySchema(DanishSchema):
    class Meta:
        unknown = EXCLUDE

    municipality = Str(metadata={"description": "Kommune (kanonisk navn, fx 'København'); tilbud for "
                                                "'Hele landet' tæller med."})
    age = Int(validate=validate.Range(0, 120, error="Skal være mellem 0 og 120."),
              metadata={"description": "Barnets/den unges alder i år."})
    format = List(Str(validate=validate.OneOf(FORMATS, error="Ukendt form: {input}. Vælg blandt: {choices}.")),
                  metadata={"description": "Form (kan gentages): " + ", ".join(FORMATS)})
    free = Bool(metadata={"description": "Kun gratis tilbud."})
    band = Str(validate=validate.OneOf(tuple(BAND_KEYS), error="Ukendt profil-bånd. Vælg blandt: {choices}."),
               metadata={"description": "Profil-bånd for de 11 elementer: " + ", ".join(BAND_KEYS)})
    organisation_id = Int(validate=validate.Range(1, error="Skal være et positivt tal."))
    q = Str(validate=length(hi=200), metadata={"description": "Fritekst i titel og beskrivelse."})
    status = Str(validate=validate.OneOf((*STATUSES, "all"), error="Ukendt status."),
                 metadata={"description": "Standard 'published'. Andre værdier kun for administratorer og "
                                          "organisationens egne redaktører (sammen med organisation_id)."})
    page = Int(load_default=1, validate=validate.Range(1, 100_000, error="Skal være mindst 1."))
    per_page = Int(load_default=20, validate=validate.Range(1, 100, error="Skal være mellem 1 og 100."))


class OfferWriteSchema(OfferSchema):
    """Request body for POST (all required fields) and PUT/PATCH (with `version`)."""

    class Meta:
        unknown = EXCLUDE

    organisation = Str(load_only=True, metadata={
        "description": "Kun for administratorer ved oprettelse: organisationens id eller external_id. "
                       "En redaktør opretter altid i sin egen organisation."})
    version = Int(metadata={"description": "Påkrævet ved PUT/PATCH (eller If-Match-header): den version, "
                                           "ændringen bygger på. Forældet version giver 409."})


class MatchRequestSchema(DanishSchema):
    class Meta:
        unknown = EXCLUDE

    text = Str(required=True, validate=length(1, MAX_TEXT),
               metadata={"description": "Behovsbeskrivelsen (højst 20.000 tegn). Logges aldrig."})
    limit = Int(load_default=10, validate=validate.Range(1, 50, error="Skal være mellem 1 og 50."))
    offset = Int(load_default=0, validate=validate.Range(0, 1000, error="Skal være mellem 0 og 1000."))
    municipality = Str(allow_none=True, load_default=None, validate=length(hi=100),
                       metadata={"description": "Overstyr kommunen, som ellers læses ud af teksten."})
    child_ages = List(Int(validate=validate.Range(0, 25, error="Alder skal være mellem 0 og 25.")),
                      allow_none=True, load_default=None,
                      validate=validate.Length(max=20, error="Højst 20 aldre."))
    formats = List(Str(validate=validate.OneOf(FORMATS, error="Ukendt form: {input}. Vælg blandt: {choices}.")),
                   allow_none=True, load_default=None)


# --- responses (documentation) -----------------------------------------------------------------------------

class ApiErrorSchema(DanishSchema):
    code = Int()
    status = Str()
    message = Str()
    errors = Dict(keys=Str(), values=List(Str()),
                  metadata={"description": "Feltsti → danske fejlbeskeder, fx {\"areas.0\": [\"Ukendt kommune ...\"]}"})
    current_version = Int(metadata={"description": "Kun ved 409: tilbuddets nuværende version."})


class OrganisationRefSchema(DanishSchema):
    id = Int()
    name = Str()
    external_id = Str(allow_none=True)


class ElementOutSchema(DanishSchema):
    level = Int(metadata={"description": "Organisationens egen vurdering 0-3."})
    evidence = Str()
    reviewed_level = Int(allow_none=True, metadata={"description": "Reviewerens niveau (eller null)."})
    review_note = Str(allow_none=True)
    effective_level = Int(metadata={"description": "Reviewerens niveau, hvis sat, ellers organisationens."})


class OfferOutSchema(DanishSchema):
    id = Int()
    uuid = Str()
    external_id = Str(metadata={"description": "Eget id eller 'civilmatch:<uuid>'."})
    organisation = Nested(OrganisationRefSchema)
    title = Str()
    description = Str()
    target_group = Str()
    age_min = Int(allow_none=True)
    age_max = Int(allow_none=True)
    audience = List(Str())
    areas = List(Str())
    formats = List(Str())
    cost = Str()
    schedule = Str()
    contact = Nested(ContactSchema)
    tags = List(Str())
    languages = List(Str())
    status = Str()
    version = Int()
    assured_at = Str(allow_none=True)
    assured_date = Str(allow_none=True, metadata={"description": "Dato, organisationen sidst bekræftede, at "
                                                                  "tilbuddet er aktuelt (som HSDS assured_date)."})
    updated_at = Str()
    elements = Dict(keys=Str(), values=Nested(ElementOutSchema))
    elements_count = Int(metadata={"description": "Antal af de 11 elementer på niveau 2 eller mere."})
    band = Str(metadata={"description": "Profil-bånd (dansk tekst)."})
    band_key = Str()
    visible = Bool(metadata={"description": "Offentliggjort og organisationen er verificeret."})


class OfferPageSchema(DanishSchema):
    items = List(Nested(OfferOutSchema))
    page = Int()
    per_page = Int()
    total = Int()
    pages = Int()


class MatchHitSchema(DanishSchema):
    offer = Nested(OfferOutSchema)
    score = fields.Float()
    reasons = List(Str())


class LeftOutSchema(DanishSchema):
    count = Int()
    reason = Str()


class MatchResponseSchema(DanishSchema):
    understood = Dict(metadata={"description": "Hvad der blev forstået af teksten: kommune, aldre, former, "
                                               "begreber (Need.to_dict())."})
    results = List(Nested(MatchHitSchema))
    left_out = List(Nested(LeftOutSchema))
    total_eligible = Int()
    limit = Int()
    offset = Int()
