import EnerTrackCore
import EnerTrackKit
import Foundation
import Hummingbird

/// `/tariff`: the terms a user's meters are billed by today, in words and tables: energy by
/// period with its hours, power, fixed charges, taxes and the export compensation.
struct TariffTermsController: Sendable {
    let site: Site
    let nodes: ViewerNodes
    let directory: any TariffStore

    var routes: RouteCollection<WebContext> {
        let routes = RouteCollection(context: WebContext.self)
        routes.get("tariff") { request, context in
            try await self.site.signedIn(request, context) { try await self.page(request, $0) }
        }
        return routes
    }

    func page(_ request: Request, _ viewer: Viewer) async throws -> Response {
        let l = viewer.l
        let views = try await nodes.nodeViews(viewer)
        let book = try await TariffBook.load(directory)
        let today = CalendarDay.today(timeZone: site.options.timeZone)
        // One section per tariff version in force today, naming the meters it applies to.
        var sections: [(segment: TariffTimeline.Segment, meters: [String])] = []
        for view in views {
            guard let timeline = book.timeline(node: view.node.espID, users: [viewer.user.username]),
                let index = timeline.segment(on: today)
            else { continue }
            let segment = timeline.segments[index]
            if let at = sections.firstIndex(where: { $0.segment == segment }) {
                sections[at].meters.append(view.label)
            } else {
                sections.append((segment, [view.label]))
            }
        }
        let priced = Set(
            views.filter {
                book.timeline(node: $0.node.espID, users: [viewer.user.username])?.segment(on: today) != nil
            }.map(\.node.espID))
        let unpriced = views.filter { !priced.contains($0.node.espID) }.map(\.label)
        var body: HTML = "<h1 class=\"h3 mb-3\">\(l("Your tariff"))</h1>"
        if sections.isEmpty {
            body =
                "\(body)<p class=\"text-body-secondary\">\(l("No tariff is assigned to your meters yet: ask your administrator."))</p>"
        }
        for (segment, meters) in sections {
            body = "\(body)\(terms(segment, meters: meters, l))"
        }
        if !unpriced.isEmpty, !sections.isEmpty {
            body =
                "\(body)<p class=\"text-body-secondary\">\(l("Without a tariff (not priced): {0}.", unpriced.joined(separator: ", ")))</p>"
        }
        return site.page(request, viewer, title: l("Your tariff"), active: "tariff", body: body)
    }

    /// One tariff version's terms.
    func terms(_ segment: TariffTimeline.Segment, meters: [String], _ l: Words) -> HTML {
        let version = segment.version
        let money = segment.currency == "EUR" ? "€" : segment.currency
        let energyRows: [[HTML]]
        switch version.energy {
        case .periods(let prices):
            energyRows = version.periods.names.map { name in
                [
                    "\(l.period(name))", "\(hours(of: name, in: version.periods, l))",
                    "\(l.price(prices[name] ?? 0)) \(money)/kWh",
                ]
            }
        case .series:
            energyRows = version.periods.names.map { name in
                [
                    "\(l.period(name))", "\(hours(of: name, in: version.periods, l))",
                    "\(l("dynamic: a price for every hour or quarter hour"))",
                ]
            }
        }
        let powerRows: [[HTML]] = version.chargedPowerPeriods.map { name in
            [
                "\(l.period(name))", "\(l.price(version.contractedKW[name] ?? 0)) kW",
                "\(l.price(version.power[name] ?? 0)) \(money)/kW \(l("a day"))",
            ]
        }
        var fixed: [String] = []
        if version.fixedPerDay != 0 { fixed.append("\(l.price(version.fixedPerDay)) \(money) \(l("a day"))") }
        if version.fixedPerMonth != 0 { fixed.append("\(l.price(version.fixedPerMonth)) \(money) \(l("a month"))") }
        let taxes: [HTML] = version.taxes.map { tax in
            let parts = tax.on.map { part in
                switch part {
                case "energy": l("energy")
                case "power": l("power")
                case "fixed": l("fixed charges")
                default: part
                }
            }
            return "<li>\(tax.name): \(l.price(tax.percent)) % \(l("of")) \(parts.joined(separator: ", "))</li>"
        }
        let export =
            version.export.map { "\(l.price($0)) \(money)/kWh" } ?? l("no compensation for energy sent to the grid")
        return """
            <section class="card mb-3"><div class="card-body">
            <h2 class="h5">\(segment.tariff) <small class="text-body-secondary">\(segment.currency)</small></h2>
            <p class="small text-body-secondary mb-2">\(l("For {0}, since {1}.", meters.joined(separator: ", "), l.date(segment.from)))</p>
            <h3 class="h6 mt-3">\(l("Energy"))</h3>
            \(Component.table([.init(l("Period")), .init(l("When")), .init(l("Price"), end: true)], rows: energyRows))
            \(HTML.when(!powerRows.isEmpty, "<h3 class=\"h6 mt-3\">\(l("Power"))</h3>\(Component.table([.init(l("Period")), .init(l("Contracted"), end: true), .init(l("Price"), end: true)], rows: powerRows))"))
            <dl class="row mb-0 mt-3">
              <dt class="col-sm-4">\(l("Fixed charges"))</dt><dd class="col-sm-8">\(fixed.isEmpty ? l("none") : fixed.joined(separator: " + "))</dd>
              <dt class="col-sm-4">\(l("Taxes"))</dt><dd class="col-sm-8">\(taxes.isEmpty ? "\(l("none"))" as HTML : "<ul class=\"list-unstyled mb-0\">\(taxes)</ul>")</dd>
              <dt class="col-sm-4">\(l("Energy sent to the grid"))</dt><dd class="col-sm-8">\(export)</dd>
            </dl>
            </div></section>
            """
    }

    /// When a period applies, in words: its rules' days and hours; the default period is the rest.
    func hours(of name: String, in scheme: PeriodScheme, _ l: Words) -> String {
        let rules = scheme.rules.filter { $0.name == name }
        guard !rules.isEmpty else {
            return scheme.rules.isEmpty ? l("all day, every day") : l("every other hour, and all day on holidays")
        }
        return rules.map { rule in
            let named =
                rule.days == PeriodRule.workingDays
                ? l("Mon–Fri")
                : rule.days.sorted { ($0 + 5) % 7 < ($1 + 5) % 7 }.map { l.weekday($0) }.joined(separator: ", ")
            let spans = rule.hours.map { Self.clock($0.lowerBound) + "–" + Self.clock($0.upperBound) }
            let months =
                rule.months.isEmpty ? "" : " (" + rule.months.sorted().map { l.month($0) }.joined(separator: ", ") + ")"
            return named + " " + spans.joined(separator: ", ") + months
        }.joined(separator: "; ")
    }

    static func clock(_ minute: Int) -> String { String(format: "%02d:%02d", minute / 60, minute % 60) }
}
