"""A seeded generator of distinct, realistic Danish offer texts (and caseworker queries) for benchmarks.

Every offer gets its own title, description, target group and tags, composed from topic phrase banks, local
details (association, town, street, weekday, time) and general sentences, so no two descriptions are the same
and the vocabulary grows with the catalogue the way a national directory's does. Same seed -> same catalogue.

    records(n, seed=7)        -> offer records as web/matching.py hands them to the matcher (DESIGN.md)
    exchange(n, seed=7)       -> the same offers in the import format (catalog/exchange.py)
    short_queries(k, seed=11) -> one-line caseworker descriptions
    stories(k, seed=13)       -> first-person letters of about 150 words
"""
from __future__ import annotations

import csv
import random
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

# topic: (title heads, description sentences, tags, target groups, (age_min, age_max), formats)
TOPICS: dict[str, tuple[list[str], list[str], list[str], list[str], tuple[int | None, int | None], list[str]]] = {
    "sorg": (["Sorggruppe", "Sorgcafé", "Samtalegruppe om sorg", "Netværk for efterladte børn"],
             ["Børn og unge, der har mistet en forælder eller en søskende, mødes med andre i samme situation.",
              "Vi taler om savn, minder og det at leve videre, og der er plads til både gråd og grin.",
              "Frivillige med uddannelse i sorgarbejde leder gruppen sammen med en psykolog.",
              "Mange oplever, at det hjælper at møde nogen, der forstår, hvordan det føles at miste."],
             ["sorg", "tab", "dødsfald", "efterladte", "savn"],
             ["Børn og unge, der har mistet", "Efterladte børn og deres forældre", "Søskende i sorg"],
             (6, 18), ["gruppe"]),
    "lektier": (["Lektiecafé", "Lektiehjælp", "Lektieklub", "Matematikværksted"],
                ["Frivillige studerende hjælper med lektier, læsning, stavning og matematik.",
                 "Eleverne får ro til at lave opgaver, og der er frugt og saftevand undervejs.",
                 "Vi hjælper også med at forberede fremlæggelser, projektopgaver og prøver.",
                 "Forældre er velkomne til at spørge om skolens forventninger og intra."],
                ["lektiehjælp", "skole", "læsning", "matematik", "dansk"],
                ["Skolebørn fra 1. til 9. klasse", "Elever i udskolingen", "Børn med dansk som andetsprog"],
                (6, 16), ["gruppe", "individuel"]),
    "gaeld": (["Gældsrådgivning", "Økonomisk rådgivning", "Budgetværksted", "Økonomicafé"],
              ["Vi giver gratis og anonym rådgivning om gæld, budget, rykkere og inkasso.",
               "En frivillig jurist eller økonom gennemgår dine papirer og hjælper med at lægge en plan.",
               "Vi kan hjælpe med at kontakte kreditorer og søge om gældssanering.",
               "Mange børnefamilier med lav indkomst får overblik og ro i maven efter få møder."],
              ["gæld", "økonomi", "budget", "rykkere", "inkasso"],
              ["Børnefamilier med økonomiske problemer", "Enlige forsørgere med gæld", "Alle voksne"],
              (None, None), ["individuel", "telefon"]),
    "ensomhed": (["Mødregruppe", "Forældrenetværk", "Familienetværk", "Netværksgruppe for nybagte forældre"],
                 ["Nybagte mødre og fædre, der føler sig alene, mødes og deler erfaringer.",
                  "Vi drikker kaffe, går ture med barnevognen og taler om søvn, amning og hverdagen.",
                  "Gruppen ledes af en frivillig sundhedsplejerske og en erfaren mor.",
                  "Mange finder nye venner og et netværk, der holder efter gruppens afslutning."],
                 ["netværk", "ensomhed", "forældre", "baby", "barsel"],
                 ["Forældre med børn under et år", "Unge mødre uden netværk", "Nybagte fædre"],
                 (0, 2), ["gruppe"]),
    "fodselsdepression": (["Støttegruppe efter fødslen", "Samtaler om efterfødselsreaktion",
                           "Gruppe for mødre med fødselsdepression"],
                          ["Mødre og fædre med efterfødselsreaktion får støtte i en lille gruppe.",
                           "En psykolog og frivillige med egne erfaringer leder samtalerne.",
                           "Vi arbejder med tanker, søvn og tilknytningen til barnet.",
                           "Du behøver ingen diagnose for at deltage, og barnet må gerne komme med."],
                          ["efterfødselsreaktion", "fødselsdepression", "tristhed", "mødre"],
                          ["Mødre og fædre med børn op til 1 år", "Forældre med efterfødselsreaktion"],
                          (0, 1), ["gruppe", "individuel"]),
    "faengsel": (["Netværk for børn af indsatte", "Familiegruppe for pårørende til indsatte",
                  "Besøgsvenner for fængslede forældres børn"],
                 ["Børn, hvis mor eller far sidder i fængsel, mødes med andre børn i samme situation.",
                  "Vi hjælper familien med besøg, breve og samtaler om skam og savn.",
                  "Frivillige kender fængselssystemet og kan forklare, hvad der sker.",
                  "Den forælder, der er hjemme, får også råd og et netværk."],
                 ["pårørende til indsatte", "fængsel", "indsatte", "børn"],
                 ["Børn og unge med en forælder i fængsel", "Familier til indsatte"],
                 (4, 17), ["gruppe", "individuel"]),
    "skilsmisse": (["Skilsmissegruppe for børn", "Gruppeforløb for børn af skilte forældre",
                    "Rådgivning til forældre i brud"],
                   ["Børn, hvis forældre er gået fra hinanden, taler om at bo to steder og om konflikter.",
                    "Forældrene får redskaber til samarbejde og til at skåne barnet.",
                    "Forløbet er otte gange, og en uddannet børnerådgiver leder det.",
                    "Vi hjælper også med at forberede samtaler i Familieretshuset."],
                   ["skilsmisse", "brud", "samvær", "forældrekonflikt"],
                   ["Børn af skilte forældre", "Forældre i et højt konfliktniveau"],
                   (5, 15), ["gruppe"]),
    "misbrug": (["Gruppe for børn af forældre med alkoholproblemer", "Rådgivning om misbrug i familien",
                 "Samtaletilbud til unge pårørende"],
                ["Børn og unge, der vokser op med en mor eller far, der drikker, får et fristed.",
                 "Vi taler om ansvar, skam, hemmeligheder og om at passe på sig selv.",
                 "Samtalerne er gratis og anonyme, og du kan komme uden dine forældre.",
                 "Den forælder, der ikke drikker, kan få rådgivning om at støtte barnet."],
                ["alkohol", "misbrug", "pårørende", "stoffer"],
                ["Børn og unge fra familier med alkohol eller stoffer", "Unge pårørende"],
                (8, 24), ["gruppe", "individuel", "chat"]),
    "vold": (["Krisecenter for kvinder og børn", "Rådgivning om vold i familien", "Børnegruppe efter vold"],
             ["Kvinder og børn, der har oplevet vold i hjemmet, får et trygt sted at bo og tale.",
              "Børnene får deres egen kontaktperson og samtaler med en psykolog.",
              "Vi rådgiver om sikkerhed, bolig, økonomi og kontakt til kommunen.",
              "Rådgivningen har åbent hele døgnet, og du kan være anonym."],
             ["vold", "krisecenter", "partnervold", "tryghed"],
             ["Kvinder og børn udsat for vold", "Familier efter vold i nære relationer"],
             (None, None), ["individuel", "telefon"]),
    "fritid": (["Fritidspas", "Gratis fodbold", "Idrætsklub for alle", "Kreativt værksted", "Spejderaften"],
               ["Børn, der ikke går til noget, får hjælp til at finde og betale en fritidsaktivitet.",
                "En frivillig fritidsguide følger barnet de første gange, så det bliver trygt.",
                "Vi låner udstyr ud, så kontingent og fodboldstøvler ikke er en hindring.",
                "Aktiviteterne foregår efter skole, og der er plads til både nye og øvede."],
               ["fritid", "sport", "fællesskab", "aktivitet"],
               ["Børn fra familier med lav indkomst", "Børn og unge, der mangler et fællesskab"],
               (6, 17), ["aktivitet", "gruppe"]),
    "ferie": (["Sommerlejr", "Ferie for familier", "Ferielejr ved vandet", "Familieweekend"],
              ["Familier, der ikke har råd til ferie, kommer en uge på lejr med fuld forplejning.",
               "Der er bål, badning, udflugter og tid til at være sammen som familie.",
               "Frivillige står for aktiviteterne, så forældrene også kan slappe af.",
               "Transporten er betalt, og familien skal kun medbringe tøj og sovepose."],
              ["ferie", "sommerlejr", "lav indkomst", "familieoplevelser"],
              ["Børnefamilier med lav indkomst", "Enlige forsørgere og deres børn"],
              (3, 14), ["ferie", "aktivitet"]),
    "flygtning": (["Flygtningevenner", "Familievenner for nyankomne", "Sprogcafé", "Mentorer for nydanske familier"],
                  ["Nyankomne flygtningefamilier får en frivillig familieven, der hjælper med hverdagen.",
                   "Vi øver dansk, forklarer breve fra kommunen og viser vej til skole og læge.",
                   "Mange af vores frivillige taler arabisk, tigrinya, farsi eller ukrainsk.",
                   "Børnene inviteres med til aktiviteter i lokalområdet."],
                  ["flygtninge", "integration", "dansk", "familieven"],
                  ["Flygtninge og indvandrere med børn", "Nyankomne familier"],
                  (None, None), ["individuel", "hjemmebesøg"]),
    "angst": (["Samtalegruppe for unge med angst", "Ungerådgivning", "Mod på livet", "Chatrådgivning for unge"],
              ["Unge, der er ængstelige, triste eller ensomme, kan tale med en frivillig rådgiver.",
               "Vi arbejder med bekymringer, skolefravær og tanker, der fylder for meget.",
               "Du kan være anonym og skrive, ringe eller komme forbi.",
               "Rådgiverne er uddannede og har tavshedspligt."],
              ["angst", "trivsel", "mistrivsel", "ensomhed", "unge"],
              ["Unge mellem 13 og 25 år", "Børn og unge i mistrivsel"],
              (12, 25), ["chat", "telefon", "gruppe"]),
    "handicap": (["Netværk for familier med børn med handicap", "Aflastning", "Forældregruppe om autisme"],
                 ["Forældre til børn med autisme, ADHD eller fysisk handicap mødes og deler viden.",
                  "Søskende får deres egen gruppe, hvor de kan tale om at have en særlig bror eller søster.",
                  "Frivillige aflastere tager barnet med på tur, så forældrene får et pusterum.",
                  "Vi hjælper også med ansøgninger om hjælpemidler og tabt arbejdsfortjeneste."],
                 ["handicap", "autisme", "adhd", "aflastning", "søskende"],
                 ["Familier med børn med særlige behov", "Søskende til børn med handicap"],
                 (2, 18), ["gruppe", "hjemmebesøg"]),
    "materiel": (["Julehjælp", "Tøjbank", "Madhjælp", "Konfirmationshjælp", "Babyudstyr til nybagte"],
                 ["Familier med lav indkomst kan søge om julehjælp, gavekort eller en madkasse.",
                  "I tøjbanken får børn tøj, sko og flyverdragter gratis.",
                  "Vi uddeler barnevogne, autostole og babytøj til familier, der mangler.",
                  "Ansøgningen er enkel, og sagsbehandlere kan søge på familiens vegne."],
                 ["julehjælp", "tøj", "mad", "økonomisk støtte", "materiel hjælp"],
                 ["Familier med lav indkomst", "Enlige forsørgere"],
                 (None, None), ["materiel hjælp"]),
    "mobning": (["Venskabsgruppe", "Antimobbeprojekt", "Trivselsforløb for skolebørn"],
                ["Børn, der bliver mobbet eller holdt udenfor, får hjælp til at finde venner.",
                 "Vi arbejder med selvtillid, fællesskab og gode klassekammerater.",
                 "Forældre og lærere får råd om, hvordan de kan støtte barnet.",
                 "Forløbet sker i små grupper med faste voksne."],
                ["mobning", "venskab", "trivsel", "skole"],
                ["Børn i 3.-7. klasse", "Børn, der bliver mobbet"],
                (8, 14), ["gruppe"]),
    "mentor": (["Ungementor", "Voksenven", "Lektie- og livsmentor", "Mentorordning for unge"],
               ["Unge får en fast voksen, som de ser et par gange om måneden.",
                "Mentoren hjælper med uddannelse, job, fritid og de store spørgsmål.",
                "Vi matcher ud fra interesser, så relationen bliver god.",
                "Mange forløb varer et år eller mere."],
               ["mentor", "voksenven", "uddannelse", "unge"],
               ["Unge mellem 12 og 25 år", "Børn, der mangler en voksen at tale med"],
               (10, 25), ["individuel"]),
    "gravid": (["Støtte til unge gravide", "Graviditetsrådgivning", "Familiestart"],
               ["Unge gravide og nybagte forældre får hjælp til fødslen, boligen og økonomien.",
                "En frivillig støtteperson følger dig fra graviditeten til barnet er et år.",
                "Vi har babycafé, fødselsforberedelse og hjælp til at søge ydelser.",
                "Du kan også få en familieven, der kommer hjem til dig."],
               ["gravid", "ung mor", "familiestart", "fødsel"],
               ["Gravide under 25 år", "Unge forældre uden netværk"],
               (0, 1), ["individuel", "gruppe", "hjemmebesøg"]),
}

