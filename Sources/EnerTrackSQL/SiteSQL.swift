import EnerTrackCore
import Foundation

/// Sites and meter places in portable SQL, shared by both directory stores: `sites` (by name)
/// and `site_meters` (one row per placed node: its site, role and parent circuit's node key).
public enum SiteSQL {
    static func site(_ row: SQLResultRow) -> Site {
        Site(
            name: row.string("name") ?? "", displayName: row.string("display_name"),
            timeZone: row.string("time_zone"), isActive: (row.int("active") ?? 0) != 0,
            createdAt: row.int("created_at") ?? 0)
    }

    static let selectSites = "SELECT name, display_name, time_zone, active, created_at FROM sites"

    public static func named(_ sql: any SQLTransaction, _ name: String) throws -> Site? {
        try sql.rows("\(selectSites) WHERE name = ?", .text(name)).first.map(site)
    }

    static func require(_ sql: any SQLTransaction, _ name: String) throws -> Site {
        guard let site = try named(sql, name) else { throw SiteError.unknown(name) }
        return site
    }

    public static func all(_ sql: any SQLTransaction, includeRemoved: Bool) throws -> [Site] {
        try sql.rows(selectSites + (includeRemoved ? "" : " WHERE active = 1") + " ORDER BY name").map(site)
    }

    public static func add(_ sql: any SQLTransaction, _ new: Site) throws -> Site {
        if let existing = try named(sql, new.name) {
            throw existing.isActive ? SiteError.exists(existing.name) : SiteError.removed(existing.name)
        }
        try sql.run(
            "INSERT INTO sites (name, display_name, time_zone, active, created_at) VALUES (?, ?, ?, 1, ?)",
            .text(new.name), new.displayName.map(SQLArgument.text) ?? .null,
            new.timeZone.map(SQLArgument.text) ?? .null, .int(new.createdAt))
        return try require(sql, new.name)
    }

    public static func edit(_ sql: any SQLTransaction, name: String, changes: SiteChanges) throws -> Site {
        let site = try require(sql, name)
        func value(_ text: String) -> SQLArgument { text.isEmpty ? .null : .text(text) }
        if let display = changes.displayName {
            try sql.run("UPDATE sites SET display_name = ? WHERE name = ?", value(display), .text(site.name))
        }
        if let zone = changes.timeZone {
            try sql.run("UPDATE sites SET time_zone = ? WHERE name = ?", value(zone), .text(site.name))
        }
        return try require(sql, site.name)
    }

    public static func setActive(_ sql: any SQLTransaction, _ active: Bool, name: String) throws -> Site {
        let site = try require(sql, name)
        try sql.run("UPDATE sites SET active = ? WHERE name = ?", .int(active ? 1 : 0), .text(site.name))
        return try require(sql, site.name)
    }

    public static func meters(_ sql: any SQLTransaction) throws -> [SiteMeter] {
        let c = sql.columns
        return try sql.rows(
            """
            SELECT m.site, n.\(c[.espID]) AS esp_id, m.role, p.\(c[.espID]) AS parent
            FROM site_meters m
            JOIN Nodos n ON n.\(c[.nodeID]) = m.nodo_id
            LEFT JOIN Nodos p ON p.\(c[.nodeID]) = m.parent_id
            ORDER BY m.site, n.\(c[.espID])
            """
        ).compactMap { row in
            guard let site = row.string("site"), let espID = row.string("esp_id"),
                let role = row.string("role").flatMap(MeterRole.init(rawValue:))
            else { return nil }
            return SiteMeter(site: site, espID: espID, role: role, parent: row.string("parent"))
        }
    }

    public static func place(_ sql: any SQLTransaction, _ place: SiteMeter) throws -> SiteMeter {
        let site = try require(sql, place.site)
        guard site.isActive else { throw SiteError.removed(site.name) }
        let node = try DirectorySQL.requireNode(sql, place.espID)
        let parent = try place.parent.map { try DirectorySQL.requireNode(sql, $0) }
        var canonical = place
        (canonical.site, canonical.espID, canonical.parent) = (site.name, node.espID, parent?.espID)
        try SiteRules.check(canonical, others: try meters(sql))
        try sql.run("DELETE FROM site_meters WHERE nodo_id = ?", .int(node.id))
        try sql.run(
            "INSERT INTO site_meters (nodo_id, site, role, parent_id) VALUES (?, ?, ?, ?)", .int(node.id),
            .text(site.name), .text(place.role.rawValue), parent.map { SQLArgument.int($0.id) } ?? .null)
        return canonical
    }

    public static func unplace(_ sql: any SQLTransaction, espID: String) throws -> Bool {
        let node = try DirectorySQL.requireNode(sql, espID)
        let children = try meters(sql).filter { $0.parent?.lowercased() == node.espID.lowercased() }.map(\.espID)
        guard children.isEmpty else { throw SiteError.hasChildren(espID: node.espID, children: children) }
        return try sql.run("DELETE FROM site_meters WHERE nodo_id = ?", .int(node.id)) > 0
    }
}

extension SQLDirectoryBackend {
    public func addSite(_ site: Site) async throws -> Site {
        try await sqlTransaction { sql in try SiteSQL.add(sql, site) }
    }

    public func editSite(name: String, changes: SiteChanges) async throws -> Site {
        try await sqlTransaction { sql in try SiteSQL.edit(sql, name: name, changes: changes) }
    }

    public func setSiteActive(_ active: Bool, name: String) async throws -> Site {
        try await sqlTransaction { sql in try SiteSQL.setActive(sql, active, name: name) }
    }

    public func sites(includeRemoved: Bool) async throws -> [Site] {
        try await sqlRead { sql in try SiteSQL.all(sql, includeRemoved: includeRemoved) }
    }

    public func site(named name: String) async throws -> Site? {
        try await sqlRead { sql in try SiteSQL.named(sql, name) }
    }

    public func siteMeters() async throws -> [SiteMeter] {
        try await sqlRead { sql in try SiteSQL.meters(sql) }
    }

    public func placeMeter(_ place: SiteMeter) async throws -> SiteMeter {
        try await sqlTransaction { sql in try SiteSQL.place(sql, place) }
    }

    public func unplaceMeter(espID: String) async throws -> Bool {
        try await sqlTransaction { sql in try SiteSQL.unplace(sql, espID: espID) }
    }
}
