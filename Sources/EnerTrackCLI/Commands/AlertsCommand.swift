import ArgumentParser
import EnerTrackCore
import EnerTrackIngest
import EnerTrackKit
import EnerTrackRuntime
import EnerTrackTelegram
import Foundation

struct AlertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "Power thresholds per user and meter, and the Telegram alert check run by cron.",
        discussion: """
            A rule is a user, one of the meters actively assigned to them, and a threshold in kW. \
            'alerts run' (cron, every minute) fires a rule when the meter's mean power over the \
            last 15 minutes exceeds the threshold and sends its user one Telegram message; while \
            it stays above, again only after the cooldown; once it drops below 90% of the \
            threshold, one "resolved" message. A budget (alerts budget) sends one message a month \
            when the month's projected cost crosses it.
            """,
        subcommands: [Set.self, Clear.self, List.self, Budget.self, Run.self])

    struct Budget: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A monthly cost budget for a user (all their meters, or one): set, clear or show.",
            discussion: """
                'alerts run' sends the user one Telegram message in a month when the month's \
                projected cost crosses the budget: the cost so far plus the mean daily cost of the \
                last 7 days times the days left (the dashboard's projection). The meters are priced \
                with their tariff (tariff assign); changing a budget lets it notify again this \
                month. Without --monthly or --clear it shows the user's budgets with this month's \
                figures.

                Examples:
                  enertrack alerts budget ana --monthly 60
                  enertrack alerts budget ana ESP32_COCINA --monthly 25.50
                  enertrack alerts budget ana --clear
                  enertrack alerts budget ana --json
                """)

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Username or email.") var username: String
        @Argument(help: "ESP id of one meter (default: all the user's meters).") var espID: String?
        @Option(help: ArgumentHelp("Budget per month, in the tariff's currency.", valueName: "AMOUNT"))
        var monthly: String?
        @Flag(help: "Remove the budget.") var clear = false
        @OptionGroup var output: OutputOptions

        var amount: Decimal? {
            monthly.flatMap {
                Decimal(string: $0.replacingOccurrences(of: ",", with: "."), locale: Locale(identifier: "en_US_POSIX"))
            }
        }

        func validate() throws {
            if clear, monthly != nil { throw ValidationError("give --monthly or --clear, not both") }
            if let monthly {
                guard let amount, amount > 0, amount <= BudgetRule.maxMonthly,
                    monthly.allSatisfy({ $0.isNumber || $0 == "." || $0 == "," })
                else {
                    throw ValidationError(
                        "--monthly '\(monthly)' must be an amount above 0 (at most \(BudgetRule.maxMonthly))")
                }
            }
        }

        func run() async throws {
            let services = try global.services()
            let settings = services.settings
            let directory = try services.directory()
            let user = try await directory.existingUser(named: username)
            var nodeID: Int64?
            if let espID {
                let (_, node) = try await RuleTarget.resolve(directory: directory, username: username, espID: espID)
                nodeID = node.id
            }
            let scope = espID.map { "on \($0)" } ?? "on all meters"
            if let amount {
                try await directory.setBudget(
                    userID: user.id, nodeID: nodeID, monthly: amount, now: Date().milliseconds)
                Print.err("budget of '\(user.username)' \(scope): \(amount) a month\n")
                return
            }
            if clear {
                let removed = try await directory.clearBudget(userID: user.id, nodeID: nodeID)
                Print.err(
                    removed
                        ? "budget of '\(user.username)' \(scope) removed\n"
                        : "'\(user.username)' had no budget \(scope)\n")
                return
            }
            let series = try services.series()
            var records: [Record] = []
            for rule in try await directory.budgetRules(userID: user.id) where espID == nil || rule.nodeID == nodeID {
                let espIDs =
                    if let espID = rule.espID { [espID] } else {
                        try await directory.assignments(AssignmentFilter(username: user.username)).filter(\.isActive)
                            .map(\.espID)
                    }
                let outlook = try await CostOutlook.month(
                    directory: directory, series: series, espIDs: espIDs, user: user.username,
                    timeZone: settings.timeZone)
                records.append(
                    Record([
                        "username": .text(rule.username), "esp_id": .text(rule.espID),
                        "monthly": .number(rule.monthly.double, decimals: 2),
                        "month": .text(outlook?.month), "so_far": .number(outlook?.soFar.double, decimals: 2),
                        "projected": .number(outlook?.projected.double, decimals: 2),
                        "currency": .text(outlook?.currency), "notified_month": .text(rule.notifiedMonth),
                    ]))
            }
            Print.records(
                records, json: output.json, settings: settings, empty: "no budgets for \(user.username)")
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set (or change) a user's threshold on a meter, in kW: on its total, any one phase, or both.",
            discussion: """
                The meter must be actively assigned to the user. The rule fires when the mean power \
                over the window (15 minutes) is above --kw, or when any one phase's mean is above \
                --phase-kw (a three-phase meter: one overloaded line), and resolves when all are \
                below 90 % of their thresholds. Setting a rule replaces both thresholds and starts \
                it again in state ok.

                Examples:
                  enertrack alerts set ana ESP32_COCINA --kw 3.5
                  enertrack alerts set ana ESP32_TALLER --phase-kw 2.3
                  enertrack alerts set ana ESP32_TALLER --kw 6 --phase-kw 2.3
                """)

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Username or email.") var username: String
        @Argument(help: "ESP id of the meter.") var espID: String
        @Option(help: ArgumentHelp("Threshold: mean power in kW above which the user is alerted.", valueName: "KW"))
        var kw: Double?
        @Option(help: ArgumentHelp("Threshold on any one phase's mean power, in kW.", valueName: "KW"))
        var phaseKW: Double?

        func validate() throws {
            guard kw != nil || phaseKW != nil else { throw ValidationError("give --kw, --phase-kw or both") }
            for (option, value) in [("--kw", kw), ("--phase-kw", phaseKW)] {
                if let value, !AlertRules.isThreshold(value) {
                    throw ValidationError(
                        "\(option) must be a number of kW above 0 (and at most \(Int(AlertRules.maxThresholdKW)))")
                }
            }
        }

        func run() async throws {
            let services = try global.services()
            let directory = try services.directory()
            let (user, node) = try await RuleTarget.resolve(directory: directory, username: username, espID: espID)
            let now = Date().milliseconds
            try await directory.setThreshold(userID: user.id, nodeID: node.id, kw: kw ?? 0, phaseKW: phaseKW, now: now)
            let rule = AlertRule(
                userID: user.id, username: user.username, nodeID: node.id, espID: node.espID, thresholdKW: kw ?? 0,
                phaseKW: phaseKW, state: .ok)
            Print.err("alert for '\(user.username)' on \(node.espID) above \(AlertRules.describe(rule))\n")
        }
    }

    struct Clear: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a user's threshold on a meter.",
            discussion: "Example:\n  enertrack alerts clear ana ESP32_COCINA")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Username or email.") var username: String
        @Argument(help: "ESP id of the meter.") var espID: String

        func run() async throws {
            let services = try global.services()
            let directory = try services.directory()
            let user = try await directory.existingUser(named: username)
            let node = try await directory.existingNode(espID: espID)
            let removed = try await directory.clearThreshold(userID: user.id, nodeID: node.id)
            Print.err(
                removed
                    ? "alert of '\(user.username)' on \(node.espID) removed\n"
                    : "'\(user.username)' had no alert on \(node.espID)\n")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List alert rules with their state.",
            discussion: """
                Only rules of active users on actively assigned meters are listed (the others are \
                kept but not evaluated).

                Examples:
                  enertrack alerts list
                  enertrack alerts list --user ana --json
                """)

        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this user's rules.") var user: String?
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let services = try global.services()
            let settings = services.settings
            let directory = try services.directory()
            var userID: Int64?
            if let user {
                let found = try await directory.existingUser(named: user)
                userID = found.id
            }
            let rules = try await directory.alertRules(userID: userID)
            let records = rules.map { AlertRuleView($0).record }
            Print.records(records, json: output.json, settings: settings, empty: "no alert rules")
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Evaluate every rule and send the Telegram alerts that are due (cron, every minute).",
            discussion: """
                State is stored, so repeated runs never send a message twice, and a second run \
                that overlaps a running one exits 0 doing nothing. Messages the Bot API does not \
                accept (it is down, or rate-limits) stay queued and are sent by the next run; the \
                exit status is 0 all the same. Exit 69 only when a store cannot be reached. Users \
                without a linked Telegram chat get nothing and show as not_linked.

                Each run (not a dry run) leaves its figures for the node exporter's textfile \
                collector in ENERTRACK_METRICS_TEXTFILE (by default \
                /var/lib/prometheus/node-exporter/enertrack.prom when that directory exists; 'none' \
                turns it off): rules, firing, budgets, sent, pending, the oldest pending message's \
                age, the run's time and duration (enertrack_alerts_*).

                Examples:
                  enertrack alerts run
                  enertrack alerts run --dry-run
                  enertrack alerts run --silent-after 30m --json
                """)

        @OptionGroup var global: GlobalOptions
        @Flag(help: "Evaluate and print; send nothing, change nothing.") var dryRun = false
        @Option(help: ArgumentHelp("Window of the mean power.", valueName: "AGE")) var window = "15m"
        @Option(help: ArgumentHelp("Time before a rule still firing is notified again.", valueName: "AGE"))
        var cooldown = "60m"
        @Option(
            help: ArgumentHelp("Also send one message when a meter has sent nothing for this long.", valueName: "AGE"))
        var silentAfter: String?
        @Flag(help: "Print JSON instead of a table.") var json = false
        @Flag(
            help: ArgumentHelp(
                "Without enertrackBotToken, print one line and exit 0 instead of evaluating (the timer's way).",
                visibility: .default))
        var ifConfigured = false

        func validate() throws {
            for (flag, value) in [
                ("--window", window), ("--cooldown", cooldown), ("--silent-after", silentAfter ?? "1m"),
            ] {
                guard TimeArgument.duration(value) != nil else {
                    throw ValidationError("\(flag) takes a duration such as 30s, 15m, 2h or 1d; got '\(value)'")
                }
            }
        }

        func run() async throws {
            let services = try global.services()
            let settings = services.settings
            if ifConfigured, services.bot == nil {
                Print.out("alerts: enertrackBotToken is not set; nothing to do\n")
                return
            }
            var options = AlertRunner.Options()
            options.windowMS = Int64((TimeArgument.duration(window) ?? 900) * 1000)
            options.cooldownMS = Int64((TimeArgument.duration(cooldown) ?? 3600) * 1000)
            options.silentAfterMS = silentAfter.flatMap { TimeArgument.duration($0) }.map { Int64($0 * 1000) }
            options.dryRun = dryRun
            options.defaultLanguage = settings.language
            options.timeZone = settings.timeZone
            let runner = try services.alertRunner(
                bot: services.bot,
                logger: StderrLogHandler.logger(label: "alerts", level: .warning, configured: settings.logLevel))
            let started = ContinuousClock.now
            let report = try await runner.run(options)
            if report.skipped {
                Print.err("another 'alerts run' is in progress; nothing done\n")
                return
            }
            if let path = settings.metricsTextfile, !dryRun {
                let metrics = AlertMetrics.registry(report, finished: Date(), took: ContinuousClock.now - started)
                do { try metrics.writeTextfile(path) } catch { Print.err("warning: \(error)\n") }
            }
            let records = report.evaluations.map { evaluation in
                Record([
                    "username": .text(evaluation.rule.username), "esp_id": .text(evaluation.rule.espID),
                    "threshold_kw": .number(evaluation.rule.thresholdKW, decimals: 3),
                    "phase_kw": .number(evaluation.rule.phaseKW, decimals: 3),
                    "mean_kw": .number(evaluation.meanKW, decimals: 3),
                    "state": .text(evaluation.state.rawValue), "action": .text(evaluation.action.rawValue),
                    "delivery": .text(evaluation.delivery.rawValue),
                ])
            }
            let budgets = report.budgets.map { evaluation in
                Record([
                    "username": .text(evaluation.rule.username), "esp_id": .text(evaluation.rule.espID),
                    "monthly": .number(evaluation.rule.monthly.double, decimals: 2),
                    "projected": .number(evaluation.outlook?.projected.double, decimals: 2),
                    "so_far": .number(evaluation.outlook?.soFar.double, decimals: 2),
                    "action": .text(evaluation.exceeded ? "exceeded" : "none"),
                    "delivery": .text(evaluation.delivery.rawValue),
                ])
            }
            let renderer = RecordRenderer(timeZone: settings.timeZone)
            if json {
                try Print.json(
                    RunAnswer(
                        dryRun: dryRun, rules: records.map(renderer.jsonObject),
                        budgets: budgets.map(renderer.jsonObject), sent: report.sent, pending: report.pending,
                        deliveryError: report.deliveryError), settings: settings)
            } else {
                Print.out(renderer.table(records, empty: "no alert rules"))
                if !budgets.isEmpty { Print.out(renderer.table(budgets, empty: "")) }
                Print.out(
                    "sent \(report.sent), pending \(report.pending)\(dryRun ? " (dry run: nothing sent or changed)" : "")\n"
                )
            }
            if let error = report.deliveryError {
                Print.err("warning: \(error); undelivered messages stay queued for the next run\n")
            }
        }
    }
}

/// `alerts run --json`: each rule's and budget's step (as `alerts list` words its rows), and the
/// deliveries.
struct RunAnswer: Encodable {
    var dryRun: Bool
    var rules: [JSONValue]
    var budgets: [JSONValue]
    var sent: Int
    var pending: Int
    var deliveryError: String?

    enum CodingKeys: String, CodingKey {
        case dryRun = "dry_run"
        case rules, budgets, sent, pending
        case deliveryError = "delivery_error"
    }
}
