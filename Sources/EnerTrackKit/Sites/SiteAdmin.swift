import EnerTrackCore
import Foundation

/// The administration of sites and meter roles: checks every field, then asks the store.
public struct SiteAdmin: Sendable {
    public let store: any SiteStore & NodeStore
    /// The configuration's zone: a site without its own.
    public let timeZone: TimeZone

    public init(store: any SiteStore & NodeStore, timeZone: TimeZone) {
        self.store = store
        self.timeZone = timeZone
    }

    public func add(name: String, displayName: String?, timeZone zone: String?, now: Date = Date()) async throws
        -> Site
    {
        try SiteRules.checkName(name)
        if let displayName { try SiteRules.checkDisplayName(displayName) }
        if let zone { try SiteRules.checkTimeZone(zone) }
        return try await store.addSite(
            Site(
                name: name, displayName: displayName.flatMap { $0.isEmpty ? nil : $0 }, timeZone: zone,
                isActive: true, createdAt: now.milliseconds))
    }

    public func edit(name: String, changes: SiteChanges) async throws -> Site {
        try SiteRules.checkName(name)
        if let display = changes.displayName { try SiteRules.checkDisplayName(display) }
        if let zone = changes.timeZone, !zone.isEmpty { try SiteRules.checkTimeZone(zone) }
        return try await store.editSite(name: name, changes: changes)
    }

    public func setActive(_ active: Bool, name: String) async throws -> Site {
        try SiteRules.checkName(name)
        return try await store.setSiteActive(active, name: name)
    }

    public func sites(includeRemoved: Bool) async throws -> [Site] {
        try await store.sites(includeRemoved: includeRemoved)
    }

    public func layout(_ name: String) async throws -> SiteLayout {
        try SiteRules.checkName(name)
        return try await store.layout(of: name)
    }

    /// Every site's layout (removed ones with `includeRemoved`).
    public func layouts(includeRemoved: Bool = false) async throws -> [SiteLayout] {
        let meters = try await store.siteMeters()
        return try await store.sites(includeRemoved: includeRemoved).map { site in
            SiteLayout(site: site, meters: meters.filter { $0.site.lowercased() == site.name.lowercased() })
        }
    }

    /// Puts a meter in a site with a role (`node edit --site --role --parent`); a meter already in
    /// the site keeps its role unless one is given, a new one is a circuit.
    public func place(espID: String, site: String?, role: MeterRole?, parent: String?) async throws -> SiteMeter {
        try DirectoryRules.checkESPID(espID)
        if let parent, !parent.isEmpty { try DirectoryRules.checkESPID(parent) }
        let current = try await store.siteMeters().first { $0.espID.lowercased() == espID.lowercased() }
        guard let siteName = site ?? current?.site else { throw SiteError.roleWithoutSite }
        try SiteRules.checkName(siteName)
        let keepsParent = site == nil || site?.lowercased() == current?.site.lowercased()
        let place = SiteMeter(
            site: siteName, espID: espID, role: role ?? current?.role ?? .consumption,
            parent: parent.map { $0.isEmpty ? nil : $0 } ?? (keepsParent ? current?.parent : nil))
        return try await store.placeMeter(place)
    }

    public func unplace(espID: String) async throws -> Bool {
        try DirectoryRules.checkESPID(espID)
        return try await store.unplaceMeter(espID: espID)
    }

    /// The zone a site's periods are in.
    public func zone(of site: Site) -> TimeZone { site.timeZone.flatMap(TimeZone.init(identifier:)) ?? timeZone }
}

extension Site {
    public var record: Record {
        Record([
            "name": .text(name), "display_name": .text(displayName), "time_zone": .text(timeZone),
            "active": .flag(isActive), "created_at": .time(Date(milliseconds: createdAt)),
        ])
    }
}

extension SiteMeter {
    public var record: Record {
        Record(["site": .text(site), "esp_id": .text(espID), "role": .text(role.rawValue), "parent": .text(parent)])
    }
}
