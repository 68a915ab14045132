import Foundation
import Testing

/// The systemd units as the package ships them: configuration read once (by enertrack itself,
/// never through EnvironmentFile=, whose parsing differs from ours), every long-running service
/// supervised, alerts on a timer.
@Suite("systemd units")
struct UnitFileTests {
    static func unit(_ name: String) throws -> String {
        try String(contentsOfFile: packageRoot.appendingPathComponent("systemd/" + name).path, encoding: .utf8)
    }

    static let units = [
        "enertrack-serve.service", "enertrack-ingest.service", "enertrack-telegram.service",
        "enertrack-alerts.service", "enertrack-alerts.timer", "enertrack-backup.service", "enertrack-backup.timer",
    ]

    @Test("no unit reads the env file through systemd; the services are notify with a watchdog; alerts every minute")
    func units() throws {
        for name in Self.units {
            let text = try Self.unit(name)
            #expect(!text.split(separator: "\n").contains { $0.hasPrefix("EnvironmentFile=") }, "\(name)")
        }
        for name in ["enertrack-serve.service", "enertrack-ingest.service", "enertrack-telegram.service"] {
            let text = try Self.unit(name)
            #expect(text.contains("\nType=notify\n") && text.contains("\nWatchdogSec="), "\(name)")
            #expect(text.contains("\nRestartPreventExitStatus=78"), "\(name): a broken configuration is not restarted")
        }
        let timer = try Self.unit("enertrack-alerts.timer")
        #expect(timer.contains("OnCalendar=*-*-* *:*:00") && timer.contains("Persistent=true"))
        #expect(try Self.unit("enertrack-alerts.service").contains("alerts run --if-configured"))
        let cron = try String(
            contentsOfFile: packageRoot.appendingPathComponent("cron/enertrack").path, encoding: .utf8)
        #expect(
            cron.contains("\n* * * * *  enertrack  [ -d /run/systemd/system ] || enertrack alerts run --if-configured"),
            "the cron line runs alerts only where systemd does not")
        // Nightly backups, keeping 7, by the timer or (without systemd) the cron line.
        let backup = try Self.unit("enertrack-backup.service")
        #expect(
            backup.contains("db backup /var/backups/enertrack --keep 7")
                && backup.contains("ReadWritePaths=/var/backups/enertrack"))
        #expect(try Self.unit("enertrack-backup.timer").contains("OnCalendar=*-*-* 03:30:00"))
        #expect(
            cron.contains(
                "\n30 3 * * *  enertrack  [ -d /run/systemd/system ] || enertrack db backup /var/backups/enertrack --keep 7 --quiet"
            ))
    }
}
