"""A Danish thesaurus of early preventive family support.

Each concept has a key, a Danish label, terms (single words or phrases, as
caseworkers *and* NGOs write them) and related concepts with a lower weight.
A term may carry a weight: ``"ked af det:0.5"``. Terms are analysed by the same
analyser as queries and offers (stemmed; phrases match as stem sequences), so
only one inflected form is usually needed, but compounds that the splitter
cannot derive are listed explicitly.

The vocabulary is general Danish social-work vocabulary (Barnets Lov, ICS, the
common names of needs and offer types); it is not taken from any evaluation data.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Concept:
    key: str
    label: str
    terms: tuple[str, ...]
    related: dict[str, float] = field(default_factory=dict)


def _c(key: str, label: str, terms: str, related: dict[str, float] | None = None) -> Concept:
    items = tuple(t.strip() for t in terms.replace("\n", ",").split(",") if t.strip())
    return Concept(key, label, items, related or {})


CONCEPTS: tuple[Concept, ...] = (
    _c(
        "fodselsdepression",
        "Fødselsdepression",
        """fødselsdepression, fødselsdepressioner, efterfødselsreaktion, efterfødselsreaktioner,
        efterfødselsdepression, fødselsreaktion, barselsdepression, baby blues, tudetosse:0.6,
        depression efter fødsel, depression efter fødslen, deprimeret efter fødslen,
        trist efter fødslen, nedtrykt efter fødslen, angst efter fødslen, psykisk reaktion efter fødsel,
        svær start på forældreskabet:0.7, fødselsangst:0.7, fødselstraume, traumatisk fødsel,
        svær fødsel:0.7, voldsom fødsel:0.7, mistrivsel efter fødslen, efterfødsels, barselsperiode:0.3,
        fødselspsykose, svært ved at knytte sig:0.5, ked af det efter fødslen, græder meget:0.4, ikke mærke glæden:0.7, ingen glæde ved barnet:0.7, glæden ved barnet:0.6, føler sig ikke som en god mor:0.6, overvældet:0.4""",
        {"graviditet_spaed": 0.35, "psykisk_sygdom_foraelder": 0.3, "netvaerk_foraeldre": 0.2},
    ),
    _c(
        "netvaerk_foraeldre",
        "Netværk og ensomhed hos forældre",
        """netværk:0.7, netværksgruppe, forældrenetværk, familienetværk, mødregruppe, mødregrupper,
        mødrenetværk, mødrecafé, forældrecafé, familiecafé, familieklub, fællesspisning,
        ensom mor, ensom far, ensomme forældre, ensomme mødre, ensom forælder, isoleret mor, isoleret,
        ensomhed:0.6, ensom:0.6, alene:0.4, mangler netværk, manglende netværk, intet netværk,
        ingen netværk, lille netværk, spinkelt netværk, svagt netværk, ingen familie, ingen venner i byen,
        tilflytter, tilflyttet, nytilflyttet, flyttet til byen, ingen at snakke med, ingen at tale med, kender ingen, kender ikke nogen, møde andre, møde andre forældre, møde andre mødre, ingen familie i nærheden, ingen bedsteforældre, ingen i nærheden,
        andre forældre, andre mødre, andre i samme situation:0.6, ligesindede, fællesskab:0.6,
        sociale relationer:0.6, socialt fællesskab, familieven, familievenner, familiekontakt,
        frivillig familieven, besøgsven:0.6, støttefamilie, aflastning:0.5, aflastningsfamilie:0.6,
        legestue, babycafé, barselscafé, barselsgruppe, forældregruppe""",
        {"foraeldrekompetencer": 0.3, "unge_enlige_foraeldre": 0.3, "graviditet_spaed": 0.2},
    ),
    _c(
        "foraeldrekompetencer",
        "Forældrekompetencer og opdragelse",
        """forældrekompetence, forældrekompetencer, forældreevne, forældreskab, forældrerolle,
        forældrerollen, opdragelse, opdrage, grænsesætning, grænser:0.7, sætte grænser, konsekvens:0.5,
        tilknytning, samspil, samspillet, forældre barn samspil, relationen til barnet, kontakt til barnet:0.6,
        forældrekursus, forældrekurser, forældretræning, forældreprogram, forældreuddannelse,
        usikker forælder, usikker mor, usikker far, usikker i forældrerollen, usikker:0.5,
        aflæse barnets signaler, barnets signaler, barnets behov:0.6, omsorgssvigt:0.6, omsorg:0.5,
        struktur i hverdagen, rutiner, døgnrytme:0.6, sengetid:0.5, konflikter i hjemmet,
        konflikter derhjemme, råber, skælder ud, raserianfald, udadreagerende:0.6, trodsig:0.6, trods:0.5,
        vanskelig adfærd, adfærd:0.5, urolig:0.4, magtkamp, familiebehandling:0.6, familierådgivning:0.6,
        forældrerådgivning, forældretelefon, opdragelsesproblemer, presset hverdag:0.6,
        presset familie:0.5, hverdagen hænger ikke sammen, overskud:0.4, mangler overskud:0.6,
        de utrolige år, circle of security, cos, marte meo, pmto, hjemmebesøg:0.4, sundhedsplejerske:0.3""",
        {"netvaerk_foraeldre": 0.3, "graviditet_spaed": 0.25, "faedre": 0.2},
    ),
    _c(
        "graviditet_spaed",
        "Graviditet og spædbørn",
        """gravid, gravide, graviditet, graviditeten, svangerskab, terminsdato, termin, venter barn,
        venter sit første barn, vordende forældre, vordende mor, kommende forældre, førstegangsgravid,
        førstegangsforældre, førstegangsmor, nybagt, nybagte, nybagte forældre, nybagt mor, nyfødt,
        nyfødte, spædbarn, spædbørn, spæd, baby, babyer, babyen, barsel, barslen, barselsorlov,
        amning, amme, fødsel:0.6, fødslen:0.6, fødselsforberedelse, spædbarnsforældre,
        småbørnsfamilie:0.5, småbørnsfamilier:0.5, sundhedsplejerske:0.4, sundhedspleje:0.4,
        tidlig tilknytning, babymassage, babysalmesang, første leveår, barnets første år""",
        {"fodselsdepression": 0.3, "unge_enlige_foraeldre": 0.3, "netvaerk_foraeldre": 0.3,
         "foraeldrekompetencer": 0.3, "materiel_hjaelp": 0.15},
    ),
    _c(
        "unge_enlige_foraeldre",
        "Unge og enlige forældre",
        """ung mor, unge mødre, ung far, unge fædre, unge forældre, ung forælder, teenagemor, teenagemødre,
        teenagefar, teenagegravid, ung gravid, unge gravide, mor som ung, tidligt forældreskab,
        enlig, enlige, enlig mor, enlige mødre, enlig far, enlige fædre, enlig forsørger,
        enlige forsørgere, alene med barnet, alene med børnene, alene med:0.5, alenemor, alenemødre,
        alenefar, alenefædre, solomor, solomødre, eneforsørger, eneforældre, alene om forældreskabet,
        under 25, ung og gravid, uddannelse og barn:0.6""",
        {"netvaerk_foraeldre": 0.35, "graviditet_spaed": 0.3, "oekonomi_gaeld": 0.15},
    ),
    _c(
        "skilsmisse",
        "Skilsmisse og samlivsbrud",
        """skilsmisse, skilsmisser, skilt, skilles, skilles ad, skilsmissebørn, skilsmissebarn,
        skilsmissefamilie, skilsmissegruppe, samlivsbrud, samlivsophævelse, brud, bruddet, gået fra hinanden, gik fra hinanden, skændes:0.6, skænderier:0.6, forældrene skændes, forældrenes konflikter,
        går fra hinanden, flyttet fra hinanden, separation, separeret, delebørn, delebarn, deleordning,
        to hjem, samvær, samværet, samværsordning, bopæl, bopælsforælder, forældremyndighed,
        familieretshuset, højkonflikt, højkonfliktskilsmisse, konflikt mellem forældrene,
        konflikter mellem forældrene, forældrekonflikt, forældrekonflikter, uenige forældre,
        fanget midt i, mellem to forældre, loyalitetskonflikt, bonusfamilie, bonusfar, bonusmor,
        bonusbørn, sammenbragt familie, ny kæreste:0.5, forældresamarbejde, samarbejde om børnene""",
        {"faedre": 0.2, "trivsel_unge": 0.2, "foraeldrekompetencer": 0.15},
    ),
    _c(
        "sorg",
        "Sorg og tab",
        """sorg, sorgen, sorggruppe, sorggrupper, sørger, sørgende, efterladt, efterladte, mistet,
        mistede, miste, tab, tabet, dødsfald, dødsfaldet, død, døde, døden, døde pludselig, er gået bort,
        omkom, afdøde, begravelse, bisættelse, selvmord, mistet sin mor, mistet sin far, mistet en forælder,
        mistet et barn, mistet en søskende, dødfødt, dødfødsel, spædbarnsdød, krisesorg, sorgbearbejdning,
        sorgforløb, sorgrådgivning, terminal, terminalt syg, uhelbredelig syg, kræft:0.7, kræftsyg:0.7,
        alvorligt syg:0.6, alvorlig sygdom:0.6, alvorligt syg forælder:0.7, livstruende sygdom:0.7,
        pårørende til alvorligt syge:0.7, hospice:0.7""",
        {"trivsel_unge": 0.2, "psykisk_sygdom_foraelder": 0.1},
    ),
    _c(
        "misbrug_familie",
        "Misbrug i familien",
        """misbrug, misbruget, misbruger, misbrugere, misbrugende, misbrugsproblemer, misbrugsproblem,
        alkohol, alkoholen, alkoholproblem, alkoholproblemer, alkoholmisbrug, alkoholiker, alkoholikere,
        alkoholisk, drikker, drikke, drikker for meget, drikker meget, drikkes for meget, drikkeri, druk,
        drukket, fuld, fulde, beruset, beruselse, sprut, øl:0.5, vin:0.4, tørlagt, tørlægning,
        afvænning, afrusning, behandling for alkohol, stoffer, stofmisbrug, stofmisbruger, narko,
        hash, kokain, piller:0.6, pillemisbrug, ludomani:0.6, spilleafhængighed:0.6, afhængighed,
        afhængig, børn af alkoholikere, voksne børn af alkoholikere, pårørende til misbrugere,
        familier med alkoholproblemer, alkoholfri:0.3""",
        {"psykisk_sygdom_foraelder": 0.2, "vold": 0.1},
    ),
    _c(
        "psykisk_sygdom_foraelder",
        "Psykisk sygdom hos forælder",
        """psykisk syg, psykisk sygdom, psykiske sygdom, psykisk sårbar, psykiske problemer, psykiske vanskeligheder,
        psykiske lidelser, psykisk lidelse, psykiatrien, psykiatrisk, indlagt på psykiatrisk, indlagt:0.5,
        depression, depressiv, deprimeret, bipolar, maniodepressiv, skizofreni, skizofren, psykose,
        personlighedsforstyrrelse, borderline, ocd, angst hos forælder, forælder med angst, mor med angst,
        far med angst, mor med depression, far med depression, psykisk syg mor, psykisk syg far,
        psykisk syge forældre, børn af psykisk syge, pårørende til psykisk syge, pårørende:0.4,
        forælder er syg:0.5, mor er syg:0.5, far er syg:0.5, sygemeldt med stress:0.6, stress:0.4,
        ptsd:0.6, traumatiseret:0.5, mental sundhed:0.4""",
        {"misbrug_familie": 0.15, "fodselsdepression": 0.2, "sorg": 0.1},
    ),
    _c(
        "vold",
        "Vold i familien",
        """vold, volden, voldelig, voldelige, voldsramt, voldsramte, voldsudsat, vold i hjemmet,
        vold i familien, vold i nære relationer, partnervold, kærestevold, psykisk vold,
        fysisk vold, seksuel vold, æresrelateret, æresrelaterede konflikter, negativ social kontrol,
        social kontrol, kontrollerende, slår, slog, slået, tæsk, trusler, truet, truende, stalking, chikane:0.5,
        krisecenter, krisecentre, krisecentret, kvindekrisecenter, mandecenter, beskyttet adresse,
        voldsudøver, voldsudøvere, voldsramte kvinder, voldsramte børn, børn der har oplevet vold,
        overgreb, seksuelle overgreb, misbrugt seksuelt, incest, mishandling, mishandlet, tvang,
        traumer:0.4, utryghed i hjemmet""",
        {"trivsel_unge": 0.15, "skilsmisse": 0.1},
    ),
    _c(
        "oekonomi_gaeld",
        "Økonomi og gæld",
        """økonomi:0.8, økonomien, økonomisk:0.7, økonomiske problemer, økonomisk rådgivning, gæld, gælden,
        gældsrådgivning, gældssanering, gældsproblemer, budget, budgetter, budgetrådgivning,
        regninger, =rykkere, inkasso, kviklån, forbrugslån, fogedretten, fogeden, udpantning, restance,
        huslejerestance, lav indkomst, lavindkomst, kontanthjælp, uddannelseshjælp, overførselsindkomst,
        fattigdom, =fattig, =fattige, økonomisk trængt, økonomisk udsat, få penge, ingen penge, mangler penge,
        penge:0.6, pengene slår ikke til, svært ved at få pengene til at slå til, ikke råd, har ikke råd, husleje, huslejen, bagud med huslejen, ledig:0.4, ledige:0.4, arbejdsløs:0.4, arbejdsløse:0.4, jobcenter:0.3,
        råd til:0.5, privatøkonomi, skat:0.4, skattegæld, udsættelse, udsat af boligen, hjemløs:0.5,
        boligproblemer:0.5, bolig:0.3, socialrådgivning:0.4, rådgivning om økonomi""",
        {"materiel_hjaelp": 0.35, "ferie_oplevelser": 0.15, "fritid": 0.1},
    ),
    _c(
        "lektiehjaelp_skole",
        "Lektier og skole",
        """lektiehjælp, lektiecafé, lektiecafe, lektiecaféer, lektieklub, lektier, lektierne, lektie,
        lektiestøtte, lektievenner, lektieven, lektiemakker, hjælp til lektier, skole:0.6, skolen:0.6,
        skolegang, skolearbejde, skolefaglig, skolefaglige, faglig, fagligt, faglige vanskeligheder,
        fagligt bagud, bagud i skolen, halter bagefter, læsning, læse, læser, læsevanskeligheder,
        læsehjælp, læsetræning, læseven, ordblind, ordblindhed, dysleksi, matematik, dansk:0.3,
        stavning, skrivning, skolefravær, fravær, skolevægring, ufrivilligt skolefravær, pjækker, pjæk,
        skoletræt, skolestart, starte i skole, begynde i skole, skolestarter, 0. klasse, børnehaveklasse,
        folkeskolens afgangsprøve, afgangsprøve, eksamen, karakterer, uddannelse:0.5, ungdomsuddannelse:0.5,
        studiehjælp, skolens:0.5, klasse:0.4, lærer:0.4, lærerne:0.4""",
        {"mentor_unge": 0.3, "trivsel_unge": 0.15, "sprog_integration": 0.1},
    ),
    _c(
        "fritid",
        "Fritidsaktiviteter",
        """fritid, fritiden, fritidsaktivitet, fritidsaktiviteter, fritidsliv, fritidsinteresse,
        fritidstilbud, fritidspas, fritidsvejledning, fritidsvejleder, fritidsjob:0.5, forening, foreninger,
        foreningsliv, foreningslivet, idrætsforening, sportsklub, klub, klubben, ungdomsklub, fritidsklub,
        sport, idræt, fodbold, håndbold, svømning, gymnastik, =dans, ridning, kampsport, boksning,
        spejder, spejderne, spejdergruppe, musik, =kor, teater, kreative aktiviteter, kontingent,
        kontingenthjælp, kontingentstøtte, udstyr:0.5, aktiviteter:0.5, aktivitet:0.4, hobby, hobbyer,
        følgeven, sidder derhjemme:0.6, sidder bare derhjemme:0.6, ingen fritidsaktiviteter, ikke går til noget,
        går ikke til noget, går ikke til nogen, bevæge sig, motion""",
        {"trivsel_unge": 0.2, "mentor_unge": 0.15, "ferie_oplevelser": 0.2},
    ),
    _c(
        "ferie_oplevelser",
        "Ferie og oplevelser",
        """ferie, ferien, ferier, ferielejr, ferielejre, familieferie, familieferier, sommerferie,
        sommerferien, sommerlejr, sommerlejre, lejr, lejre, lejrtur, koloni, kolonier, feriekoloni,
        ferieophold, ferietur, ferieophold for familier, sommerhus, sommerhusophold, weekendtur,
        weekendophold, udflugt, udflugter, tur, ture, oplevelse, oplevelser, fælles oplevelser,
        familieoplevelser, sommeraktiviteter, sommeraktivitet, efterårsferie, vinterferie, påskeferie,
        komme væk, komme lidt væk, pusterum, afkobling, ferie med børnene, aldrig på ferie,
        ikke råd til ferie, ferielegat, feriehjælp, feriefond, ferie for børn, lejrskole:0.5""",
        {"fritid": 0.2, "oekonomi_gaeld": 0.15, "materiel_hjaelp": 0.1},
    ),
    _c(
        "mentor_unge",
        "Mentor og voksenven",
        """mentor, mentorer, mentorordning, mentorforløb, mentorstøtte, voksenven, voksenvenner,
        rollemodel, rollemodeller, storebror, storesøster, ung til ung, frivillig mentor,
        en voksen at tale med, stabil voksen, voksen der har tid, en voksen ved sin side, voksenkontakt,
        mangler voksne, mangler en voksen, få voksne, spinkelt voksennetværk, kontaktperson:0.6,
        lektiemakker:0.6, ven:0.3, sparringspartner, sparring:0.5, vejledning om uddannelse:0.5,
        uddannelse og job:0.5, fritidsjob:0.3, ungementor, studiementor""",
        {"trivsel_unge": 0.25, "lektiehjaelp_skole": 0.2, "faengsel_kriminalitet": 0.15,
         "fritid": 0.15, "anbragte_efterværn": 0.15},
    ),
    _c(
        "trivsel_unge",
        "Trivsel hos børn og unge",
        """mistrivsel, mistrives, mistrives i skolen, trivsel, trives ikke, trives dårligt, trist,
        tristhed, ked af det:0.6, nedtrykt, deprimeret:0.5, angst, angstanfald, bekymringer, nervøs:0.6,
        ensom:0.6, ensomhed:0.6, ensomme unge, ensomt barn, ensom ung, ingen venner, ikke nogen venner,
        ingen at være sammen med, udenfor, udenfor fællesskabet, isolerer sig, isoleret:0.5,
        sidder på værelset, trækker sig, indelukket, generthed, genert, lavt selvværd, selvværd,
        selvtillid, selvskade, selvskadende, cutter, skærer i sig selv, selvmordstanker, selvmordsforsøg,
        spiseforstyrrelse, anoreksi, spiser ikke, sover ikke, søvnproblemer, stress:0.5, præstationspres,
        psykisk mistrivsel, mental sundhed, psykisk sundhed, har det svært, har det skidt, har det dårligt,
        ondt i maven:0.5, bekymret for:0.2, teenager:0.2, teenagere:0.2, ung:0.15, unge:0.15,
        headspace:0.5, samtaler:0.3, nogen at tale med:0.6, nogen at snakke med:0.6""",
        {"anonym_raadgivning": 0.3, "mobning": 0.2, "mentor_unge": 0.2, "fritid": 0.15},
    ),
    _c(
        "handicap_sygdom_barn",
        "Handicap, diagnose og sygdom hos barn",
        """handicap, handicappet, handicappede, funktionsnedsættelse, funktionsnedsættelser,
        fysisk handicap, psykisk handicap, udviklingshæmning, udviklingshæmmet, diagnose, diagnoser,
        diagnosen, autisme, autist, autistisk, autismespektrum, asperger, adhd, add, tourette,
        angstlidelse:0.5, ocd:0.3, epilepsi, cerebral parese, spastisk, downs syndrom, down syndrom,
        kronisk syg, kronisk sygdom, kronisk syge børn, alvorligt sygt barn, syge børn, sygt barn,
        diabetes, gigt, astma:0.6, kræft hos barn, børnekræft, hjerneskade, høretab, døv, blind,
        synshandicap, kørestol, særlige behov, specialbørn, specialskole, specialklasse, neuropsykiatrisk,
        søskende til, søskende til syge, søskende til børn med handicap, forældre til børn med handicap,
        forældre til børn med adhd, forældre til børn med autisme, sansemotorisk, sensitiv:0.4""",
        {"netvaerk_foraeldre": 0.15, "ferie_oplevelser": 0.1, "foraeldrekompetencer": 0.1},
    ),
    _c(
        "sprog_integration",
        "Sprog og integration",
        """integration, integrationen, sprog:0.7, sproget, dansk sprog, danskundervisning, lære dansk,
        taler ikke dansk, taler kun lidt dansk, dårligt dansk, begrænset dansk, sprogbarriere,
        sprogbarrierer, tolk, tolkning, tosproget, tosprogede, flersproget, andetsprog, dansk som andetsprog,
        flygtning, flygtninge, flygtningefamilie, flygtningefamilier, asyl, asylansøger, opholdstilladelse,
        indvandrer, indvandrere, indvandrerfamilie, indvandrerfamilier, efterkommere, nydansker, nydanskere,
        nyankommen, nyankomne, nyankomne familier, familiesammenført, familiesammenføring,
        etnisk minoritet, etniske minoriteter, minoritetsbaggrund, anden etnisk baggrund, etnisk baggrund,
        minoritetsetnisk, minoritetsmødre, kulturforståelse, kulturmøde, det danske samfund, danske system,
        systemet:0.5, forstå systemet, breve fra kommunen, bydelsmor, bydelsmødre, sprogven, sprogcafé,
        arabisk:0.6, somali:0.6, somalisk:0.6, tigrinya:0.6, farsi:0.6, dari:0.6, pashto:0.6, kurdisk:0.6,
        urdu:0.6, tyrkisk:0.5, ukrainsk:0.6, ukrainsk flygtning, syrisk:0.6, afghansk:0.6, eritreansk:0.6,
        irakisk:0.5, ukrainer, ukrainere""",
        {"netvaerk_foraeldre": 0.25, "lektiehjaelp_skole": 0.15, "foraeldrekompetencer": 0.1},
    ),
    _c(
        "faedre",
        "Fædre",
        """fædre, fædregruppe, fædregrupper, fædrenetværk, fædreforening, farrollen, far rollen,
        rollen som far, være far, som far, at være far, nybagt far, nybagte fædre, ny far, far og barn,
        far barn, far barn aktiviteter, far og søn, far og datter, farskab, fædres rolle, fædreorlov,
        farsorlov, faderskab, fars rolle, far med fødselsdepression, fars netværk, fædrerådgivning,
        farlinjen:0.6, far:0.25, faren:0.25""",
        {"skilsmisse": 0.15, "foraeldrekompetencer": 0.2, "netvaerk_foraeldre": 0.15},
    ),
    _c(
        "materiel_hjaelp",
        "Materiel hjælp (mad, tøj, udstyr, jul)",
        """materiel hjælp, materielle, mad, madhjælp, madkasse, madkasser, madpakker, fødevarer,
        fødevarehjælp, madbank, fødevarebank, madvarer, dagligvarer, tøj, tøjet, vintertøj, flyverdragt,
        sko, tøjbank, genbrug:0.5, genbrugsbutik, babyudstyr, barnevogn, autostol, tremmeseng,
        babytøj, bleer, modermælkserstatning, udstyr til baby, møbler:0.5, julehjælp, julekurv,
        julekurve, julegaver, jul, julen, juleaften, konfirmationshjælp, konfirmation, konfirmationstøj,
        gavekort, nødhjælp, akut hjælp, fødselsdagshjælp, fødselsdag:0.4, skoletaske, skolestartshjælp,
        råd til mad, ikke råd til mad, tomt køleskab, sulten, sult, uddeling, uddelinger""",
        {"oekonomi_gaeld": 0.3, "ferie_oplevelser": 0.1},
    ),
    _c(
        "anonym_raadgivning",
        "Anonym rådgivning",
        """anonym, anonymt, anonyme, anonym rådgivning, anonym samtale, anonymt chat, anonymitet,
        tavshedspligt:0.5, børnetelefon, børnetelefonen, børnelinjen, ungelinjen, chatrådgivning,
        brevkasse, brevrådgivning, chat, chatte, skrive anonymt, ringe anonymt, rådgivningslinje,
        telefonrådgivning, hotline:0.6, døgnåben:0.5, nogen at skrive med, skrive med nogen, uden at sige hvem, uden at oplyse navn, uden at give sit navn, uden navn, ringe hen:0.5,
        vil ikke have at forældrene ved, uden forældrene ved det, uden at forældrene ved, ikke fortælle det til nogen,
        tør ikke fortælle""",
        {"trivsel_unge": 0.3},
    ),
    _c(
        "mobning",
        "Mobning",
        """mobning, mobbet, mobbes, mobber, mobbere, mobbede, mobbeoffer, drillet, drilles, drilleri,
        udstødt, holdt udenfor, holdes udenfor, bliver holdt udenfor, udelukket, digital mobning,
        cybermobning, mobning på nettet, mobning på sociale medier, hadefulde beskeder, grim besked,
        deling af billeder, nøgenbilleder, krænkelser, digitale krænkelser, trivselsproblemer i klassen,
        konflikter i klassen, konflikter blandt børn, klassens trivsel, antimobning, uvenskaber,
        skoleskift:0.5, skifte skole:0.5""",
        {"trivsel_unge": 0.35, "lektiehjaelp_skole": 0.1, "anonym_raadgivning": 0.1},
    ),
    _c(
        "anbragte_efterværn",
        "Anbragte børn og efterværn",
        """anbragt, anbragte, anbringelse, anbringelsen, anbragt uden for hjemmet, plejefamilie, plejefamilien,
        plejefamilier, plejebarn, plejebørn, plejeforældre, netværksplejefamilie, opholdssted, døgninstitution,
        institution:0.5, børnehjem, efterværn, efterværnet, tidligere anbragt, tidligere anbragte,
        hjemgivelse, hjemgivet, hjemgivne, kommer hjem fra anbringelse, forældre til anbragte børn,
        forældre til anbragte, samvær med anbragte, plejeanbragt, flytte hjemmefra, egen bolig:0.5,
        udslusning, 18 år og anbragt, fylder 18, voksenlivet:0.5, ung på vej ud""",
        {"mentor_unge": 0.25, "trivsel_unge": 0.1},
    ),
    _c(
        "faengsel_kriminalitet",
        "Fængsel og kriminalitet",
        """fængsel, fængslet, fængsler, fængsling, fængselsstraf, afsoner, afsoning, afsone, indsat,
        indsatte, indsattes, pårørende til indsatte, pårørende til indsat, børn af indsatte, sidder inde,
        sidder i fængsel, i fængsel, kommet i fængsel, varetægt, varetægtsfængslet, arresthus, dømt,
        dom, fodlænke, løsladt, løsladelse, prøveløsladt, kriminalforsorgen, kriminalitet, kriminel,
        kriminelle, kriminelt, kriminalitetstruet, risiko for kriminalitet, kriminalpræventiv,
        kriminalitetsforebyggende, forebygge kriminalitet, bandemiljø, bande, bander, banderelateret,
        politi, politiet, sigtet, sigtelse, anholdt, tyveri, stjæler, stjålet, butikstyveri, hærværk,
        uro i gaderne, ungdomskriminalitet, ungdomskriminalitetsnævnet, rod i, dårligt selskab,
        dårlige kammerater, forkert selskab, hænger ud med, gadeplan:0.6, exit, exitprogram""",
        {"mentor_unge": 0.3, "fritid": 0.15},
    ),
)

CONCEPTS_BY_KEY: dict[str, Concept] = {c.key: c for c in CONCEPTS}

# General words of the field that are not concept evidence but that the compound
# splitter and the typo corrector should know (heads and modifiers of compounds).
LEXICON_EXTRA = """
gruppe grupper gruppen gruppeforløb forløb hjælp hjælpe støtte rådgivning rådgiver rådgivere
samtale samtaler samtalegruppe café cafe klub tilbud tilbuddet tilbuddene kursus kurser
forældre forælder mor mødre moren far fædre faren barn børn børnene barnet familie familier familien
ung unge ungdom pige piger dreng drenge søn sønner datter døtre søskende bror søster teenager
voksne voksen frivillig frivillige linje linjen telefon telefonen center centret hus huset
tid problem problemer reaktion reaktioner fødsel depression angst sygdom syg syge
forebyggelse forebyggende behandling terapi terapeut psykolog psykologer netværk venner ven
skole lektie lektier læse lærer klasse weekend sommer vinter jul ferie lejr tur aktivitet aktiviteter
mad tøj udstyr penge økonomi gæld budget bolig hjem hjemme hjemmet besøg hjemmebesøg
online telefonisk chat video digital individuel individuelle fælles sammen alene hverdag
samvær kontakt relation relationer trivsel mistrivsel vold misbrug alkohol sorg tab
område området kommune kommunen byen lokal lokale landsdækkende hele landet
dag dage uge uger måned måneder år årig gammel gamle baby babyer spæd småbørn
støttegruppe netværksgruppe forældregruppe børnegruppe ungegruppe pigegruppe drengegruppe
mødested værested møde møder aften aftener eftermiddag eftermiddage
bange glæde glæden søger søgte meste mener siger sagde fortalt ligesom måske
rådgivningscenter familiehus familiecenter værested frivillighus frivilligcenter
""".split()


def all_terms() -> list[str]:
    """Every surface word the thesaurus and lexicon know (for the analyser)."""
    out: list[str] = list(LEXICON_EXTRA)
    for c in CONCEPTS:
        for t in c.terms:
            text = t.rsplit(":", 1)[0] if ":" in t else t
            out.extend(text.replace("-", " ").split())
    return out
