"""The change memo as a document (pipeline.officer.document): one part per recipient, in words
an FG of a partner reads without the covenant files, for the terminal, Markdown and HTML."""

from __future__ import annotations

from pipeline.covenant.model import Behandeling
from pipeline.messages import combinations as combination_msg
from pipeline.messages import comparison as msg
from pipeline.officer.annex.content import duration_words, treatment_words
from pipeline.officer.comparison.covenants import StatementChange
from pipeline.officer.comparison.engine import Difference, Kind, Naming
from pipeline.officer.comparison.recognition import StillRecognisable
from pipeline.officer.document import PAGE, Document, h, p, ul
from pipeline.officer.memo.content import Entry, Grounding, Memo, RecipientMemo, Side, TableEntry
from pipeline.places.municipalities import named_in


def kind_label(memo: Memo, kind: Kind, by: tuple[str, ...] = ()) -> str:
    """The heading of a kind of change, as a change or as two regions side by side."""
    if memo.naming is Naming.KIND:
        return msg.side_by_side_kind(kind.value, memo.old, memo.new, by).nl
    return msg.change_kind(kind.value, by).nl


def _treatment(name: str, party: str) -> str:
    try:
        return treatment_words(Behandeling(name), party, "het eigen koppeldomein", False)
    except ValueError:
        return name


def rule_words(rule: Grounding) -> str:
    """A rule in one sentence: which, why, for how long, which signals."""
    article = f", artikel {rule.article}" if rule.article else ""
    parts = [f"regel {rule.rule} van {rule.covenant} {rule.version}{article}"]
    if rule.description:
        parts.append(f"“{rule.description}”")
    parts.append(f"grondslag {rule.basis}" + (f" ({rule.basis_text})" if rule.basis_text else ""))
    parts.append(f"doel {rule.purpose}" + (f" ({rule.purpose_text})" if rule.purpose_text else ""))
    if rule.retention:
        parts.append(f"bewaren: {duration_words(rule.retention)}")
    parts.append(f"van {', '.join(rule.sources)}")
    parts.append(
        "alleen als " + named_in("; ".join(rule.conditions))
        if rule.conditions
        else "zonder voorwaarde"
    )
    until = f" tot {rule.valid_until.isoformat()}" if rule.valid_until else ""
    parts.append(f"geldig vanaf {rule.valid_from.isoformat()}{until}")
    return "; ".join(parts)


def _side_items(side: Side, party: str) -> list[str]:
    items = [
        f"{', '.join(fields)}: {_treatment(treatment, party)}" for treatment, fields in side.treatments
    ]
    return items + [rule_words(r) for r in side.rules]


def _difference(diff: Difference) -> str:
    name = msg.aspect_name(diff.aspect).nl
    if not diff.before and not diff.after:
        return name
    return f"{name}: {diff.before} → {diff.after}"


def _since(memo: Memo, entry: Entry | TableEntry | StatementChange) -> str:
    if memo.naming is Naming.KIND:  # two regions side by side: no change takes effect
        return ""
    return " " + msg.since(entry.since.isoformat(), entry.since > memo.today).nl + "."


def _sides(memo: Memo) -> tuple[str, str]:
    if memo.naming is Naming.KIND:
        return f"Onder {memo.old}", f"Onder {memo.new}"
    return "Was", "Wordt"


def _entry(memo: Memo, party: RecipientMemo, entry: Entry, doc: Document) -> None:
    doc.add(h(3, f"{kind_label(memo, entry.kind, entry.by)}: {entry.signal_type}"))
    doc.add(p(f"Velden: {', '.join(entry.fields)}.{_since(memo, entry)}"))
    if entry.differences:
        doc.add(p("Wat verschilt:"), ul([_difference(d) for d in entry.differences]))
    first, second = _sides(memo)
    if entry.was is not None:
        doc.add(p(f"{first}:"), ul(_side_items(entry.was, party.party)))
    if entry.becomes is not None:
        doc.add(p(f"{second}:"), ul(_side_items(entry.becomes, party.party)))


