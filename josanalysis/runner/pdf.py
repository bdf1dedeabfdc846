"""PDF versions of the HTML reports, printed by headless Chromium (``josanalysis run --pdf``).

The reports are printed the way a reader prints them from a browser: the system's Chromium
(the Debian package ``chromium``; ``make test`` installs it) driven by Playwright's Python API,
offline, with the report's print stylesheet (A4; see :mod:`josanalysis.runner.export`).
Playwright's own browser downloads are not used.

Playwright is imported where it is used: it is an optional dependency (the ``pdf`` extra).

Examples
--------
>>> from josanalysis.runner.pdf import write_pdfs
>>> write_pdfs(["outputs/demoregio/region/report.html"])        # doctest: +SKIP
[PosixPath('outputs/demoregio/region/report.pdf')]
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from josanalysis.core.errors import ConfigError

__all__ = ["CHROMIUM_ARGS", "chromium_path", "count_pdf_pages", "headless_chromium",
           "print_pdf", "write_pdfs"]

#: Launch arguments: no sandbox (containers, root), no GPU, nothing fetched from the network.
CHROMIUM_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run")

_INSTALL_HINT = ("install Chromium (Debian/Ubuntu: `sudo apt-get install chromium`; `make test` "
                 "does it when run as root) and Playwright (`pip install -e .[pdf]`)")


def chromium_path() -> str | None:
    """The system Chromium: ``$JOSANALYSIS_CHROMIUM``, ``/usr/bin/chromium`` or on ``PATH``."""
    for candidate in (os.environ.get("JOSANALYSIS_CHROMIUM"), "/usr/bin/chromium"):
        if candidate and Path(candidate).is_file():
            return candidate
    return shutil.which("chromium") or shutil.which("chromium-browser")


def check_pdf_support() -> str:
    """The Chromium executable, or a :class:`ConfigError` that says how to install it."""
    exe = chromium_path()
    if exe is None:
        raise ConfigError(f"--pdf needs headless Chromium, which was not found: {_INSTALL_HINT}.")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        raise ConfigError(f"--pdf needs the Python package playwright: {_INSTALL_HINT}.") from None
    return exe


@contextmanager
def headless_chromium() -> Iterator[Any]:
    """A Playwright ``Browser`` on the system Chromium, closed on exit."""
    exe = check_pdf_support()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, headless=True, args=list(CHROMIUM_ARGS))
        try:
            yield browser
        finally:
            browser.close()


def print_pdf(browser: Any, html_path: str | Path) -> bytes:
    """The report printed to A4 by Chromium (its print stylesheet applies)."""
    page = browser.new_page()
    try:
        page.goto(Path(html_path).resolve().as_uri(), wait_until="load")
        return page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    finally:
        page.close()


def count_pdf_pages(pdf: bytes) -> int:
    """The number of pages of a PDF (its ``/Type /Page`` objects; Chromium writes no streams of them)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def write_pdfs(html_files: Iterable[str | Path]) -> list[Path]:
    """Write ``report.pdf`` beside each ``report.html`` (atomically); returns the PDFs.

    Raises
    ------
    ConfigError
        Chromium or Playwright is missing (the message says how to install them).
    """
    files = [Path(f) for f in html_files]
    written: list[Path] = []
    if not files:
        return written
    with headless_chromium() as browser:
        for html_file in files:
            pdf = html_file.with_suffix(".pdf")
            tmp = pdf.with_suffix(".pdf.tmp")
            tmp.write_bytes(print_pdf(browser, html_file))
            os.replace(tmp, pdf)
            written.append(pdf)
    return written
