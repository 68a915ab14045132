import EnerTrackCore
import EnerTrackKit
import Foundation
import Testing

/// Sites and meter places behave the same on every directory store: SQLite, a new MariaDB
/// database, an adopted earlier one and a converted 0.1 one.
@Suite("Directory store contract: sites")
struct SiteStoreContractTests {
    @Test("sites: add, places and their rules, case-insensitive names, logical removal", arguments: StoreFactory.all)
    func sites(_ factory: StoreFactory) async throws {
        let store = try await factory.make()
        let nodes = DirectoryAdmin(store: store, hasher: PasswordHasher(n: 16, r: 8, p: 1))
        for espID in ["RED", "SOLAR", "COCINA", "HORNO"] {
            _ = try await nodes.addNode(espID: espID, name: nil, description: nil)
        }
        let admin = SiteAdmin(store: store, timeZone: .gmt)
        let casa = try await admin.add(name: "Casa", displayName: "La casa", timeZone: "Europe/Madrid")
        #expect(casa.name == "Casa" && casa.isActive && casa.timeZone == "Europe/Madrid")
        await #expect(throws: SiteError.exists("Casa")) {
            try await admin.add(name: "CASA", displayName: nil, timeZone: nil)
        }
        _ = try await admin.place(espID: "red", site: "casa", role: .grid, parent: nil)
        _ = try await admin.place(espID: "SOLAR", site: "Casa", role: .production, parent: nil)
        _ = try await admin.place(espID: "COCINA", site: "Casa", role: nil, parent: nil)
        let horno = try await admin.place(espID: "HORNO", site: "Casa", role: .consumption, parent: "cocina")
        #expect(horno == SiteMeter(site: "Casa", espID: "HORNO", role: .consumption, parent: "COCINA"))
        await #expect(throws: SiteError.secondConnection(site: "Casa", existing: "RED")) {
            try await admin.place(espID: "SOLAR", site: "Casa", role: .total, parent: nil)
        }
        await #expect(throws: SiteError.parentLoop("HORNO")) {
            try await admin.place(espID: "COCINA", site: "Casa", role: .consumption, parent: "HORNO")
        }
        await #expect(throws: SiteError.hasChildren(espID: "COCINA", children: ["HORNO"])) {
            try await admin.unplace(espID: "COCINA")
        }
        let layout = try await admin.layout("casa")
        #expect(
            layout.connection == "RED" && layout.topCircuits == ["COCINA"] && layout.children(of: "COCINA") == ["HORNO"]
        )
        #expect(layout.meters(.production) == ["SOLAR"])
        let edited = try await admin.edit(name: "casa", changes: SiteChanges(displayName: "", timeZone: ""))
        #expect(edited.displayName == nil && edited.timeZone == nil)
        let taken = try await admin.unplace(espID: "HORNO")
        let again = try await admin.unplace(espID: "HORNO")
        #expect(taken && !again)
        #expect(try await admin.setActive(false, name: "casa").isActive == false)
        #expect(try await admin.sites(includeRemoved: false).isEmpty)
        #expect(try await admin.sites(includeRemoved: true).count == 1)
        await #expect(throws: SiteError.removed("Casa")) {
            try await admin.place(espID: "HORNO", site: "casa", role: .consumption, parent: nil)
        }
        #expect(try await admin.setActive(true, name: "casa").isActive)
        #expect(try await admin.layout("casa").meters.count == 3, "a restored site has its meters back")
        await #expect(throws: SiteError.unknown("nope")) { try await admin.layout("nope") }
        await #expect(throws: DirectoryError.unknownNode("NADA")) {
            try await admin.place(espID: "NADA", site: "casa", role: .grid, parent: nil)
        }
    }

    @Test("node edit checks every field before it writes: a refused site keeps the name, a refused name keeps the site")
    func nodeEditAtomic() async throws {
        let harness = try Harness()
        #expect(await harness.run(["node", "add", "HORNO", "--name", "Horno"]).status == 0)
        #expect(await harness.run(["site", "add", "casa"]).status == 0)
        #expect(await harness.run(["node", "edit", "HORNO", "--site", "casa"]).status == 0)
        let badSite = await harness.run(["node", "edit", "HORNO", "--name", "Nuevo", "--site", "nope"])
        #expect(badSite.status == 67 && badSite.stderr.contains("unknown site 'nope'"), "\(badSite.stderr)")
        let badName = await harness.run([
            "node", "edit", "HORNO", "--name", String(repeating: "x", count: 200), "--no-site",
        ])
        #expect(badName.status == 65, "\(badName.stderr)")
        let shown = try await harness.run(["node", "show", "HORNO", "--json"]).objects()
        #expect(shown.first?["name"] as? String == "Horno", "the name is as it was")
        #expect(await harness.run(["site", "show", "casa"]).stdout.contains("HORNO"), "the meter is still in its site")
    }

    @Test("a site without meters is said so (65), a site without readings lists no periods")
    func emptySite() async throws {
        let harness = try Harness()
        #expect(await harness.run(["site", "add", "vacia"]).status == 0)
        for arguments in [
            ["report", "site", "vacia"], ["report", "site", "vacia", "--cost"], ["report", "cost", "--site", "vacia"],
        ] {
            let result = await harness.run(arguments)
            #expect(
                result.status == 65 && result.stderr.contains("site 'vacia' has no meters"),
                "\(arguments) \(result.stderr)")
        }
        #expect(await harness.run(["node", "add", "M1"]).status == 0)
        #expect(await harness.run(["node", "edit", "M1", "--site", "vacia", "--role", "grid"]).status == 0)
        let quiet = await harness.run(["report", "site", "vacia"])
        #expect(quiet.status == 0 && quiet.stdout == "no readings of site vacia in this range\n", "\(quiet.stdout)")
    }
}

/// The audit trail of corrections behaves the same on every directory store.
@Suite("Directory store contract: corrections")
struct CorrectionStoreContractTests {
    @Test("corrections: recorded with their days, listed newest first, per meter", arguments: StoreFactory.all)
    func corrections(_ factory: StoreFactory) async throws {
        let store = try await factory.make()
        let days = [
            CorrectionRecord.Day(
                day: "2026-11-02", beforeKWh: 24, afterKWh: 20.983333, beforeExportKWh: 0, afterExportKWh: 0)
        ]
        func record(_ node: String, at: Int64, reason: String?) -> CorrectionRecord {
            CorrectionRecord(
                node: node, action: "scale", detail: "× 0.5", from: 1_793_596_000_000, to: 1_793_617_600_000,
                actor: "ana (sudo)", at: at, readings: 360, days: days, reason: reason, store: "sqlite:/x")
        }
        let first = try await store.recordCorrection(record("ESP_Ñ", at: 1_000, reason: "CT «ratio» ✓"))
        let second = try await store.recordCorrection(record("ESP_B", at: 2_000, reason: nil))
        #expect(second > first && first > 0)
        let all = try await store.corrections(node: nil, limit: 10)
        #expect(all.map(\.id) == [second, first])
        var expected = record("ESP_Ñ", at: 1_000, reason: "CT «ratio» ✓")
        expected.id = first
        #expect(try await store.corrections(node: "ESP_Ñ", limit: 10) == [expected])
        #expect(try await store.corrections(node: nil, limit: 1).count == 1)
        #expect(try await store.corrections(node: "NONE", limit: 10).isEmpty)
    }
}
