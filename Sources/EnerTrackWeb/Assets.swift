import EnerTrackCore
import EnerTrackRuntime
import Foundation
import Synchronization

/// The static files: Bootstrap 5 and Chart.js from the system (Debian's libjs-bootstrap5 and
/// libjs-chart.js, read once at start), and our own small stylesheet and script. Nothing comes
/// from a CDN; there is no inline script anywhere, so the CSP can forbid them.
struct Assets: Sendable {
    struct File: Sendable {
        var contentType: String
        var body: [UInt8]
        /// The start of the body's SHA-256: its fingerprinted name and its ETag.
        var tag: String
        var gzip: [UInt8]?
        var brotli: [UInt8]?

        init(contentType: String, body: [UInt8]) {
            self.contentType = contentType
            self.body = body
            tag = String(RandomToken.hash(bytes: body).prefix(12))
            (gzip, brotli) = Assets.compressed(body, tag: tag)
        }
    }

    let files: [String: File]
    /// Each file's fingerprinted address (`app.js` → `/static/app.1a2b3c4d5e6f.js`): it changes
    /// with the content, so it can be cached for a year.
    let urls: [String: String]
    /// Vendor files that could not be read (the page still works, unstyled).
    let missing: [String]

    static let vendor: [(path: String, file: String, type: String)] = [
        ("vendor/bootstrap.min.css", "bootstrap5/css/bootstrap.min.css", "text/css; charset=utf-8"),
        ("vendor/bootstrap.bundle.min.js", "bootstrap5/js/bootstrap.bundle.min.js", "text/javascript; charset=utf-8"),
        ("vendor/chart.min.js", "chart.js/chart.min.js", "text/javascript; charset=utf-8"),
    ]

    init(directory: String) {
        var files: [String: File] = [
            "app.css": File(contentType: "text/css; charset=utf-8", body: Array(Self.css.utf8)),
            "app.js": File(contentType: "text/javascript; charset=utf-8", body: Array(Self.script.utf8)),
            "charts.js": File(contentType: "text/javascript; charset=utf-8", body: Array(Self.charts.utf8)),
            "favicon.svg": File(contentType: "image/svg+xml", body: Array(Self.icon.utf8)),
            "theme.js": File(contentType: "text/javascript; charset=utf-8", body: Array(Self.themeScript.utf8)),
        ]
        var missing: [String] = []
        for asset in Self.vendor {
            let path = directory + "/" + asset.file
            if let data = FileManager.default.contents(atPath: path) {
                files[asset.path] = File(contentType: asset.type, body: Array(data))
            } else {
                missing.append(path)
            }
        }
        self.files = files
        self.missing = missing
        urls = Dictionary(uniqueKeysWithValues: files.map { ($0.key, Self.fingerprinted($0.key, tag: $0.value.tag)) })
    }

    /// `vendor/chart.min.js` with tag `abc` → `/static/vendor/chart.min.abc.js`.
    static func fingerprinted(_ path: String, tag: String) -> String {
        guard let dot = path.lastIndex(of: ".") else { return "/static/" + path + "." + tag }
        return "/static/" + path[..<dot] + "." + tag + path[dot...]
    }

    /// The file's address for a page: fingerprinted when known.
    func url(_ path: String) -> String { urls[path] ?? "/static/" + path }

    /// gzip (level 9) and brotli (quality 11) of a body, once per process for each content:
    /// compressing Chart.js takes a moment, and tests make many sites.
    static func compressed(_ body: [UInt8], tag: String) -> ([UInt8]?, [UInt8]?) {
        if let known = cache.withLock({ $0[tag] }) { return known }
        let gzip = Gzip.compress(body, level: 9).flatMap { $0.count < body.count ? $0 : nil }
        let brotli = Brotli.compress(body).flatMap { $0.count < body.count ? $0 : nil }
        cache.withLock { $0[tag] = (gzip, brotli) }
        return (gzip, brotli)
    }

    private static let cache = Mutex<[String: ([UInt8]?, [UInt8]?)]>([:])

    /// The representation a request accepts: brotli, gzip or the plain bytes, and its encoding.
    func representation(_ file: File, acceptEncoding: String?) -> (body: [UInt8], encoding: String?) {
        let accepted = Set(
            (acceptEncoding ?? "").split(separator: ",").map {
                $0.split(separator: ";")[0].trimmingCharacters(in: .whitespaces).lowercased()
            })
        if accepted.contains("br"), let brotli = file.brotli { return (brotli, "br") }
        if accepted.contains("gzip"), let gzip = file.gzip { return (gzip, "gzip") }
        return (file.body, nil)
    }

    static let icon = """
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#0d6efd"/><path d="M18 3 7 18h7l-2 11 11-15h-7z" fill="#ffc107"/></svg>
        """

    /// Run in the head of a page whose visitor has not chosen a theme: the system's preference.
    static let themeScript = """
        'use strict';
        if (window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches) {
          document.documentElement.setAttribute('data-bs-theme', 'dark');
        }
        """

