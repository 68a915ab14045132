import Foundation

/// A place whose meters make one picture: a home, a school, a workshop. Its grid (or total)
/// meter, its production meters and its circuits give the site's flows (`SiteFlows`). Removing
/// a site is logical, like a node: it leaves the lists and its history stays.
public struct Site: Sendable, Equatable, Codable {
    /// The key people type (`enertrack site show casa`): the rules of an ESP id.
    public var name: String
    /// What pages show; the key where there is none.
    public var displayName: String?
    /// The site's own zone (IANA); nil: the site zone of the configuration (`TZ`).
    public var timeZone: String?
    public var isActive: Bool
    public var createdAt: Int64

    public init(name: String, displayName: String?, timeZone: String?, isActive: Bool, createdAt: Int64) {
        self.name = name
        self.displayName = displayName
        self.timeZone = timeZone
        self.isActive = isActive
        self.createdAt = createdAt
    }

    public var label: String { displayName ?? name }
}

/// What a meter measures within its site (DESIGN.md, "Sites, meter roles and flows").
public enum MeterRole: String, Sendable, CaseIterable, Codable {
    /// At the grid connection: import counter `energy`, export counter `energy_export`.
    case grid
    /// An inverter or other generation: what it counts is production.
    case production
    /// A circuit (a sub-meter), optionally under a parent circuit.
    case consumption
    /// The whole site's consumption where there is no bidirectional grid meter.
    case total

    public func name(_ words: Words) -> String {
        switch self {
        case .grid: words("grid")
        case .production: words("production")
        case .consumption: words("circuit")
        case .total: words("total consumption")
        }
    }
}

/// A meter's place: its site, its role, and for a circuit its parent circuit.
public struct SiteMeter: Sendable, Equatable, Codable {
    public var site: String
    public var espID: String
    public var role: MeterRole
    /// The parent circuit's ESP id (circuits only).
    public var parent: String?

    public init(site: String, espID: String, role: MeterRole, parent: String?) {
        self.site = site
        self.espID = espID
        self.role = role
        self.parent = parent
    }
}

/// A site with its meters, as reports and pages need it.
public struct SiteLayout: Sendable, Equatable {
    public var site: Site
    public var meters: [SiteMeter]

    public init(site: Site, meters: [SiteMeter]) {
        self.site = site
        self.meters = meters
    }

    public func meters(_ role: MeterRole) -> [String] { meters.filter { $0.role == role }.map(\.espID) }
    /// The grid meter, else the total meter: whose assignment shows a user the site.
    public var connection: String? { meters(.grid).first ?? meters(.total).first }
    /// Circuits with no parent circuit.
    public var topCircuits: [String] { meters.filter { $0.role == .consumption && $0.parent == nil }.map(\.espID) }
    public func children(of espID: String) -> [String] {
        meters.filter { $0.role == .consumption && $0.parent == espID }.map(\.espID)
    }
    public var espIDs: [String] { meters.map(\.espID) }
}

/// Changes to a site; nil leaves a field as it is, an empty text clears it.
public struct SiteChanges: Sendable, Equatable {
    public var displayName: String?
    public var timeZone: String?

    public init(displayName: String? = nil, timeZone: String? = nil) {
        self.displayName = displayName
        self.timeZone = timeZone
    }
}

/// Why a change to sites or meter roles was refused: facts each front end words its own way.
public enum SiteError: ExitStatusError, Equatable {
    case unknown(String)
    case exists(String)
    case removed(String)
    case invalidName(String)
    case invalidTimeZone(String)
    case nameTooLong(max: Int)
    /// A second grid or total meter, or a grid and a total meter in one site.
    case secondConnection(site: String, existing: String)
    case parentNotCircuit(String)
    case parentElsewhere(parent: String, site: String)
    case parentLoop(String)
    case parentWithoutCircuit
    case roleWithoutSite
    case notPlaced(String)
    /// A site without meters: nothing to report or bill.
    case empty(String)
    /// The meter is the parent of other circuits: they must move first.
    case hasChildren(espID: String, children: [String])

    public var exitStatus: ExitStatus {
        switch self {
        case .unknown, .notPlaced: .noUser
        default: .dataError
        }
    }

    public var description: String { message(Words(.en)) }

