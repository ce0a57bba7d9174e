"""Synthetic EduConnect snapshots ("Snapshot format" v1 of the shared docs/DOMAINE.md): establishments, pupils, guardians'
source records, links and accounts, one folder per extraction date.

Design (why it scales and stays consistent):
- The world is built once per *département* chunk (families never cross a département), with numpy only:
  households -> guardians and pupils -> links -> source records (one per guardian and school database)
  -> accounts (one per person, a second one when a record diverges).
- Every account gets its event dates drawn once (notification, activation, self sign-up, deactivation,
  connection rhythm...). The state on day t is a vectorised function of those dates, so any day is
  computable on its own, day t is consistent with day t-1, and a seed gives byte-identical files.
- Strings are built with pyarrow compute (take from small pools, joins), never with a Python loop over
  people; tables are appended chunk by chunk to the output files, so memory is bounded by the largest
  département, not by France.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from data import names as N
from queries.core import vocab

PROFILES = ("demo", "reunion", "national")
TABLES = ("etablissements", "eleves", "responsables", "liens", "comptes")
COLUMNS: dict[str, list[str]] = {
    "etablissements": ["uai", "nom", "type", "degre", "commune", "circonscription_code", "circonscription_nom",
                       "departement_code", "departement_nom", "academie_code", "academie_nom"],
    "eleves": ["ine", "nom", "prenom", "date_naissance", "uai", "classe", "mef_code", "mef_libelle"],
    "responsables": ["responsable_id", "source", "uai", "civilite", "nom_usage", "nom_naissance", "prenoms",
                     "telephone_portable", "courriel", "identifiant"],
    "liens": ["responsable_id", "ine", "lien"],
    "comptes": ["identifiant", "origine", "etat", "date_notification", "date_activation",
                "date_derniere_connexion", "date_demande_reinit_mdp", "courriel", "telephone_portable"],
}
DATE_COLUMNS = {"date_naissance", "date_notification", "date_activation", "date_derniere_connexion",
                "date_demande_reinit_mdp"}
SCHEMAS: dict[str, pa.Schema] = {
    t: pa.schema([(c, pa.date32() if c in DATE_COLUMNS else pa.string()) for c in cols])
    for t, cols in COLUMNS.items()
}

ORIGINES = list(vocab.ORIGINES)
O_ATEN, O_ENT, O_ETAB, O_FC, O_RESP, O_NR = range(6)
ETATS = list(vocab.ETATS)
LIENS = list(vocab.LIENS)
L_MERE, L_PERE, L_TUTEUR, L_AUTRE = range(4)
SCHOOL_TYPES = [x.value for x in vocab.TypeEtab]
T_MAT, T_ELEM, T_PRIM, T_COL, T_LYC, T_PRO = range(6)
UAI_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
NEVER = np.int32(2**31 - 1)  # sentinel day for "never happens"
GRACE_DAYS = 30  # a pupil who left stays in the school's extract this long (shows deactivated accounts)

LEVELS = ["PS", "MS", "GS", "CP", "CE1", "CE2", "CM1", "CM2", "6EME", "5EME", "4EME", "3EME", "2NDE", "1ERE",
          "TERM"]
TR_1D, TR_COL, TR_GT, TR_PRO = range(4)
# MEF: (code, libellé, level index, track, class stem, weight within (level, track)).
MEFS: list[tuple[str, str, int, int, str, float]] = [
    ("00010001110", "PETITE SECTION", 0, TR_1D, "PS", 1), ("00010002110", "MOYENNE SECTION", 1, TR_1D, "MS", 1),
    ("00010003110", "GRANDE SECTION", 2, TR_1D, "GS", 1), ("00020001110", "CP", 3, TR_1D, "CP", 1),
    ("00020002110", "CE1", 4, TR_1D, "CE1", 1), ("00020003110", "CE2", 5, TR_1D, "CE2", 1),
    ("00020004110", "CM1", 6, TR_1D, "CM1", 1), ("00020005110", "CM2", 7, TR_1D, "CM2", 1),
    ("10010012110", "6EME", 8, TR_COL, "6EME", 97), ("16410002110", "6EME SEGPA", 8, TR_COL, "6EME SEGPA", 3),
    ("10110001110", "5EME", 9, TR_COL, "5EME", 97), ("16510002110", "5EME SEGPA", 9, TR_COL, "5EME SEGPA", 3),
    ("10210001110", "4EME", 10, TR_COL, "4EME", 97), ("16610002110", "4EME SEGPA", 10, TR_COL, "4EME SEGPA", 3),
    ("10310019110", "3EME", 11, TR_COL, "3EME", 89),
    ("10310020110", "3EME PREPA-METIERS", 11, TR_COL, "3EME PM", 8),
    ("16710002110", "3EME SEGPA", 11, TR_COL, "3EME SEGPA", 3),
    ("20010018110", "2NDE GENERALE ET TECHNOLOGIQUE", 12, TR_GT, "2NDE", 1),
    ("20110019110", "1ERE GENERALE", 13, TR_GT, "1ERE G", 72), ("21131016110", "1ERE STMG", 13, TR_GT, "1ERE STMG", 16),
    ("21133101110", "1ERE STI2D", 13, TR_GT, "1ERE STI2D", 7), ("21133102110", "1ERE ST2S", 13, TR_GT, "1ERE ST2S", 5),
    ("20212019110", "TERM GENERALE", 14, TR_GT, "TERM G", 72), ("21231016110", "TERM STMG", 14, TR_GT, "TERM STMG", 16),
    ("21233101110", "TERM STI2D", 14, TR_GT, "TERM STI2D", 7), ("21233102110", "TERM ST2S", 14, TR_GT, "TERM ST2S", 5),
    ("24725510310", "2NDE PRO MELEC", 12, TR_PRO, "2NDE PRO MELEC", 22),
    ("24731204310", "2NDE PRO MRC", 12, TR_PRO, "2NDE PRO MRC", 22),
    ("24733003310", "2NDE PRO AGORA", 12, TR_PRO, "2NDE PRO AGORA", 17),
    ("24725011310", "2NDE PRO MSPC", 12, TR_PRO, "2NDE PRO MSPC", 14),
    ("50022109210", "1CAP2 CUISINE", 12, TR_PRO, "1CAP2 CUISINE", 13),
    ("50025510210", "1CAP2 ELECTRICIEN", 12, TR_PRO, "1CAP2 ELEC", 12),
    ("24625510310", "1ERE PRO MELEC", 13, TR_PRO, "1ERE PRO MELEC", 22),
    ("24631204310", "1ERE PRO MRC", 13, TR_PRO, "1ERE PRO MRC", 22),
    ("24633003310", "1ERE PRO AGORA", 13, TR_PRO, "1ERE PRO AGORA", 17),
    ("24625011310", "1ERE PRO MSPC", 13, TR_PRO, "1ERE PRO MSPC", 14),
    ("50122109210", "2CAP2 CUISINE", 13, TR_PRO, "2CAP2 CUISINE", 13),
    ("50125510210", "2CAP2 ELECTRICIEN", 13, TR_PRO, "2CAP2 ELEC", 12),
    ("24525510310", "TERM PRO MELEC", 14, TR_PRO, "TERM PRO MELEC", 25),
    ("24531204310", "TERM PRO MRC", 14, TR_PRO, "TERM PRO MRC", 25),
    ("24533003310", "TERM PRO AGORA", 14, TR_PRO, "TERM PRO AGORA", 20),
    ("24525011310", "TERM PRO MSPC", 14, TR_PRO, "TERM PRO MSPC", 16),
]
# Small écoles merge two levels in one class ("CE1-CE2").
PAIR_STEMS = {"PS": "PS-MS", "MS": "PS-MS", "CE1": "CE1-CE2", "CE2": "CE1-CE2", "CM1": "CM1-CM2",
              "CM2": "CM1-CM2"}
CLASS_CAP = {TR_1D: 25, TR_COL: 27, TR_GT: 33, TR_PRO: 24}
N_SUFFIX = 1 + 26 + 40  # none, letters A-Z, numbers 1-40

EMAIL_DOMAINS = ["example.fr", "example.com", "exemple.fr", "example.org", "example.net", "exemple.re"]


# --------------------------------------------------------------------------------------------------------
# Pools: every string a person may carry comes from one of these small arrays (built once, taken by index).
# --------------------------------------------------------------------------------------------------------
def _ascii(s: str) -> str:
    s = s.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae")
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def _zipf(n: int, a: float = 0.85) -> np.ndarray:
    w = 1.0 / (np.arange(n) + 2.0) ** a
    return w / w.sum()


@dataclass
class _Pools:
    surnames: list[str]
    surname_ranges: dict[str, tuple[int, int]]
    surname_p: dict[str, np.ndarray]
    surname_arr: pa.Array
    surname_email: pa.Array
    surname_trunc: np.ndarray  # pool index -> truncated-login key
    surname_rank: np.ndarray  # alphabetical rank (to sort class lists)
    trunc_arr: pa.Array
    adult: list[str]
    adult_ranges: dict[str, tuple[int, int]]
    adult_arr: pa.Array
    adult_email: pa.Array
    adult_initial: np.ndarray
    child: list[str]
    child_ranges: dict[str, tuple[int, int]]
    child_arr: pa.Array
    child_rank: np.ndarray
    initial_arr: pa.Array
    class_labels: pa.Array
    stems: list[str]
    mef_code: pa.Array
    mef_lib: pa.Array
    mef_stem: np.ndarray
    mef_track: np.ndarray


def _build_pools() -> _Pools:
    surnames: list[str] = []
    ranges: dict[str, tuple[int, int]] = {}
    probs: dict[str, np.ndarray] = {}
    for origin, lst in N.SURNAMES.items():
        lst = list(dict.fromkeys(lst))
        w = 1.0 / (np.arange(len(lst)) + (6.0 if origin == "reunion" else 4.0))
        if origin == "metropole":
            # the common names carry ~15 % of people, the long tail the rest (fixed weights: deterministic)
            tail = N.metro_tail()
            tw = np.random.default_rng(20_26).lognormal(0, 0.8, len(tail))
            w = np.r_[0.15 * (1.0 / (np.arange(len(lst)) + 8.0)) / (1.0 / (np.arange(len(lst)) + 8.0)).sum(),
                      0.85 * tw / tw.sum()]
            lst = lst + tail
        ranges[origin] = (len(surnames), len(surnames) + len(lst))
        probs[origin] = w / w.sum()
        surnames += lst
    # Login part of a surname: lowercase ascii letters only, truncated (K/BIDI -> kbidi, LE GALL -> legall).
    trunc = ["".join(c for c in _ascii(s).lower() if c.isalpha())[:10] for s in surnames]
    trunc_u, trunc_idx = np.unique(np.array(trunc), return_inverse=True)
    email_sn = [_ascii(s).lower().replace(" ", "").replace("'", "").replace("/", "") for s in surnames]

    def people(groups: dict[str, list[str]]) -> tuple[list[str], dict[str, tuple[int, int]]]:
        out: list[str] = []
        rg: dict[str, tuple[int, int]] = {}
        for k, lst in groups.items():
            lst = list(dict.fromkeys(lst))
            rg[k] = (len(out), len(out) + len(lst))
            out += lst
        return out, rg

    adult, adult_rg = people({"F": N.FEMALE_ADULT, "M": N.MALE_ADULT, "FC": N.FEMALE_COMORIAN,
                              "MC": N.MALE_COMORIAN})
    child, child_rg = people({"F": N.FEMALE_CHILD, "M": N.MALE_CHILD, "FC": N.FEMALE_COMORIAN,
                              "MC": N.MALE_COMORIAN})
    adult_email = [_ascii(s.split(" ")[0]).lower() if i % 3 else _ascii(s).lower().replace(" ", "-")
                   for i, s in enumerate(adult)]
    letters = "abcdefghijklmnopqrstuvwxyz"
    stems = list(dict.fromkeys([m[4] for m in MEFS] + list(PAIR_STEMS.values())))
    labels = []
    for st in stems:
        labels.append(st)
        labels += [f"{st} {c}" for c in letters.upper()]
        labels += [f"{st} {i}" for i in range(1, 41)]
    return _Pools(
        surnames=surnames, surname_ranges=ranges, surname_p=probs, surname_arr=pa.array(surnames),
        surname_email=pa.array(email_sn), surname_trunc=trunc_idx.astype(np.int32),
        surname_rank=np.argsort(np.argsort(np.array(surnames), kind="stable")).astype(np.int32),
        trunc_arr=pa.array(trunc_u.tolist()),
        adult=adult, adult_ranges=adult_rg, adult_arr=pa.array(adult), adult_email=pa.array(adult_email),
        adult_initial=np.array([letters.index(_ascii(s)[0].lower()) for s in adult], dtype=np.int32),
        child=child, child_ranges=child_rg, child_arr=pa.array(child),
        child_rank=np.argsort(np.argsort(np.array(child), kind="stable")).astype(np.int32),
        initial_arr=pa.array(list(letters)), class_labels=pa.array(labels), stems=stems,
        mef_code=pa.array([m[0] for m in MEFS]), mef_lib=pa.array([m[1] for m in MEFS]),
        mef_stem=np.array([stems.index(m[4]) for m in MEFS], dtype=np.int32),
        mef_track=np.array([m[3] for m in MEFS], dtype=np.int8),
    )


_POOLS: _Pools | None = None


def _pools() -> _Pools:
    global _POOLS
    if _POOLS is None:
        _POOLS = _build_pools()
    return _POOLS


# --------------------------------------------------------------------------------------------------------
# Profiles
# --------------------------------------------------------------------------------------------------------
@dataclass
class Chunk:
    """One département: the unit of generation (families and catchment areas stay inside it)."""

    acad_code: str
    acad_name: str
    rentree_md: str
    dep_code: str
    uai_prefix: str
    dep_name: str
    communes: list[str]
    commune_w: list[float]
    population: str  # names origin mix key
    phones: str  # mobile numbering plan key
    pupils: int
    n_ecoles: int
    n_colleges: int
    n_lycees: int
    n_lycees_pro: int
    n_circ: int
    patrons: list[str] = field(default_factory=list)


def _phone_plan(dep_code: str) -> str:
    return {"974": "reunion", "976": "mayotte", "971": "guadeloupe", "972": "martinique",
            "973": "guyane"}.get(dep_code, "metropole")


def _reunion_chunk(pupils: int, ecoles: int, colleges: int, lycees: int, pro: int, circ: int,
                   communes: int = 24) -> Chunk:
    cw = N.REUNION_COMMUNES[:communes]
    return Chunk("28", "La Réunion", "08-17", "974", "974", "La Réunion", [c for c, _ in cw],
                 [w for _, w in cw], "reunion", "reunion", pupils, ecoles, colleges, lycees, pro, circ,
                 N.REUNION_PATRONS + N.SCHOOL_PATRONS)


def profile_chunks(profile: str) -> list[Chunk]:
    if profile == "demo":
        # ~6 600 pupils -> ~10 000 guardian source records.
        return [_reunion_chunk(6600, 12, 3, 1, 1, 2, communes=3)]
    if profile == "reunion":
        return [_reunion_chunk(210_000, 520, 80, 32, 18, 26)]
    if profile != "national":
        raise ValueError(f"profil inconnu : {profile!r} (attendu : {', '.join(PROFILES)})")
    total = sum(a[3] for a in N.ACADEMIES)
    scale = 12_000_000 / (total * 1000)
    chunks: list[Chunk] = []
    for code, name, md, kpupils, pop, deps in N.ACADEMIES:
        dep_w = np.array([len(d[3]) ** 1.6 for d in deps], dtype=float)
        dep_w /= dep_w.sum()
        for (dcode, prefix, dname, communes), w in zip(deps, dep_w, strict=True):
            p = int(round(kpupils * 1000 * scale * w))
            if dcode == "974":
                communes_w = [w for _, w in N.REUNION_COMMUNES]
            elif dcode == "976":
                communes_w = [w for _, w in N.MAYOTTE_COMMUNES]
            else:
                communes_w = [4.0] + [2.0 / (i + 1) for i in range(len(communes) - 1)]
            ecole_size = 200 if pop in ("reunion", "mayotte") else 150
            n_ec = max(3, round(p * 8 / 15 / ecole_size))
            n_col = max(1, round(p * 4 / 15 / 600))
            n_lyc_all = max(2, round(p * 3 / 15 / 750))
            n_pro = max(1, round(n_lyc_all * 0.38))
            chunks.append(Chunk(
                code, name, md, dcode, prefix, dname, communes, communes_w,
                "reunion" if dcode == "974" else pop, _phone_plan(dcode), p, n_ec, n_col,
                max(1, n_lyc_all - n_pro), n_pro, max(1, round(n_ec / 22)),
                (N.REUNION_PATRONS if dcode == "974" else []) + N.SCHOOL_PATRONS))
    return chunks


# --------------------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------------------
def uai_check_letter(seven: str) -> str:
    """Check letter of a UAI whose first 7 characters are digits."""
    return UAI_LETTERS[int(seven) % 23]


def uai_is_valid(uai: str) -> bool:
    return len(uai) == 8 and uai[:7].isdigit() and uai[7] == uai_check_letter(uai[:7])


def _day(d: dt.date) -> int:
    return (d - dt.date(1970, 1, 1)).days


def _choice(rng: np.random.Generator, p: Sequence[float], size: int) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    return rng.choice(len(p), size=size, p=p / p.sum())


def _group_rank(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For keys sorted ascending: rank of each element inside its run, and the run sizes per element."""
    n = len(keys)
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    sizes = np.diff(np.r_[starts, n])
    run = np.repeat(np.arange(len(starts)), sizes)
    return np.arange(n) - starts[run], sizes[run]