ORG_KINDS = ["Foreningen", "Frivilligcenter", "Netværket", "Lokalforeningen", "Klubben", "Huset", "Projekt"]
ORG_WORDS = ["Lyspunktet", "Fællesskab", "Håbet", "Trinbrættet", "Solsikken", "Broen", "Ankeret", "Kompasset",
             "Fyrtårnet", "Mosaik", "Rødderne", "Nabohjælpen", "Familiehuset", "Værestedet", "Pusterummet"]
PLACE_KINDS = ["biblioteket", "medborgerhuset", "kulturhuset", "sognegården", "klubhuset", "skolens aula",
               "frivilligcentret", "beboerhuset", "kirkens lokaler", "spejderhytten"]
STREETS = ["Nørregade", "Søndergade", "Vestergade", "Østergade", "Kirkevej", "Skolevej", "Stationsvej",
           "Havnegade", "Parkvej", "Engvej", "Bøgevej", "Birkevej", "Møllevej", "Torvet", "Strandvejen"]
DAYS = ["mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"]
GENERAL = [
    "Tilbuddet er gratis, og det kræver ingen henvisning fra kommunen.",
    "Sagsbehandlere er velkomne til at kontakte os og høre, om tilbuddet passer til familien.",
    "Alle frivillige har afgivet børneattest og tavshedspligt.",
    "Vi samarbejder med sundhedsplejen, skolerne og den lokale familieafdeling.",
    "Der er plads til ti deltagere på hvert hold, og der startes nye hold hvert halve år.",
    "Du kan tage en ven eller et familiemedlem med første gang.",
    "Vi serverer et let måltid, så ingen behøver at tænke på aftensmaden.",
    "Tilbuddet er udviklet sammen med familier, der selv har stået i situationen.",
    "Vi måler løbende, hvordan deltagerne har det, og justerer forløbet efter deres ønsker.",
    "Lokalerne er tilgængelige for kørestolsbrugere, og der er legehjørne til de mindste.",
]
COSTS = ["gratis", "gratis", "gratis", "50 kr. pr. gang", "100 kr. for hele forløbet", "gratis for familier"]


