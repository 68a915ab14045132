import EnerTrackCore
import EnerTrackKit
import Foundation
import Logging

/// `enertrack alerts run`: evaluates every rule against the mean power of its node, moves rule
/// states, queues notifications and delivers what is queued.
///
/// - The state machine is Kit's `AlertEvaluator` (enter above the threshold, repeat after the
///   cooldown, resolve below 90 % of it, one message per silence); this runner reads, stores and
///   words it.
/// - Each state change and its message are one transaction, conditional on the state read,
///   so two runs can never both send it. A lease keeps a second overlapping run out entirely.
/// - Messages wait in `alert_outbox` until the Bot API accepted them: a Bot API that is down
///   delays them to the next run and never loses them.
public struct AlertRunner: Sendable {
    public struct Options: Sendable {
        public var windowMS: Int64 = 15 * 60_000
        public var cooldownMS: Int64 = 60 * 60_000
        public var silentAfterMS: Int64?
        public var dryRun = false
        public var defaultLanguage: Language = .es
        public var timeZone: TimeZone = .current

        public init() {}
    }

    public enum Delivery: String, Sendable {
        case none, sent, pending
        case notLinked = "not_linked"
        case dryRun = "dry_run"
        case unlinked
    }

    public struct Evaluation: Sendable {
        public var rule: AlertRule
        public var meanKW: Double?
        public var state: AlertState
        public var action: AlertAction
        public var delivery: Delivery
        var queued: Int64?
    }

    /// A budget rule's check: this month's outlook and whether it crossed the budget now.
    public struct BudgetEvaluation: Sendable {
        public var rule: BudgetRule
        public var outlook: CostOutlook?
        /// The message went out (or is queued) in this run.
        public var exceeded: Bool
        public var delivery: Delivery
        var queued: Int64?
    }

    public struct Report: Sendable {
        public var evaluations: [Evaluation] = []
        public var budgets: [BudgetEvaluation] = []
        public var sent = 0
        /// Messages still waiting (the Bot API is down or slow), from this run and earlier ones.
        public var pending = 0
        /// When the oldest message still waiting was queued (ms).
        public var oldestPendingAt: Int64?
        public var deliveryError: String?
        /// Another run held the lease: nothing was done.
        public var skipped = false
    }

    public let directory: any AlertRuleStore & SiteStateStore & BudgetStore & CostDirectory
    public let series: any SeriesStore
    public let bot: BotAPI?
    public let logger: Logger

    public init(
        directory: any AlertRuleStore & SiteStateStore & BudgetStore & CostDirectory, series: any SeriesStore,
        bot: BotAPI?, logger: Logger
    ) {
        self.directory = directory
        self.series = series
        self.bot = bot
        self.logger = logger
    }

    static let lease = "alerts_run_lease"

    public func run(_ options: Options, now: Date = Date()) async throws -> Report {
        let nowMS = now.milliseconds
        if !options.dryRun {
            let acquired = try await directory.acquireLease(Self.lease, now: nowMS, until: nowMS + 10 * 60_000)
            guard acquired else { return Report(skipped: true) }
        }
        do {
            var report = try await evaluate(options, nowMS: nowMS)
            if !options.dryRun { try await deliver(into: &report) }
            if report.pending > 0 { report.oldestPendingAt = try await directory.outbox().first?.queuedAt }
            if !options.dryRun { try await directory.releaseLease(Self.lease) }
            return report
        } catch {
            if !options.dryRun { try? await directory.releaseLease(Self.lease) }
            throw error
        }
    }

