"""Expands the JSON-LD that article answers carry (`structured_data`) with pyld, a real JSON-LD
processor, against a release server on SQLite with the seed fixture imported and a seeded site
(author profiles, site logo). Every item must expand without error to schema.org terms: a
NewsArticle with its headline, dates, authors and publisher, and a BreadcrumbList.

There is no internet in CI, so the document loader answers `https://schema.org` with a local
stand-in context that maps every term into the schema.org vocabulary (`@vocab`); any other
remote document is refused, so nothing the answer names can be fetched from elsewhere. This
checks the structure (keywords, nesting, values) rather than schema.org's own type coercions.

    python3 scripts/jsonld.py            # needs pyld in $CONTRACT_VENV (installed if missing)
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import ROOT, Database, Server, request  # noqa: E402

VENV = Path(os.environ.get("CONTRACT_VENV", Path.home() / ".cache" / "dateline-contract-venv"))
SCHEMA = "https://schema.org/"
FIXTURE = ROOT / "tests" / "fixtures" / "seed-article.json"


def ensure_pyld() -> None:
    """Re-runs this script in the contract venv with pyld installed."""
    if Path(sys.prefix).resolve() == VENV.resolve():
        return
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    check = subprocess.run([str(python), "-c", "import pyld"], capture_output=True)
    if check.returncode != 0:
        subprocess.run([str(VENV / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check", "pyld>=2"], check=True)
    os.execv(str(python), [str(python), *sys.argv])


def loader(url: str, options=None):
    if url.rstrip("/") in ("https://schema.org", "http://schema.org"):
        return {"contextUrl": None, "documentUrl": url, "document": {"@context": {"@vocab": SCHEMA}}}
    raise RuntimeError(f"refusing to load {url}: only the schema.org context is known offline")


def expand(item: dict) -> list:
    from pyld import jsonld

    return jsonld.expand(item, {"documentLoader": loader})


def values(expanded: list, term: str) -> list:
    node = expanded[0]
    return node.get(SCHEMA + term, [])


def check_article(port: int, slug: str) -> dict:
    status, article, _ = request(port, "GET", f"/api/v1/articles/{slug}")
    assert status == 200, (status, article)
    items = article["structured_data"]
    assert len(items) == 2, items
    news = expand(items[0])
    assert news and news[0]["@type"] == [SCHEMA + "NewsArticle"], news
    for term in ("headline", "datePublished", "dateModified", "author", "publisher", "mainEntityOfPage", "image"):
        assert values(news, term), f"{slug}: NewsArticle lacks {term} after expansion"
    publisher = values(news, "publisher")[0]
    assert publisher["@type"] == [SCHEMA + "Organization"], publisher
    assert publisher[SCHEMA + "logo"], publisher
    crumbs = expand(items[1])
    assert crumbs[0]["@type"] == [SCHEMA + "BreadcrumbList"], crumbs
    elements = values(crumbs, "itemListElement")
    assert len(elements) >= 3, elements
    authors = [a["@type"][0].removeprefix(SCHEMA) for a in values(news, "author")]
    return {"slug": slug, "authors": authors, "breadcrumb": len(elements), "terms": len(news[0])}


def main() -> int:
    ensure_pyld()
    db = Database("sqlite")
    server = Server(db)
    try:
        server.cli("migrate")
        server.cli("seed", "--articles", "20")
        server.cli("import", str(FIXTURE))
        server.start()
        slug = "pakistan-and-iran-announce-de-escalation-agreement-following-border-airstrikes"
        checked = [check_article(server.port, slug)]
        status, latest, _ = request(server.port, "GET", "/api/v1/articles?per_page=20")
        assert status == 200, latest
        seeded = next(a for a in latest["data"] if a["slug"] != slug)
        checked.append(check_article(server.port, seeded["slug"]))
        for c in checked:
            print(f"expanded {c['slug'][:48]}: {c['terms']} NewsArticle members, authors {c['authors']}, "
                  f"{c['breadcrumb']} breadcrumb items")
        kinds = {k for c in checked for k in c["authors"]}
        assert "Organization" in kinds, "the agency fixture credits its byline as an organisation"
        print("JSON-LD expands with pyld: OK")
        return 0
    finally:
        server.stop()
        db.drop()


if __name__ == "__main__":
    sys.exit(main())
