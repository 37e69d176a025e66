#!/usr/bin/env python3
"""Validates syndication documents that Dateline serves: RSS 2.0, Atom 1.0, JSON Feed 1.1,
sitemaps (<urlset>, with the Google image and news extensions) and sitemap indexes.

    syndication_check.py KIND FILE [FILE...]      KIND: rss | atom | jsonfeed | sitemap | sitemapindex
    syndication_check.py --content-type 'application/rss+xml; charset=utf-8' rss feed.xml

Exits 0 when every file is valid. Otherwise prints one line per problem to stderr, as
"FILE: problem", and exits 1 (2 for a usage error or a missing package). Rust integration tests
run it as a subprocess.

Needs python3 with feedparser, jsonschema and xmlschema installed (the stdlib covers the rest).
The schemas are read from contract/ next to this script, and nothing is fetched from the network:

- RSS/Atom: parsed with feedparser. Any "bozo" flag is a failure. The feed version must be rss20 or
  atom10. There must be a feed title, and each entry needs a link, title, id/guid and a published
  date that can be parsed. RSS pubDate must be RFC 822 and Atom dates RFC 3339.
- JSON Feed: contract/jsonfeed-1.1.schema.json (SchemaStore) plus the 1.0 schema it refers to, then
  the checks that the schema leaves loose: version, item id/url/content, absolute URLs and
  RFC 3339 dates.
- Sitemaps: the official XSDs in contract/xsd/, all loaded into one schema so that the sitemaps.org
  wildcard (processContents="strict") validates image: and news: elements strictly; then the
  protocol limits (50,000 entries, 50 MiB uncompressed, absolute http(s) <loc>).
"""

from __future__ import annotations

import argparse
import email.utils
import gzip
import io
import json
import re
import sys
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

CONTRACT = Path(__file__).resolve().parent.parent / "contract"
XSD = CONTRACT / "xsd"
JSONFEED_VERSION = "https://jsonfeed.org/version/1.1"
MAX_ENTRIES = 50_000
MAX_BYTES = 50 * 1024 * 1024  # the limit applies to the uncompressed file
MAX_LINES_PER_FILE = 100  # so that a sitemap with 50,000 bad URLs does not flood the test log
# fromisoformat alone accepts plain ISO 8601 (date only, no offset, basic format), which is not
# RFC 3339, so check the shape first.
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})", re.I)


def rfc3339_problem(value: object) -> str | None:
    if not isinstance(value, str) or not RFC3339.fullmatch(value):
        return f"{value!r} is not an RFC 3339 date-time"
    try:
        datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError as e:  # the shape is right but the date is not, e.g. 2024-02-30
        return f"{value!r} is not a valid date-time: {e}"
    return None


def is_absolute_http(url: object) -> bool:
    parts = urlsplit(url.strip()) if isinstance(url, str) else None
    return bool(parts and parts.scheme in ("http", "https") and parts.netloc)


def check_feed(kind: str, data: bytes, content_type: str | None) -> list[str]:
    import feedparser

    # Pass the bytes, not the path: if feedparser gets a path that does not exist, it parses the
    # path string itself as the document. Without response headers feedparser sniffs the
    # encoding as it would for a local file. With a text/xml Content-Type and no charset it
    # applies RFC 3023's us-ascii default and sets bozo, so tests can pass the real header.
    headers = {"content-type": content_type} if content_type else None
    d = feedparser.parse(data, response_headers=headers)
    problems = []
    if d.bozo:
        problems.append(f"bozo: {type(d.bozo_exception).__name__}: {d.bozo_exception}")
    want = {"rss": "rss20", "atom": "atom10"}[kind]
    if d.get("version") != want:  # absent when nothing feed-like was found, e.g. an empty file
        problems.append(f"feedparser detected version {d.get('version')!r}, expected {want!r}")
    if not d.feed.get("title"):
        problems.append("feed has no title")
    for n, e in enumerate(d.entries, 1):
        label = f"entry {n} ({e.get('id') or e.get('link') or 'no id'})"
        for field in ("link", "title", "id"):
            if not e.get(field):
                problems.append(f"{label}: no {field}" + (" (RSS <guid>)" if field == "id" else ""))
        if not e.get("published_parsed"):
            # Atom entries with only <updated> and RSS items with only dc:date land here:
            # feedparser maps both to `updated`, not `published`.
            problems.append(f"{label}: no published date that feedparser can parse")
        elif kind == "rss" and email.utils.parsedate_tz(e.published) is None:
            # feedparser also reads ISO 8601 pubDates, but RSS 2.0 requires RFC 822.
            problems.append(f"{label}: pubDate {e.published!r} is not RFC 822")
        elif kind == "atom":
            for field in ("published", "updated"):
                if e.get(field) and (p := rfc3339_problem(e[field])):
                    problems.append(f"{label}: {field} {p}")
    return problems


def jsonfeed_validator():
    import jsonschema
    from referencing import Registry
    from referencing.jsonschema import DRAFT4

    schema = json.loads((CONTRACT / "jsonfeed-1.1.schema.json").read_text(encoding="utf-8"))
    base = json.loads((CONTRACT / "jsonfeed-1.schema.json").read_text(encoding="utf-8"))
    # The 1.1 schema says "$ref": "feed-1#/...", which its id resolves to SchemaStore's URL.
    # Registering the local copy under that URL means nothing is fetched.
    registry = Registry().with_resource("https://json.schemastore.org/feed-1", DRAFT4.create_resource(base))
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, registry=registry, format_checker=cls.FORMAT_CHECKER)