@lru_cache(maxsize=1)
def _places() -> tuple[list[str], dict[str, list[str]]]:
    munis: list[str] = []
    towns: dict[str, list[str]] = {}
    with (ROOT / "matcher" / "data" / "places.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["kind"] == "kommune":
                munis.append(r["name"])
            else:
                for m in r["municipalities"].split("|"):
                    towns.setdefault(m, []).append(r["name"])
    return munis, towns


def _offer(i: int, rnd: random.Random) -> dict[str, Any]:
    munis, towns = _places()
    key = rnd.choice(list(TOPICS))
    heads, sentences, tags, groups, (amin, amax), formats = TOPICS[key]
    second = TOPICS[rnd.choice(list(TOPICS))]
    national = rnd.random() < 0.06
    muni = rnd.choice(munis)
    town = rnd.choice(towns.get(muni) or [muni])
    org = f"{rnd.choice(ORG_KINDS)} {rnd.choice(ORG_WORDS)} {town}"
    where = "hele landet" if national else town
    title = f"{rnd.choice(heads)} {'– landsdækkende' if national else 'i ' + town}"
    if rnd.random() < 0.4:
        title += f" ({rnd.choice(['for børn', 'for unge', 'for hele familien', 'for forældre', 'for mødre'])})"
    body = rnd.sample(sentences, k=rnd.randint(2, len(sentences)))
    if rnd.random() < 0.5:
        body.append(rnd.choice(second[1]))
    detail = (f"{org} mødes hver {rnd.choice(DAYS)} kl. {rnd.randint(9, 19)}.{rnd.choice(['00', '15', '30'])} "
              f"i {rnd.choice(PLACE_KINDS)} på {rnd.choice(STREETS)} {rnd.randint(1, 180)} i {where}.")
    body.insert(rnd.randint(0, len(body)), detail)
    body.extend(rnd.sample(GENERAL, k=rnd.randint(1, 3)))
    body.append(f"Kontakt os på tlf. {rnd.randint(20, 99)} {rnd.randint(10, 99)} {rnd.randint(10, 99)} "
                f"{rnd.randint(10, 99)} eller kom forbi – vi har været i {town} siden {rnd.randint(1975, 2025)}.")
    if amin is not None and rnd.random() < 0.5:
        amin = max(0, amin + rnd.randint(-2, 2))
        amax = max(amin + 1, amax + rnd.randint(-2, 2))
    return {
        "id": i + 1, "external_id": f"gen-{i + 1}", "title": title, "description": " ".join(body),
        "target_group": rnd.choice(groups) + ("" if rnd.random() < 0.5 else f" i {where}"),
        "age_min": amin, "age_max": amax, "areas": ["Hele landet"] if national else
        [muni] + ([rnd.choice(munis)] if rnd.random() < 0.15 else []),
        "formats": rnd.sample(formats, k=rnd.randint(1, len(formats))), "cost": rnd.choice(COSTS),
        "tags": rnd.sample(tags, k=rnd.randint(2, min(4, len(tags)))), "organisation": org,
        "elements_count": rnd.randint(0, 11), "languages": [],
        "assured_at": datetime(2026, 1, 1) - timedelta(days=rnd.randint(0, 900)),
    }


def records(n: int, seed: int = 7):
    """``n`` distinct offer records (a generator: a large catalogue is never held twice)."""
    rnd = random.Random(seed)
    for i in range(n):
        yield _offer(i, rnd)


def exchange(n: int, seed: int = 7) -> dict[str, Any]:
    """The same offers in the exchange format (organisations by external id)."""
    orgs: dict[str, dict[str, Any]] = {}
    offers = []
    for r in records(n, seed):
        name = r.pop("organisation")
        ref = orgs.setdefault(name, {"external_id": f"gen-org-{len(orgs) + 1}", "name": name})["external_id"]
        offers.append({**{k: v for k, v in r.items() if k not in ("id", "elements_count")},
                       "organisation": ref, "status": "published", "audience": ["forældre"],
                       "assured_at": r["assured_at"].date().isoformat(), "schedule": ""})
    return {"organisations": list(orgs.values()), "offers": offers}


SHORT = [
    "{who} på {age} {feel}, bor i {muni}",
    "{who} i {muni} {feel}, barnet er {age} år",
    "{need} til {child} på {age} i {muni}",
    "{child} {age} år, {need}, {muni} Kommune",
]
WHO = ["Mor", "Far", "Enlig mor", "Familien", "Bedstemor", "Plejemor"]
FEEL = ["føler sig alene og trist", "har gæld og mange rykkere", "kan ikke få hjælp til lektierne",
        "har mistet sin mand", "sidder i fængsel", "drikker for meget", "er flygtet fra vold",
        "har ikke råd til fritidsaktiviteter", "er lige blevet skilt"]
NEED = ["lektiehjælp", "en sorggruppe", "en mentor", "julehjælp", "en fritidsaktivitet", "en sommerlejr",
        "rådgivning om gæld", "en gruppe om angst", "hjælp mod mobning", "en familieven"]
CHILD = ["dreng", "pige", "søn", "datter", "baby", "teenager"]


def short_queries(k: int = 24, seed: int = 11) -> list[str]:
    rnd = random.Random(seed)
    munis, _ = _places()
    return [rnd.choice(SHORT).format(who=rnd.choice(WHO), age=rnd.randint(0, 17), feel=rnd.choice(FEEL),
                                     need=rnd.choice(NEED), child=rnd.choice(CHILD), muni=rnd.choice(munis))
            for _ in range(k)]


STORY = [
    "Jeg er {who} til {n} børn, og vi bor i {town}.",
    "Min {child} på {age} år har haft det svært, siden {event}.",
    "Om morgenen vil {pron} ikke i skole, og om aftenen ligger {pron} længe vågen og tænker.",
    "Jeg prøver at være der for {pron}, men jeg er selv meget træt, og vi har ikke meget familie her.",
    "Økonomien er stram, så vi har ikke råd til ret meget ud over det nødvendige.",
    "Skolen siger, at {pron} trækker sig fra de andre børn og ikke rigtig har nogen venner.",
    "Jeg har tænkt på, om der findes et sted, hvor {pron} kan møde andre børn, der har oplevet det samme.",
    "Det ville også hjælpe mig at tale med nogen, der ved noget om {topic}.",
    "Vi har ikke bil, så det skal helst være tæt på, og gerne om eftermiddagen efter skole.",
    "Jeg taler dansk, men min mand taler mest {lang}, så det ville være godt, hvis nogen kunne det.",
    "Jeg vil gerne have hjælp, men jeg er bange for, at kommunen ser det som et tegn på, at jeg ikke kan klare det.",
    "Hvis der er et tilbud, hvor vi kan komme som hele familien, vil vi meget gerne det.",
    "Jeg håber, I kan hjælpe os med at finde noget, der passer til os.",
]
EVENTS = ["hans far døde sidste år", "vi flyttede hertil fra Syrien", "hendes far kom i fængsel",
          "vi gik fra hinanden", "hun begyndte at blive mobbet i klassen", "vi mistede vores bolig",
          "min kæreste begyndte at drikke igen", "han fik en diagnose med autisme"]
TOPICS_TOLD = ["sorg hos børn", "at være pårørende", "gæld og budget", "skilsmisse", "mobning", "angst hos børn"]
LANGS = ["arabisk", "somali", "tyrkisk", "ukrainsk", "farsi"]


def stories(k: int = 12, seed: int = 13) -> list[str]:
    """First-person letters of about 150 words (the opening, seven sentences of the bank, the closing)."""
    rnd = random.Random(seed)
    _, towns = _places()
    all_towns = [t for ts in towns.values() for t in ts]
    out = []
    for _ in range(k):
        child = rnd.choice(["søn", "datter"])
        pron = "han" if child == "søn" else "hun"
        middle = [STORY[1], *rnd.sample(STORY[2:-1], k=6)]
        text = " ".join([STORY[0], *middle, STORY[-1]]).format(
            who=rnd.choice(["mor", "far", "plejemor"]), n=rnd.randint(1, 4), town=rnd.choice(all_towns),
            child=child, age=rnd.randint(4, 16), event=rnd.choice(EVENTS), pron=pron,
            topic=rnd.choice(TOPICS_TOLD), lang=rnd.choice(LANGS))
        out.append(text)
    return out
