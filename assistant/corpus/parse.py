"""Parse e-Justice portal pages ("Help and support for victims of crime") into organisations.

A page is markdown: breadcrumbs and a list of links on top, a numbered page heading, then one
``## Name`` section per organisation (lead description, a lead-in line repeating the name,
bullets of services, a CONTACTS part), then a footer with the update date and a disclaimer.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from assistant.corpus.countries import detect_country
from assistant.types import Organisation, Passage

CORPUS_SUFFIXES = (".txt", ".md")

_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")
_PAGE_HEADING = re.compile(r"^\d+\s*[-–]\s+")
_CONTACTS = re.compile(r"^(?:#{1,6}\s*)?\**contacts?\**\s*:?\s*\**$", re.IGNORECASE)
_BULLET = re.compile(r"^\s*[-*•]\s+(.*)$")
_FOOTER = re.compile(r"^\W*last update\s*:?\s*(.*)$", re.IGNORECASE)
_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_CONTACT_LINE = re.compile(
    r"^\**(website|web site|web|internet|e-?mail|tel(?:ephone)?\.?|phone|address|hotline|helpline)"
    r"\**\s*:?\s*(.*)$",
    re.IGNORECASE,
)
_URL = re.compile(r"<?(https?://[^\s<>()\]]+)>?")
_PHONE = re.compile(r"(?<![\w.,/])(\+?\d[\d ()\-]{5,}\d)(?![\w.,/])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


class CorpusError(ValueError):
    """A page that cannot be read as this format, with the file and line to look at."""

    def __init__(self, path: Path | str, line: int, problem: str):
        super().__init__(f"{path}:{line}: {problem}")
        self.path, self.line, self.problem = str(path), line, problem


@dataclass(frozen=True)
class Corpus:
    """Every organisation and passage of the documents in a corpus folder."""

    organisations: tuple[Organisation, ...]
    passages: tuple[Passage, ...]
    fingerprint: str
    warnings: tuple[str, ...] = ()

    def organisation(self, organisation_id: str) -> Organisation:
        return next(o for o in self.organisations if o.id == organisation_id)


@dataclass
class _Section:
    name: str
    line: int
    paragraphs: list[list[str]] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    lead_in_before_bullets: str | None = None
    contacts: list[tuple[int, str]] = field(default_factory=list)  # (line number, text)
    in_contacts: bool = False
    last_was_bullet: bool = False


def slugify(text: str) -> str:
    """A lowercase ascii slug: "Missing Person's Families" -> "missing-persons-families"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    ascii_text = re.sub(r"['’`]", "", ascii_text.lower())
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


def find_phones(text: str) -> list[str]:
    """Phone numbers in free text: 7 to 15 digits, so dates and years are not taken."""
    found = []
    for match in _PHONE.finditer(text):
        number = match.group(1).strip(" ()-")
        if 7 <= sum(c.isdigit() for c in number) <= 15 and number not in found:
            found.append(number)
    return found


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise CorpusError(path, 0, f"the file cannot be read ({error.strerror or error})") from error
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise CorpusError(path, line, "the file is not valid UTF-8 text") from error
    return text.replace("\r\n", "\n").replace("\r", "\n")


@dataclass(frozen=True)
class Page:
    """One parsed document: its organisations, their passages, and gaps worth a look."""

    organisations: tuple[Organisation, ...]
    passages: tuple[Passage, ...]
    warnings: tuple[str, ...]


def parse_page(path: Path | str, text: str | None = None) -> Page:
    """Parse one page of the portal's format.

    Raises:
        CorpusError: the page is not of this format; names the file and line.
    """
    path = Path(path)
    text = _read_text(path) if text is None else text
    code, country = detect_country(path.name, text)
    sections: list[_Section] = []
    current: _Section | None = None
    last_update: str | None = None
    paragraph: list[str] = []

    def close_paragraph() -> None:
        nonlocal paragraph
        if paragraph and current is not None:
            current.paragraphs.append(paragraph)
        paragraph = []

    for number, raw_line in enumerate(text.split("\n"), start=1):
        line = raw_line.strip()
        footer = _FOOTER.match(line)
        if footer:
            close_paragraph()
            date = _DATE.search(footer.group(1))
            if date:
                day, month, year = date.groups()
                last_update = f"{year}-{int(month):02d}-{int(day):02d}"
            break  # everything after the update line is the portal's disclaimer
        if not line:
            close_paragraph()
            if current:
                current.last_was_bullet = False
            continue
        if _CONTACTS.match(line):
            close_paragraph()
            if current is None:
                raise CorpusError(path, number, "a CONTACTS part comes before any organisation")
            current.in_contacts = True
            continue
        heading = _HEADING.match(line)
        if heading:
            close_paragraph()
            title = heading.group(1).strip()
            if _PAGE_HEADING.match(title):
                continue  # the "## 4 - Help and support..." page heading
            if not title:
                raise CorpusError(path, number, "an organisation heading has no name")
            current = _Section(name=title, line=number)
            sections.append(current)
            continue
        if current is None:
            continue  # breadcrumbs and the list of links above the first organisation
        if current.in_contacts:
            current.contacts.append((number, line))
            continue
        bullet = _BULLET.match(raw_line)
        if bullet:
            close_paragraph()
            if not current.bullets and current.paragraphs:
                current.lead_in_before_bullets = " ".join(current.paragraphs[-1])
            current.bullets.append(bullet.group(1).strip())
            current.last_was_bullet = True
        elif current.last_was_bullet and raw_line[:1].isspace():
            current.bullets[-1] += " " + line  # a bullet wrapped onto an indented line
        else:
            paragraph.append(line)
    close_paragraph()

    if not sections:
        raise CorpusError(path, 1, "no organisation sections ('## Name') were found")
    organisations, passages, warnings = [], [], []
    for section in sections:
        organisation, descriptions = _organisation(section, path, code, country, last_update)
        if any(o.id == organisation.id for o in organisations):
            raise CorpusError(path, section.line, f"'{section.name}' is a second organisation with id "
                                                  f"'{organisation.id}' on this page")
        if not organisation.services:
            warnings.append(f"{path}:{section.line}: '{section.name}' lists no services")
        if not organisation.website:
            warnings.append(f"{path}:{section.line}: '{section.name}' has no website")
        organisations.append(organisation)
        passages += passages_of(organisation, descriptions)
    return Page(tuple(organisations), tuple(passages), tuple(warnings))