def check_jsonfeed(data: bytes, validator) -> list[str]:
    try:
        feed = json.loads(data.decode("utf-8"))  # JSON Feed is UTF-8 JSON
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        return [f"not UTF-8 JSON: {e}"]
    problems = []
    for err in sorted(validator.iter_errors(feed), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in err.absolute_path) or "(root)"
        problems.append(f"schema: at {where}: {err.message}")
    if not isinstance(feed, dict):
        return problems
    # The schema also accepts any URI as the version, so check for exactly 1.1.
    if feed.get("version") != JSONFEED_VERSION:
        problems.append(f"version is {feed.get('version')!r}, expected {JSONFEED_VERSION!r}")
    # "format": "uri" is not checked (jsonschema needs the optional rfc3987 package for it), and
    # readers resolve nothing relative, so the URLs a reader follows must be absolute.
    for field in ("home_page_url", "feed_url"):
        if field in feed and not is_absolute_http(feed[field]):
            problems.append(f"{field} {feed[field]!r} is not an absolute http(s) URL")
    items = feed.get("items")
    for n, item in enumerate(items if isinstance(items, list) else [], 1):
        if not isinstance(item, dict):
            continue  # already reported by the schema
        label = f"item {n} ({item.get('id', 'no id')})"
        for field in ("id", "url"):
            if not item.get(field):
                problems.append(f"{label}: no {field}")
        if item.get("url") and not is_absolute_http(item["url"]):
            problems.append(f"{label}: url {item['url']!r} is not an absolute http(s) URL")
        if not (item.get("content_html") or item.get("content_text")):
            problems.append(f"{label}: neither content_html nor content_text")
        for field in ("date_published", "date_modified"):
            if field in item and (p := rfc3339_problem(item[field])):
                problems.append(f"{label}: {field} {p}")
    return problems


def sitemap_schema(kind: str):
    import xmlschema

    main = XSD / ("sitemap.xsd" if kind == "sitemap" else "siteindex.xsd")
    # sitemap.xsd allows foreign elements only through <xsd:any namespace="##other"
    # processContents="strict">. Strict means an element from a namespace with no loaded schema
    # is an error ("unavailable namespace"), and elements from a loaded namespace are fully
    # validated. Loading the extension XSDs next to the main one (a list of sources) therefore
    # validates image: and news: strictly. Other namespaces fail ("unavailable namespace", e.g.
    # video:), except those xmlschema ships fallback schemas for: xhtml:link (hreflang
    # alternates) is validated against its bundled XHTML 1.0 Strict schema.
    # The instance's xsi:schemaLocation hints are ignored (use_location_hints=False is the
    # default), so a document cannot bring its own schema or make us fetch one.
    sources = [main, XSD / "sitemap-image.xsd", XSD / "sitemap-news.xsd"]
    return xmlschema.XMLSchema10([str(s) for s in sources], allow="local")


def check_sitemap(kind: str, data: bytes, schema) -> list[str]:
    import xmlschema

    problems = []
    if data[:2] == b"\x1f\x8b":  # sitemaps may be served gzipped; the limits are uncompressed
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as e:
            return [f"bad gzip data: {e}"]
    if len(data) > MAX_BYTES:
        problems.append(f"{len(data)} bytes uncompressed, more than the 50 MiB ({MAX_BYTES}) limit")
    try:
        # defuse="always" rejects DTDs and entity declarations, which sitemaps never need.
        resource = xmlschema.XMLResource(io.BytesIO(data), defuse="always", allow="none")
    except Exception as e:  # not well-formed, or forbidden DTD/entities
        return problems + [f"not well-formed XML: {e}"]
    for err in schema.iter_errors(resource):
        problems.append(f"schema: {err.reason} (at {err.path})")

    root = resource.root
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    entry = "url" if kind == "sitemap" else "sitemap"
    entries = root.findall(ns + entry)
    if len(entries) > MAX_ENTRIES:
        problems.append(f"{len(entries)} <{entry}> entries, more than the {MAX_ENTRIES} limit")
    # Every <loc> must be absolute: the page's or sitemap's own <loc>, and image:loc too. The
    # XSD only checks for a well-formed URI of length 12 to 2048, so relative paths get through.
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag.rpartition("}")[2] == "loc":
            if not is_absolute_http(el.text or ""):
                problems.append(f"<loc> {el.text!r} is not an absolute http(s) URL")
    return problems


def make_checker(kind: str, content_type: str | None):
    """Returns a function from file bytes to problems, with any schema built once for all files."""
    if kind == "jsonfeed":
        validator = jsonfeed_validator()
        return lambda data: check_jsonfeed(data, validator)
    if kind in ("sitemap", "sitemapindex"):
        schema = sitemap_schema(kind)
        return lambda data: check_sitemap(kind, data, schema)
    import feedparser  # noqa: F401  (fail early, before any file, if it is missing)

    return lambda data: check_feed(kind, data, content_type)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("kind", choices=["rss", "atom", "jsonfeed", "sitemap", "sitemapindex"])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--content-type", help="rss/atom: the Content-Type the feed is served with")
    args = parser.parse_args()
    try:
        checker = make_checker(args.kind, args.content_type)
    except ImportError as e:
        print(f"syndication_check: {e}; pip install feedparser xmlschema jsonschema", file=sys.stderr)
        return 2

    failed = False
    for path in args.files:
        try:
            problems = checker(path.read_bytes())
        except OSError as e:
            problems = [f"cannot read: {e.strerror}"]
        failed |= bool(problems)
        for line in problems[:MAX_LINES_PER_FILE]:
            # One line per problem: some parser messages span several lines.
            print(f"{path}: {' '.join(line.split())}", file=sys.stderr)
        if len(problems) > MAX_LINES_PER_FILE:
            print(f"{path}: ... and {len(problems) - MAX_LINES_PER_FILE} more problems", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
