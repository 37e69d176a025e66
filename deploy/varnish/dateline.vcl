# Varnish in front of Dateline: caches public answers for as long as their Cache-Control says,
# tags each with its Surrogate-Key (the xkey module of Debian's `varnish-modules`), and drops them
# when Dateline sends `PURGE` with `xkey-purge: <keys>` (DATELINE_PURGE_URLS=http://varnish:6081,
# DATELINE_PURGE_STYLE=xkey). Requests with a token are never cached.
#
#   varnishd -a :6081 -f /etc/varnish/dateline.vcl -s malloc,1G
vcl 4.1;

import directors;
import xkey;

# Dateline's /healthz: a process that stops answering is taken out of rotation within seconds.
probe dateline_alive {
    .url = "/healthz";
    .interval = 2s;
    .timeout = 1s;
    .window = 3;
    .threshold = 2;
}

# One backend per Dateline instance (they are stateless: any of them answers any request). To
# add one, copy the block with its own name and address and add it in vcl_init below.
backend dateline1 {
    .host = "127.0.0.1";
    .port = "8080";
    .probe = dateline_alive;
}

sub vcl_init {
    new instances = directors.round_robin();
    instances.add_backend(dateline1);
}

# Who may purge: the Dateline instances.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    set req.backend_hint = instances.backend();
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (!req.http.xkey-purge) {
            return (synth(400, "xkey-purge header missing"));
        }
        set req.http.n-gone = xkey.purge(req.http.xkey-purge);
        return (synth(200, "Purged " + req.http.n-gone));
    }
    # An editor's or author's answer is theirs alone, and writes go straight through.
    if (req.http.Authorization) {
        return (pass);
    }
    # So is a draft preview, by header or parameter: the header form has the public URL, and
    # must never be answered with (or fill) the public copy.
    if (req.http.Preview-Token || req.url ~ "[?&]preview_token=") {
        return (pass);
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # Cookies play no part in Dateline's answers; they must not split or bypass the cache.
    unset req.http.Cookie;
    # Campaign tracking (utm_*) and cache-busters (_) change no answer (Dateline ignores them):
    # the plain and the tracked links share one cached copy, and a `_` cannot bust the cache.
    if (req.url ~ "[?&](utm_[^=&]*|_)(=|&|$)") {
        set req.url = regsuball(req.url, "(?<=[?&])(utm_[^=&]*|_)(=[^&]*)?(&|$)", "");
        set req.url = regsub(req.url, "[?&]$", "");
    }
    return (hash);
}

sub vcl_backend_response {
    # Only what Dateline marks public is kept (errors are no-store, authenticated answers
    # private), for its max-age; stale-while-revalidate is honoured by Varnish itself.
    if (beresp.http.Cache-Control !~ "public" || beresp.http.Cache-Control ~ "(private|no-store)") {
        set beresp.uncacheable = true;
        set beresp.ttl = 120s;
        return (deliver);
    }
    if (beresp.http.Surrogate-Key) {
        set beresp.http.xkey = beresp.http.Surrogate-Key;
    }
}

sub vcl_deliver {
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
    unset resp.http.xkey;
}
