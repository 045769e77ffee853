"""Turn the NGO pages' HTML forms into the dicts catalog.services expects, and map its errors back to fields.

Form field names are flat (`contact_email`, `el-maal-level`); service error paths are dotted
(`contact.email`, `elements.maal.level`, `areas.0`). Both directions live here so views stay thin.
"""
from __future__ import annotations

import re

from catalog.elements import BY_KEY, ELEMENT_KEYS
from catalog.models import Offer, Organisation
from catalog.municipalities import NATIONWIDE

# --- organisation / signup ---------------------------------------------------------------------------

ORG_FIELDS = ("name", "cvr", "website", "email", "phone", "description")
USER_FIELDS = ("name", "email")


def org_form_values(form) -> dict[str, str]:
    """What the user typed in the organisation part (`org_*` fields), kept verbatim for re-rendering."""
    return {f"org_{k}": (form.get(f"org_{k}") or "") for k in ORG_FIELDS}


def org_data(values: dict[str, str]) -> dict:
    return {k: values[f"org_{k}"].strip() for k in ORG_FIELDS}


def org_values_from(org: Organisation) -> dict[str, str]:
    return {f"org_{k}": (getattr(org, k) or "") for k in ORG_FIELDS}


def signup_form_values(form) -> dict[str, str]:
    values = org_form_values(form)
    values.update({f"user_{k}": (form.get(f"user_{k}") or "") for k in USER_FIELDS})
    return values


def signup_user_data(values: dict[str, str], password: str) -> dict:
    return {"name": values["user_name"].strip(), "email": values["user_email"].strip(), "password": password}


def _add(errors: dict[str, list[str]], field: str, messages: list[str]) -> None:
    bucket = errors.setdefault(field, [])
    for m in messages:
        if m not in bucket:
            bucket.append(m)


