"""Count the records of a CSV file independently of DuckDB's CSV reader, so that no line is lost silently.

DuckDB's reader can drop a record without an error (a last line longer than its buffer was seen to vanish), so
the ingestion counts the records itself, before DuckDB reads the file, and refuses the file when the counts
differ (data/ingest.py). The count follows the input contract (DOMAIN.md) the way DuckDB reads it:
- records end with LF, CRLF, or CR in a file that holds no LF at all;
- `"` opens a quoted value only at the start of a value; inside it `""` is a quote and a line break does not end
  the record; a `"` in the middle of an unquoted value is an ordinary character;
- blank records are skipped (DuckDB skips them too).

It also enforces the line size limit (a record longer than `max_line_bytes` refuses the file, naming its line),
keeps the header record, and maps DuckDB's row numbers to line numbers in the file where they differ (after a
blank line or a record spanning several lines), so that quarantine reasons name the right line.

Streaming and vectorised (numpy): one pass over the bytes to find the line breaks; quotes are examined only in
the blocks that contain one. It has to keep up with a national day (≈ 3.8 GB of CSV).
"""

from __future__ import annotations

import errno
import gzip
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from queries.ingest import SnapshotRefused
from queries.labels import fmt_int

BLOCK = 16 << 20  # bytes read at a time
LF, CR, QUOTE, SEMICOLON = 10, 13, 34, 59
BOM = b"\xef\xbb\xbf"


@dataclass
class CsvScan:
    records: int = 0  # non-blank records, header included
    header: bytes = b""  # the first non-blank record, as in the file (without a BOM)
    # (row, offset): from DuckDB row `row` (0-based data row) on, the row's first line in the file is
    # row + 2 + offset (header = line 1). Empty when every record is one line and no line is blank.
    line_map: list[tuple[int, int]] = field(default_factory=list)
    longest: int = 0  # bytes of the longest record (line break excluded)
    # Some value may hold a control character: a byte below 0x20 other than the line breaks, DEL, or a line break
    # inside a quoted value. (C1 controls, U+0080-U+009F, are left to the SQL check of files flagged here.)
    control_chars: bool = False

    @property
    def data_rows(self) -> int:
        return max(self.records - 1, 0)


