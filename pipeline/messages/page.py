"""What `convenant bekijk` and its live page say: the command's help and lines, and the page's
own words (the checks, tests, analysis, memo and annex speak through their own catalogues)."""

from __future__ import annotations

from pipeline.language import Text

# --- the command ----------------------------------------------------------------------------


def help_text() -> Text:
    """`convenant bekijk --help`: what the command does."""
    return Text(
        "Een pagina in uw browser naast uw editor: de controle, de voorbeeldtests, wie ziet "
        "wat, de analyse naast elkaar, de wijzigingen sinds de laatste publicatie en de bijlage "
        "zoals afgedrukt. Zodra u een bestand opslaat, werkt de pagina zich bij. Alleen op deze "
        "computer te zien; stoppen met Ctrl+C.",
        "A page in your browser beside your editor: the check, the example tests, who sees "
        "what, the analysis side by side, the changes since the last publication and the annex "
        "as printed. It updates itself whenever you save a file. Only reachable on this "
        "computer; stop with Ctrl+C.",
    )


def folder_help() -> Text:
    """The MAP argument."""
    return Text(
        "De map met de convenanten (standaard: KETENSTROOM_CONVENANTEN_DIR).",
        "The covenant folder (default: KETENSTROOM_CONVENANTEN_DIR).",
    )


def port_help() -> Text:
    """--poort."""
    return Text(
        "Poort van de pagina (standaard: een vrije poort).",
        "The page's port (default: a free port).",
    )


def address_help() -> Text:
    """--adres."""
    return Text(
        "Adres van de pagina (standaard 127.0.0.1: alleen deze computer).",
        "The page's address (default 127.0.0.1: this computer only).",
    )


def outside_help() -> Text:
    """--ook-van-buiten."""
    return Text(
        "Sta een ander adres dan deze computer toe. Dan kan ieder die dat adres bereikt de "
        "convenanten zien.",
        "Allow an address other than this computer's. Anyone who reaches it can then see the "
        "covenants.",
    )


def no_browser_help() -> Text:
    """--geen-browser."""
    return Text(
        "Open geen browser; toon alleen het adres.",
        "Do not open a browser; only print the address.",
    )


def outside_refused(address: str) -> Text:
    """A non-loopback address without the explicit flag."""
    return Text(
        f"{address} is geen adres van alleen deze computer: dan kan ook een ander de pagina "
        "met uw convenanten openen. Laat --adres weg (127.0.0.1), of zeg het uitdrukkelijk met "
        "--ook-van-buiten.",
        f"{address} is not a loopback address: others could open the page with your covenants. "
        "Leave out --adres (127.0.0.1), or say so explicitly with --ook-van-buiten.",
    )


def outside_warning(address: str) -> Text:
    """Serving beyond this computer, as asked."""
    return Text(
        f"let op: de pagina luistert op {address}; wie dat adres bereikt, ziet uw convenanten",
        f"warning: the page listens on {address}; whoever reaches it sees your covenants",
    )


def serving(url: str, folder: str) -> Text:
    """Where the page is."""
    return Text(
        f"De pagina van {folder} staat op {url}  (stoppen: Ctrl+C)",
        f"The page of {folder} is at {url}  (stop: Ctrl+C)",
    )


def cannot_listen(address: str, port: int, reason: str) -> Text:
    """The port is taken or the address is not ours."""
    return Text(
        f"kan niet luisteren op {address}:{port}: {reason}. Laat --poort weg voor een vrije poort.",
        f"cannot listen on {address}:{port}: {reason}. Leave out --poort for a free port.",
    )


def stopped() -> Text:
    """After Ctrl+C."""
    return Text("Gestopt.", "Stopped.")


def baseline_broker(version: int, day: str) -> Text:
    """The memo compares with a publication read from the pipeline."""
    return Text(f"gepubliceerde versie {version} ({day})", f"published version {version} ({day})")


def baseline_head() -> Text:
    """The memo compares with the last commit."""
    return Text("de laatste vastgelegde versie in git (HEAD)", "the last commit in git (HEAD)")


def unspecified_refused(address: str) -> Text:
    """0.0.0.0 or :: even with the flag: the page must know the name it is asked by."""
    return Text(
        f"{address} betekent: op elk adres. Geef één bepaald adres van deze computer, zodat de "
        "pagina weet onder welke naam zij gevraagd mag worden.",
        f"{address} means every address. Name one address of this computer, so the page knows "
        "which name it may be asked by.",
    )


# --- the page's own lines -------------------------------------------------------------------


def problems_found(count: int) -> Text:
    """The check's verdict on the page (nothing is refused here: the files are the officer's)."""
    return Text(
        f"{count} {'fout' if count == 1 else 'fouten'} gevonden",
        f"{count} problem{'' if count == 1 else 's'} found",
    )