def _is_lead_in(paragraph: str, name: str) -> bool:
    """The line that repeats the organisation's name just before its bullets."""
    return (
        slugify(name) in slugify(paragraph)
        and not paragraph.rstrip().endswith((".", ":", "!", "?"))
        and len(paragraph.split()) <= 20
    )


def _organisation(section: _Section, path: Path, code: str, country: str,
                  last_update: str | None) -> tuple[Organisation, list[str]]:
    paragraphs = [" ".join(p) for p in section.paragraphs]
    lead_in = section.lead_in_before_bullets
    if lead_in and _is_lead_in(lead_in, section.name):
        paragraphs = [p for p in paragraphs if p != lead_in]
    website = None
    contact_text = " ".join(line for _, line in section.contacts)
    for number, line in section.contacts:
        field_match = _CONTACT_LINE.match(line)
        if field_match and field_match.group(1).lower().startswith("web"):
            url = _URL.search(field_match.group(2))
            if url is None:
                raise CorpusError(path, number, f"'{section.name}': the Website line has no http(s) address")
            website = website or url.group(1)
    if website is None:
        url = _URL.search(contact_text)
        website = url.group(1) if url else None
    all_text = " ".join(paragraphs + section.bullets + [_URL.sub(" ", contact_text)])
    # A name with no Latin letters (Greek, Bulgarian) slugs to nothing: name it by a hash instead.
    slug = slugify(section.name) or "org-" + hashlib.sha256(section.name.encode()).hexdigest()[:10]
    return Organisation(
        id=f"{code}-{slug}" if code else slug,
        name=section.name,
        description=" ".join(paragraphs[:1]),
        services=tuple(section.bullets),
        website=website,
        phones=tuple(find_phones(all_text)),
        country=country,
        country_code=code,
        source=path.name,
        last_update=last_update,
        emails=tuple(dict.fromkeys(_EMAIL.findall(contact_text))),
    ), paragraphs


def passages_of(organisation: Organisation, descriptions: list[str]) -> list[Passage]:
    """An organisation's passages: its description paragraphs, then one per service."""
    texts = [("description", d) for d in descriptions] + [("service", s) for s in organisation.services]
    return [
        Passage(id=f"{organisation.id}#{i}", organisation_id=organisation.id, text=text, kind=kind,
                position=i)
        for i, (kind, text) in enumerate(texts)
    ]


def corpus_files(directory: Path | str) -> list[Path]:
    """The documents of a corpus folder, in a stable order.

    Raises:
        CorpusError: the folder cannot be listed; says which setting names it.
    """
    try:
        return sorted(p for p in Path(directory).iterdir() if p.is_file() and p.suffix in CORPUS_SUFFIXES)
    except OSError as error:
        raise CorpusError(directory, 0, f"the corpus folder cannot be read ({error.strerror or error}); "
                                        "set ASSISTANT_CORPUS (or --corpus) to the folder of documents") from error


def fingerprint(files: list[Path]) -> str:
    """SHA-256 over the names and bytes of the corpus documents."""
    digest = hashlib.sha256()
    for path in files:
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CorpusError(path, 0, f"the file cannot be read ({error.strerror or error})") from error
        digest.update(path.name.encode("utf-8", "surrogateescape") + b"\0" + data + b"\0")
    return digest.hexdigest()


def load_corpus(directory: Path | str) -> Corpus:
    """Parse every document in a corpus folder.

    Raises:
        CorpusError: a document is malformed, or the folder has none.
    """
    files = corpus_files(directory)
    if not files:
        raise CorpusError(directory, 0, "the corpus folder has no .txt or .md documents")
    organisations: list[Organisation] = []
    passages: list[Passage] = []
    warnings: list[str] = []
    for path in files:
        page = parse_page(path)
        for organisation in page.organisations:
            if any(o.id == organisation.id for o in organisations):
                raise CorpusError(path, 0, f"organisation id '{organisation.id}' appears twice in the corpus")
            organisations.append(organisation)  # so a repeat within this page is caught too
        passages += page.passages
        warnings += page.warnings
    return Corpus(tuple(organisations), tuple(passages), fingerprint(files), tuple(warnings))