    public func message(_ words: Words) -> String {
        switch self {
        case .unknown(let name): words("unknown site '{0}'", name)
        case .exists(let name): words("site '{0}' already exists", name)
        case .removed(let name): words("site '{0}' is removed", name)
        case .invalidName(let name):
            words("site name '{0}' must be 1-64 characters of A-Z, a-z, 0-9, '_' or '-'", name)
        case .invalidTimeZone(let zone): words("'{0}' is not a time zone (an IANA name such as Europe/Madrid)", zone)
        case .nameTooLong(let max): words("the site's name is longer than {0} characters", String(max))
        case .secondConnection(let site, let existing):
            words(
                "site '{0}' already has a grid or total meter ({1}): a site has one connection meter", site, existing)
        case .parentNotCircuit(let parent): words("parent '{0}' is not a circuit", parent)
        case .parentElsewhere(let parent, let site): words("parent '{0}' is not a meter of site '{1}'", parent, site)
        case .parentLoop(let espID): words("parent '{0}' would make a loop of circuits", espID)
        case .parentWithoutCircuit: words("only a circuit (role consumption) has a parent")
        case .roleWithoutSite: words("a role needs a site: give --site too")
        case .notPlaced(let espID): words("meter '{0}' is in no site", espID)
        case .empty(let site):
            words("site '{0}' has no meters: add them with node edit ESPID --site {0} --role ROLE", site)
        case .hasChildren(let espID, let children):
            words("meter '{0}' is the parent of {1}: move those first", espID, children.joined(separator: ", "))
        }
    }
}

/// Sites and where meters are, kept by the directory store.
public protocol SiteStore: Sendable {
    func addSite(_ site: Site) async throws -> Site
    func editSite(name: String, changes: SiteChanges) async throws -> Site
    /// Removes a site logically (its meters keep their places, so restoring brings it back whole).
    func setSiteActive(_ active: Bool, name: String) async throws -> Site
    func sites(includeRemoved: Bool) async throws -> [Site]
    func site(named: String) async throws -> Site?
    /// Every placed meter (of active and removed sites), by site then ESP id.
    func siteMeters() async throws -> [SiteMeter]
    /// Puts a meter in a site with a role (replacing its place), checking the site's rules.
    func placeMeter(_ place: SiteMeter) async throws -> SiteMeter
    /// Takes a meter out of its site; false when it was in none.
    func unplaceMeter(espID: String) async throws -> Bool
}

extension SiteStore {
    public func existingSite(named name: String) async throws -> Site {
        guard let site = try await site(named: name) else { throw SiteError.unknown(name) }
        return site
    }

    /// A site with its meters.
    public func layout(of name: String) async throws -> SiteLayout {
        let site = try await existingSite(named: name)
        let meters = try await siteMeters().filter { $0.site.lowercased() == site.name.lowercased() }
        return SiteLayout(site: site, meters: meters)
    }
}

public enum SiteRules {
    public static let maxDisplayName = 100

    public static func checkName(_ name: String) throws(SiteError) {
        guard DirectoryRules.isESPID(name) else { throw .invalidName(String(name.prefix(64))) }
    }

    public static func checkDisplayName(_ text: String) throws(SiteError) {
        guard text.count <= maxDisplayName else { throw .nameTooLong(max: maxDisplayName) }
    }

    public static func checkTimeZone(_ zone: String) throws(SiteError) {
        guard zone.utf8.count <= 64, TimeZone(identifier: zone) != nil, zone.contains("/") || zone == "UTC" else {
            throw .invalidTimeZone(String(zone.prefix(64)))
        }
    }

    /// Whether `place` may join a site whose other placed meters are `others` (its own old place
    /// excluded): one connection meter, a parent that is a circuit of the same site, no loop.
    public static func check(_ place: SiteMeter, others: [SiteMeter]) throws(SiteError) {
        let sameSite = others.filter { $0.site.lowercased() == place.site.lowercased() && $0.espID != place.espID }
        if place.role == .grid || place.role == .total,
            let existing = sameSite.first(where: { $0.role == .grid || $0.role == .total })
        {
            throw .secondConnection(site: place.site, existing: existing.espID)
        }
        // A parent circuit stays a circuit of its site while it has children.
        let children = others.filter { $0.parent?.lowercased() == place.espID.lowercased() }.map(\.espID)
        let oldSite = others.first { $0.espID.lowercased() == place.espID.lowercased() }?.site ?? place.site
        if !children.isEmpty, place.role != .consumption || oldSite.lowercased() != place.site.lowercased() {
            throw .hasChildren(espID: place.espID, children: children)
        }
        guard let parent = place.parent else { return }
        guard place.role == .consumption else { throw .parentWithoutCircuit }
        guard parent.lowercased() != place.espID.lowercased() else { throw .parentLoop(parent) }
        guard let parentPlace = sameSite.first(where: { $0.espID.lowercased() == parent.lowercased() }) else {
            throw .parentElsewhere(parent: parent, site: place.site)
        }
        guard parentPlace.role == .consumption else { throw .parentNotCircuit(parent) }
        // Up the chain from the parent: reaching this meter would be a loop.
        var cursor = parentPlace
        for _ in 0..<sameSite.count {
            guard let up = cursor.parent else { return }
            if up.lowercased() == place.espID.lowercased() { throw .parentLoop(parent) }
            guard let next = sameSite.first(where: { $0.espID.lowercased() == up.lowercased() }) else { return }
            cursor = next
        }
    }
}