class _Scanner:
    def __init__(self, display: str, max_line_bytes: int) -> None:
        self.display = display
        self.limit = max_line_bytes
        self.out = CsvScan()
        self.nl = LF  # record separator byte (CR for a file without LF)
        self.off = 0  # absolute offset of the current block
        self.lines_before = 0  # physical lines ended before the current block
        self.rec_start = 0  # absolute offset where the current (unfinished) record starts
        self.rec_line = 1  # physical line where it starts
        self.in_quote = False
        self.offset = 0  # current line_map offset
        self.bom = 0

    # ---------------------------------------------------------------------------------------------- errors
    def too_long(self, line: int, size: int) -> SnapshotRefused:
        return SnapshotRefused(
            f"Fichier refusé : {self.display}, ligne {fmt_int(line)} : ligne trop longue (au moins {fmt_int(size)} "
            f"octets), au-delà de la limite INGEST_MAX_LINE_BYTES ({fmt_int(self.limit)} octets). Vérifiez l'extraction "
            "(un guillemet non fermé fusionne les lignes qui suivent) ; si la ligne est légitime, relevez "
            "INGEST_MAX_LINE_BYTES, puis relancez l'ingestion."
        )

    def unterminated(self) -> SnapshotRefused:
        return SnapshotRefused(
            f"Fichier refusé : {self.display}, ligne {fmt_int(self.rec_line)} : guillemet ouvrant jamais fermé (la "
            "valeur court jusqu'à la fin du fichier). Fermez ce guillemet (un guillemet dans une valeur entre "
            "guillemets s'écrit \"\"), puis relancez l'ingestion."
        )

    def after_quote(self, line: int) -> SnapshotRefused:
        return SnapshotRefused(
            f"Fichier refusé : {self.display}, ligne {fmt_int(line)} : caractère après un guillemet fermant (une valeur "
            "entre guillemets doit être suivie de « ; » ou de la fin de la ligne). Si le guillemet fait partie de la "
            "valeur, doublez-le (\"\") et entourez la valeur de guillemets, puis relancez l'ingestion."
        )

    # --------------------------------------------------------------------------------------------- scanning
    def check_tail(self, size: int) -> None:
        """An unfinished record of `size` bytes already exceeds the limit: refuse without reading further."""
        if size > self.limit:
            raise self.too_long(self.rec_line, size)

    def feed(self, data: bytearray, end: int, final: bool) -> None:
        """Scan data[:end]: it ends with a record separator unless `final` (end of file)."""
        a = np.frombuffer(data, np.uint8, count=end)
        # One pass finds the line breaks and any other control byte (one flatnonzero over bytes < 0x20).
        ctrl = np.flatnonzero(a < 32)
        nl = ctrl[a[ctrl] == self.nl]
        others = len(ctrl) - len(nl)
        if others and self.nl == LF:  # the CR of CRLF line breaks
            others -= int(np.count_nonzero(a[nl[nl > 0] - 1] == CR))
        if others or data.find(b"\x7f", 0, end) != -1:
            self.out.control_chars = True
        if self.in_quote or data.find(b'"', 0, end) != -1:
            sep = self._separators(a, nl, self._quoted_regions(a, nl))
        else:
            sep = nl
        if final and not self.in_quote and (not len(sep) or sep[-1] != end - 1):
            sep = np.append(sep, end)  # last record without a line break
        if final and self.in_quote:
            raise self.unterminated()
        if len(sep):
            self._records(a, nl, sep)
        self.lines_before += len(nl)
        self.off += end

    def _quoted_regions(self, a: np.ndarray, nl: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(starts, ends) of the quoted values of block `a` (half-open positions in the block; a value still open
        at the end of the block ends at len(a)). Updates self.in_quote for the next block."""
        q = np.flatnonzero(a == QUOTE)
        n = len(q)
        first = self.off == 0
        # Fast path: RFC 4180 quoting (quotes only at the start of a value or doubled inside it), where quotes
        # simply alternate open / close. Checked: every opening quote follows a value start, every closing
        # quote is followed by a value end or by a quote (doubled).
        opening = ((np.arange(n) + int(self.in_quote)) & 1) == 0
        prev = np.where(q > 0, a[np.maximum(q - 1, 0)], LF)
        if first and self.bom:
            prev = np.where(q == self.bom, LF, prev)
        nxt = np.where(q + 1 < len(a), a[np.minimum(q + 1, len(a) - 1)], LF)
        starts_ok = np.isin(prev[opening], (SEMICOLON, LF, CR, QUOTE)).all()
        ends_ok = np.isin(nxt[~opening], (SEMICOLON, LF, CR, QUOTE)).all()
        if starts_ok and ends_ok:
            bounds = q if not self.in_quote else np.concatenate(([-1], q))
            if len(bounds) % 2:
                bounds = np.append(bounds, len(a))
            self.in_quote = bool((n + int(self.in_quote)) & 1)
            return bounds[0::2], bounds[1::2]
        # Slow path, exact and sequential over the quotes of this block only (a stray quote inside a value).
        starts: list[int] = []
        ends: list[int] = []
        qs = q.tolist()
        inq, start, i = self.in_quote, -1, 0
        while i < n:
            p = qs[i]
            if not inq:
                before = int(a[p - 1]) if p > 0 else LF
                if p == 0 or before in (SEMICOLON, LF, CR) or (first and p == self.bom):
                    inq, start = True, p
                i += 1
            elif i + 1 < n and qs[i + 1] == p + 1:  # "" inside a quoted value
                i += 2
            else:
                if p + 1 < len(a) and int(a[p + 1]) not in (SEMICOLON, LF, CR):  # DuckDB refuses it too
                    raise self.after_quote(self.lines_before + int(np.searchsorted(nl, p)) + 1)
                starts.append(start)
                ends.append(p)
                inq = False
                i += 1
        if inq:
            starts.append(start)
            ends.append(len(a))
        self.in_quote = inq
        return np.array(starts, np.int64), np.array(ends, np.int64)

    @staticmethod
    def _separators(a: np.ndarray, nl: np.ndarray, regions: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        starts, ends = regions
        if not len(starts):
            return nl
        idx = np.searchsorted(starts, nl, side="right") - 1
        inside = (idx >= 0) & (nl < ends[np.maximum(idx, 0)])
        return nl[~inside]

    def _records(self, a: np.ndarray, nl: np.ndarray, sep: np.ndarray) -> None:
        """Account for the records ending at the separators `sep` of the current block."""
        out = self.out
        ends = self.off + sep
        # Fast path (almost every block): record sizes from the gaps between separators (+ 1: the LF; a CRLF's CR
        # is counted in the size here, and only decides in the exact path below).
        first = int(ends[0]) - self.rec_start
        gaps = np.diff(ends)
        longest = max(first, int(gaps.max()) - 1 if len(gaps) else 0)
        maybe_blank = first <= 1 or bool((gaps <= 2).any())
        # some line break did not end a record (quoted value), here or in the record begun in an earlier block
        multiline = len(sep) != len(nl) or self.rec_line != self.lines_before + 1
        if multiline:
            out.control_chars = True
        moved = self.rec_line != out.records + 1 + self.offset  # a blank line ended the previous block
        if not (longest > self.limit or maybe_blank or multiline or moved or out.records == 0):
            out.longest = max(out.longest, longest)
            out.records += len(sep)
            self.rec_line = self.lines_before + len(nl) + 1
            self.rec_start = int(ends[-1]) + 1
            return
        starts = np.empty_like(ends)
        starts[0] = self.rec_start
        starts[1:] = ends[:-1] + 1
        lens = ends - starts
        if self.nl == LF:  # CRLF: the CR belongs to the line break
            lens -= (sep > 0) & (a[np.clip(sep - 1, 0, len(a) - 1)] == CR) & (lens > 0)
        out.longest = max(out.longest, int(lens.max()))
        # Line of each record's start: record 0 starts at self.rec_line, record i+1 on the line after sep i.
        sep_line = self.lines_before + np.searchsorted(nl, sep) + 1
        lines = np.empty_like(sep_line)
        lines[0] = self.rec_line
        lines[1:] = sep_line[:-1] + 1
        if out.longest > self.limit:
            i = int(np.argmax(lens > self.limit))
            raise self.too_long(int(lines[i]), int(lens[i]))
        keep = lens > 0  # blank records are skipped
        if out.records == 0 and keep.any():
            i = int(np.argmax(keep))
            out.header = a[max(int(starts[i]) - self.off, 0) : int(sep[i])].tobytes()
        # k = ordinal of each kept record (0 = header); DuckDB row k - 1 is expected on line k + 1.
        k = out.records + np.cumsum(keep) - 1
        data_rec = keep & (k >= 1)
        kk, offsets = k[data_rec], (lines - (k + 1))[data_rec]
        for j in np.flatnonzero(offsets != np.concatenate(([self.offset], offsets[:-1]))).tolist():
            out.line_map.append((int(kk[j]) - 1, int(offsets[j])))
        if len(offsets):
            self.offset = int(offsets[-1])
        out.records += int(keep.sum())
        self.rec_line = int(sep_line[-1]) + 1
        self.rec_start = int(ends[-1]) + 1


def scan_csv(path: Path, display: str, max_line_bytes: int) -> CsvScan:
    """Count the records of a CSV file (`.csv` or `.csv.gz`); refuse it (SnapshotRefused, French) when a line
    exceeds `max_line_bytes`, a quote is never closed, or the file cannot be read."""
    s = _Scanner(display, max_line_bytes)
    opener = gzip.open if path.name.endswith(".gz") else open
    # One buffer, filled in place: the unfinished line of a block (at most max_line_bytes, or the file is refused)
    # is moved to its start and the next block read behind it.
    buf = bytearray(BLOCK + max_line_bytes + 1)
    view = memoryview(buf)
    try:
        with opener(path, "rb") as f:
            keep = 0
            first = True
            while n := f.readinto(view[keep : keep + BLOCK]):
                end = keep + n
                if first:
                    first = False
                    s.bom = s.rec_start = len(BOM) if buf.startswith(BOM) else 0  # not part of the header
                    if buf.find(b"\n", 0, end) == -1 and buf.find(b"\r", 0, end - 1) != -1:  # CR-only file
                        s.nl = CR
                cut = buf.rfind(bytes((s.nl,)), 0, end) + 1
                if cut:
                    s.feed(buf, cut, final=False)
                    view[: end - cut] = view[cut:end]
                keep = end - cut
                s.check_tail(s.off - s.rec_start + keep)
            if keep:
                s.feed(buf, keep, final=True)
            elif s.in_quote:
                raise s.unterminated()
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise SnapshotRefused(
            f"Fichier refusé : {display} : fichier compressé (gzip) tronqué ou corrompu. Recopiez-le ou "
            "refaites l'extraction, puis relancez l'ingestion."
        ) from exc
    except OSError as exc:
        raise SnapshotRefused(f"Fichier refusé : {display} : {os_error_fr(exc)}") from exc
    finally:
        view.release()
    return s.out


def os_error_fr(exc: OSError) -> str:
    """A system error in French, with what to do."""
    reasons = {
        errno.EACCES: "lecture interdite (droits d'accès). Donnez le droit de lecture au compte qui lance l'ingestion",
        errno.EPERM: "lecture interdite (droits d'accès). Donnez le droit de lecture au compte qui lance l'ingestion",
        errno.ENOENT: "fichier introuvable (supprimé ou lien cassé pendant l'ingestion). Vérifiez le dossier",
        errno.EISDIR: "c'est un dossier, pas un fichier. Remplacez-le par le fichier attendu",
        errno.EIO: "erreur d'entrée-sortie du disque. Recopiez le fichier sur un support sain",
    }
    return reasons.get(exc.errno or 0, f"erreur système n° {exc.errno} à la lecture. Vérifiez le fichier") + \
        ", puis relancez l'ingestion."