def signup_errors(service_errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """{"organisation.name": [...], "user.password": [...]} -> {"org_name": [...], "password": [...]}."""
    out: dict[str, list[str]] = {}
    for path, messages in service_errors.items():
        head, _, rest = path.partition(".")
        key = rest.split(".")[0] if rest else head
        if head == "organisation":
            field = f"org_{key}" if key in ORG_FIELDS else "org_name"
        elif head == "user":
            field = "password" if key == "password" else f"user_{key}" if key in USER_FIELDS else "user_email"
        else:
            field = "org_name"
        _add(out, field, messages)
    return out


def org_errors(service_errors: dict[str, list[str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for path, messages in service_errors.items():
        key = path.split(".")[0]
        _add(out, f"org_{key}" if key in ORG_FIELDS else "org_name", messages)
    return out


# --- offers ----------------------------------------------------------------------------------------------

TEXT_FIELDS = ("title", "description", "target_group", "age_min", "age_max", "areas", "cost", "schedule",
               "contact_email", "contact_phone", "tags", "languages")

_SPLIT_LINES = re.compile(r"[\n,;]+")
_SPLIT_COMMAS = re.compile(r"[\n,]+")


def _split(text: str, pattern: re.Pattern = _SPLIT_COMMAS) -> list[str]:
    return [part.strip() for part in pattern.split(text or "") if part.strip()]


def offer_form_values(form) -> dict:
    """Everything the user typed, verbatim, so an invalid form comes back exactly as it was sent."""
    values: dict = {k: form.get(k) or "" for k in TEXT_FIELDS}
    values["audience"] = form.getlist("audience")
    values["formats"] = form.getlist("formats")
    values["nationwide"] = bool(form.get("nationwide"))
    values["version"] = form.get("version") or ""
    values["elements"] = {
        key: {"level": form.get(f"el-{key}-level") or "0", "evidence": form.get(f"el-{key}-evidence") or ""}
        for key in ELEMENT_KEYS
    }
    return values


def offer_values_from(offer: Offer | None) -> dict:
    """The form's starting values: an existing offer's, or sensible blanks for a new one."""
    if offer is None:
        return {**{k: "" for k in TEXT_FIELDS}, "cost": "gratis", "audience": [], "formats": [],
                "nationwide": False, "version": "",
                "elements": {key: {"level": "0", "evidence": ""} for key in ELEMENT_KEYS}}
    areas = offer.areas
    return {
        "title": offer.title, "description": offer.description or "",
        "target_group": offer.target_group or "",
        "age_min": "" if offer.age_min is None else str(offer.age_min),
        "age_max": "" if offer.age_max is None else str(offer.age_max),
        "areas": "\n".join(a for a in areas if a != NATIONWIDE), "nationwide": NATIONWIDE in areas,
        "audience": list(offer.audience or []), "formats": list(offer.formats or []),
        "cost": offer.cost or "", "schedule": offer.schedule or "",
        "contact_email": offer.contact_email or "", "contact_phone": offer.contact_phone or "",
        "tags": ", ".join(offer.tags or []), "languages": ", ".join(offer.languages or []),
        "version": str(offer.version),
        "elements": {key: {"level": str(row.level) if (row := offer.element(key)) else "0",
                           "evidence": row.evidence if row else ""} for key in ELEMENT_KEYS},
    }


def offer_data(values: dict) -> dict:
    """The service payload for the form values (the schema does the validation and its messages)."""
    areas = _split(values["areas"], _SPLIT_LINES)
    if values["nationwide"]:
        areas = [NATIONWIDE] + areas
    return {
        "title": values["title"], "description": values["description"],
        "target_group": values["target_group"],
        "age_min": values["age_min"].strip(), "age_max": values["age_max"].strip(),
        "audience": values["audience"], "areas": areas, "formats": values["formats"],
        "cost": values["cost"].strip() or "gratis", "schedule": values["schedule"],
        "contact": {"email": values["contact_email"].strip() or None,
                    "phone": values["contact_phone"].strip() or None},
        "tags": _split(values["tags"]), "languages": _split(values["languages"]),
        "elements": {key: {"level": item["level"], "evidence": item["evidence"]}
                     for key, item in values["elements"].items()},
    }


def offer_errors(service_errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """Dotted service paths -> form field names (`areas.1` -> `areas`, `elements.maal.level` ->
    `el-maal-level`)."""
    out: dict[str, list[str]] = {}
    for path, messages in service_errors.items():
        parts = path.split(".")
        head = parts[0]
        if head == "contact" and len(parts) > 1:
            field = f"contact_{parts[1]}"
        elif head == "elements" and len(parts) > 1:
            key = parts[1]
            sub = parts[2] if len(parts) > 2 and parts[2] in ("level", "evidence") else "level"
            field = f"el-{key}-{sub}" if key in ELEMENT_KEYS else "title"
        elif head in TEXT_FIELDS or head in ("audience", "formats"):
            field = head
        else:
            field = "title"  # a schema-level message: show it at the top field rather than lose it
        _add(out, field, messages)
    return out


LABELS = {
    "title": "Titel", "description": "Beskrivelse", "target_group": "Målgruppe", "age_min": "Alder fra",
    "age_max": "Alder til", "audience": "Hvem er tilbuddet for", "areas": "Kommuner", "formats": "Form",
    "cost": "Pris", "schedule": "Tidspunkt og varighed", "contact_email": "Kontakt-e-mail",
    "contact_phone": "Kontakttelefon", "tags": "Nøgleord", "languages": "Sprog",
}


def changed_fields(saved: dict, typed: dict) -> list[str]:
    """Danish labels of the fields where the saved offer differs from what the user typed (for conflicts)."""
    def norm(v):
        return sorted(v) if isinstance(v, list) else (str(v).strip() if v is not None else "")

    labels = [label for key, label in LABELS.items() if norm(saved.get(key)) != norm(typed.get(key))]
    if bool(saved.get("nationwide")) != bool(typed.get("nationwide")) and LABELS["areas"] not in labels:
        labels.append(LABELS["areas"])
    for key in ELEMENT_KEYS:
        a, b = saved["elements"][key], typed["elements"][key]
        if str(a["level"]) != str(b["level"]) or a["evidence"].strip() != b["evidence"].strip():
            labels.append(BY_KEY[key].name)
    return labels


SIGNUP_LABELS = {
    "org_name": "Organisationens navn", "org_cvr": "CVR-nummer", "org_website": "Hjemmeside",
    "org_email": "Organisationens e-mailadresse", "org_phone": "Organisationens telefonnummer",
    "org_description": "Beskrivelse af organisationen", "user_name": "Dit navn",
    "user_email": "Din e-mailadresse", "password": "Adgangskode", "password2": "Gentag adgangskoden",
}


def _offer_label(field: str) -> str:
    if field.startswith("el-"):
        key, _, sub = field[3:].rpartition("-")
        name = BY_KEY[key].name if key in BY_KEY else key
        return f"{name}, {'niveau' if sub == 'level' else 'dokumentation'}"
    return LABELS.get(field, field)


def summary(errors: dict[str, list[str]], kind: str) -> dict[str, list[str]]:
    """The error summary's entries name their field ("Titel: Skal udfyldes."); beside the field it's
    implied."""
    label = _offer_label if kind == "offer" else (lambda f: SIGNUP_LABELS.get(f, f))
    return {field: [f"{label(field)}: {' '.join(messages)}"] for field, messages in errors.items()}
