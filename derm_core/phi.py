"""Patient identifiers (PHI) in text that billers paste into chat, in an override reason, or in a sheet's cell:
find them so that the text can be refused. Used by the Slack bot and by ``derm rules override --reason``.

Pure Python, standard library only (it runs wherever ``derm_core`` runs). ``find_phi(text)`` returns where
identifiers seem to be, by kind and character offsets, never the values; ``identifiers(text)`` names the kinds
in words for a refusal. Callers must not log or echo the text itself.

The design is "one compiled pattern per kind" for everything that has a shape (MBI, SSN, phone,
e-mail, street address, dates of birth, numbers after a cue word such as ``MRN`` or ``member id``),
plus a small name heuristic, because names have no shape of their own:

* a cue word in front (``pt``, ``patient``, ``re:``, ``for``, ``Mr.``, ``Name:``) followed by
  name-like words;
* the EHR shape ``LAST, FIRST`` (and ``Last, First``);
* a known given name or family name next to another name-like word (``jane doe``, ``Harold Carter``);
* a run of name-like words directly followed by a birth date or by the first claim code;
* and not when the words name an institution or place ("Jackson Memorial", "Lee's Summit"), a company
  ("Smith & Nephew") or a provider.

Ages over 89 and the pre-MBI Medicare number (HICN) are refused too: both identify a patient.

"Name-like" means a word that is not in a vocabulary of ordinary English, billing and dermatology words,
payer names and anatomical sites. That vocabulary is what keeps claims such as ``Basal Cell Carcinoma
Left Cheek 17311`` or ``Payer name: Aetna`` from being refused. Provider names (``Dr. Patel``, ``Sarah
Lee PA-C``) are not patient identifiers and are skipped.

The detector errs towards refusing: a refused ordinary message costs the biller a re-paste, a missed
identifier is a privacy incident. Its recall and false refusals are measured on a labelled corpus
(``tests/fixtures/phi/``; the figures are in docs/slack.md). Known misses: a name with no cue word, in no
name list, in lower case ("akosua mensah had 4 aks"); colleagues' full names are refused.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

__all__ = ["LABELS", "Hit", "find_phi", "identifiers", "kinds"]


@dataclass(frozen=True)
class Hit:
    """One identifier: its kind and where it is (``text[start:end]``). Holds no text, so it is safe to log."""

    kind: str
    start: int
    end: int


# --- shapes -----------------------------------------------------------------------------------------

# Medicare Beneficiary Identifier, CMS layout: 1 digit 1-9, 2 letter, 3 letter/digit, 4 digit, 5 letter,
# 6 letter/digit, 7 digit, 8 letter, 9 letter, 10 digit, 11 digit. Letters never S, L, O, I, B, Z. Printed
# with or without dashes (or spaces) as 4-3-4. The layout is strict enough to need no cue word.
_L = "[AC-HJKMNP-RT-Y]"
_LD = "[AC-HJKMNP-RT-Y0-9]"
MBI = re.compile(rf"(?<![A-Za-z0-9])[1-9]{_L}{_LD}\d[- ]?{_L}{_LD}\d[- ]?{_L}{_L}\d\d(?![A-Za-z0-9])", re.I)

# E-mail addresses (also inside Slack's <mailto:...|...> links). Slack user mentions <@U123> have no domain.
# Bounded parts and a look-behind keep the scan linear on long runs of letters with no "@" in them.
EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}")

# SSN written with dashes or spaces (the same separator twice). Nothing in a claim has the 3-2-4 shape.
SSN = re.compile(r"(?<![\w./-])(?!000|666)\d{3}([- ])\d{2}\1\d{4}(?![\w/-])")
# SSN with no separators needs its cue word in front: nine digits alone may be an authorization number.
SSN_CUED = re.compile(
    r"\b(?:ssn|ss\s?#|ss\s?no\.?|soc(?:ial)?(?:\s+sec(?:urity)?)?(?:\s+(?:no\.?|number|num|#))?)"
    r"(?:\s+(?:is|was))?\s*[:#=-]?\s*(\d{3}[- ]?\d{2}[- ]?\d{4})(?!\d)",
    re.I,
)
# Nine bare digits: refused as a possible SSN unless an ordinary cue (auth, ref, claim ...) comes first.
NINE_DIGITS = re.compile(r"(?<![\w./$-])\d{9}(?![\w/-])")

# US phone numbers: (555) 123-4567, 555-123-4567, 555.123.4567, 555 123 4567, +1 555 123 4567, 1-555-...,
# and ten or eleven bare digits (checked against NPIs below). The exchange is not checked against NANP
# rules: invented numbers such as 555-123-4567 should still be refused.
PHONE = re.compile(
    r"(?<![\w.+/-])(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}(?![\w/-]|\.\d)"
    r"|(?<![\w.+/-])\+?1?\d{10}(?![\w/-]|\.\d)"
)
# Toll-free area codes belong to payers and clearinghouses ("called Novitas at 1-855-..."), not patients.
TOLL_FREE = {"800", "833", "844", "855", "866", "877", "888"}

# Street addresses: a house number, one to three street-name words, a street suffix, an optional unit.
# "Dr" and "St" also mean Doctor and Saint ("3 lesions Dr Lee removed", "2 St. John's"): a capitalised
# word right after them makes them a title, not a suffix (checked in code).
_SUFFIX = (
    r"st|street|ave|avenue|av|rd|road|blvd|boulevard|dr|drive|ln|lane|ct|court|way|pl|place|ter|terrace"
    r"|cir|circle|pkwy|parkway|hwy|highway|trl|trail|loop|pike|sq|square"
)
ADDRESS = re.compile(
    rf"(?<![\w.#/-])\d{{1,6}}\s+(?:[NSEW]\.?\s+)?((?:[A-Za-z][A-Za-z'-]*\.?|\d+(?:st|nd|rd|th))\s+){{1,3}}?"
    rf"(?:{_SUFFIX})\b\.?"
    r"(?:,?\s*(?:apt\.?|apartment|unit|ste\.?|suite|#)\s*[A-Za-z0-9-]+)?",
    re.I,
)
PO_BOX = re.compile(r"\bp\.?\s?o\.?\s*box\s+\d+", re.I)
# "City, ST 12345" (a ZIP alone is indistinguishable from a CPT code, so the state and comma are needed).
_STATES = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND"
    "|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY"
)
CITY_STATE_ZIP = re.compile(rf"\b[A-Z][a-z]+(?:\s[A-Z][a-z]+)?,\s*(?:{_STATES})\s+\d{{5}}(?:-\d{{4}})?\b")
ADDRESS_CUED = re.compile(r"\b(?:lives at|address(?:\s+is)?\s*[:=-]?|addr\.?\s*[:=-]?)\s*\d+\s+\w+", re.I)

# Numbers after their cue word. The value must hold digits (MRN: ``where does the MRN go`` is a question).
_ID_VALUE = r"\s*(?:is\s+)?[:#=]?\s*#?\s*((?=[A-Z0-9-]*\d{3})[A-Z]{0,4}-?\d[A-Z0-9-]{2,})"
MRN = re.compile(
    r"\b(?:mrn|mr\s?#|mr\s?no\.?|med(?:ical)?\.?\s*rec(?:ord)?s?\.?(?:\s*(?:no\.?|number|num|#))?"
    r"|chart\s*(?:no\.?|number|num|#|id)|(?:pt|patient)\s*(?:id|#|no\.?|number)|emr\s*(?:id|#)|ehr\s*(?:id|#))"
    + _ID_VALUE
    + r"|\bchart\s+(\d{5,})\b",
    re.I,
)
ACCOUNT = re.compile(
    r"\b(?:acct|acc|account|guarantor(?:\s+acct|\s+account)?|fin|encounter\s*(?:#|no\.?|number|id)"
    r"|visit\s*(?:#|no\.?|number|id))(?:\s*(?:no\.?|number|num|#))?" + _ID_VALUE,
    re.I,
)
MEMBER_ID = re.compile(
    r"\b(?:(?:member|mem|subscriber|subscr|sub|insured|policy(?:holder)?|pol|ins(?:urance)?|medicaid|mcd"
    r"|medicare|mcr|beneficiary|bene|health\s*plan|plan|cardholder)\s*(?:id|#|no\.?|number|num)"
    r"|member|subscriber|id\s*#|id\s*no\.?)" + _ID_VALUE.replace(r"\d{3}", r"\d{5}"),
    re.I,
)
# The Medicare number before MBIs (HICN): nine digits and a letter (and maybe a digit), still on old claims.
HICN = re.compile(r"(?<![\w-])\d{9}[A-Z]\d?(?![\w-])", re.I)
# Member ids printed on cards with an alpha prefix (BCBS three-letter prefixes, Aetna's W + 9 digits).
MEMBER_SHAPE = re.compile(r"(?<![\w-])(?:[A-Z]{3}\d{8,12}|W\d{9})(?![\w-])")

# Dates. Numeric (3/4/56, 03-04-1956, 3.4.56, 1956-03-04), month names (Mar 4, 1956; 4 March 1956) and,
# after a birth cue only, compact digits (03041956, 19560304).
_MON = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
DATE = re.compile(
    r"(?<![\w./-])(?:(?P<m>\d{1,2})(?P<s>[/.-])(?P<d>\d{1,2})(?P=s)(?P<y>\d{4}|\d{2})"
    r"|(?P<Y>\d{4})(?P<s2>[-/.])(?P<M>\d{1,2})(?P=s2)(?P<D>\d{1,2})"
    rf"|(?P<mon>{_MON})\s+(?P<md>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<my>\d{{4}}|'?\d{{2}})"
    rf"|(?P<dm>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon2>{_MON}),?\s+(?P<my2>\d{{4}}))(?![\w/-]|\.\d)",
    re.I,
)
COMPACT_DATE = re.compile(r"(?<![\w./-])(\d{8}|\d{6})(?![\w/-])")
DOB_CUE = re.compile(
    r"(?:\b(?:dob|d\.\s?o\.\s?b\.?|date\s+of\s+birth|birth\s*date|birthday|b-?day|born(?:\s+on)?)|(?<!\w)b\.)"
    r"(?:\s+is)?\s*[:=-]?\s*",
    re.I,
)

# Ages over 89 are identifiers (too few people are that old): "93 yo", "age 94", "pt is 91".
AGE = re.compile(
    r"(?<![\w./-])(?:9\d|1[01]\d)\s*(?:yo|y/o|y\.o\.?|yrs?\s+old|years?\s+old|-?year-old|-?yr-old)\b"
    r"|\b(?:age|aged|pt\s+is|patient\s+is)\s*[:=]?\s*(?:9\d|1[01]\d)\b(?!\s*(?:aks?|lesions?|units?|%|mg|min|sq|cm|mm|[/.]\d))",
    re.I,
)
# Words before a number that make it an ordinary claim number, not a patient's.
ORDINARY_NUMBER_CUE = re.compile(
    r"\b(?:auth(?:orization)?|prior\s+auth|pa|ref(?:erence)?|call\s+ref|claim|clm|icn|dcn|tcn|npi|tin|ein|tax\s+id"
    r"|clia|ndc|lot|batch|trace|check|chk|eft|era|confirmation|conf|ticket|case|group|grp|taxonomy|invoice|fax"
    r"|fax\s+(?:\w+\s+){0,4}(?:at|to))"
    r"\s*(?:id|no\.?|number|num)?\s*[:#=]?\s*#?\s*$",
    re.I,
)


# --- names ------------------------------------------------------------------------------------------


def _words(s: str) -> frozenset[str]:
    return frozenset(s.split())


# Common given names in the US (lower case, without accents). Not exhaustive: names outside it are still
# found by cue words and shapes; the list only lets a bare "harold carter 11102" be recognised.
FIRST_NAMES = _words("""
aaron abigail adam adrian aiden alan albert alberto alejandro alex alexander alexandra alexis alfred alice alicia
alison allison alma alvin amanda amber amy ana andre andrea andrew andy angel angela angelica angie anita ann anna
anne annette annie anthony antonio april arlene armando arnold arthur ashley audrey austin barbara barry beatrice
becky ben benjamin bernard bernice bertha beth betty beverly bill billy blanca bob bobby bonnie brad bradley brandon
brandy brenda brent brian brittany bruce bryan byron calvin cameron carl carla carlos carmen carol carole caroline
carolyn carrie casey catherine cathy cecil cecilia charles charlene charlie charlotte chelsea cheryl chester chris
christian christina christine christopher christy cindy claire clara clarence claude claudia clifford clinton clyde
cody colleen connie constance corey cory courtney craig crystal curtis cynthia daisy dale dan dana daniel danielle
danny darlene darrell darren daryl dave david dean debbie deborah debra delores denise dennis derek derrick diana
diane dianne dolores don donald donna doris dorothy doug douglas duane dustin dwayne earl ed eddie edgar edith edna
eduardo edward edwin eileen elaine eleanor elizabeth ella ellen elsie emily emma enrique eric erica erik erin ernest
esther ethel eugene eva evelyn felicia felix fernando florence frances francis francisco frank franklin fred freda
frederick gabriel gail gary gene geneva george georgia gerald geraldine gertrude gilbert gina glen glenda glenn
gloria gordon grace greg gregory gwendolyn harold harry harvey hazel heather hector helen henry herbert herman hilda
holly howard hugh ian ida irene iris irma isaac isabel jack jackie jacob jacqueline jaime james jamie jan jane janet
janice jared jasmine jason javier jay jean jeanette jeanne jeff jeffrey jennifer jenny jeremy jerome jerry jesse
jessica jesus jill jim jimmy jo joan joann joanne joe joel john johnny jon jonathan jordan jorge jose joseph
josephine joshua joy joyce juan juanita judith judy julia julian julie june justin karen karl kate katherine kathleen
kathryn kathy katie kay keith kelly ken kenneth kevin kim kimberly kirk kristen kristin kristina kurt kyle lance
larry laura lauren laurie lawrence leah lee leo leon leona leonard leroy leslie lester lewis lillian lily linda lisa
lloyd lois lonnie loretta lori lorraine louis louise lucille lucy luis luz lydia lynn mabel manuel marcus margaret
margie maria marian marie marilyn mario marion marjorie mark marlene marsha martha martin marvin mary matthew maureen
max maxine megan melanie melissa melvin michael michele michelle miguel mike mildred milton minnie miriam misty
mitchell monica morris myrtle nancy naomi natalie nathan nathaniel neil nellie nicholas nicole nina noah norma
norman olga oliver olivia oscar pamela patricia patrick paul paula pauline pearl pedro peggy penny peter philip
phillip phyllis priscilla rachel ralph ramon randall randy ray raymond rebecca regina renee rhonda ricardo richard
rick ricky rita robert roberta roberto robin rodney roger roland ron ronald ronnie rosa rose rosemary ross roy ruben
ruby russell ruth ryan sally salvador sam samantha samuel sandra sandy sara sarah scott sean sergio seth shannon
sharon shawn sheila shelly sherri sherry shirley sidney sofia sonia sophia stacey stacy stanley stella stephanie
stephen steve steven sue susan suzanne sylvia tamara tammy tanya tara ted teresa terri terry thelma theresa thomas
tiffany tim timothy tina todd tom tommy tony tonya tracey traci tracy travis troy tyler valerie vanessa vera vernon
veronica vicki vickie victor victoria viola violet virgil virginia vivian wade wallace walter wanda warren wayne
wendy wesley willard william willie wilma yvonne zachary zoe
an anh bao binh chen duc dung hai hanh hao hieu hoa hong hung huong hoang khanh lan linh long mai minh nam ngoc
nhung phuong quan quang thanh thao thi thu trang trung tuan van viet wei xin yan ying yong jun hui jin min
ahmed ali fatima hassan mohammed muhammad omar aisha amir priya raj ravi rahul sanjay anil sunil deepak
kwame kofi chinedu ngozi emeka adebayo
""")

# Common family names in the US (lower case, without accents).
LAST_NAMES = _words("""
smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez gonzalez wilson anderson
thomas taylor moore jackson martin lee perez thompson white harris sanchez clark ramirez lewis robinson walker young
allen king wright scott torres nguyen hill flores green adams nelson baker hall rivera campbell mitchell carter
roberts gomez phillips evans turner diaz parker cruz edwards collins reyes stewart morris morales murphy cook rogers
gutierrez ortiz morgan cooper peterson bailey reed kelly howard ramos kim cox ward richardson watson brooks chavez
wood james bennett gray mendoza ruiz hughes price alvarez castillo sanders patel myers long ross foster jimenez
powell jenkins perry russell sullivan bell coleman butler henderson barnes gonzales fisher vasquez simmons romero
jordan patterson alexander hamilton graham reynolds griffin wallace moreno west cole hayes bryant herrera gibson
ellis tran medina aguilar stevens murray ford castro marshall owens harrison fernandez mcdonald woods washington
kennedy wells vargas henry chen freeman webb tucker guzman burns crawford olson simpson porter hunter gordon mendez
silva shaw snyder mason dixon munoz hunt hicks holmes palmer wagner black robertson boyd rose stone salazar fox
warren mills meyer rice schmidt garza daniels ferguson nichols stephens soto weaver ryan gardner payne grant dunn
kelley spencer hawkins arnold pierce vazquez hansen peters santos hart bradley knight elliott cunningham duncan
armstrong hudson carroll lane riley andrews alvarado ray delgado berry perkins hoffman johnston matthews pena
richards contreras willis carpenter lawrence sandoval guerrero george chapman rios estrada ortega watkins greene
nunez wheeler valdez harper burke larson santiago maldonado morrison franklin carlson austin dominguez carr lawson
jacobs obrien lynch singh vega bishop montgomery oliver jensen harvey williamson gilbert dean sims espinoza howell
li wang zhang liu wu yang huang zhao zhou xu sun ma zhu hu guo lin he gao luo zheng liang pham le hoang huynh phan
vu vo dang bui do ho ngo duong ly park choi jung kang cho yoon jang lim shah kumar sharma gupta khan ali ahmed
okafor adeyemi mueller muller schneider fischer weber becker wagner kowalski nowak wisniewski oconnor murphy
kelly walsh byrne mccarthy doe roe
""")

# Given names that are also ordinary words: they count as names only in name-shaped company.
AMBIGUOUS_FIRST = _words("""
will mark bill may june hope rose frank grant art dawn carol pat sue jack ray gene drew chase faith joy penny summer
wade dean cliff sandy rusty guy van don ken jo jan kay lee long gray gay ruby pearl iris violet hazel april august
max grace lance christian miles rich earl major young
""")

# Words that are never part of a patient's name here: English function words, what billers write around
# codes, dermatology, anatomy, payers and plans, months and days, titles and credentials.
STOP = _words("""
a about above after again against all almost along already also always am among an and another any anyone anything
are around as ask asked asking at away back be because been before being below best better between both but by can
cannot cant could couldnt did didnt do does doesnt doing done dont down during each either else even ever every few
first for from further get gets getting give given go goes going gone good got great had has hasnt have havent having
he her here hers him his how however i if im in instead into is isnt it its itself just keep kept know last late
later least less let like likely made make makes many may maybe me might more most much must my need needed needs
never new next no nor not now of off often oh ok okay old on once one only or other others our out over own per
please pls plz same she should shouldnt since so some someone something still such sure than that thats the their
them then there these they this those though through thru to too under until up upon us use used uses using usually
very was wasnt way we well were what whats when where whether which while who whom whose why will with within
without wont would wouldnt yes yet you your yours yesterday today tomorrow tonight also again each both thanks thank
thx ty hi hey hello fyi asap btw tia lol idk np cc question questions quick anybody everyone team guys all folks
got bill billed billing bills biller billers code coded coding codes coder coders send sent submit submitted resubmit
resubmitted denied deny denies denial denials paid pay pays paying payment payments pending approved appeal appealed
appeals apply applies applied call called calling calls check checked checking come came fix fixed fixing look looked
looking see seen saw say says said tell told think thought want wants wanted work works worked try tried help
correct incorrect right wrong true false put add added adds remove removed removal removals treated treat treating
treatment treatments frozen froze freeze freezing refused refuse refuses signed sign note notes noted found shows
showed show tried took take taken left went moved move needs required require requires requiring covered cover covers
returned return update updated dropped drop rejected reject received receive reviewed review audit audited
fine first second third fourth fifth one two three four five six seven eight nine ten once twice
pt pts patient patients patients' new est established visit visits office consult consultation e/m em mdm time min
mins minute minutes hour hours claim claims line lines unit units modifier mod mods dx icd icd-10 icd10 cpt hcpcs
diagnosis diagnoses procedure procedures payer payers insurance ins plan plans primary secondary tertiary supplement
supplemental medigap advantage part medicare medicaid commercial selfpay self-pay cash aetna cigna humana anthem bcbs
uhc united unitedhealthcare healthcare health kaiser permanente tricare highmark molina wellcare ambetter oscar
centene caresource amerigroup optum novitas palmetto noridian wps cgs ngs coast gba jh je jl jf jj jk jm blue cross
amerihealth caritas geisinger upmc medica healthpartners excellus emblemhealth emblem fidelis healthfirst metroplus
wellpoint elevance carefirst moda pacificsource sentara avmed selecthealth presbyterian clover alignment devoted
priority trillium meridian buckeye sunshine ambetter wellmark quartz dean
shield florida texas independence premera regence harvard pilgrim tufts horizon gold plus hmo ppo epo npi tin ein
auth authorization authorizations prior pa referral abn abns ga gz gy gx kx xs xe xp xu ncci mue mues ptp global
period days day era eob eobs eft cms box clia lab labs path pathology report reports result results biopsy biopsies
biopsied bx bxs shave shaved punch excision excisions excised excise repair repairs repaired closure layered
intermediate complex simple destruction destructions destroyed cryo cryotherapy ln2 liquid nitrogen laser tx rx
mohs stage stages block blocks margin margins lesion lesions benign malignant premalignant ak aks ak's aks' actinic
keratosis keratoses seb sebk sk sks seborrheic wart warts verruca verrucae molluscum tag tags acrochordon acrochordons
nevus nevi mole moles cyst cysts lipoma lipomas bcc bccs scc sccs mis melanoma melanomas carcinoma basal squamous
cell cells situ psoriasis eczema dermatitis atopic derm acne rosacea hidradenitis suppurativa lichen planus sclerosus
alopecia vitiligo urticaria hives rash rashes pruritus itch itching scar scars keloid keloids injection injections
inj kenalog triamcinolone dupixent methotrexate humira skyrizi otezla biologic biologics intralesional site sites
location locations face facial scalp nose nasal ala cheek cheeks forehead temple temples ear ears helix lip lips chin
neck chest back trunk arm arms forearm forearms hand hands finger fingers leg legs thigh thighs shin shins foot feet
toe toes shoulder shoulders abdomen buttock buttocks groin eyelid eyelids wrist ankle knee elbow hip axilla palm sole
left right l r lt rt bilateral both upper lower mid anterior posterior lateral medial dorsal distal proximal
size sizes cm mm sq diameter area areas specimen specimens inflamed irritated symptomatic cosmetic medical
necessity necessary coverage deductible copay coinsurance balance statement statements superbill superbills charge
charges fee fees schedule rvu rvus wrvu allowed allowable adjustment refund refunds recoup recoupment screening fbse
tbse full body exam skin follow f/u fu post op postop preop surgery surgical surgeon photodynamic pdt blu light
phototherapy nbuvb uvb excimer dermoscopy frozen section sections specimen bowen bowen's bowens kaposi merkel spitz
stevens-johnson hailey-hailey grover grover's grovers becker becker's beckers sweet sweet's syndrome disease sarcoma
pityriasis rosea café cafe au lait macule macules papule papules plaque plaques nodule nodules lentigo lentigines
keratoacanthoma dysplastic atypical ulcer wound debridement graft grafts flap flaps tissue transfer adjacent
deleted effective policy lcd ncd mac jurisdiction article manual chapter guideline guidelines rule rules edit edits
bundled bundle separately separate distinct same different other another each per
jan feb mar apr jun jul aug sep sept oct nov dec january february march april june july august september october
november december mon tue tues wed thu thur thurs fri sat sun monday tuesday wednesday thursday friday saturday sunday
dr dr. doctor doctors md mds do np nps pa pa-c pac rn lpn ma cma fnp dnp phd dpm faad provider providers rendering
referring supervising ordering attending physician physicians clinician staff front desk manager rep representative
practice clinic clinics hospital facility asc lab group dept department
north south east west n s e w ne nw se sw
my our his her their your its mr mrs ms miss
name names dob mbi mrn ssn id ids number numbers phone email address member subscriber account acct
yo y/o year years old male female man woman son daughter husband wife mother father mom dad parent guardian
baby boy girl infant newborn child kid teen
k x y z ok yes no
axillary hyperhidrosis spider vein veins varicose telangiectasia telangiectasias plantar palmar contagiosum vulgaris
maligna hemangioma hemangiomas angioma angiomas cherry dermatofibroma xanthelasma milia comedone comedones pilar
epidermoid sebaceous hyperplasia neurofibroma granuloma annulare pyogenic onychomycosis tinea pedis corporis capitis
cruris versicolor herpes zoster shingles scabies impetigo cellulitis abscess abscesses folliculitis paronychia ingrown
nail nails avulsion matrix chemical peel peels microneedling filler fillers botox dysport xeomin sculptra hair tattoo
sclerotherapy electrolysis incision drainage i&d foreign body scar revision lesional perilesional subungual periungual
genital anal perianal vulvar penile scrotal oral mucosal conjunctival intertrigo seborrheic seborrhea
""")

# Payer and plan names made of several words: masked before the name rules run, since each looks like
# "First Last" ("Oscar Health", "First Coast", "Florida Blue").
PAYER_PHRASES = re.compile(
    r"\b(?:oscar\s+health|first\s+coast(?:\s+service\s+options)?|florida\s+blue|blue\s+cross(?:\s+blue\s+shield)?"
    r"|blue\s+shield|humana\s+gold(?:\s+plus)?|care\s*first|wellcare|kaiser\s+permanente|harvard\s+pilgrim"
    r"|tufts\s+health|molina\s+healthcare|aetna\s+better\s+health|wisconsin\s+physicians(?:\s+service)?"
    r"|palmetto\s+gba|noridian(?:\s+j[ef])?|novitas(?:\s+solutions)?|st\.?\s+john'?s\s+wort)\b",
    re.I,
)

# A word that may be part of a name: letters (any script), inner apostrophes and hyphens, not glued to
# digits ("AAD2019BX" is no word). An initial ("E." or "E") counts only inside a name (checked in code).
WORD = re.compile(r"(?<![\w'’-])[^\W\d_](?:[^\W\d_]|['’-](?=[^\W\d_]))*(?![\w'’-])\.?")

# Strong cues: what follows is a patient (or a relative) unless it is an ordinary word.
STRONG_CUE = re.compile(
    r"(?:\b(?:pt|pts|patient|patients)(?:'s|’s)?\s*(?:name)?\s*(?:is|was)?\s*[:=-]?"
    r"|\b(?:subscriber|insured|guarantor|husband|wife|son|daughter|mother|father|mom|dad|spouse|guardian|named)"
    r"\s*[:=-]?"
    r"|\b(?:mr|mrs|ms|miss|mx)\.?"
    r"|(?:^|\n|\b(?:member|full|legal|first|last)\s*)name\s*(?:is)?\s*[:=-]?)\s*$",
    re.I,
)
# Titles: whatever name-like word follows is a name, in any case ("mrs. delacroix", "baby boy Thompson").
TITLE_CUE = re.compile(r"\b(?:mr|mrs|ms|miss|mx|baby\s+(?:boy|girl))\.?\s*$", re.I)
# Name suffixes, allowed inside a name ("LEBLANC JR, ROBERT").
SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})
# Words that make a run of capitalised words an institution or a place, not a person ("Jackson Memorial",
# "Lee's Summit", "Martin's Point", "Mayo Clinic").
INSTITUTION = _words("""
memorial clinic clinics hospital hospitals health healthcare medical medicine center centre centers university
college county city point summit regional general foundation institute associates dermatology plan plans partners
group physicians pharmacy laboratory laboratories labs pathology surgery surgical children's childrens specialty
network system systems care services service
""")
# Weak cues: "for", "re:", "saw" are followed by codes and payers as often as by names, so what follows
# must also look like a name on its own (capitalised, or a known name).
WEAK_CUE = re.compile(r"\b(?:for|re|saw|seeing|checking|on|at)\s*[:=-]?\s*$", re.I)
# Cues that make what follows a provider, not a patient.
PROVIDER_CUE = re.compile(
    r"(?:\b(?:dr|doctor|provider|rendering|referring|supervising|ordering|attending|np|pa|md)\.?\s*(?:name|is)?\s*[:=-]?"
    r"|@)\s*$",
    re.I,
)
CREDENTIAL = re.compile(r"^[\s,]*(?:md|do|np|pa-c|pa|rn|lpn|fnp|dnp|phd|dpm|faad|aprn|crnp)\b", re.I)
# What a claim paste continues with after the name at its head: a claim code, a date, a DOB/MRN cue.
CODE_AHEAD = re.compile(
    r"^(?:\s*[,;:|–—-])?\s+\(?(?:\d{4}[0-9FTU]\b|[A-TV-Z]\d{2}(?:\.\d{1,4})?\b|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}"
    r"|\d{4}-\d\d-\d\d|(?:dob|d\.o\.b|mrn|mr#|ssn|mbi|acct|dos)\b)",
    re.I,
)


@lru_cache(maxsize=4096)
def _fold(word: str) -> str:
    """Lower case without accents or trailing dot, for list look-ups (José -> jose, O'Brien -> o'brien)."""
    w = unicodedata.normalize("NFKD", word.rstrip(".").replace("’", "'").lower())
    return "".join(c for c in w if not unicodedata.combining(c))


@lru_cache(maxsize=4096)
def _is_stop(word: str) -> bool:
    f = _fold(word)
    return f in STOP or (f.endswith("'s") and f[:-2] in STOP)


@lru_cache(maxsize=4096)
def _known(word: str) -> bool:
    """A given or family name from the lists (any part of O'Brien-Walsh; accents ignored)."""
    f = _fold(word)
    f = f[:-2] if f.endswith("'s") else f
    if len(f) < 3 and not word.isupper() and not word.istitle():
        return False  # "ed", "al", "jo" in lower case are words or abbreviations first
    return any(p in FIRST_NAMES or p in LAST_NAMES for p in {f, f.replace("'", ""), *re.split(r"[-']", f)} if p)


def _known_first(word: str) -> bool:
    f = _fold(word)
    return len(f) >= 3 and f in FIRST_NAMES and f not in AMBIGUOUS_FIRST


def _non_ascii(word: str) -> bool:
    return any(ord(c) > 127 and c.isalpha() for c in word)


@lru_cache(maxsize=4096)
def _acronym(word: str) -> bool:
    """AD, HIV, AMA, NMSC: short words in capitals are abbreviations unless they are known names (LEE, WU)."""
    return word.isupper() and len(word) <= 4 and not _known(word) and not _non_ascii(word)


def _capitalised(word: str) -> bool:
    return word[:1].isupper() and not _acronym(word)


def _initial(word: str) -> bool:
    return len(word.rstrip(".")) == 1 and word[:1].isupper()


@dataclass
class _Tok:
    text: str
    start: int
    end: int


def _tokens(text: str) -> list[_Tok]:
    return [_Tok(m.group().rstrip("."), m.start(), m.start() + len(m.group().rstrip("."))) for m in WORD.finditer(text)]


def _adjacent(text: str, a: _Tok, b: _Tok, comma: bool = False) -> bool:
    """Only spaces between two words (a dot only after an initial; a comma where asked)."""
    gap = text[a.end : b.start]
    if comma:
        return bool(re.fullmatch(r"\s*,\s*", gap))
    return bool(re.fullmatch(r"\s{1,3}", gap) or (_initial(a.text) and re.fullmatch(r"\.\s{1,3}", gap)))


def _name_like(t: _Tok) -> bool:
    return len(t.text) >= 2 and not _is_stop(t.text) and not _acronym(t.text)


def _run(text: str, toks: list[_Tok], i: int, limit: int = 4) -> int:
    """How many name-like words follow one another from toks[i] (initials allowed before a name word)."""
    n = 0
    while i + n < len(toks) and n < limit:
        t = toks[i + n]
        if n and not _adjacent(text, toks[i + n - 1], t):
            break
        nxt = toks[i + n + 1] if i + n + 1 < len(toks) else None
        suffix = n and _fold(t.text) in SUFFIXES
        if not (suffix or _name_like(t) or (_initial(t.text) and nxt is not None and _name_like(nxt) and _adjacent(text, t, nxt))):
            break
        n += 1
    while n and _initial(toks[i + n - 1].text):
        n -= 1
    return n


# A word in brackets after a person: "she (harriet) wants", "pt (Okafor) called".
PERSON_BRACKET = re.compile(
    r"\b(?:she|he|pt|patient|her|him|mom|dad|wife|husband|son|daughter|mother|father)\s*\(\s*([^\W\d_](?:[^\W\d_]|['’-](?=[^\W\d_])){1,30})\s*\)",
    re.I,
)


def _bracketed_names(text: str) -> list[Hit]:
    return [
        Hit("name", m.start(1), m.end(1))
        for m in PERSON_BRACKET.finditer(text)
        if not _is_stop(m.group(1)) and not _acronym(m.group(1)) and len(m.group(1)) >= 3
    ]


def _names(text: str) -> list[Hit]:
    masked = PAYER_PHRASES.sub(lambda m: " " * len(m.group()), text)
    toks = _tokens(masked)
    hits: list[Hit] = []

    def provider(i: int, j: int) -> bool:
        before = masked[max(0, toks[i].start - 30) : toks[i].start]
        after = masked[toks[j - 1].end : toks[j - 1].end + 8]
        return bool(PROVIDER_CUE.search(before) or CREDENTIAL.match(after))

    i = 0
    while i < len(toks):
        t = toks[i]
        n = _run(masked, toks, i)
        if not n and _fold(t.text) not in AMBIGUOUS_FIRST:
            i += 1
            continue
        before = masked[max(0, t.start - 40) : t.start]
        title = TITLE_CUE.search(before) is not None
        strong = title or STRONG_CUE.search(before) is not None
        weak = WEAK_CUE.search(before) is not None
        span = 0  # how many tokens from i make a name, 0 for none

        # 1. LAST, FIRST (the EHR shape): name-like words on both sides of a comma, with some evidence that
        #    they are a name: a known name, letters from outside English, a claim code or date right after
        #    them, or a cue in front. Capitals alone are not enough ("CUTIS, AAD" in a reference list).
        if n and i + n < len(toks) and _adjacent(masked, toks[i + n - 1], toks[i + n], comma=True):
            m = _run(masked, toks, i + n, limit=3)
            if m:
                words = [w.text for w in toks[i : i + n + m]]
                evidence = any(_known(w) or _non_ascii(w) for w in words)
                ahead = CODE_AHEAD.match(masked[toks[i + n + m - 1].end :]) is not None
                lower_known = any((_known(w) and _fold(w) not in AMBIGUOUS_FIRST) or _non_ascii(w) for w in words)
                if all(w.isupper() or _initial(w) for w in words):
                    ok = evidence or ahead or strong  # DOE, JANE / ROGERS, IGNATIUS K 99203
                elif all(_capitalised(w) or _initial(w) for w in words):
                    ok = evidence or ahead or strong or weak  # Hall, William / re Turner, Rosalind:
                elif all(w.islower() for w in words):
                    ok = lower_known  # smith, john -- but not "for example, accepts" or "atypia, dysplasia"
                else:
                    ok = False
                if ok:
                    span = n + m

        if not span and n:
            words = [w.text for w in toks[i : i + n]]
            caps = [_capitalised(w) or _initial(w) for w in words]
            evidence = any(_known(w) or _non_ascii(w) for w in words)
            ahead = CODE_AHEAD.match(masked[toks[i + n - 1].end :]) is not None
            possessive = words[-1].endswith(("'s", "’s"))
            if title or (strong and (caps[0] or (n >= 2 and (evidence or ahead)) or _known_first(words[0]) or possessive)):
                # 2. After "pt", "patient", "Mr.", "Name:": a capitalised word ("pt Mary had"), a known given
                #    name ("pt john smith"), or two name-like words with evidence ("pt zoë smith-jones").
                span = n
            elif weak and (
                (caps[0] and (n >= 2 or evidence))
                or (n >= 2 and evidence and _known(words[0]))
                or (n >= 2 and ahead and all(w.islower() for w in words))
            ):
                # 3. After "for", "re:", "saw": capitalised name words ("for Joaquín Stewart"), known names in
                #    lower case ("for gary taylor"), or two lower-case words right before the codes ("for
                #    bartholomew okonkwo 17000"); "for axillary hyperhidrosis codes" is none of these, and the
                #    dermatology words in STOP keep "for spider veins 36468" out.
                span = n
            elif n >= 2 and all(caps) and _fold(words[-1]) in SUFFIXES:
                # 10. Capitalised words closed by a name suffix ("Harrington Jr", "Ignatius Rowe III").
                span = n
            elif n >= 2 and all(caps) and evidence:
                # 4. Capitalised words with a known name or foreign letters among them ("Kenneth Jackson",
                #    "Đặng Quốc Bảo", "JANE DOE"); "Choosing Wisely" and "Basal Cell" have neither.
                span = n
            elif n >= 2 and all(w.islower() for w in words) and _known_first(words[0]) and (_known(words[1]) or ahead):
                # 5. Lower case, no cue: a known given name then a family name ("harold carter 11102").
                span = n
            elif n >= 2 and ahead and (evidence or all(caps)) and i == 0 and not masked[: t.start].strip():
                # 6. The words that open a claim paste, right before its first code: a name is what an EHR
                #    export puts there ("nguyen thi hoa 11102", "Dorothea Lange, 17311"). Costs a refusal of
                #    the odd "Jessner Peel 15788"; a name there is the commoner case.
                span = n
            elif n == 1 and possessive and caps[0] and _known(words[0]):
                # 7. A capitalised name with a possessive ("can you fix Walter's claim?").
                span = 1
            elif (
                n == 1
                and caps[0]
                and _fold(words[0]) in LAST_NAMES
                and i + 1 < len(toks)
                and _initial(toks[i + 1].text)
                and _adjacent(masked, t, toks[i + 1])
                and (CODE_AHEAD.match(masked[toks[i + 1].end :]) or not masked[toks[i + 1].end :].strip(" ."))
            ):
                # 9. A family name and an initial before the codes ("Smith J 17000").
                span = 2

        # 8. Given names that are also words ("Bill White", "pt hope baker") count when a name follows.
        if not span and _fold(t.text) in AMBIGUOUS_FIRST and i + 1 < len(toks):
            nxt = toks[i + 1]
            if (
                _adjacent(masked, t, nxt)
                and _name_like(nxt)
                and ((_capitalised(t.text) and _capitalised(nxt.text) and _known(nxt.text)) or strong)
            ):
                span = 2

        if span:
            nxt_tok = toks[i + span] if i + span < len(toks) else None
            institution = any(_fold(w.text).removesuffix("'s") in INSTITUTION for w in toks[i : i + span]) or (
                nxt_tok is not None and _adjacent(masked, toks[i + span - 1], nxt_tok) and _fold(nxt_tok.text) in INSTITUTION
            )
            company = re.match(r"\s*&", masked[toks[i + span - 1].end :]) is not None  # Smith & Nephew
            # "St. Joseph's referral": a saint's name with a possessive is a hospital ("St. Clair, Yvonne" is not).
            saint = span == 1 and re.search(r"\b(?:st|saint)\.?\s*$", masked[: toks[i].start], re.I) is not None
            if institution or company or saint:
                i += span
                continue
            if not provider(i, i + span):
                hits.append(Hit("name", toks[i].start, toks[i + span - 1].end))
            i += span
        else:
            i += 1
    return hits


# --- dates ------------------------------------------------------------------------------------------


def _year(y: str, today: date) -> int:
    y = y.lstrip("'")
    if len(y) == 4:
        return int(y)
    yy = int(y)
    return 2000 + yy if yy <= today.year % 100 + 1 else 1900 + yy


def _parse(m: re.Match[str], today: date) -> date | None:
    g = m.groupdict()
    try:
        if g["y"]:
            return date(_year(g["y"], today), int(g["m"]), int(g["d"]))
        if g["Y"]:
            return date(int(g["Y"]), int(g["M"]), int(g["D"]))
        mon = g["mon"] or g["mon2"]
        month = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"].index(mon[:3].lower()) + 1
        return date(_year(g["my"] or g["my2"], today), month, int(g["md"] or g["dm"]))
    except ValueError:
        return None


def _compact(s: str) -> bool:
    """03041956, 19560304 or 030456 as a real calendar date."""
    for y, m, d in ((s[4:], s[:2], s[2:4]), (s[:4], s[4:6], s[6:])) if len(s) == 8 else ((s[4:], s[:2], s[2:4]),):
        try:
            date(int(y) if len(y) == 4 else 1900 + int(y), int(m), int(d))
            return True
        except ValueError:
            continue
    return False


# Words before a date that make it a claim's or a policy's date, never a birth date.
ORDINARY_DATE_CUE = re.compile(
    r"\b(?:dos|date\s+of\s+service|eff(?:ective)?|since|as\s+of|from|dated|rev(?:ised)?|updated|issued|published"
    r"|before|after|until|through|thru|starting|beginning|prior\s+to|deleted|retired|termed|orig(?:inal)?|filed"
    r"|billed|paid|denied|appeal(?:ed)?|sent|received|submitted|on)\.?\s*[:=]?\s*$",
    re.I,
)


def _dates(text: str, today: date, names: list[Hit]) -> list[Hit]:
    hits = []
    for m in DATE.finditer(text):
        d = _parse(m, today)
        if d is None:
            continue
        before = text[max(0, m.start() - 30) : m.start()]
        cue = DOB_CUE.search(before)
        near_name = any(0 <= m.start() - h.end <= 4 or 0 <= h.start - m.end() <= 2 for h in names)
        if cue and before.endswith(cue.group()):
            hits.append(Hit("dob", m.start(), m.end()))
        elif near_name:
            # A date printed right beside a name, as an EHR header does: a birth date, or a visit date that
            # ties the name to care. Either way an identifier.
            hits.append(Hit("date_with_name", m.start(), m.end()))
        elif d.year < today.year - 8 and m.group("s") != "." and not ORDINARY_DATE_CUE.search(before):
            # No claim is filed years after its date of service: an old full date is a birth date, unless a
            # word such as "effective" says otherwise. Dotted dates (08.01.07) are too often version numbers.
            hits.append(Hit("dob", m.start(), m.end()))
    for m in COMPACT_DATE.finditer(text):
        before = text[max(0, m.start() - 30) : m.start()]
        cue = DOB_CUE.search(before)
        if cue and before.endswith(cue.group()) and _compact(m.group()):
            hits.append(Hit("dob", m.start(), m.end()))
    return hits


# --- numbers ----------------------------------------------------------------------------------------


def _npi(digits: str) -> bool:
    """An NPI: ten digits, starting 1 or 2, Luhn check digit over the 80840 prefix."""
    if len(digits) != 10 or digits[0] not in "12":
        return False
    total = 0
    for i, c in enumerate(reversed("80840" + digits)):
        n = int(c)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def _ordinary_cue(text: str, start: int) -> bool:
    return bool(ORDINARY_NUMBER_CUE.search(text[max(0, start - 30) : start]))


PHONE_CUE = re.compile(r"\b(?:ph|phone|tel|cell|mobile|home|work|call(?:ed)?|text|contact|#|vm)\b\W*$", re.I)


def _phones(text: str) -> list[Hit]:
    hits = []
    for m in PHONE.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if len(digits) == 11:
            if digits[0] != "1":
                continue
            digits = digits[1:]
        if len(digits) != 10 or digits[0] in "01" or digits[:3] in TOLL_FREE:
            continue  # NANP area codes start 2-9; toll-free lines are payers'
        if _ordinary_cue(text, m.start()):
            continue
        bare = m.group().isdigit()
        if bare and _npi(digits) and not PHONE_CUE.search(text[max(0, m.start() - 20) : m.start()]):
            continue  # ten bare digits that check out as an NPI, with no phone word before them
        hits.append(Hit("phone", m.start(), m.end()))
    return hits


def _cued(pattern: re.Pattern[str], kind: str, text: str) -> list[Hit]:
    hits = []
    for m in pattern.finditer(text):
        g = next((k for k in range(1, (pattern.groups or 0) + 1) if m.group(k) is not None), 0)
        hits.append(Hit(kind, m.start(g), m.end(g)))
    return hits


def _addresses(text: str) -> list[Hit]:
    hits = []
    for m in ADDRESS.finditer(text):
        words = re.findall(r"[A-Za-z][A-Za-z'-]*|\d+(?:st|nd|rd|th)", text[m.start() : m.end()])[:-1]
        suffix = re.search(rf"(?:{_SUFFIX})\b\.?", m.group()[len(m.group().split()[0]) :], re.I)
        after = text[m.end() :]
        if any(w.islower() and _fold(w) in STOP and len(w) > 1 for w in words):
            continue  # "3 lesions Dr", "12 aks Dr.": billing words in lower case are not a street's name
        if (
            suffix
            and _fold(suffix.group()) in ("dr", "st")
            and re.match(r"\s+[A-Z]", after)
            and not re.match(r"\s+(?:apt|unit|suite|ste)\b", after, re.I)
        ):
            continue  # "Dr Lee", "St. John's": a title, not a street
        hits.append(Hit("address", m.start(), m.end()))
    for pat in (PO_BOX, CITY_STATE_ZIP, ADDRESS_CUED):
        hits += [Hit("address", m.start(), m.end()) for m in pat.finditer(text)]
    return hits


# --- the API ----------------------------------------------------------------------------------------


def find_phi(text: str, today: date | None = None) -> list[Hit]:
    """Every patient identifier the text seems to hold, as (kind, start, end), in text order.

    ``today`` anchors two-digit years and "an old date is a birth date" (defaults to the current date).

    >>> [h.kind for h in find_phi("DOE, JANE 03/04/1956 17000 L57.0", date(2026, 3, 2))]
    ['name', 'date_with_name']
    >>> find_phi("99213-25 L40.0; 17000 L57.0; 17003 x14 L57.0; medicare 2026-03-02", date(2026, 3, 2))
    []
    """
    today = today or date.today()
    hits: list[Hit] = []
    hits += [Hit("email", m.start(), m.end()) for m in EMAIL.finditer(text)]
    hits += [Hit("mbi", m.start(), m.end()) for m in MBI.finditer(text)]
    hits += [Hit("mbi", m.start(), m.end()) for m in HICN.finditer(text)]
    hits += [Hit("age", m.start(), m.end()) for m in AGE.finditer(text)]
    hits += [Hit("ssn", m.start(), m.end()) for m in SSN.finditer(text)]
    hits += _cued(SSN_CUED, "ssn", text)
    hits += [Hit("ssn", m.start(), m.end()) for m in NINE_DIGITS.finditer(text) if not _ordinary_cue(text, m.start())]
    hits += _phones(text)
    hits += _cued(MRN, "mrn", text)
    hits += _cued(ACCOUNT, "account", text)
    hits += _cued(MEMBER_ID, "member_id", text)
    hits += [Hit("member_id", m.start(), m.end()) for m in MEMBER_SHAPE.finditer(text) if not _ordinary_cue(text, m.start())]
    hits += _addresses(text)
    names = _names(text) + _bracketed_names(text)
    hits += names
    hits += _dates(text, today, names)
    return _dedupe(hits)


def _dedupe(hits: list[Hit]) -> list[Hit]:
    """One hit per span: where spans overlap, keep the first found of the longest."""
    out: list[Hit] = []
    for h in sorted(hits, key=lambda h: (h.start, -(h.end - h.start))):
        if out and h.start < out[-1].end and h.kind == out[-1].kind:
            continue
        if any(o.start <= h.start and h.end <= o.end and o.kind != h.kind and h.kind in ("ssn", "phone") for o in out):
            continue  # nine or ten digits inside an id already found
        out.append(h)
    return out


# Each kind in words, in the order a refusal names them.
LABELS = {
    "name": "patient name",
    "dob": "date of birth",
    "date_with_name": "date next to a name",
    "age": "age over 89",
    "mbi": "Medicare number",
    "member_id": "member ID",
    "mrn": "medical record number",
    "account": "account number",
    "ssn": "Social Security number",
    "phone": "phone number",
    "email": "e-mail address",
    "address": "street address",
}


def kinds(text: str, today: date | None = None) -> list[str]:
    """The kinds of identifier found, once each, in a stable order (for a refusal message).

    >>> kinds("Smith, John MRN 0047192 17000", date(2026, 3, 2))
    ['name', 'mrn']
    """
    found = {h.kind for h in find_phi(text, today)}
    return [k for k in LABELS if k in found]


def identifiers(text: str, today: date | None = None) -> list[str]:
    """The kinds of identifier ``text`` seems to hold, in words (never the values); empty when it holds none.

    >>> identifiers("Jane Doe DOB 04/12/1951 17000 L57.0", date(2026, 3, 2))
    ['patient name', 'date of birth']
    >>> identifiers("99213-25 L40.0; 17000 L57.0; medicare 2026-03-02", date(2026, 3, 2))
    []
    """
    return [LABELS[k] for k in kinds(text, today)]