def _table(memo: Memo, entry: TableEntry, doc: Document) -> None:
    doc.add(h(3, f"{kind_label(memo, entry.kind, entry.by)}: tabel {' × '.join(entry.table)}"))
    doc.add(p(f"Aantallen, nooit een signaal of een veld.{_since(memo, entry)}"))
    if entry.differences:
        doc.add(p("Wat verschilt:"), ul([_difference(d) for d in entry.differences]))
    first, second = _sides(memo)
    lines = [f"{first.lower()}: {w}" for w in entry.was] + [
        f"{second.lower()}: {b}" for b in entry.becomes
    ]
    doc.add(ul(lines + [rule_words(r) for r in entry.rules]))


def _statement(memo: Memo, change: StatementChange, doc: Document) -> None:
    title = combination_msg.memo_statement_title(change.through).nl
    doc.add(h(3, f"{kind_label(memo, change.kind)}: {title}"))
    text = combination_msg.memo_statement(
        change.covenant, change.recipient, change.through, change.reason_before, change.reason_after
    )
    doc.add(p(f"{text.nl.rstrip('.')}.{_since(memo, change)}"))


def _recognisable(memo: Memo, found: StillRecognisable, doc: Document) -> None:
    doc.add(h(3, msg.still_recognisable_title(found.signal_type).nl))
    text = msg.still_recognisable(found.recipient, found.withdrawn, found.pseudonyms, found.domain)
    doc.add(p(text.nl, "let-op"))


def summary_lines(memo: Memo, party: RecipientMemo) -> list[str]:
    """Per kind of change: the signal types and how many fields, and the tables."""
    lines = []
    for kind in party.kinds:
        types: dict[str, int] = {}
        for entry in party.entries:
            if entry.kind is kind:
                types[entry.signal_type] = types.get(entry.signal_type, 0) + len(entry.fields)
        parts = [f"{t} ({n} {'veld' if n == 1 else 'velden'})" for t, n in sorted(types.items())]
        tables = [" × ".join(t.table) for t in party.tables if t.kind is kind]
        if tables:
            parts.append(f"tabel {', '.join(tables)}")
        parts += [
            combination_msg.memo_statement_title(s.through).nl
            for s in party.statements
            if s.kind is kind
        ]
        by = {a for e in party.entries if e.kind is kind for a in e.by}
        by |= {a for t in party.tables if t.kind is kind for a in t.by}
        lines.append(f"{kind_label(memo, kind, tuple(sorted(by)))}: {'; '.join(parts)}")
    lines += [msg.still_recognisable_title(r.signal_type).nl for r in party.recognisable]
    return lines


def memo_document(memo: Memo) -> Document:
    """The memo: the covenant as a whole, the envelope once, then one part per recipient."""
    title = (
        msg.comparison_title(memo.old, memo.new)
        if memo.naming is Naming.KIND
        else msg.memo_title(memo.old, memo.new)
    )
    doc = Document(title.nl)
    doc.add(p(f"Opgesteld op {memo.today.isoformat()} met ketenstroom convenant diff.", "noot"))
    if memo.general:
        doc.add(h(2, "Het convenant als geheel"), ul([t.nl for t in memo.general]))
    if memo.empty:
        text = (
            msg.no_difference_between(memo.old, memo.new)
            if memo.naming is Naming.KIND
            else msg.no_change(memo.old, memo.new)
        )
        doc.add(p(text.nl))
        return doc
    doc.add(p(msg.envelope_note().nl, "noot"))
    doc.add(h(2, "Samenvatting"))
    for party in memo.recipients:
        who = f"{party.name} ({party.party})" if memo.naming is Naming.PARTNER else party.party
        doc.add(p(f"{who}:"), ul(summary_lines(memo, party)))
    for party in memo.recipients:
        heading = (
            f"Wat verandert voor {party.name} ({party.party})"
            if memo.naming is Naming.PARTNER
            else f"Soort partner: {party.party}"
        )
        doc.add(PAGE, h(2, heading))
        for entry in party.entries:
            _entry(memo, party, entry, doc)
        for table in party.tables:
            _table(memo, table, doc)
        for change in party.statements:
            _statement(memo, change, doc)
        for found in party.recognisable:
            _recognisable(memo, found, doc)
    return doc
