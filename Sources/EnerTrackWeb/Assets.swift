import Foundation

/// The static files: Bootstrap 5 and Chart.js from the system (Debian's libjs-bootstrap5 and
/// libjs-chart.js, read once at start), and our own small stylesheet and script. Nothing comes
/// from a CDN; there is no inline script anywhere, so the CSP can forbid them.
struct Assets: Sendable {
    struct File: Sendable {
        var contentType: String
        var body: [UInt8]
    }

    let files: [String: File]
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
        @media (max-width: 576px) { .kpi .value { font-size: 1.25rem; } .chart-box { height: 240px; } }
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
        [data-bs-theme="dark"] .btn-outline-secondary { color: #ced4da; border-color: #6c757d; }
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
            });
          }
          // Forms that ask first.
          document.querySelectorAll('form[data-confirm]').forEach(function (form) {
            form.addEventListener('submit', function (event) {
              if (!window.confirm(form.getAttribute('data-confirm'))) { event.preventDefault(); }
            });
          });
          if (typeof Chart === 'undefined') { return; }
          const styles = getComputedStyle(document.documentElement);
          const color = styles.getPropertyValue('--bs-primary').trim() || '#0d6efd';
          if (document.documentElement.getAttribute('data-bs-theme') === 'dark') {
            Chart.defaults.color = '#adb5bd';
            Chart.defaults.borderColor = 'rgba(255, 255, 255, 0.12)';
          }

          // Node page: one quantity over a range, refreshed every 10 s.
          const history = document.getElementById('history-chart');
          if (history) {
            const node = history.getAttribute('data-node');
            let range = history.getAttribute('data-range') || '24h';
            let quantity = history.getAttribute('data-quantity') || 'power';
            const chart = new Chart(history, {
              type: 'line',
              data: { labels: [], datasets: [{ label: quantity, data: [], borderColor: color, pointRadius: 0, borderWidth: 1.5, fill: false }] },
              options: { animation: false, responsive: true, maintainAspectRatio: false,
                         scales: { x: { ticks: { maxTicksLimit: 8 } } }, plugins: { legend: { display: false } } }
            });
            const load = function () {
              fetch('/api/v1/nodes/' + encodeURIComponent(node) + '/history?range=' + range + '&quantity=' + quantity,
                    { credentials: 'same-origin' })
                .then(function (response) { return response.ok ? response.json() : null; })
                .then(function (body) {
                  if (!body) { return; }
                  chart.data.labels = body.points.map(function (p) { return p.label; });
                  chart.data.datasets[0].data = body.points.map(function (p) { return p.value; });
                  chart.data.datasets[0].label = body.quantity + ' (' + body.unit + ')';
                  chart.update();
                  const source = document.getElementById('history-source');
                  if (source) { source.textContent = body.source; }
                })
                .catch(function () {});
            };
            document.querySelectorAll('[data-set-range]').forEach(function (button) {
              button.addEventListener('click', function () {
                range = button.getAttribute('data-set-range');
                document.querySelectorAll('[data-set-range]').forEach(function (b) { b.classList.toggle('active', b === button); });
                load();
              });
            });
            document.querySelectorAll('[data-set-quantity]').forEach(function (button) {
              button.addEventListener('click', function () {
                quantity = button.getAttribute('data-set-quantity');
                document.querySelectorAll('[data-set-quantity]').forEach(function (b) { b.classList.toggle('active', b === button); });
                load();
              });
            });
            load();
            setInterval(load, 10000);
          }

          // Consumption page: bars of the figures the table shows.
          // Bars stacked by meter (kWh) or by tariff period (cost), with a legend.
          const palette = ['#0d6efd', '#fd7e14', '#20c997', '#d63384', '#6f42c1', '#ffc107', '#198754', '#0dcaf0', '#dc3545', '#6c757d'];
          document.querySelectorAll('canvas[data-stacked]').forEach(function (canvas) {
            const chart = JSON.parse(canvas.getAttribute('data-stacked') || '{"labels":[],"series":[]}');
            new Chart(canvas, {
              type: 'bar',
              data: { labels: chart.labels, datasets: chart.series.map(function (s, i) {
                return { label: s.label, data: s.values, backgroundColor: palette[i % palette.length], stack: 'all' }; }) },
              options: { animation: false, responsive: true, maintainAspectRatio: false,
                         scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, title: { display: true, text: chart.unit } } },
                         plugins: { legend: { display: true, position: 'bottom' } } }
            });
          });
        })();
        """#
}
