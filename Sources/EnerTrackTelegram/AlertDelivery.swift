import EnerTrackCore
import EnerTrackRuntime
import Synchronization

/// Delivering the outbox. Each chat gets its queued messages as one text (a school whose forty
/// meters cross their limits in one heatwave reads one message, not forty), eight chats at
/// once: Telegram takes one message a second per chat and about thirty a second in all
/// (`BotAPI` paces both), so a thousand users with an alert each take half a minute, where one
/// message after another, each user's second waiting its second, took twenty.
extension AlertRunner {
    struct ChatDelivery: Sendable {
        var delivered: [Int64] = []
        var unlinked: [Int64] = []
        var failed = 0
        var error: String?
    }

    /// Set by the first transport failure: the chats not yet begun wait for the next run.
    final class Stop: Sendable {
        private let flag = Atomic<Bool>(false)
        var isSet: Bool { flag.load(ordering: .relaxed) }
        func set() { flag.store(true, ordering: .relaxed) }
    }

    /// Sends every queued message, oldest chat first. A message is deleted once Telegram
    /// accepted it; a blocked chat is unlinked; on a transport failure the rest wait for the
    /// next run.
    func deliver(into report: inout Report) async throws {
        let queue = try await directory.outbox()
        guard !queue.isEmpty else { return }
        guard let bot else {
            report.pending = queue.count
            report.deliveryError = BotAPIError.notConfigured.description
            return
        }
        var chats: [(chatID: Int64, messages: [OutboxMessage])] = []
        var position: [Int64: Int] = [:]
        for message in queue {
            guard let chatID = message.chatID else {
                // Unlinked since it was queued: nobody to tell.
                try await directory.delivered(messageID: message.id, unlinkingChat: nil)
                continue
            }
            if let index = position[chatID] {
                chats[index].messages.append(message)
            } else {
                position[chatID] = chats.count
                chats.append((chatID, [message]))
            }
        }
        let stopped = Stop()
        let outcomes = try await concurrentMap(chats, width: 8) { chat in
            try await self.deliver(chat.messages, to: chat.chatID, bot: bot, stopped: stopped)
        }
        var delivered: Set<Int64> = []
        var unlinked: Set<Int64> = []
        for outcome in outcomes {
            delivered.formUnion(outcome.delivered)
            unlinked.formUnion(outcome.unlinked)
            report.sent += outcome.delivered.count
            report.pending += outcome.failed
            report.deliveryError = outcome.error ?? report.deliveryError
        }
        if stopped.isSet { report.pending = try await directory.outbox().count }
        for index in report.evaluations.indices {
            guard let id = report.evaluations[index].queued else { continue }
            if delivered.contains(id) { report.evaluations[index].delivery = .sent }
            if unlinked.contains(id) { report.evaluations[index].delivery = .unlinked }
        }
        for index in report.budgets.indices {
            guard let id = report.budgets[index].queued else { continue }
            if delivered.contains(id) { report.budgets[index].delivery = .sent }
            if unlinked.contains(id) { report.budgets[index].delivery = .unlinked }
        }
    }

    /// One chat's messages: together first; if Telegram refuses the text, each on its own, so
    /// one message it cannot take does not hold the others.
    private func deliver(_ messages: [OutboxMessage], to chatID: Int64, bot: BotAPI, stopped: Stop)
        async throws -> ChatDelivery
    {
        var outcome = ChatDelivery()
        var groups = [messages]
        var index = 0
        while index < groups.count, !stopped.isSet {
            let group = groups[index]
            index += 1
            do {
                try await bot.send(chatID: chatID, html: group.map(\.text).joined(separator: "\n\n"))
                for message in group { try await directory.delivered(messageID: message.id, unlinkingChat: nil) }
                outcome.delivered += group.map(\.id)
            } catch BotAPIError.blocked(_, let reason) {
                logger.warning("Telegram chat of \(group[0].username) blocked the bot (\(reason)): unlinked")
                for message in groups[(index - 1)...].flatMap({ $0 }) {
                    try await directory.delivered(messageID: message.id, unlinkingChat: chatID)
                    outcome.unlinked.append(message.id)
                }
                break
            } catch BotAPIError.rejected where group.count > 1 {
                groups += group.map { [$0] }
            } catch BotAPIError.rejected(let code, let reason) where group[0].attempts >= 2 {
                logger.error(
                    "Telegram refused a message for \(group[0].username) three times (\(code) \(reason)): dropped")
                try await directory.delivered(messageID: group[0].id, unlinkingChat: nil)
            } catch let error as BotAPIError {
                logger.warning(
                    "cannot deliver an alert to \(group[0].username): \(error.description); it stays queued")
                for message in group {
                    try await directory.deliveryFailed(messageID: message.id, error: error.description)
                }
                outcome.failed += group.count
                outcome.error = error.description
                if case .rejected = error {} else { stopped.set() }
            }
        }
        return outcome
    }
}
