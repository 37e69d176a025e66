#!/usr/bin/env python3
"""Semantic diff of two OpenAPI documents: operations, responses, parameters, schemas.

Usage: scripts/openapi_diff.py BEFORE.json AFTER.json (e.g. `git show main:openapi/openapi.json`).
$refs are resolved and `oneOf [X, null]` / `type: [T, "null"]` are read as "nullable X", so a
shared component in place of an identical inline schema shows as REF, not as a change. REMOVED
and CHANGED lines need a human look: the spec may only get more precise."""
import json, sys

METHODS = ("get", "put", "post", "delete", "patch")

def load(p):
    return json.load(open(p))

def resolve(spec, ref):
    node = spec
    for part in ref.lstrip("#/").split("/"):
        node = node[part]
    return node

def effective(spec, schema, depth=0, seen=()):
    """A flat dict of the constraints a schema imposes; a recursive $ref is left a $ref."""
    if schema is None:
        return {}
    out = {}
    if "$ref" in schema:
        name = schema["$ref"].split("/")[-1]
        if name in seen or depth > 12:
            return {"$ref": name}
        try:
            target = resolve(spec, schema["$ref"])
        except KeyError:
            return {"$ref": name, "DANGLING": True}
        out.update(effective(spec, target, depth + 1, seen + (name,)))
        out["$ref"] = name
    if "oneOf" in schema:
        branches = [b for b in schema["oneOf"] if b.get("type") != "null"]
        if len(branches) < len(schema["oneOf"]):
            out["nullable"] = True
        if len(branches) == 1:
            out.update(effective(spec, branches[0], depth + 1, seen))
        else:
            out["oneOf"] = [effective(spec, b, depth + 1, seen) for b in branches]
    for key, value in schema.items():
        if key in ("$ref", "oneOf"):
            continue
        if key == "type" and isinstance(value, list):
            if "null" in value:
                out["nullable"] = True
            rest = [t for t in value if t != "null"]
            out["type"] = rest[0] if len(rest) == 1 else rest
        elif key == "items":
            out["items"] = effective(spec, value, depth + 1, seen)
        elif key == "properties":
            out["properties"] = {k: effective(spec, v, depth + 1, seen) for k, v in value.items()}
        else:
            out[key] = value
    return out

# Keys whose loss makes a schema vaguer.
CONSTRAINTS = {"type", "pattern", "maxLength", "minLength", "format", "enum", "maximum", "minimum",
               "maxItems", "minItems", "required", "additionalProperties", "nullable", "items",
               "properties", "oneOf"}

def compare(a, b, where, out):
    for key in sorted(set(a) | set(b)):
        if key == "$ref":
            if a.get(key) != b.get(key):
                out.append(f"  REF          {where}: {a.get(key)} -> {b.get(key)} (shared component)")
            continue
        if key not in b:
            tag = "REMOVED" if key in CONSTRAINTS else "CHANGED"
            out.append(f"  {tag:<12} {where}.{key}: {json.dumps(a[key])[:160]}")
        elif key not in a:
            out.append(f"  {'ADDED':<12} {where}.{key}: {json.dumps(b[key])[:160]}")
        elif key in ("properties",):
            for name in sorted(set(a[key]) | set(b[key])):
                if name not in b[key]:
                    out.append(f"  REMOVED      {where}.{name}")
                elif name not in a[key]:
                    out.append(f"  ADDED        {where}.{name}")
                else:
                    compare(a[key][name], b[key][name], f"{where}.{name}", out)
        elif key == "items" and isinstance(a[key], dict) and isinstance(b[key], dict):
            compare(a[key], b[key], f"{where}[]", out)
        elif a[key] != b[key]:
            out.append(f"  CHANGED      {where}.{key}: {json.dumps(a[key])[:160]} -> {json.dumps(b[key])[:160]}")

def operations(spec):
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                yield f"{method.upper()} {path}", item[method]

def response_view(spec, r):
    if "$ref" in r:
        r = resolve(spec, r["$ref"])
    content = {k: effective(spec, v.get("schema")) for k, v in r.get("content", {}).items()}
    headers = {k: (h.get("description"), effective(spec, h.get("schema"))) for k, h in r.get("headers", {}).items()}
    return r.get("description"), content, headers