    static let css = """
        body { padding-bottom: 3rem; }
        /* Chart colours: meters (series) and tariff periods (bands) apart, each readable in its theme. */
        :root { --et-chart-text: #495057; --et-chart-grid: rgba(0, 0, 0, .1);
          --et-series-0: #0d6efd; --et-series-1: #fd7e14; --et-series-2: #198754; --et-series-3: #d63384;
          --et-series-4: #6f42c1; --et-series-5: #997404; --et-series-6: #0aa2c0; --et-series-7: #6c757d;
          --et-band-0: #c0392b; --et-band-1: #e08e0b; --et-band-2: #2e8b57; --et-band-3: #1f77b4; --et-band-4: #8e44ad;
          --et-band-5: #5d6d7e; --et-band-other: #9aa5b1; }
        [data-bs-theme="dark"] { --et-chart-text: #ced4da; --et-chart-grid: rgba(255, 255, 255, .12);
          --et-series-0: #6ea8fe; --et-series-1: #feb272; --et-series-2: #75b798; --et-series-3: #e685b5;
          --et-series-4: #a98eda; --et-series-5: #ffda6a; --et-series-6: #6edff6; --et-series-7: #adb5bd;
          --et-band-0: #ff6b6b; --et-band-1: #ffc04d; --et-band-2: #5cd38f; --et-band-3: #6ea8fe; --et-band-4: #c29ffa;
          --et-band-5: #adb5bd; --et-band-other: #6c757d; }
        .zoom-band { position: absolute; background: rgba(13, 110, 253, .15); border: 1px solid rgba(13, 110, 253, .6); pointer-events: none; }
        canvas[data-history] { touch-action: pan-y; cursor: crosshair; }
        /* Navigation readable on the brand colour (WCAG AA 4.5:1), a skip link for keyboards. */
        .navbar.bg-primary { background-color: #0a58ca !important; }
        .navbar-dark .navbar-nav .nav-link, .navbar-dark .navbar-text { color: rgba(255, 255, 255, .9); }
        .navbar-dark .navbar-nav .nav-link.active { color: #fff; font-weight: 600; text-decoration: underline; }
        .skip-link { position: absolute; top: .5rem; left: .5rem; z-index: 1080; padding: .5rem 1rem; background: #fff; color: #0a58ca; }
        .kpi .value { font-size: 1.6rem; font-weight: 600; }
        .kpi .label { font-size: .85rem; opacity: .75; }
        .chart-box { position: relative; height: 320px; }
        .table td, .table th { vertical-align: middle; }
        .esp { font-family: var(--bs-font-monospace); font-size: .9em; }
        .deep-link { word-break: break-all; }
        .threshold { flex: 1 1 6rem; min-width: 6rem; }
        .pivot td, .pivot th { white-space: nowrap; }
        /* A wide table keeps its first column in view while it scrolls sideways. */
        .table-sticky tr > :first-child { position: sticky; left: 0; z-index: 1; background-color: var(--bs-body-bg, #fff); }
        .table-sticky tbody th { font-weight: normal; }
        .table-scroll { max-height: 24rem; }
        @media (max-width: 576px) { .kpi .value { font-size: 1.25rem; } .chart-box { height: 240px; }
          /* Touch targets of at least 44 px on a phone. */
          .btn, .form-control, .form-select, .navbar-nav .nav-link, .navbar-toggler { min-height: 44px; }
          .btn { min-width: 44px; display: inline-flex; align-items: center; justify-content: center; }
          /* The period, its total and its cost in view: "incomplete" under the period, tighter cells. */
          .pivot th small { display: block; } .pivot td, .pivot th { padding-left: .35rem; padding-right: .35rem; } .page-link { min-height: 44px; min-width: 44px; display: flex; align-items: center; } }
        /* Dark theme: Debian's Bootstrap 5.2 has no colour modes, so ours sets the variables. */
        [data-bs-theme="dark"] { color-scheme: dark; --bs-body-bg: #16181b; --bs-body-color: #dee2e6; --bs-border-color: #3a3f44;
          --bs-secondary-color: #adb5bd; --bs-tertiary-bg: #22262a; }
        [data-bs-theme="dark"] body { background-color: #16181b; color: #dee2e6; }
        [data-bs-theme="dark"] .card { background-color: #1f2327; border-color: #3a3f44; color: #dee2e6; }
        [data-bs-theme="dark"] .table { --bs-table-color: #dee2e6; --bs-table-bg: transparent; --bs-table-border-color: #3a3f44;
          --bs-table-hover-color: #fff; --bs-table-hover-bg: rgba(255, 255, 255, .06); color: #dee2e6; border-color: #3a3f44; }
        [data-bs-theme="dark"] .form-control, [data-bs-theme="dark"] .form-select { background-color: #22262a; color: #dee2e6; border-color: #495057; }
        [data-bs-theme="dark"] .form-control::placeholder { color: #8b949e; }
        [data-bs-theme="dark"] .text-body-secondary, [data-bs-theme="dark"] .text-muted { color: #adb5bd !important; }
        [data-bs-theme="dark"] main a:not(.btn) { color: #6ea8fe; }
        [data-bs-theme="dark"] .btn-outline-secondary:not(.active) { color: #ced4da; border-color: #6c757d; }
        [data-bs-theme="dark"] .btn-outline-primary:not(.active) { color: #6ea8fe; border-color: #6ea8fe; }
        [data-bs-theme="dark"] .btn-outline-danger:not(:hover) { color: #ea868f; border-color: #ea868f; }
        [data-bs-theme="dark"] .btn-close { filter: invert(1); }
        [data-bs-theme="dark"] .navbar.bg-primary { background-color: #0b3d91 !important; }
        [data-bs-theme="dark"] .alert-success { background-color: #0f2e1d; color: #75b798; border-color: #13412a; }
        [data-bs-theme="dark"] .alert-danger { background-color: #2c0b0e; color: #ea868f; border-color: #58151c; }
        [data-bs-theme="dark"] .alert-warning { background-color: #332701; color: #ffda6a; border-color: #664d03; }
        """