    private func evaluate(_ options: Options, nowMS: Int64) async throws -> Report {
        let rules = try await directory.alertRules(userID: nil)
        let nodes = Array(Set(rules.map(\.espID)))
        let means = try await series.meanPower(nodes: nodes, from: nowMS - options.windowMS, to: nowMS)
        let phaseNodes = Array(Set(rules.filter { $0.phaseKW != nil }.map(\.espID)))
        let phaseMeans =
            phaseNodes.isEmpty
            ? [:] : try await series.meanPhasePower(nodes: phaseNodes, from: nowMS - options.windowMS, to: nowMS)
        let latest = options.silentAfterMS == nil ? [:] : try await series.latest(nodes: nodes)
        var report = Report()
        var settings = AlertEvaluator.Settings()
        (settings.windowMS, settings.cooldownMS, settings.silentAfterMS) =
            (options.windowMS, options.cooldownMS, options.silentAfterMS)
        for rule in rules {
            let totalKW = means[rule.espID].map { $0 / 1000 }
            let phasesKW = (phaseMeans[rule.espID] ?? []).map { $0 / 1000 }
            let messages = Messages(rule.language ?? options.defaultLanguage)
            let last = latest[rule.espID]?.time
            let step = AlertEvaluator.step(
                rule, meanKW: totalKW, phaseMeansKW: phasesKW, lastReading: last, now: nowMS, settings: settings)
            // The messages name what breached: the total, or one phase (its mean and threshold).
            let load = AlertEvaluator.load(rule, meanKW: totalKW, phaseMeansKW: phasesKW)
            let meanKW = load?.meanKW ?? totalKW
            var worded = rule
            if let load {
                worded.thresholdKW = load.thresholdKW
                if let phase = load.phase { worded.nodeName = "\(rule.nodeName ?? rule.espID) L\(phase)" }
            }
            var (state, action) = (step.state, step.action)
            let text: String? =
                switch action {
                case .none: nil
                case .entered:
                    messages.alertEntered(
                        node: worded.nodeLabel, meanKW: meanKW ?? 0, thresholdKW: worded.thresholdKW,
                        windowMS: options.windowMS)
                case .resolved:
                    messages.alertResolved(node: worded.nodeLabel, meanKW: meanKW ?? 0, thresholdKW: worded.thresholdKW)
                case .repeated:
                    messages.alertRepeated(
                        node: worded.nodeLabel, meanKW: meanKW ?? 0, thresholdKW: worded.thresholdKW,
                        sinceMinutes: (nowMS - (rule.since ?? nowMS)) / 60_000)
                case .silent:
                    messages.nodeSilent(
                        node: worded.nodeLabel,
                        lastSeen: last.map { ISO8601.format(milliseconds: $0, timeZone: options.timeZone) })
                }
            var delivery = Delivery.none
            var queuedID: Int64?
            if step.changes(rule) {
                if options.dryRun {
                    delivery = text == nil ? .none : .dryRun
                } else {
                    let queued = rule.chatID == nil ? nil : text
                    let (changed, id) = try await directory.transition(
                        rule: rule, to: step.state, since: step.since, lastNotified: step.lastNotified,
                        silentSince: step.silentSince, text: queued, now: nowMS)
                    queuedID = id
                    if !changed {
                        // Another run moved this rule first and sent what was due.
                        (state, action) = (rule.state, .none)
                    } else if text != nil {
                        delivery = rule.chatID == nil ? .notLinked : .pending
                    }
                }
            }
            if action != .none {
                logger.info(
                    "alert \(action.rawValue): \(rule.username) \(rule.espID)\(load?.phase.map { " L\($0)" } ?? "") mean \(meanKW.map { String(format: "%.3f", $0) } ?? "-") kW, threshold \(worded.thresholdKW) kW (\(delivery.rawValue))"
                )
            }
            report.evaluations.append(
                Evaluation(
                    rule: rule, meanKW: meanKW, state: state, action: action, delivery: delivery, queued: queuedID))
        }
        report.budgets = try await evaluateBudgets(options, nowMS: nowMS)
        return report
    }

    /// Each budget rule: the month's projected cost (so far + the mean of the last 7 days × the
    /// days left) against the budget; crossing it sends one message per month per rule, marked
    /// and queued in one transaction conditional on the mark read (no duplicates).
    private func evaluateBudgets(_ options: Options, nowMS: Int64) async throws -> [BudgetEvaluation] {
        var evaluations: [BudgetEvaluation] = []
        for rule in try await directory.budgetRules(userID: nil) {
            let espIDs: [String]
            if let espID = rule.espID {
                espIDs = [espID]
            } else {
                espIDs = try await directory.assignments(AssignmentFilter(username: rule.username)).filter(\.isActive)
                    .map(\.espID)
            }
            let outlook: CostOutlook?
            do {
                outlook = try await CostOutlook.month(
                    directory: directory, series: series, espIDs: espIDs, user: rule.username,
                    timeZone: options.timeZone, now: Date(milliseconds: nowMS))
            } catch let error as TariffError {
                logger.warning("budget of \(rule.username): \(error.description)")
                outlook = nil
            }
            var evaluation = BudgetEvaluation(rule: rule, outlook: outlook, exceeded: false, delivery: .none)
            if let outlook, outlook.projected > rule.monthly, rule.notifiedMonth != outlook.month {
                let messages = Messages(rule.language ?? options.defaultLanguage)
                let text = messages.budgetExceeded(node: rule.espID, outlook: outlook, budget: rule.monthly)
                if options.dryRun {
                    (evaluation.exceeded, evaluation.delivery) = (true, .dryRun)
                } else {
                    let (changed, id) = try await directory.budgetNotified(
                        rule: rule, month: outlook.month, text: rule.chatID == nil ? nil : text, now: nowMS)
                    if changed {
                        evaluation.exceeded = true
                        evaluation.delivery = rule.chatID == nil ? .notLinked : .pending
                        evaluation.queued = id
                        logger.info(
                            "budget exceeded: \(rule.username) \(rule.espID ?? "all meters") projected \(outlook.projected) > \(rule.monthly) (\(evaluation.delivery.rawValue))"
                        )
                    }
                }
            }
            evaluations.append(evaluation)
        }
        return evaluations
    }
}
