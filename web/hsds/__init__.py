"""Open Referral HSDS 3.0 under /hsds: public, keyless, read-only; only published offers of verified
organisations. The mapping lives in catalog/hsds.py; these views only parse the request and page the results.

POST /hsds/services/search takes the same filters in a JSON body plus `text`, a family's need described in
words, which is ranked by the matcher (HSDS 3.1 draft style), so the text never travels in a URL.
"""
from __future__ import annotations

from functools import lru_cache

from flask import current_app, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import EXCLUDE, validate
from werkzeug.routing import BuildError

from catalog import hsds
from catalog.municipalities import canonical_area
from catalog.schemas import Bool, DanishSchema, DateOrDateTime, Int, Str, _valid_area

from ..extensions import db, limiter
from ..security import api_error

PROFILE_URL = "https://docs.openreferral.org/en/v3.0/"
MAX_PER_PAGE = 100
MATCH_LIMIT = 500

bp = Blueprint("hsds", __name__, url_prefix="/hsds",
               description="Open Referral HSDS 3.0 (Human Services Data Specification): offentlige tilbud som "
                           "HSDS-services og -organizations. Åbent, uden nøgle.")


def blueprints():
    return [bp]


@bp.after_request
def _cors_preflight(response):
    # The app sets Access-Control-Allow-Origin for /hsds; a browser's JSON POST also needs these.
    response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "Content-Type"
    return response


# --- request schemas ---------------------------------------------------------------------------------

class PageArgs(DanishSchema):
    class Meta:
        unknown = EXCLUDE

    page = Int(load_default=1, validate=validate.Range(min=1, max=1_000_000,  # a larger OFFSET overflows SQL
                                                      error="Sidetallet skal være mellem 1 og 1.000.000."))
    per_page = Int(load_default=25, validate=validate.Range(
        1, MAX_PER_PAGE, error=f"per_page skal være mellem 1 og {MAX_PER_PAGE}."))
    search = Str(load_default=None, validate=validate.Length(max=200, error="Højst 200 tegn."))


class ServiceArgs(PageArgs):
    taxonomy_term_id = Str(load_default=None, validate=validate.Length(max=100, error="Højst 100 tegn."))
    taxonomy_id = Str(load_default=None, validate=validate.Length(max=100, error="Højst 100 tegn."))
    organization_id = Str(load_default=None, validate=validate.Length(max=100, error="Højst 100 tegn."))
    modified_after = DateOrDateTime(load_default=None)
    minimal = Bool(load_default=False)
    full = Bool(load_default=False)
    format = Str(load_default="json", validate=validate.OneOf(["json"], error="Kun format=json understøttes."))


class ServiceSearchBody(ServiceArgs):
    text = Str(load_default=None, validate=validate.Length(max=5000, error="Højst 5000 tegn."),
               metadata={"description": "En families behov med egne ord. Rangeres af civilmatch' matcher; "
                                        "sendes kun i brødteksten og gemmes eller logges ikke."})
    municipality = Str(load_default=None, validate=_valid_area,
                       metadata={"description": "Kommune (eller 'Hele landet'), hvis den ikke står i teksten."})


class OrganizationArgs(PageArgs):
    full = Bool(load_default=False)
    full_service = Bool(load_default=False)


class OrganizationDetailArgs(DanishSchema):
    class Meta:
        unknown = EXCLUDE

    full_service = Bool(load_default=False)


class TermArgs(PageArgs):
    taxonomy_id = Str(load_default=None, validate=validate.Length(max=100, error="Højst 100 tegn."))


# --- helpers -----------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _matcher_concepts():
    """(offer concepts function, need vocabulary) from the matcher, or (None, []) if it has none."""
    try:
        from matcher.analysis import analyse_field, concept_label
        from matcher.thesaurus import CONCEPTS
    except ImportError:
        return None, []

    def concepts(offer) -> list[tuple[str, str]]:
        found: dict[str, str] = {}
        for text in (offer.title, offer.description, offer.target_group, " ".join(offer.tags or [])):
            if text:
                for hit in analyse_field(text)[1]:
                    if getattr(hit, "weight", 1.0) >= 0.7:
                        found.setdefault(hit.key, concept_label(hit.key))
        return sorted(found.items())

    return concepts, [(c.key, c.label) for c in CONCEPTS]


def concepts_fn():
    return _matcher_concepts()[0]


def _offer_url(offer) -> str | None:
    try:
        return url_for("offers.show", offer_id=offer.id, _external=True)
    except (BuildError, RuntimeError):
        return None


def _service(offer, detail: str) -> dict:
    return hsds.service_to_hsds(offer, detail=detail, concepts=concepts_fn() if detail == "full" else None,
                                url=_offer_url(offer) if detail != "minimal" else None)


def _detail(args: dict) -> str:
    return "minimal" if args.get("minimal") else "full" if args.get("full") else "list"


def _services_page(args: dict, ids: list[int] | None = None) -> dict:
    f = hsds.ServiceFilter(search=args.get("search"), organization_id=args.get("organization_id"),
                           modified_after=args.get("modified_after"), taxonomy_term_id=args.get("taxonomy_term_id"),
                           taxonomy_id=args.get("taxonomy_id"), ids=ids)
    offers, total = hsds.find_services(db.session, f, page_number=args["page"], per_page=args["per_page"],
                                       concepts=concepts_fn())
    detail = _detail(args)
    return hsds.page([_service(o, detail) for o in offers], total, args["page"], args["per_page"])


def _paged(items: list, args: dict) -> dict:
    start = (args["page"] - 1) * args["per_page"]
    return hsds.page(items[start:start + args["per_page"]], len(items), args["page"], args["per_page"])