    static let script = #"""
        'use strict';
        (function () {
          // Theme: remembered in a cookie so the server renders it without a flash.
          const toggle = document.getElementById('theme-toggle');
          if (toggle) {
            // The system's preference may have chosen dark before the page drew.
            toggle.setAttribute('aria-pressed', document.documentElement.getAttribute('data-bs-theme') === 'dark' ? 'true' : 'false');
            toggle.addEventListener('click', function () {
              const next = document.documentElement.getAttribute('data-bs-theme') === 'dark' ? 'light' : 'dark';
              document.documentElement.setAttribute('data-bs-theme', next);
              toggle.setAttribute('aria-pressed', next === 'dark' ? 'true' : 'false');
              document.cookie = 'theme=' + next + '; path=/; max-age=31536000; SameSite=Lax';
              document.dispatchEvent(new CustomEvent('enertrack:theme'));
            });
          }
          // Forms that ask first.
          document.querySelectorAll('form[data-confirm]').forEach(function (form) {
            form.addEventListener('submit', function (event) {
              if (!window.confirm(form.getAttribute('data-confirm'))) { event.preventDefault(); }
            });
          });
          // Live figures (`[data-live]`): polled every 10 s, only the meters that changed come
          // back; when the session has expired or the server is gone, the page says so.
          const live = document.querySelector('[data-live]');
          const notice = document.getElementById('live-notice');
          const say = function (name) { return notice ? notice.getAttribute('data-' + name) : ''; };
          const tell = function (text, link) {
            if (!notice) { return; }
            notice.replaceChildren(document.createTextNode(text));
            if (link) {
              const a = document.createElement('a');
              a.href = '/login?next=' + encodeURIComponent(location.pathname + location.search);
              a.className = 'alert-link ms-1';
              a.textContent = say('login');
              notice.appendChild(a);
            }
            notice.hidden = false;
            const refresh = document.getElementById('live-refresh');
            if (refresh) { refresh.hidden = true; }
          };
          let expired = false;
          window.addEventListener('enertrack:expired', function () { expired = true; tell(say('expired'), true); });
          window.addEventListener('enertrack:unreachable', function () {
            if (!expired) { tell(say('unreachable') + ' ' + new Date().toLocaleTimeString(document.documentElement.lang)); }
          });
          if (live) {
            let since = live.getAttribute('data-live');
            const set = function (scope, field, text) {
              const target = scope.querySelector('[data-field="' + field + '"]');
              if (target && text !== undefined && text !== null) { target.textContent = text; }
            };
            const poll = function () {
              if (expired || document.hidden) { return; }
              fetch('/api/v1/live?since=' + encodeURIComponent(since), { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
                .then(function (response) {
                  if (response.status === 401) { window.dispatchEvent(new CustomEvent('enertrack:expired')); return null; }
                  if (!response.ok) { throw new Error(String(response.status)); }
                  return response.json();
                })
                .then(function (body) {
                  if (!body) { return; }
                  since = String(body.now);
                  set(document, 'power-total', body.power_kw);
                  set(document, 'energy-total', body.energy_today_kwh);
                  (body.sites || []).forEach(function (flow) {
                    const card = document.querySelector('[data-site="' + CSS.escape(flow.site) + '"]');
                    if (!card) { return; }
                    set(card, 'grid-label', flow.grid_label);
                    set(card, 'grid', flow.grid_kw);
                    set(card, 'solar', flow.solar_kw);
                    set(card, 'home', flow.home_kw);
                  });
                  body.nodes.forEach(function (node) {
                    const row = document.querySelector('tr[data-node="' + CSS.escape(node.esp_id) + '"]');
                    if (!row) { return; }
                    set(row, 'power', node.power_kw);
                    set(row, 'today', node.today_kwh);
                    set(row, 'seen', node.last_seen);
                    const badge = row.querySelector('[data-field="status"]');
                    if (badge) { badge.outerHTML = node.badge; }
                  });
                  if (notice && !notice.hidden) { notice.hidden = true; }
                  const refresh = document.getElementById('live-refresh');
                  if (refresh) { refresh.hidden = false; }
                })
                .catch(function () { window.dispatchEvent(new CustomEvent('enertrack:unreachable')); });
            };
            setInterval(poll, 10000);
          }
        })();
        """#
}