def no_covenant() -> Text:
    """A folder without covenant files."""
    return Text("Deze map bevat nog geen convenant.", "This folder holds no covenant yet.")


def no_folder() -> Text:
    """The folder is gone (deleted or renamed)."""
    return Text("De map bestaat niet.", "The folder does not exist.")


def reading() -> Text:
    """Before the first result."""
    return Text("Bezig met lezen ...", "Reading ...")


def updated(at: str, check: str, examples: str | None) -> Text:
    """The status line, said once per finished update (aria-live)."""
    tested_nl = f" Voorbeeldtests: {examples}." if examples else ""
    tested_en = f" Example tests: {examples}." if examples else ""
    return Text(
        f"Bijgewerkt om {at}. Controle: {check}.{tested_nl}",
        f"Updated at {at}. Check: {check}.{tested_en}",
    )


def update_failed() -> Text:
    """An engine failed on these files (a bug, logged in the terminal)."""
    return Text(
        "Er ging iets mis bij het bijwerken; de terminal zegt wat.",
        "Updating failed; the terminal says why.",
    )


def stale_note(at: str) -> Text:
    """Above a part that shows its last good content."""
    return Text(
        f"Dit is de stand van {at}, van voor de fouten die de controle nu vindt.",
        f"This is how it stood at {at}, before the problems the check finds now.",
    )


def wait_for_check() -> Text:
    """A part that needs a folder without problems, before there was one."""
    return Text(
        "Verschijnt zodra de controle geen fouten meer vindt.",
        "Appears once the check finds no more problems.",
    )


def broker_silent() -> Text:
    """The pipeline is set up but did not answer."""
    return Text(
        "De pijplijn antwoordde niet; daarom vergeleken met git.",
        "The pipeline did not answer; compared with git instead.",
    )


def nothing_published() -> Text:
    """The pipeline answered, but holds no trusted publication."""
    return Text(
        "Er is nog niets gepubliceerd; daarom vergeleken met git.",
        "Nothing is published yet; compared with git instead.",
    )


def no_baseline() -> Text:
    """Neither a publication nor git."""
    return Text(
        "Niets om mee te vergelijken: er is geen gepubliceerde versie gevonden en de map staat "
        "niet in git (of heeft daar nog geen vastgelegde versie).",
        "Nothing to compare with: no published version was found and the folder is not in git "
        "(or has no commit there yet).",
    )


def baseline_unreadable() -> Text:
    """Reading the published versions failed (a bug, logged)."""
    return Text(
        "De gepubliceerde versies konden niet worden gelezen.",
        "The published versions could not be read.",
    )


def memo_summary(baseline: str, changed: int) -> Text:
    """The memo in one line for the overview."""
    nl = (
        f"{changed} {'ontvanger' if changed == 1 else 'ontvangers'} met een wijziging"
        if changed
        else "geen wijziging in wat er gedeeld wordt"
    )
    en = f"{changed} recipient(s) with a change" if changed else "no change in what is shared"
    return Text(f"tegen {baseline}: {nl}", f"against {baseline}: {en}")


def baseline_unreadable_summary(baseline: str) -> Text:
    """The overview when the baseline does not compile."""
    return Text(f"{baseline} kon niet worden gelezen", f"{baseline} could not be read")


def refused_request(method: str, path: str, host: str, reason: str) -> Text:
    """A request the page did not answer, on the terminal (a sign of an attack or a typo)."""
    return Text(
        f"geweigerd: {method} {path} (Host {host}): {reason}",
        f"refused: {method} {path} (Host {host}): {reason}",
    )


def check_verdict(covenants: int, problems: int, warnings: int) -> Text:
    """The check in a few words, for the overview and the status line (which a screen reader
    says at every save: never the whole list of covenants)."""
    if problems:
        return problems_found(problems)
    named_nl = f"{covenants} {'convenant' if covenants == 1 else 'convenanten'} in orde"
    named_en = f"{covenants} covenant{'' if covenants == 1 else 's'} in order"
    if not warnings:
        return Text(named_nl, named_en)
    return Text(
        f"{named_nl}, {warnings} {'waarschuwing' if warnings == 1 else 'waarschuwingen'}",
        f"{named_en}, {warnings} warning{'' if warnings == 1 else 's'}",
    )


def examples_verdict(passed: int, failed: int) -> Text:
    """The example tests in a few words (none: said as such)."""
    if not passed + failed:
        return Text("geen voorbeeldtests", "no example tests")
    return Text(f"{passed} geslaagd, {failed} mislukt", f"{passed} passed, {failed} failed")
