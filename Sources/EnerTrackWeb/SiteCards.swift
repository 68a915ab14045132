import EnerTrackCore
import EnerTrackKit
import Foundation

/// A site's live flow on the dashboard (grid in or out, solar, consumption), and the same figures in
/// `/api/v1/live` for the page's script to refresh.
enum SiteCards {
    /// Whether the grid takes or gives, and how much, in kW as the viewer writes numbers.
    static func grid(_ now: SiteScope.Now, _ l: Words) -> (label: String, kw: String) {
        let watts = now.gridW ?? 0
        return (
            watts < 0 ? l("To the grid") : l("From the grid"), l.number(now.gridW.map { abs($0) / 1000 }, decimals: 2)
        )
    }

    static func cards(_ scope: SiteScope, latest: [String: Reading], _ l: Words) -> HTML {
        let cards: [HTML] = scope.now(latest: latest).map { now in
            let grid = grid(now, l)
            return """
                <div class="col-12 col-lg-6"><div class="card kpi h-100" data-site="\(now.layout.site.name)"><div class="card-body">\
                <div class="label"><a href="/sites/\(now.layout.site.name)">\(now.layout.site.label)</a></div>\
                <div class="d-flex flex-wrap gap-2 fs-5">\
                <span><span data-field="grid-label">\(grid.label)</span> <strong data-field="grid">\(grid.kw)</strong> kW</span>\
                <span>\(l("Solar")) <strong data-field="solar">\(l.number(now.solarW / 1000, decimals: 2))</strong> kW</span>\
                <span>\(l("Consumption")) <strong data-field="home">\(l.number(now.homeW.map { $0 / 1000 }, decimals: 2))</strong> kW</span>\
                </div></div></div></div>
                """
        }
        return cards.isEmpty ? "" : "<div class=\"row g-3 mb-3\">\(cards)</div>"
    }

    /// `"sites":[{"site","grid_label","grid_kw","solar_kw","home_kw"}]` for `/api/v1/live`.
    static func write(_ scope: SiteScope, latest: [String: Reading], _ l: Words, to out: inout JSONWriter) {
        out.raw(",\"sites\":[")
        for (index, now) in scope.now(latest: latest).enumerated() {
            let grid = grid(now, l)
            out.raw(index == 0 ? "{\"site\":" : ",{\"site\":")
            out.string(now.layout.site.name)
            out.raw(",\"grid_label\":")
            out.string(grid.label)
            out.raw(",\"grid_kw\":")
            out.string(grid.kw)
            out.raw(",\"solar_kw\":")
            out.string(l.number(now.solarW / 1000, decimals: 2))
            out.raw(",\"home_kw\":")
            out.string(l.number(now.homeW.map { $0 / 1000 }, decimals: 2))
            out.raw("}")
        }
        out.raw("]")
    }
}