# --- endpoints ---------------------------------------------------------------------------------------

@bp.route("/")
class Root(MethodView):
    @bp.response(200, description="HSDS-version, profil og adressen på OpenAPI-beskrivelsen.")
    def get(self):
        """Om dette HSDS-API"""
        return {"version": hsds.HSDS_VERSION, "profile": PROFILE_URL,
                "openapi_url": url_for("api-docs.openapi_json", _external=True)}


@bp.route("/services")
class Services(MethodView):
    @bp.arguments(ServiceArgs, location="query")
    @bp.response(200, description="En side (HSDS Page) med services. `full=true` giver hele services, "
                                  "`minimal=true` kun id, navn, status og last_modified.")
    def get(self, args):
        """Services (offentliggjorte tilbud)"""
        return _services_page(args)


@bp.route("/services/search")
class ServiceSearch(MethodView):
    @limiter.limit("60/minute")
    @bp.arguments(ServiceSearchBody, location="json")
    @bp.response(200, description="En side (HSDS Page) med services; med `text` i den rækkefølge, matcheren "
                                  "rangerer dem.")
    def post(self, body):
        """Søg services med filtre i brødteksten (HSDS 3.1-udkastets POST-søgning)"""
        ids = None
        if body.get("text"):
            try:
                engine = current_app.extensions["civilmatch.match_index"].fresh(db.session)
            except ImportError:
                return api_error(503, "Matchningen er ikke tilgængelig lige nu.")
            municipality = canonical_area(body["municipality"]) if body.get("municipality") else None
            result = engine.match(body["text"], limit=MATCH_LIMIT, municipality=municipality)
            ids = [hit.offer_id for hit in result.results]
        return _services_page(body, ids)


@bp.route("/services/<string:service_id>")
class ServiceDetail(MethodView):
    @bp.response(200, description="Én service med alle relaterede data.")
    def get(self, service_id):
        """Én service"""
        offer = hsds.get_service(db.session, service_id)
        if offer is None:
            return api_error(404, "Tjenesten findes ikke.")
        return _service(offer, "full")


@bp.route("/organizations")
class Organizations(MethodView):
    @bp.arguments(OrganizationArgs, location="query")
    @bp.response(200, description="En side (HSDS Page) med verificerede organisationer.")
    def get(self, args):
        """Organisationer"""
        orgs, total = hsds.find_organizations(db.session, search=args.get("search"), page_number=args["page"],
                                              per_page=args["per_page"])
        full = args.get("full") or args.get("full_service")
        contents = [_organization(o, full=full, full_service=args.get("full_service")) for o in orgs]
        return hsds.page(contents, total, args["page"], args["per_page"])


def _organization(org, *, full: bool, full_service: bool = False) -> dict:
    if not full:
        return hsds.organization_to_hsds(org, detail="list")
    services = [_service(o, "full" if full_service else "list")
                for o in hsds.organisation_services(db.session, org)]
    return hsds.organization_to_hsds(org, detail="full", services=services)


@bp.route("/organizations/<string:organization_id>")
class OrganizationDetail(MethodView):
    @bp.arguments(OrganizationDetailArgs, location="query")
    @bp.response(200, description="Én organisation med dens offentliggjorte services.")
    def get(self, args, organization_id):
        """Én organisation"""
        org = hsds.get_organization(db.session, organization_id)
        if org is None:
            return api_error(404, "Organisationen findes ikke.")
        return _organization(org, full=True, full_service=args.get("full_service"))


@bp.route("/taxonomies")
class Taxonomies(MethodView):
    @bp.arguments(PageArgs, location="query")
    @bp.response(200, description="En side (HSDS Page) med de taksonomier, services bruger.")
    def get(self, args):
        """Taksonomier"""
        items = [t.to_hsds() for t in hsds.TAXONOMIES]
        if args.get("search"):
            words = args["search"].casefold().split()
            items = [t for t in items if all(w in (t["name"] + " " + t["description"]).casefold() for w in words)]
        return _paged(items, args)


@bp.route("/taxonomies/<string:taxonomy_id>")
class TaxonomyDetail(MethodView):
    @bp.response(200, description="Én taksonomi.")
    def get(self, taxonomy_id):
        """Én taksonomi"""
        taxonomy = hsds.TAXONOMY_BY_ID.get(taxonomy_id.lower())
        if taxonomy is None:
            return api_error(404, "Taksonomien findes ikke.")
        return taxonomy.to_hsds()


def _terms() -> list:
    return hsds.all_terms(db.session, vocabulary=_matcher_concepts()[1])


@bp.route("/taxonomy_terms")
class TaxonomyTerms(MethodView):
    @bp.arguments(TermArgs, location="query")
    @bp.response(200, description="En side (HSDS Page) med taksonomiernes termer.")
    def get(self, args):
        """Taksonomitermer"""
        terms = _terms()
        if args.get("taxonomy_id"):
            terms = [t for t in terms if t.taxonomy.id == args["taxonomy_id"].lower()]
        if args.get("search"):
            words = args["search"].casefold().split()
            terms = [t for t in terms if all(w in f"{t.code} {t.name} {t.description}".casefold() for w in words)]
        return _paged([t.to_hsds() for t in terms], args)


@bp.route("/taxonomy_terms/<string:term_id>")
class TaxonomyTermDetail(MethodView):
    @bp.response(200, description="Én taksonomiterm.")
    def get(self, term_id):
        """Én taksonomiterm"""
        term = next((t for t in _terms() if t.id == term_id.lower()), None)
        if term is None:
            return api_error(404, "Termen findes ikke.")
        return term.to_hsds()
