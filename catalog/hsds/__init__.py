"""Open Referral HSDS 3.0: our offers and organisations as HSDS services and organizations, and back.

Pure mapping and queries (no Flask). The web layer (web/hsds) serves these dicts under /hsds; the CLI
(`civilmatch export-hsds` / `import-hsds`) writes and reads them.

Mapping (offer -> service):
* `id` is Offer.uuid, `organization_id` Organisation.uuid, so ids are stable and a re-import upserts.
* `status`: published -> active, draft -> inactive, archived -> defunct (and back; "temporarily closed" ->
  draft).
* `service_areas`: one per area; a municipality carries its kommunekode in `uri`
  (https://api.dataforsyningen.dk/kommuner/<kode>, DAWA's persistent identifier) and in `description`;
  "Hele landet" is a national area without uri.
* ages -> `minimum_age`/`maximum_age`, target group -> `eligibility_description`; cost -> `fees_description`
  plus `cost_options` (a free offer: amount 0, DKK); schedule -> one `schedules` item with `description`;
  contact -> `email`, `phones` and one `contacts` item; `assured_at` -> `assured_date` (a date),
  `updated_at` -> `last_modified`; languages -> `languages` (name as written, ISO 639-1 code when known).
* Tags, formats, audience, need concepts and the 11 elements are `attributes` pointing at `taxonomy_terms`
  of our own taxonomies (TAXONOMIES); element attributes carry the level 0-3 in `value`. Term ids are uuid5 on
  a fixed namespace, so they never change.
* Empty optional fields are left out (no nulls, no empty strings or lists).

Import (HSDS -> offers), all or nothing like catalog.exchange: every file is read and every service and
organization validated first; any problem -> ImportFailed listing all of them, nothing written.
* Areas: a service area whose uri holds a kommunekode, or whose name is a Danish municipality (or
  "Hele landet"/"Danmark"), maps to that municipality. Areas that match nothing are dropped with a warning;
  a service with no Danish area at all (e.g. the official UK examples, or no service_areas, which in HSDS
  means no stated restriction) becomes "Hele landet", also with a warning.
* Attributes of our own taxonomies come back as tags/formats/audience/elements; terms of other taxonomies
  become tags (that is how HSDS publishers categorise services). Need concepts are derived, never imported.
* Not carried by HSDS (so not round-tripped): external_id, the elements' evidence texts (an update keeps the
  stored evidence), reviewers' notes; `assured_at` comes back as a date.

Layout: taxonomy (terms and ids), mapping (offer -> service), queries (bounded public reads and export),
importing (HSDS -> offers). Every public name stays importable from `catalog.hsds`.
"""
from __future__ import annotations

from .importing import *  # noqa: F401,F403
from .importing import HsdsImportReport, classify, import_hsds, normalise_id, read_documents  # noqa: F401
from .mapping import *  # noqa: F401,F403
from .mapping import organization_to_hsds, page, service_area, service_to_hsds  # noqa: F401
from .queries import *  # noqa: F401,F403
from .queries import (  # noqa: F401
                      ServiceFilter,
                      export_hsds,
                      find_organizations,
                      find_services,
                      get_organization,
                      get_service,
                      organisation_services,
                      visible_offers,
                      visible_organisations,
)
from .taxonomy import *  # noqa: F401,F403
