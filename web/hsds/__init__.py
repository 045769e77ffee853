"""Open Referral HSDS 3.0 under /hsds: public, keyless, read-only; only published offers of verified
organisations. The mapping lives in catalog/hsds/; these views only parse the request and page the results.

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
from catalog.matching import Overrides, match_offers, visible_ids
from catalog.municipalities import canonical_area
from catalog.schemas import Bool, DanishSchema, DateOrDateTime, Int, Str, valid_area as _valid_area

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


# Public and keyless, so counted per client address (across workers when the limiter uses Redis).
def _anonymous_limit() -> str:
    return current_app.config.get("RATELIMIT_ANONYMOUS", "120 per minute")


limiter.limit(_anonymous_limit)(bp)


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

    page = Int(load_default=1, validate=validate.Range(  # a bound, so a huge page is a 422, not a DB overflow
        min=1, max=1_000_000, error="Sidetallet skal være mellem 1 og 1.000.000."))
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


# Organizations with their services in full: a page holds at most this many (each with at most
# catalog.hsds.MAX_EMBEDDED_SERVICES services), so one answer stays bounded; `size` says how many came.
MAX_FULL_SERVICE_PER_PAGE = 10


class OrganizationDetailArgs(DanishSchema):
    class Meta:
        unknown = EXCLUDE

    full_service = Bool(load_default=False)


class TermArgs(PageArgs):
    taxonomy_id = Str(load_default=None, validate=validate.Length(max=100, error="Højst 100 tegn."))


# --- helpers -----------------------------------------------------------------------------------------

# A need concept is published on a service (and found by its term) from this strength in the match index.
CONCEPT_MIN_STRENGTH = 0.15


@lru_cache(maxsize=1)
def _vocabulary() -> list[tuple[str, str]]:
    """The matcher's need concepts as (key, Danish label)."""
    try:
        from matcher.thesaurus import CONCEPTS
    except ImportError:
        return []
    return [(c.key, c.label) for c in CONCEPTS]


def _engine():
    """This process's match index, brought up to date (built once, then updated incrementally)."""
    return current_app.extensions["civilmatch.match_index"].fresh(db.session)


def concepts_fn():
    """Concepts of an offer, read from the match index instead of analysing its text on every request."""
    from matcher.analysis import concept_label

    engine = _engine()

    def concepts(offer) -> list[tuple[str, str]]:
        found = engine.concepts_of(offer.id)
        return sorted((k, concept_label(k)) for k, v in found.items() if v >= CONCEPT_MIN_STRENGTH)

    return concepts


def _concept_lookup(key: str | None) -> tuple[list[int], bool]:
    return _engine().offers_about(key, CONCEPT_MIN_STRENGTH)


_TERMS_CACHE: dict = {}


def _terms() -> list:
    """Every taxonomy term, computed once per catalogue version in this process."""
    from catalog.models import current_catalog_version

    version = current_catalog_version(db.session)
    cached = _TERMS_CACHE.get(current_app)
    if cached is None or cached[0] != version:
        cached = (version, hsds.all_terms(db.session, vocabulary=_vocabulary()))
        _TERMS_CACHE.clear()
        _TERMS_CACHE[current_app] = cached
    return cached[1]


def _offer_url(offer) -> str | None:
    try:
        return url_for("offers.show", offer_id=offer.id, _external=True)
    except (BuildError, RuntimeError):
        return None


def _service(offer, detail: str, concepts=None) -> dict:
    if detail == "full" and concepts is None:
        concepts = concepts_fn()
    return hsds.service_to_hsds(offer, detail=detail, concepts=concepts if detail == "full" else None,
                                url=_offer_url(offer) if detail != "minimal" else None)


def _detail(args: dict) -> str:
    return "minimal" if args.get("minimal") else "full" if args.get("full") else "list"


def _services_page(args: dict, ids: list[int] | None = None) -> dict:
    f = hsds.ServiceFilter(search=args.get("search"), organization_id=args.get("organization_id"),
                           modified_after=args.get("modified_after"), taxonomy_term_id=args.get("taxonomy_term_id"),
                           taxonomy_id=args.get("taxonomy_id"), ids=ids)
    needs_terms = bool(args.get("taxonomy_term_id"))
    offers, total = hsds.find_services(db.session, f, page_number=args["page"], per_page=args["per_page"],
                                       concept_lookup=_concept_lookup,
                                       terms=_terms() if needs_terms else None)
    detail = _detail(args)
    concepts = concepts_fn() if detail == "full" else None
    return hsds.page([_service(o, detail, concepts) for o in offers], total, args["page"], args["per_page"])


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
            engine = current_app.extensions["civilmatch.match_index"].fresh(db.session)
            municipality = canonical_area(body["municipality"]) if body.get("municipality") else None
            found = match_offers(db.session, engine, body["text"], overrides=Overrides(municipality=municipality),
                                 limit=MATCH_LIMIT, load=visible_ids)
            ids = [r.offer for r in found.results]
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
        if args.get("full_service"):
            args["per_page"] = min(args["per_page"], MAX_FULL_SERVICE_PER_PAGE)
        orgs, total = hsds.find_organizations(db.session, search=args.get("search"), page_number=args["page"],
                                              per_page=args["per_page"])
        full = args.get("full") or args.get("full_service")
        return hsds.page(_organizations(orgs, full=full, full_service=args.get("full_service")),
                         total, args["page"], args["per_page"])


def _organizations(orgs, *, full: bool, full_service: bool = False) -> list[dict]:
    """A page of organizations; expanded with at most MAX_EMBEDDED_SERVICES services each, all loaded in one
    query for the whole page."""
    if not full:
        return [hsds.organization_to_hsds(org, detail="list") for org in orgs]
    by_org = hsds.services_of_organisations(db.session, [o.id for o in orgs])
    detail = "full" if full_service else "list"
    concepts = concepts_fn() if full_service else None
    return [hsds.organization_to_hsds(org, detail="full",
                                      services=[_service(o, detail, concepts) for o in by_org.get(org.id, [])])
            for org in orgs]


@bp.route("/organizations/<string:organization_id>")
class OrganizationDetail(MethodView):
    @bp.arguments(OrganizationDetailArgs, location="query")
    @bp.response(200, description="Én organisation med dens offentliggjorte services.")
    def get(self, args, organization_id):
        """Én organisation"""
        org = hsds.get_organization(db.session, organization_id)
        if org is None:
            return api_error(404, "Organisationen findes ikke.")
        return _organizations([org], full=True, full_service=args.get("full_service"))[0]


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