def diff_operation(name, before_spec, a, after_spec, b, out):
    lines = []
    if a.get("security") != b.get("security"):
        lines.append(f"  SECURITY     {json.dumps(a.get('security'))} -> {json.dumps(b.get('security'))}")
    for key in ("summary", "description", "operationId", "tags"):
        if a.get(key) != b.get(key):
            lines.append(f"  CHANGED      {key}: {json.dumps(a.get(key))} -> {json.dumps(b.get(key))}")
    pa = {(p["in"], p["name"]): p for p in a.get("parameters", [])}
    pb = {(p["in"], p["name"]): p for p in b.get("parameters", [])}
    for key in sorted(set(pa) | set(pb)):
        where = f"param {key[0]}:{key[1]}"
        if key not in pb:
            lines.append(f"  REMOVED      {where}")
            continue
        if key not in pa:
            lines.append(f"  ADDED        {where}")
            continue
        x, y = dict(pa[key]), dict(pb[key])
        sx, sy = effective(before_spec, x.pop("schema", None)), effective(after_spec, y.pop("schema", None))
        for k in sorted(set(x) | set(y)):
            if x.get(k) != y.get(k):
                lines.append(f"  CHANGED      {where}.{k}: {json.dumps(x.get(k))} -> {json.dumps(y.get(k))}")
        compare(sx, sy, where + ".schema", lines)
    ba, bb = a.get("requestBody"), b.get("requestBody")
    if (ba is None) != (bb is None):
        lines.append(f"  {'ADDED' if ba is None else 'REMOVED':<12} requestBody")
    elif ba is not None:
        for ct in sorted(set(ba["content"]) | set(bb["content"])):
            compare(effective(before_spec, ba["content"].get(ct, {}).get("schema")),
                    effective(after_spec, bb["content"].get(ct, {}).get("schema")), f"requestBody {ct}", lines)
    ra, rb = a.get("responses", {}), b.get("responses", {})
    for status in sorted(set(ra) | set(rb)):
        if status not in rb:
            lines.append(f"  REMOVED      {status} {response_view(before_spec, ra[status])[0]!r}")
            continue
        if status not in ra:
            desc = response_view(after_spec, rb[status])[0]
            lines.append(f"  ADDED        {status} {desc!r}")
            continue
        (da, ca, ha), (db, cb, hb) = response_view(before_spec, ra[status]), response_view(after_spec, rb[status])
        if da != db:
            lines.append(f"  DESCRIPTION  {status}: {da!r}\n                   -> {db!r}")
        if set(ca) != set(cb):
            lines.append(f"  CHANGED      {status} content types: {sorted(ca)} -> {sorted(cb)}")
        else:
            for ct in ca:
                compare(ca[ct], cb[ct], f"{status} {ct}", lines)
        for h in sorted(set(ha) | set(hb)):
            if h not in hb:
                lines.append(f"  REMOVED      {status} header {h}")
            elif h not in ha:
                lines.append(f"  ADDED        {status} header {h}: {hb[h][0]!r}")
            elif ha[h] != hb[h]:
                lines.append(f"  CHANGED      {status} header {h}: {ha[h]} -> {hb[h]}")
    if lines:
        out.append(name)
        out.extend(lines)

def dangling(spec):
    bad = []
    def walk(node):
        if isinstance(node, dict):
            if "$ref" in node:
                try:
                    resolve(spec, node["$ref"])
                except KeyError:
                    bad.append(node["$ref"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
    walk(spec)
    return bad

def main(before_path, after_path):
    a, b = load(before_path), load(after_path)
    out = []
    if a.get("info") != b.get("info"):
        out.append("info changed")
    oa, ob = dict(operations(a)), dict(operations(b))
    for name in sorted(set(oa) - set(ob)):
        out.append(f"REMOVED operation {name}")
    for name in sorted(set(ob) - set(oa)):
        out.append(f"ADDED operation {name}")
    for name in sorted(set(oa) & set(ob)):
        diff_operation(name, a, oa[name], b, ob[name], out)
    ca, cb = a["components"]["schemas"], b["components"]["schemas"]
    for name in sorted(set(ca) | set(cb)):
        if name not in cb:
            out.append(f"REMOVED schema {name}")
        elif name not in ca:
            out.append(f"ADDED schema {name}")
            out.append("  " + json.dumps(cb[name]))
        else:
            lines = []
            compare(effective(a, ca[name]), effective(b, cb[name]), name, lines)
            if lines:
                out.append(f"schema {name}")
                out.extend(lines)
    sa, sb = a["components"].get("securitySchemes"), b["components"].get("securitySchemes")
    if sa != sb:
        for k in sorted(set(sa) | set(sb)):
            if sa.get(k) != sb.get(k):
                out.append(f"securityScheme {k}: {json.dumps(sa.get(k))}\n  -> {json.dumps(sb.get(k))}")
    for name in ("tags", "servers", "openapi"):
        if a.get(name) != b.get(name):
            out.append(f"{name} changed")
    bad = dangling(b)
    out.append(f"dangling $refs in the new spec: {bad or 'none'}")
    print("\n".join(out))

if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