def _s(values: pa.Array | pa.ChunkedArray, idx: np.ndarray) -> pa.Array:
    """Take strings from a pool by numpy index."""
    return values.take(pa.array(idx))


def _join(*parts: pa.Array | str) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _digits(n: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(n.astype(np.int64)), pa.string())


def _dates(days: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    d = days.astype(np.int32)
    mask = d == NEVER if valid is None else ~valid
    return pa.array(np.where(mask, 0, d), type=pa.date32(), mask=mask)


# --------------------------------------------------------------------------------------------------------
# World of one département
# --------------------------------------------------------------------------------------------------------
@dataclass
class _Counters:
    """State shared across chunks so identifiers stay unique nationally."""

    pupils: int = 0
    records: int = 0
    logins: np.ndarray | None = None
    phones: dict[str, int] = field(default_factory=dict)
    phone_salt: int = 0


@dataclass
class _World:
    etab: pa.Table
    eleves: pa.Table
    resp: pa.Table
    liens: pa.Table
    # visibility drivers
    h_arr: np.ndarray
    h_dep: np.ndarray
    e_hh: np.ndarray
    l_pupil: np.ndarray
    l_record: np.ndarray
    n_records: int
    # accounts
    a_login: pa.Array
    a_created: np.ndarray
    a_origin: np.ndarray
    a_origin_day: np.ndarray
    a_notif: np.ndarray
    a_act_start: np.ndarray
    a_act: np.ndarray
    a_deact: np.ndarray
    a_period: np.ndarray
    a_stop: np.ndarray
    a_reinit: np.ndarray
    a_mail_before: pa.Array
    a_mail_after: pa.Array
    a_phone: pa.Array


# Mobile numbering plans: the national prefixes of each region, kept to the blocks that the phonenumbers
# library (used by the app to validate numbers) accepts as mobile numbers of that region.
_PLANS: dict[str, tuple[str, list[str], int]] = {
    "metropole": ("FR", [f"0{i}" for i in range(600, 800)], 6),  # 06 / 07 (not the overseas 0639, 069x)
    "reunion": ("RE", [f"069{i}{j:02d}" for i in (2, 3) for j in range(100)], 4),  # 0692, 0693
    "mayotte": ("YT", [f"0639{j:02d}" for j in range(100)], 4),
    "guadeloupe": ("GP", [f"069{i}{j:02d}" for i in (0, 1) for j in range(100)], 4),
    "martinique": ("MQ", [f"069{i}{j:02d}" for i in (6, 7) for j in range(100)], 4),
    "guyane": ("GF", [f"0694{j:02d}" for j in range(100)], 4),
}
_BLOCKS: dict[str, np.ndarray] = {}


def _blocks(plan: str) -> np.ndarray:
    """Valid prefixes of a plan, as integers without the leading 0 (cached; ~200 checks per plan)."""
    if plan not in _BLOCKS:
        import phonenumbers as ph

        region, prefixes, free = _PLANS[plan]

        def ok(prefix: str) -> bool:
            n = ph.parse(prefix + "1234567"[: 10 - len(prefix)], region)
            return ph.is_valid_number_for_region(n, region) and ph.number_type(n) == ph.PhoneNumberType.MOBILE

        _BLOCKS[plan] = np.array([int(x) for x in prefixes if ok(x)], dtype=np.int64) * 10**free
    return _BLOCKS[plan]


def _mobiles(rng: np.random.Generator, plan: str, n: int, cnt: _Counters) -> np.ndarray:
    """n distinct mobile numbers without their leading 0 (the 9 significant digits)."""
    metro = np.ones(n, bool) if plan == "metropole" else rng.random(n) < 0.04  # kept a metropolitan line
    out = np.empty(n, np.int64)
    for key, sel in (("metropole", metro), (plan, ~metro)):
        k = int(sel.sum())
        if k == 0:
            continue
        blocks = _blocks(key)
        per = 10 ** _PLANS[key][2]
        size = len(blocks) * per
        used = cnt.phones.get(key, 0)
        if used + k > size:
            raise ValueError(f"plus de numéros de mobile disponibles pour {key}")
        idx = used + np.arange(k, dtype=np.int64)
        mult = 7_368_787  # prime, larger than any factor of `size`: idx -> x is a bijection
        x = (idx * mult + cnt.phone_salt) % size
        out[sel] = blocks[x // per] + x % per
        cnt.phones[key] = used + k
    return out


def _phone_str(nums: np.ndarray) -> pa.Array:
    return _join("0", _digits(nums))


def _build_etab(rng: np.random.Generator, ch: Chunk) -> dict:
    """Catchment structure: collège sectors, école groups inside them, lycées serving them."""
    cw = np.asarray(ch.commune_w, float)
    cw /= cw.sum()
    n_col = ch.n_colleges
    col_commune = np.sort(_choice(rng, cw, n_col))
    col_w = rng.lognormal(0, 0.3, n_col)
    # École groups (a primaire, or a maternelle + élémentaire pair) spread over the sectors.
    groups_sector: list[int] = []
    groups_kind: list[int] = []
    sector_p = col_w / col_w.sum()
    n_sch = 0
    # loop over groups (not people): a few hundred per département at most
    while n_sch < ch.n_ecoles or len(groups_sector) < n_col:
        kind = 0 if (rng.random() < 0.45 or ch.n_ecoles - n_sch == 1) else 1
        groups_sector.append(int(rng.choice(n_col, p=sector_p)) if len(groups_sector) >= n_col
                             else len(groups_sector))
        groups_kind.append(kind)
        n_sch += 1 + kind
    g_sector = np.array(groups_sector)
    g_kind = np.array(groups_kind)
    n_grp = len(g_sector)
    # Schools list: écoles (group order), collèges, lycées GT, lycées pro.
    types: list[int] = []
    commune: list[int] = []
    patron: list[int] = []
    g_mat = np.zeros(n_grp, np.int64)
    g_elem = np.zeros(n_grp, np.int64)
    pat = ch.patrons
    for g in range(n_grp):
        pidx = int(rng.integers(len(pat)))
        c = int(col_commune[g_sector[g]])
        if g_kind[g] == 0:
            g_mat[g] = g_elem[g] = len(types)
            types.append(T_PRIM)
            commune.append(c)
            patron.append(pidx)
        else:
            g_mat[g] = len(types)
            g_elem[g] = len(types) + 1
            types += [T_MAT, T_ELEM]
            commune += [c, c]
            patron += [pidx, pidx]
    n_ecoles = len(types)
    col_ids = np.arange(n_ecoles, n_ecoles + n_col)
    types += [T_COL] * n_col
    commune += col_commune.tolist()
    patron += rng.integers(len(pat), size=n_col).tolist()
    lyc_commune = np.sort(_choice(rng, cw ** 1.5, ch.n_lycees))
    pro_commune = np.sort(_choice(rng, cw ** 1.5, ch.n_lycees_pro))
    lyc_ids = np.arange(len(types), len(types) + ch.n_lycees)
    types += [T_LYC] * ch.n_lycees
    commune += lyc_commune.tolist()
    patron += rng.integers(len(pat), size=ch.n_lycees).tolist()
    pro_ids = np.arange(len(types), len(types) + ch.n_lycees_pro)
    types += [T_PRO] * ch.n_lycees_pro
    commune += pro_commune.tolist()
    patron += rng.integers(len(pat), size=ch.n_lycees_pro).tolist()

    # Each sector goes to the least loaded lycée of its commune, else of the département (keeps sizes sane).
    def serve(ids: np.ndarray, comm: np.ndarray) -> np.ndarray:
        out = np.empty(n_col, np.int64)
        load = np.zeros(len(ids))
        for s in np.argsort(-col_w, kind="stable"):  # loop over collèges, not people
            same = np.flatnonzero(comm == col_commune[s])
            cand = same if len(same) and load[same].min() < col_w.sum() / len(ids) else np.arange(len(ids))
            k = cand[np.argmin(load[cand])]
            out[s] = ids[k]
            load[k] += col_w[s]
        return out

    sec_lyc = serve(lyc_ids, lyc_commune)
    sec_pro = serve(pro_ids, pro_commune)
    n = len(types)
    if n > 10_000:
        raise ValueError(f"trop d'établissements pour le département {ch.dep_code}")
    t = np.array(types)
    nums = rng.choice(10_000, n, replace=False)
    # 1D UAIs in the low numbers, 2D higher up, as in real directories (sort keeps the codes readable).
    nums = np.sort(nums)
    seven = [f"{ch.uai_prefix}{x:04d}" for x in nums]
    uai = [s + uai_check_letter(s) for s in seven]
    prefix = {T_MAT: "ECOLE MATERNELLE", T_ELEM: "ECOLE ELEMENTAIRE", T_PRIM: "ECOLE PRIMAIRE",
              T_COL: "COLLEGE", T_LYC: "LYCEE", T_PRO: "LYCEE PROFESSIONNEL"}
    nom = [f"{prefix[ty]} {pat[p]}" for ty, p in zip(types, patron, strict=True)]
    # Circonscriptions: contiguous runs of écoles ordered by commune (districts are geographic).
    order = np.lexsort((np.arange(n_ecoles), np.array(commune[:n_ecoles])))
    circ_of = np.empty(n_ecoles, np.int64)
    cut = np.cumsum(rng.lognormal(0, 0.25, ch.n_circ))
    bounds = np.round(cut / cut[-1] * n_ecoles).astype(np.int64)
    circ_of[order] = np.minimum(np.searchsorted(bounds, np.arange(n_ecoles), side="right"), ch.n_circ - 1)
    circ_names: list[str] = []
    seen: dict[str, int] = {}
    for k in range(ch.n_circ):
        members = np.flatnonzero(circ_of == k)
        cname = ch.communes[commune[members[0]]] if len(members) else ch.communes[0]
        seen[cname] = seen.get(cname, 0) + 1
        circ_names.append(cname)
    counts = {c: 0 for c in seen}
    labels = []
    for cname in circ_names:
        counts[cname] += 1
        labels.append(f"{cname} {counts[cname]}" if seen[cname] > 1 else cname)
    circ_code = [f"{ch.dep_code}-{k + 1:02d}" for k in range(ch.n_circ)]
    is1d = t <= T_PRIM
    etab = pa.table({
        "uai": pa.array(uai), "nom": pa.array(nom), "type": pa.array([SCHOOL_TYPES[x] for x in types]),
        "degre": pa.array(["1D" if x else "2D" for x in is1d]),
        "commune": pa.array([ch.communes[c] for c in commune]),
        "circonscription_code": pa.array([circ_code[circ_of[i]] if i < n_ecoles else None for i in range(n)],
                                         pa.string()),
        "circonscription_nom": pa.array([labels[circ_of[i]] if i < n_ecoles else None for i in range(n)],
                                        pa.string()),
        "departement_code": pa.array([ch.dep_code] * n), "departement_nom": pa.array([ch.dep_name] * n),
        "academie_code": pa.array([ch.acad_code] * n), "academie_nom": pa.array([ch.acad_name] * n),
    }, schema=SCHEMAS["etablissements"])
    grp_w = rng.lognormal(0, 0.7, n_grp) * (1 + g_kind)  # a pair is a bigger neighbourhood
    return dict(etab=etab, types=t, uai=pa.array(uai), n=n, col_w=col_w, col_ids=col_ids, g_sector=g_sector,
                g_w=grp_w, g_mat=g_mat, g_elem=g_elem, sec_lyc=sec_lyc, sec_pro=sec_pro, lyc_ids=lyc_ids,
                pro_ids=pro_ids)


def _draw_names(rng: np.random.Generator, P: _Pools, origin_idx: np.ndarray, origins: list[str]) -> np.ndarray:
    out = np.empty(len(origin_idx), np.int32)
    for k, o in enumerate(origins):
        m = origin_idx == k
        lo, hi = P.surname_ranges[o]
        out[m] = lo + rng.choice(hi - lo, int(m.sum()), p=P.surname_p[o])
    return out


def _draw_first(rng: np.random.Generator, ranges: dict[str, tuple[int, int]], female: np.ndarray,
                comorian: np.ndarray) -> np.ndarray:
    out = np.empty(len(female), np.int32)
    for key, sel in (("F", female & ~comorian), ("M", ~female & ~comorian), ("FC", female & comorian),
                     ("MC", ~female & comorian)):
        lo, hi = ranges[key]
        out[sel] = lo + rng.choice(hi - lo, int(sel.sum()), p=_zipf(hi - lo, 0.7))
    return out


def _build_world(ch: Chunk, rng: np.random.Generator, year: int, cnt: _Counters, seed: int) -> _World:
    """One département, step by step. Every step draws from the one `rng`: the order of the steps (and of the
    draws inside them) is what makes a seed give the same files, so a new draw goes last or changes them all."""
    P = _pools()
    S = _build_etab(rng, ch)
    R = _day(dt.date(year, int(ch.rentree_md[:2]), int(ch.rentree_md[3:])))
    hh = _households(rng, ch, P, S, R)
    pu = _pupils(rng, P, S, hh, year)
    gu = _guardians(rng, ch, P, hh, cnt)
    rec = _source_records(rng, ch, P, S, hh, pu, gu, cnt)
    acc = _accounts(S, hh, gu, rec)
    tl = _account_timeline(rng, S, R, hh, acc)
    a_login = _logins(rng, P, cnt, gu, rec, acc, tl.created)
    p_mail = _guardian_emails(rng, ch, P, gu)
    w = _tables(P, S, hh, pu, gu, rec, acc, tl, a_login, p_mail, cnt, seed)
    cnt.pupils += len(hh.e_hh)
    cnt.records += rec.n
    return w


# ---- Households and children -----------------------------------------------------------------------------
@dataclass
class _Households:
    n: int
    e_hh: np.ndarray  # household of each pupil
    level: np.ndarray  # school level of each pupil (index in LEVELS)
    origins: list[str]  # names origins of the chunk's population mix
    origin_w: list[float]
    origin: np.ndarray  # per household: index in `origins`
    surname: np.ndarray  # per household: surname pool index (the father's, and usually the children's)
    sector: np.ndarray  # collège sector
    group: np.ndarray  # école group
    arr: np.ndarray  # day the family enters the extracts
    dep: np.ndarray  # day it leaves (NEVER)

    @property
    def comorian(self) -> int:
        """Index of the Comorian origin in `origins`, -1 when the chunk has none."""
        return self.origins.index("comorien") if "comorien" in self.origins else -1


def _households(rng: np.random.Generator, ch: Chunk, P: _Pools, S: dict, R: int) -> _Households:
    H, e_hh, level = _children(rng, ch)
    mix = N.ORIGIN_MIX[ch.population]
    origins = list(mix)
    h_origin = _choice(rng, list(mix.values()), H)
    h_surname = _draw_names(rng, P, h_origin, origins)
    h_sector, h_group = _homes(rng, S, H)
    h_arr, h_dep = _moves(rng, H, R)
    return _Households(H, e_hh, level, origins, list(mix.values()), h_origin, h_surname, h_sector, h_group,
                       h_arr, h_dep)


def _children(rng: np.random.Generator, ch: Chunk) -> tuple[int, np.ndarray, np.ndarray]:
    """Households with their school-age children: (number of households, household and level of each pupil)."""
    H = int(ch.pupils / 1.44)  # ~1.44 school-age children per household with any
    kids = _choice(rng, [0.43, 0.35, 0.15, 0.05, 0.02], H) + 1
    first_age = rng.integers(3, 21, H)
    hh_of_kid = np.repeat(np.arange(H), kids)
    pos = _group_rank(hh_of_kid)[0]
    gaps = _choice(rng, [0.22, 0.36, 0.2, 0.12, 0.1], len(hh_of_kid)) + 1
    gaps[pos == 0] = 0
    cs = np.cumsum(gaps)
    age = first_age[hh_of_kid] - (cs - np.repeat(cs[np.r_[0, np.cumsum(kids)[:-1]]], kids))
    keep = (age >= 3) & (age <= 17)
    e_hh = hh_of_kid[keep]
    level = (age[keep] - 3).astype(np.int32)
    # households without a school-age child disappear; renumber
    used, e_hh = np.unique(e_hh, return_inverse=True)
    return len(used), e_hh, level


def _homes(rng: np.random.Generator, S: dict, H: int) -> tuple[np.ndarray, np.ndarray]:
    """Collège sector of each household, and école group inside the sector, weighted by neighbourhood size."""
    h_sector = _choice(rng, S["col_w"], H)
    g_sector, g_w = S["g_sector"], S["g_w"]
    n_sec = len(S["col_w"])
    order = np.argsort(g_sector, kind="stable")
    sec_n = np.bincount(g_sector, minlength=n_sec)
    sec_start = np.r_[0, np.cumsum(sec_n)[:-1]]
    sec_tot = np.bincount(g_sector, weights=g_w, minlength=n_sec)
    # one searchsorted over the weights cumulated in sector order picks a group inside the sector
    u = np.r_[0.0, np.cumsum(sec_tot)[:-1]][h_sector] + rng.random(H) * sec_tot[h_sector]
    pos_g = np.searchsorted(np.cumsum(g_w[order]), u, side="right")
    pos_g = np.clip(pos_g, sec_start[h_sector], sec_start[h_sector] + sec_n[h_sector] - 1)
    return h_sector, order[pos_g]


def _moves(rng: np.random.Generator, H: int, R: int) -> tuple[np.ndarray, np.ndarray]:
    """In-year arrivals and departures move whole families: (arrival day, departure day or NEVER)."""
    h_arr = np.full(H, R - 14, np.int32)  # the new year's feed is loaded two weeks before the rentrée
    arrive = rng.random(H) < 0.05
    h_arr[arrive] = R + rng.integers(1, 300, int(arrive.sum()))
    h_dep = np.full(H, NEVER, np.int32)
    leave = (rng.random(H) < 0.04) & ~arrive
    h_dep[leave] = R + rng.integers(5, 320, int(leave.sum()))
    return h_arr, h_dep


# ---- Pupils ----------------------------------------------------------------------------------------------
@dataclass
class _Pupils:
    track: np.ndarray
    school: np.ndarray
    mef: np.ndarray
    birth: np.ndarray  # day of birth
    label: np.ndarray  # class label (index in the pool's class labels)
    first: np.ndarray  # first name (child pool index)


def _pupils(rng: np.random.Generator, P: _Pools, S: dict, hh: _Households, year: int) -> _Pupils:
    track, school = _schools_of_pupils(rng, S, hh)
    mef = _mefs(rng, hh.level, track)
    birth = _birth_days(rng, year, hh.level, track)
    label = _class_labels(rng, P, school, track, mef)
    return _Pupils(track, school, mef, birth, label, _pupil_first_names(rng, P, hh))


def _schools_of_pupils(rng: np.random.Generator, S: dict, hh: _Households) -> tuple[np.ndarray, np.ndarray]:
    """Track (1D, collège, lycée GT or pro) and school of each pupil, from the household's sector and group."""
    level, e_hh = hh.level, hh.e_hh
    ne = len(e_hh)
    track = np.where(level <= 7, TR_1D, np.where(level <= 11, TR_COL, TR_GT)).astype(np.int8)
    track[(track == TR_GT) & (rng.random(ne) < 0.33)] = TR_PRO
    school = np.empty(ne, np.int64)
    grp = hh.group[e_hh]
    school[level <= 2] = S["g_mat"][grp[level <= 2]]
    m = (level >= 3) & (level <= 7)
    school[m] = S["g_elem"][grp[m]]
    sec = hh.sector[e_hh]
    col = S["col_ids"][sec]
    other = rng.random(ne) < 0.05  # derogations / private: not the sector's collège or lycée
    col = np.where(other, rng.choice(S["col_ids"], ne), col)
    school[track == TR_COL] = col[track == TR_COL]
    lyc = np.where(other, rng.choice(S["lyc_ids"], ne), S["sec_lyc"][sec])
    pro = np.where(other, rng.choice(S["pro_ids"], ne), S["sec_pro"][sec])
    school[track == TR_GT] = lyc[track == TR_GT]
    school[track == TR_PRO] = pro[track == TR_PRO]
    return track, school


def _mefs(rng: np.random.Generator, level: np.ndarray, track: np.ndarray) -> np.ndarray:
    """MEF of each pupil among those of its level and track, by their weights."""
    mef = np.empty(len(level), np.int32)
    for lv in range(len(LEVELS)):
        for tr in (TR_1D, TR_COL, TR_GT, TR_PRO):
            sel = (level == lv) & (track == tr)
            if not sel.any():
                continue
            cand = [i for i, mm in enumerate(MEFS) if mm[2] == lv and mm[3] == tr]
            mef[sel] = np.array(cand)[_choice(rng, [MEFS[i][5] for i in cand], int(sel.sum()))]
    return mef


def _birth_days(rng: np.random.Generator, year: int, level: np.ndarray, track: np.ndarray) -> np.ndarray:
    """Birth dates consistent with the level: a child in PS turns 3 during the rentrée's calendar year;
    some repeated a year (more in lycée pro), a few skipped one."""
    ne = len(level)
    shift = np.zeros(ne, np.int32)
    p_late = np.select([track == TR_1D, track == TR_COL, track == TR_GT], [0.02, 0.08, 0.05], 0.25)
    shift[rng.random(ne) < p_late] = 1
    shift[rng.random(ne) < 0.01] = -1
    by = year - 3 - level - shift
    jan1 = (by - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)
    return jan1 + rng.integers(0, 365, ne)


def _class_labels(rng: np.random.Generator, P: _Pools, school: np.ndarray, track: np.ndarray,
                  mef: np.ndarray) -> np.ndarray:
    """Classes: pupils of one (school, stem) split evenly into classes of the track's size; small écoles merge
    two levels in one class."""
    ne = len(school)
    stem = P.mef_stem[mef].copy()
    is1d = track == TR_1D
    pair_id = np.array([P.stems.index(PAIR_STEMS.get(P.stems[s], P.stems[s])) for s in range(len(P.stems))])
    k_pair = school * len(P.stems) + pair_id[stem]
    u_pair, inv_pair, c_pair = np.unique(k_pair, return_inverse=True, return_counts=True)
    merge = is1d & (c_pair[inv_pair] < 44) & (pair_id[stem] != stem)
    stem[merge] = pair_id[stem[merge]]
    key = school * len(P.stems) + stem
    o = np.lexsort((rng.random(ne), key))
    rank, size = _group_rank(key[o])
    cap = np.array([CLASS_CAP[t] for t in range(4)])[track[o]]
    ncls = np.clip(-(-size // cap), 1, np.where(track[o] >= TR_GT, 40, 26))
    suf = rank % ncls
    code = np.where(track[o] == TR_1D, np.where(ncls == 1, 0, 1 + suf),
                    np.where(track[o] == TR_COL, 1 + suf, 27 + suf))
    label = np.empty(ne, np.int64)
    label[o] = stem[o] * N_SUFFIX + code
    return label


def _pupil_first_names(rng: np.random.Generator, P: _Pools, hh: _Households) -> np.ndarray:
    ne = len(hh.e_hh)
    e_female = rng.random(ne) < 0.49
    e_comorian = (hh.origin[hh.e_hh] == hh.comorian) & (rng.random(ne) < 0.7)
    return _draw_first(rng, P.child_ranges, e_female, e_comorian)


# ---- Guardians -------------------------------------------------------------------------------------------
@dataclass
class _Guardians:
    n_g: np.ndarray  # per household: number of guardians
    g_hh: np.ndarray  # household of each guardian
    role: np.ndarray  # L_* of each guardian
    female: np.ndarray
    birth: np.ndarray  # birth surname (pool index)
    usage: np.ndarray  # usage surname (pool index)
    first: np.ndarray  # first name (adult pool index)
    kid_surname: np.ndarray  # per household: the children's surname
    has_mobile: np.ndarray
    mobile: np.ndarray
    has_email: np.ndarray


def _guardians(rng: np.random.Generator, ch: Chunk, P: _Pools, hh: _Households, cnt: _Counters) -> _Guardians:
    n_g, g_hh, role = _guardian_roles(rng, hh.n)
    female, birth, usage, first, kid_surname = _guardian_names(rng, P, hh, g_hh, role)
    NP = len(g_hh)
    has_mobile = rng.random(NP) >= 0.075
    mobile = _mobiles(rng, ch.phones, NP, cnt)
    has_email = rng.random(NP) >= 0.24
    return _Guardians(n_g, g_hh, role, female, birth, usage, first, kid_surname, has_mobile, mobile, has_email)


def _guardian_roles(rng: np.random.Generator, H: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One or two guardians per household and their link to the children: (count per household, household of
    each guardian, role of each guardian)."""
    two = rng.random(H) < 0.88  # divorced parents usually both keep parental authority
    n_g = 1 + two
    g_hh = np.repeat(np.arange(H), n_g)
    g_pos = _group_rank(g_hh)[0]
    role = np.empty(len(g_hh), np.int8)
    first_two = (g_pos == 0) & two[g_hh]
    role[first_two] = L_MERE
    second = g_pos == 1
    role[second] = np.array([L_PERE, L_AUTRE, L_TUTEUR])[_choice(rng, [0.96, 0.025, 0.015], int(second.sum()))]
    single = ~two[g_hh]
    role[single] = np.array([L_MERE, L_PERE, L_TUTEUR, L_AUTRE])[
        _choice(rng, [0.8, 0.14, 0.04, 0.02], int(single.sum()))]
    return n_g, g_hh, role


def _guardian_names(rng: np.random.Generator, P: _Pools, hh: _Households, g_hh: np.ndarray,
                    role: np.ndarray) -> tuple[np.ndarray, ...]:
    """Sex, birth and usage surnames, first name of each guardian, and the children's surname per household."""
    H, NP = hh.n, len(g_hh)
    p_female = np.where(role == L_MERE, True, np.where(role == L_PERE, False, rng.random(NP) < 0.6))
    own_origin = np.where(rng.random(NP) < 0.75, hh.origin[g_hh], _choice(rng, hh.origin_w, NP))
    birth = _draw_names(rng, P, own_origin, hh.origins)
    birth[role == L_PERE] = hh.surname[g_hh[role == L_PERE]]
    has_father = np.zeros(H, bool)
    has_father[g_hh[role == L_PERE]] = True
    usage = birth.copy()
    married = (role == L_MERE) & np.where(has_father[g_hh], rng.random(NP) < 0.55, rng.random(NP) < 0.2)
    usage[married] = hh.surname[g_hh[married]]
    # children of a mother on her own often carry her name
    mother_name = np.full(H, -1, np.int32)
    mother_name[g_hh[role == L_MERE]] = birth[role == L_MERE]
    own = ~has_father & (mother_name >= 0) & (rng.random(H) < 0.6)
    kid_surname = np.where(own, mother_name, hh.surname)
    p_comorian = (own_origin == hh.comorian) & (rng.random(NP) < 0.75)
    p_first = _draw_first(rng, P.adult_ranges, p_female, p_comorian)
    return p_female, birth, usage, p_first, kid_surname


# ---- Links and source records ----------------------------------------------------------------------------
@dataclass
class _Records:
    """Source records: one per guardian and school database (the school of a linked child)."""

    n: int
    l_pupil: np.ndarray  # pupil of each link
    l_role: np.ndarray
    l_record: np.ndarray  # record of each link
    person: np.ndarray  # guardian of each record
    school: np.ndarray
    div: np.ndarray  # keyed in differently: EduConnect gives it its own account
    usage: np.ndarray
    birth: np.ndarray
    extra: np.ndarray  # has a second first name
    extra_first: np.ndarray
    mobile: np.ndarray
    has_mobile: np.ndarray
    has_email: np.ndarray


def _source_records(rng: np.random.Generator, ch: Chunk, P: _Pools, S: dict, hh: _Households, pu: _Pupils,
                    gu: _Guardians, cnt: _Counters) -> _Records:
    # every child of a household is linked to every guardian of that household
    ne = len(hh.e_hh)
    hh_g_start = np.r_[0, np.cumsum(gu.n_g)[:-1]]
    l_pupil = np.repeat(np.arange(ne), gu.n_g[hh.e_hh])
    l_person = hh_g_start[hh.e_hh[l_pupil]] + _group_rank(l_pupil)[0]
    l_role = gu.role[l_person]
    n_sch = S["n"]
    rkey = l_person.astype(np.int64) * n_sch + pu.school[l_pupil]
    rkeys, l_record = np.unique(rkey, return_inverse=True)
    r_person = (rkeys // n_sch).astype(np.int64)
    r_school = (rkeys % n_sch).astype(np.int64)
    NR = len(rkeys)
    r_rank, r_count = _group_rank(r_person)
    # A few % of people with several records were keyed in differently in one school (name order, extra
    # first names, another mobile): EduConnect cannot reconcile that record, it gets its own account.
    r_div = (r_count >= 2) & (r_rank == r_count - 1) & (rng.random(NR) < 0.07)
    kind = _choice(rng, [0.35, 0.3, 0.25, 0.1], NR)
    usage, birth = gu.usage, gu.birth
    swap = r_div & (kind == 0) & (usage[r_person] != birth[r_person])
    extra = r_div & ~swap & (kind <= 1)
    other_mobile = r_div & (kind == 2)
    no_mobile = r_div & (kind == 3)
    r_usage = np.where(swap, birth[r_person], usage[r_person])
    r_birth = np.where(swap, usage[r_person], birth[r_person])
    r_extra = _draw_first(rng, P.adult_ranges, gu.female[r_person], np.zeros(NR, bool))
    r_mobile = gu.mobile[r_person]
    r_mobile[other_mobile] = _mobiles(rng, ch.phones, int(other_mobile.sum()), cnt)
    r_has_mobile = np.where(other_mobile, True, gu.has_mobile[r_person] & ~no_mobile)
    r_has_email = gu.has_email[r_person] & ~(r_div & (rng.random(NR) < 0.3))
    return _Records(NR, l_pupil, l_role, l_record, r_person, r_school, r_div, r_usage, r_birth, extra, r_extra,
                    r_mobile, r_has_mobile, r_has_email)


# ---- Accounts --------------------------------------------------------------------------------------------
@dataclass
class _Accounts:
    """One account per person, a second one when a record diverges (no draws: the records decide)."""

    n: int
    r_account: np.ndarray  # account of each record
    div: np.ndarray
    primary: np.ndarray  # the account's first record (its names and contacts)
    hh: np.ndarray
    school: np.ndarray  # the primary record's school: its campaigns drive the account
    is_2d: np.ndarray
    mobile_ok: np.ndarray


def _accounts(S: dict, hh: _Households, gu: _Guardians, rec: _Records) -> _Accounts:
    akey = rec.person * 2 + rec.div
    akeys, r_account = np.unique(akey, return_inverse=True)
    NA = len(akeys)
    a_person = akeys // 2
    a_div = (akeys % 2).astype(bool)
    a_primary = np.full(NA, rec.n, np.int64)
    np.minimum.at(a_primary, r_account, np.arange(rec.n))
    a_school = rec.school[a_primary]
    return _Accounts(NA, r_account, a_div, a_primary, gu.g_hh[a_person], a_school, S["types"][a_school] >= T_COL,
                     rec.has_mobile[a_primary])


# ---- Accounts over time: each account's event days, drawn once --------------------------------------------
@dataclass
class _Campaigns:
    """School behaviour: adoption speed varies a lot between schools."""

    dyn: np.ndarray  # the school's drive, in [0, 1]
    n_waves: np.ndarray  # notification waves (1 to 3), on days w1, w2, w3
    w1: np.ndarray
    w2: np.ndarray
    w3: np.ndarray
    notifies: np.ndarray  # the school sends notification letters at all


@dataclass
class _Activation:
    created: np.ndarray
    origin: np.ndarray
    origin_day: np.ndarray  # the origin shows from this day
    notif: np.ndarray
    act_start: np.ndarray
    act: np.ndarray


@dataclass
class _Timeline(_Activation):
    """Every event day of every account (NEVER: does not happen); the state on day t derives from them."""

    deact: np.ndarray
    period: np.ndarray  # days between two connections
    stop: np.ndarray  # the parent stops connecting
    reinit: np.ndarray


ATEN_END = _day(dt.date(2020, 9, 15))  # ATEN, the pre-EduConnect console, shut down on 15 September 2020


def _account_timeline(rng: np.random.Generator, S: dict, R: int, hh: _Households, acc: _Accounts) -> _Timeline:
    camp = _campaigns(rng, S["n"], R)
    d = camp.dyn[acc.school]
    created = hh.arr[acc.hh].astype(np.int64)
    divf = np.where(acc.div, 0.3, 1.0)  # a diverging record's account is used much less
    notif, act_start, act = _letters(rng, camp, acc, d, divf, created)
    ev = _first_origin(rng, R, acc, d, divf, created, notif, act_start, act)
    old = _carried_over(rng, R, hh, acc, d, divf, ev)
    aten = _aten_accounts(rng, ev)
    deact = _deactivation(rng, R, hh, acc)
    period, stop, reinit = _connections(rng, R, ev, old, aten)
    return _Timeline(**vars(ev), deact=deact, period=period, stop=stop, reinit=reinit)


def _campaigns(rng: np.random.Generator, n_sch: int, R: int) -> _Campaigns:
    dyn = rng.beta(1.1, 1.6, n_sch)
    n_waves = 1 + _choice(rng, [0.45, 0.35, 0.2], n_sch)
    w1 = R + rng.integers(-5, 50, n_sch)
    w2 = w1 + rng.integers(14, 70, n_sch)
    w3 = w2 + rng.integers(20, 150, n_sch)
    notifies = rng.random(n_sch) < 0.25 + 0.7 * dyn
    return _Campaigns(dyn, n_waves, w1, w2, w3, notifies)


def _letters(rng: np.random.Generator, camp: _Campaigns, acc: _Accounts, d: np.ndarray, divf: np.ndarray,
             created: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Notification by the school, and activation with the letter: (notified, activation started, activated)."""
    NA, a_school = acc.n, acc.school
    wave = np.minimum(_choice(rng, [0.6, 0.25, 0.15], NA), camp.n_waves[a_school] - 1)
    wdate = np.select([wave == 0, wave == 1], [camp.w1[a_school], camp.w2[a_school]], camp.w3[a_school])
    notif = np.maximum(wdate, created + rng.integers(3, 30, NA)) + rng.integers(0, 3, NA)
    covered = camp.notifies[a_school] & (rng.random(NA) < 0.55 + 0.4 * d)
    notif = np.where(covered, notif, NEVER).astype(np.int64)
    # using the letter: probability and delay depend on the school's drive; a letter is valid 3 months
    uses = rng.random(NA) < (0.25 + 0.6 * d) * divf
    delay = 1 + rng.exponential(3 + 25 * (1 - d), NA).astype(np.int64)
    uses &= delay <= 90
    act_start = np.where(uses & (notif != NEVER), notif + delay, NEVER)
    confirm = _choice(rng, [0.46, 0.36, 0.15, 0.03], NA)  # days to confirm the email; 3 = never
    act = np.where((act_start != NEVER) & (confirm < 3), act_start + confirm, NEVER)
    return notif, act_start, act


def _first_origin(rng: np.random.Generator, R: int, acc: _Accounts, d: np.ndarray, divf: np.ndarray,
                  created: np.ndarray, notif: np.ndarray, act_start: np.ndarray, act: np.ndarray) -> _Activation:
    """Self sign-up (SMS needs a mobile; FranceConnect does not), and the origin: whichever came first."""
    NA = acc.n
    selfp = (0.06 + 0.26 * d + 0.06 * acc.is_2d) * divf
    self_day = created + np.maximum(R - created, 0) + (rng.gamma(1.3, 30, NA) - 12).astype(np.int64)
    self_day = np.maximum(self_day, created + 1)
    self_ok = rng.random(NA) < selfp
    fc = (rng.random(NA) < 0.15) | ~acc.mobile_ok
    self_first = self_ok & (self_day < notif)
    origin = np.full(NA, O_NR, np.int8)
    origin_day = np.full(NA, NEVER, np.int64)
    path_a = notif != NEVER
    path_a &= ~self_first
    origin[path_a] = O_ETAB
    origin_day[path_a] = notif[path_a]
    origin[self_first] = np.where(fc[self_first], O_FC, O_RESP)
    origin_day[self_first] = self_day[self_first]
    notif = np.where(path_a, notif, NEVER)
    act_start = np.where(path_a, act_start, np.where(self_first, self_day, NEVER))
    act = np.where(path_a, act, np.where(self_first, self_day, NEVER))
    return _Activation(created, origin, origin_day, notif, act_start, act)


def _carried_over(rng: np.random.Generator, R: int, hh: _Households, acc: _Accounts, d: np.ndarray,
                  divf: np.ndarray, ev: _Activation) -> np.ndarray:
    """Accounts carried over from previous years (present at the rentrée), and a few legacy ATEN/ENT ones.
    Updates `ev`; returns which accounts are old."""
    NA = acc.n
    old = (hh.arr[acc.hh] < R) & (rng.random(NA) < (0.05 + 0.12 * d) * divf)
    legacy = old & (rng.random(NA) < 0.15)
    n_old = int(old.sum())
    old_act = R - rng.integers(20, 1800, n_old)
    old_origin = np.array([O_ETAB, O_RESP, O_FC])[_choice(rng, [0.45, 0.42, 0.13], n_old)]
    old_origin = np.where(legacy[old], np.where(rng.random(n_old) < 0.3, O_ATEN, O_ENT), old_origin)
    old_notif = np.where(old_origin == O_ETAB, old_act - rng.integers(1, 40, n_old), NEVER)
    ev.origin[old] = old_origin
    ev.origin_day[old] = np.where(old_origin == O_ETAB, old_notif, old_act)
    ev.notif[old] = old_notif
    ev.act_start[old] = old_act
    ev.act[old] = old_act
    ev.created = np.where(old, np.minimum(ev.created, ev.origin_day), ev.created)
    return old


def _aten_accounts(rng: np.random.Generator, ev: _Activation) -> np.ndarray:
    """ATEN accounts date from before its shutdown. Updates `ev`; returns which accounts are ATEN ones."""
    aten = ev.origin == O_ATEN
    aten_act = ATEN_END - rng.integers(15, 1100, len(aten))
    for arr in (ev.act_start, ev.act, ev.origin_day):
        arr[aten] = aten_act[aten]
    ev.created = np.where(aten, np.minimum(ev.created, aten_act), ev.created)
    return aten


def _deactivation(rng: np.random.Generator, R: int, hh: _Households, acc: _Accounts) -> np.ndarray:
    """The family left (after the feed drops it), or rarely another reason during the year."""
    NA, dep = acc.n, hh.dep[acc.hh]
    deact = np.where(dep != NEVER, dep.astype(np.int64) + rng.integers(1, 8, NA), NEVER)
    other_d = rng.random(NA) < 0.006
    return np.where(other_d & (deact == NEVER), R + rng.integers(10, 330, NA), deact)


def _connections(rng: np.random.Generator, R: int, ev: _Activation, old: np.ndarray,
                 aten: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Connection rhythm of active accounts: every `period` days until the parent stops using it; and the day
    of a password reset request. Returns (period, stop, reinit)."""
    NA, act = len(old), ev.act
    period = np.clip(rng.lognormal(np.log(10), 0.9, NA), 1, 120).astype(np.int64)
    stop = np.where(act != NEVER, act + rng.exponential(220, NA).astype(np.int64), NEVER)
    # most parents with an account from a previous year still use it: their connections go on this year
    still = old & (rng.random(NA) < 0.75)
    stop = np.where(still, np.maximum(stop, R + rng.exponential(220, NA).astype(np.int64)), stop)
    stop = np.where(aten, np.minimum(stop, ATEN_END), stop)
    reinit = np.where((act != NEVER) & (rng.random(NA) < 0.07), act + rng.integers(1, 250, NA), NEVER)
    return period, stop, reinit


# ---- Strings ---------------------------------------------------------------------------------------------
def _logins(rng: np.random.Generator, P: _Pools, cnt: _Counters, gu: _Guardians, rec: _Records,
            acc: _Accounts, created: np.ndarray) -> pa.Array:
    """First initial + '.' + truncated surname + disambiguating number, unique nationally (oldest first)."""
    NA, a_rec = acc.n, acc.primary
    a_first = gu.first[rec.person[a_rec]]
    a_initial = P.adult_initial[a_first]
    a_trunc = P.surname_trunc[rec.usage[a_rec]]
    n_trunc = len(P.trunc_arr)
    if cnt.logins is None:
        cnt.logins = np.zeros(26 * n_trunc, np.int64)
    lkey = a_initial.astype(np.int64) * n_trunc + a_trunc
    lo = np.lexsort((rng.random(NA), created, lkey))
    lrank = _group_rank(lkey[lo])[0]
    num = np.empty(NA, np.int64)
    num[lo] = cnt.logins[lkey[lo]] + lrank
    cnt.logins += np.bincount(lkey, minlength=len(cnt.logins))
    lbase = pc.binary_join_element_wise(_s(P.initial_arr, a_initial), _s(P.trunc_arr, a_trunc), ".")
    return pc.if_else(pa.array(num == 0), lbase, _join(lbase, _digits(num)))


def _guardian_emails(rng: np.random.Generator, ch: Chunk, P: _Pools, gu: _Guardians) -> pa.Array:
    """Each guardian's address: a few local-part patterns, synthetic domains only, no two alike."""
    NP = len(gu.g_hh)
    pat = _choice(rng, [0.45, 0.15, 0.2, 0.12, 0.08], NP)
    dom = _choice(rng, [0.3, 0.25, 0.15, 0.1, 0.1, 0.1] if ch.phones == "reunion"
                  else [0.35, 0.3, 0.15, 0.1, 0.1, 0.0], NP)
    fe = _s(P.adult_email, gu.first)
    se = _s(P.surname_email, gu.usage)
    dig = _digits(rng.integers(1, 99, NP))
    year2 = _digits(rng.integers(60, 100, NP))
    local = pc.choose(pa.array(pat.astype(np.int8)),
                      pc.binary_join_element_wise(fe, se, "."), pc.binary_join_element_wise(se, fe, "."),
                      _join(fe, ".", se, dig), _join(pc.utf8_slice_codeunits(fe, 0, 1), ".", se),
                      _join(fe, "_", se, year2))
    dom_s = _s(pa.array(EMAIL_DOMAINS), dom)
    p_mail = _join(local, "@", dom_s)
    for _ in range(4):  # namesakes must not share an address: number the repeats (marie.payet2@...)
        codes = p_mail.dictionary_encode().indices.to_numpy()
        so = np.argsort(codes, kind="stable")
        rep = np.empty(NP, np.int64)
        rep[so] = _group_rank(codes[so])[0]
        if not rep.any():
            break
        local = pc.if_else(pa.array(rep > 0), _join(local, _digits(rep + 1)), local)
        p_mail = _join(local, "@", dom_s)
    return p_mail


# ---- Tables (no draws) -----------------------------------------------------------------------------------
def _tables(P: _Pools, S: dict, hh: _Households, pu: _Pupils, gu: _Guardians, rec: _Records, acc: _Accounts,
            tl: _Timeline, a_login: pa.Array, p_mail: pa.Array, cnt: _Counters, seed: int) -> _World:
    resp, rid, r_mail, r_phone = _responsables_table(P, S, gu, rec, acc, a_login, p_mail, cnt.records)
    eleves, ine, eo = _eleves_table(P, S, hh, pu, gu, cnt.pupils, seed)
    liens = pa.table({
        "responsable_id": rid.take(pa.array(rec.l_record)),
        "ine": ine.take(pa.array(rec.l_pupil)),
        "lien": _s(pa.array(LIENS), rec.l_role),
    }, schema=SCHEMAS["liens"])
    inv_eo = np.empty(len(eo), np.int64)  # pupil -> row in the sorted table
    inv_eo[eo] = np.arange(len(eo))
    a_rec, NA = pa.array(acc.primary), acc.n
    a_mail_rec = pc.if_else(pa.array(rec.has_email[acc.primary]), r_mail.take(a_rec), pa.nulls(NA, pa.string()))
    a_mail_after = r_mail.take(a_rec)  # an activated account always has a confirmed email
    a_phone = pc.if_else(pa.array(acc.mobile_ok), r_phone.take(a_rec), pa.nulls(NA, pa.string()))
    return _World(
        etab=S["etab"], eleves=eleves, resp=resp, liens=liens, h_arr=hh.arr, h_dep=hh.dep,
        e_hh=hh.e_hh[eo], l_pupil=inv_eo[rec.l_pupil], l_record=rec.l_record, n_records=rec.n,
        a_login=a_login, a_created=tl.created, a_origin=tl.origin, a_origin_day=tl.origin_day, a_notif=tl.notif,
        a_act_start=tl.act_start, a_act=tl.act, a_deact=tl.deact, a_period=tl.period, a_stop=tl.stop,
        a_reinit=tl.reinit, a_mail_before=a_mail_rec, a_mail_after=a_mail_after, a_phone=a_phone,
    )


def _responsables_table(P: _Pools, S: dict, gu: _Guardians, rec: _Records, acc: _Accounts, a_login: pa.Array,
                        p_mail: pa.Array, first_record: int) -> tuple[pa.Table, pa.Array, pa.Array, pa.Array]:
    """The source records' table; also their ids, full email addresses and mobile numbers."""
    r_person, NR = rec.person, rec.n
    r_phone = _phone_str(rec.mobile)
    civ = pa.array(np.where(gu.female, "MME", "M.")[r_person])
    first_arr = _s(P.adult_arr, gu.first[r_person])
    prenoms = pc.if_else(pa.array(rec.extra), _join(first_arr, " ", _s(P.adult_arr, rec.extra_first)), first_arr)
    r_mail = p_mail.take(pa.array(r_person))
    null_s = pa.nulls(NR, pa.string())
    rid = _digits(first_record + 1_000_001 + np.arange(NR))
    resp = pa.table({
        "responsable_id": rid,
        "source": pa.array(np.where(S["types"][rec.school] <= T_PRIM, "ONDE", "SIECLE")),
        "uai": S["uai"].take(pa.array(rec.school)),
        "civilite": civ,
        "nom_usage": _s(P.surname_arr, rec.usage),
        "nom_naissance": _s(P.surname_arr, rec.birth),
        "prenoms": prenoms,
        "telephone_portable": pc.if_else(pa.array(rec.has_mobile), r_phone, null_s),
        "courriel": pc.if_else(pa.array(rec.has_email), r_mail, null_s),
        "identifiant": a_login.take(pa.array(acc.r_account)),
    }, schema=SCHEMAS["responsables"])
    return resp, rid, r_mail, r_phone


def _eleves_table(P: _Pools, S: dict, hh: _Households, pu: _Pupils, gu: _Guardians, first_pupil: int,
                  seed: int) -> tuple[pa.Table, pa.Array, np.ndarray]:
    """The pupils' table, in class-list order (school, class, name); also the INEs (pupil order) and that
    order."""
    ne = len(hh.e_hh)
    e_surname = gu.kid_surname[hh.e_hh]
    # INE: 10 digits (a bijective scramble of the national pupil index) + a key letter.
    g = first_pupil + np.arange(ne, dtype=np.int64)
    ine_n = (3_141_592_653 * g + 1_000_003 * (seed % 1000) + 6_180_339_887) % 10_000_000_000
    ine_s = pc.utf8_slice_codeunits(_digits(ine_n + 10_000_000_000), 1, 11)
    ine = _join(ine_s, _s(pa.array(list(UAI_LETTERS)), (ine_n % 23).astype(np.int64)))
    eo = np.lexsort((P.child_rank[pu.first], P.surname_rank[e_surname], pu.label, pu.school))
    eleves = pa.table({
        "ine": ine.take(pa.array(eo)),
        "nom": _s(P.surname_arr, e_surname[eo]),
        "prenom": _s(P.child_arr, pu.first[eo]),
        "date_naissance": _dates(pu.birth[eo]),
        "uai": S["uai"].take(pa.array(pu.school[eo])),
        "classe": _s(P.class_labels, pu.label[eo]),
        "mef_code": _s(P.mef_code, pu.mef[eo]),
        "mef_libelle": _s(P.mef_lib, pu.mef[eo]),
    }, schema=SCHEMAS["eleves"])
    return eleves, ine, eo


def _snapshot(w: _World, t: int) -> dict[str, pa.Table]:
    """The five tables as extracted on day t (vectorised over the world's event dates)."""
    hv = (w.h_arr <= t) & (t < w.h_dep.astype(np.int64) + GRACE_DAYS)
    pv = hv[w.e_hh]
    lv = pv[w.l_pupil]
    rv = np.zeros(w.n_records, bool)
    rv[w.l_record[lv]] = True
    av = w.a_created <= t

    def f(tab: pa.Table, m: np.ndarray) -> pa.Table:
        return tab if m.all() else tab.filter(pa.array(m))

    notif, act_start, act, deact = (x[av] for x in (w.a_notif, w.a_act_start, w.a_act, w.a_deact))
    etat = np.select([deact <= t, act <= t, act_start <= t, notif <= t], [4, 3, 2, 1], 0)
    origin = np.where(w.a_origin_day[av] <= t, w.a_origin[av], O_NR)
    active_ever = act <= t
    end = np.minimum(np.minimum(w.a_stop[av], deact), t)
    period = w.a_period[av]
    last = np.where(active_ever & (end >= act), act + np.maximum(end - act, 0) // period * period, NEVER)
    reinit = w.a_reinit[av]
    mask = pa.array(av)
    comptes = pa.table({
        "identifiant": w.a_login.filter(mask),
        "origine": _s(pa.array(ORIGINES), origin.astype(np.int64)),
        "etat": _s(pa.array(ETATS), etat.astype(np.int64)),
        "date_notification": _dates(notif, notif <= t),
        "date_activation": _dates(act, active_ever),
        "date_derniere_connexion": _dates(last, last <= t),
        "date_demande_reinit_mdp": _dates(reinit, reinit <= t),
        "courriel": pc.if_else(pa.array(active_ever), w.a_mail_after.filter(mask), w.a_mail_before.filter(mask)),
        "telephone_portable": w.a_phone.filter(mask),
    }, schema=SCHEMAS["comptes"])
    return {"etablissements": w.etab, "eleves": f(w.eleves, pv), "responsables": f(w.resp, rv),
            "liens": f(w.liens, lv), "comptes": comptes}


# --------------------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------------------
class _Sink:
    """Appends chunk tables to one file per (date, table)."""

    def __init__(self, folders: list[Path], fmt: str) -> None:
        self.fmt = fmt
        self.folders = folders
        self.writers: dict[tuple[int, str], pq.ParquetWriter] = {}
        self.rows: dict[str, int] = dict.fromkeys(TABLES, 0)
        self.opts = pacsv.WriteOptions(include_header=False, delimiter=";", quoting_style="none",
                                       batch_size=65536)
        for i, folder in enumerate(folders):
            folder.mkdir(parents=True, exist_ok=True)
            for t in TABLES:
                if fmt == "csv":
                    # header written by hand: pyarrow quotes header names even with quoting_style="none"
                    (folder / f"{t}.csv").write_bytes((";".join(COLUMNS[t]) + "\n").encode())
                else:
                    self.writers[(i, t)] = pq.ParquetWriter(
                        folder / f"{t}.parquet", SCHEMAS[t])

    def write(self, i: int, tables: dict[str, pa.Table]) -> None:
        for t, tab in tables.items():
            self.rows[t] += tab.num_rows
            if self.fmt == "csv":
                with open(self.folders[i] / f"{t}.csv", "ab") as fh:
                    pacsv.write_csv(tab, fh, self.opts)
            else:
                self.writers[(i, t)].write_table(tab, row_group_size=1 << 20)

    def close(self) -> None:
        for wr in self.writers.values():
            wr.close()


def snapshot_dates(start: dt.date, days: int, every: int) -> list[dt.date]:
    if days < 1 or every < 1:
        raise ValueError("--days et --every doivent être ≥ 1")
    return [start + dt.timedelta(days=k) for k in range(0, days, every)]


def _school_year(start: dt.date) -> int:
    return start.year if start.month >= 8 else start.year - 1


def write_snapshots(profile: str, seed: int, start: dt.date, days: int, every: int, out: Path,
                    fmt: str = "csv") -> tuple[list[Path], dict[str, int]]:
    """Write one snapshot folder per date (start + k*every, k*every < days) under `out`: the folders, and the
    rows written per table (all dates together)."""
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"format inconnu : {fmt!r} (csv ou parquet)")
    chunks = profile_chunks(profile)
    dates = snapshot_dates(start, days, every)
    folders = [Path(out) / d.isoformat() for d in dates]
    if fmt == "parquet" and len(chunks) > 1:
        _raise_nofile(len(folders) * len(TABLES) + 64)
    sink = _Sink(folders, fmt)
    cnt = _Counters(phone_salt=int(np.random.SeedSequence(seed).generate_state(1)[0]) % 1_000_000)
    year = _school_year(start)
    try:
        for ci, ch in enumerate(chunks):
            rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, ci, PROFILES.index(profile)])))
            world = _build_world(ch, rng, year, cnt, seed)
            for i, d in enumerate(dates):
                sink.write(i, _snapshot(world, _day(d)))
            del world
    finally:
        sink.close()
    return folders, sink.rows


def _raise_nofile(need: int) -> None:
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft < need:
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(need, hard), hard))
    except (ImportError, ValueError, OSError):
        pass


def generate(profile: str, seed: int, start: dt.date, days: int, every: int, out: Path,
             fmt: str = "csv") -> list[Path]:
    """Write one snapshot folder per date (start + k*every, k*every < days) under `out`; return them."""
    return write_snapshots(profile, seed, start, days, every, Path(out), fmt)[0]
