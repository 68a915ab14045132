import EnerTrackCore
import EnerTrackKit
import Foundation
import Testing

/// The other groups of the directory store (sessions and tokens, throttling, alert rules and
/// their outbox, Telegram links and codes, site state, user settings): one contract, every
/// implementation.
@Suite("Directory store contract: sessions, alerts, Telegram, state, settings")
struct DirectoryGroupContractTests {
    /// A store with ana (and luis) and ana's active assignment of ESP_A.
    func site(_ factory: StoreFactory) async throws -> (store: any DirectoryStore, ana: User, luis: User, node: Node) {
        let store = try await factory.make()
        let admin = DirectoryAdmin(store: store, hasher: PasswordHasher(n: 16, r: 8, p: 1))
        let ana = try await admin.addUser(
            username: "ana", email: "ana@example.org", name: nil, isAdmin: false, password: "0123456789")
        let luis = try await admin.addUser(
            username: "luis", email: "luis@example.org", name: nil, isAdmin: false, password: "0123456789")
        let node = try await admin.addNode(espID: "ESP_A", name: "Cocina", description: nil)
        _ = try await admin.assign(username: "ana", espID: "ESP_A", location: nil)
        return (store, ana, luis, node)
    }

    let now: Int64 = 1_790_000_000_000

    @Test("sessions: create, read, replace, touch, end; tokens; endAccess ends both", arguments: StoreFactory.all)
    func sessions(_ factory: StoreFactory) async throws {
        let (store, ana, _, _) = try await site(factory)
        let first = try await store.createSession(userID: ana.id, replacing: nil, now: now)
        let found = try #require(try await store.sessionUser(id: first.id, now: now + 1000))
        #expect(found.user.id == ana.id && found.session.csrfToken == first.csrf && !found.expired && !found.stale)
        #expect(try await store.sessionUser(id: first.id, now: now + 2 * 60_000)?.stale == true)
        try await store.touchSession(id: first.id, now: now + 2 * 60_000)
        #expect(try await store.sessionUser(id: first.id, now: now + 2 * 60_000 + 1000)?.stale == false)
        let second = try await store.createSession(userID: ana.id, replacing: first.id, now: now)
        #expect(try await store.sessionUser(id: first.id, now: now) == nil, "the replaced session ended")
        #expect(try await store.sessionUser(id: "not-a-session", now: now) == nil)
        // The session and the user's nodes in one read: the same as the two reads apart.
        let both = try #require(try await store.sessionUserNodes(id: second.id, now: now + 1000))
        #expect(both.found.user.id == ana.id && both.found.session.csrfToken == second.csrf)
        let apart = try await store.userNodes(userID: ana.id, username: "ana")
        #expect(both.nodes.map(\.node) == apart.map(\.node) && both.nodes.map(\.node.espID) == ["ESP_A"])
        #expect(both.nodes.map(\.assignment) == apart.map(\.assignment))
        #expect(try await store.sessionUserNodes(id: "not-a-session", now: now) == nil)
        let late = try #require(try await store.sessionUserNodes(id: second.id, now: now + 400 * 86_400_000))
        #expect(late.found.expired && late.nodes.isEmpty, "an expired session reads no nodes")

        let token = try await store.createToken(userID: ana.id, name: "script", now: now)
        #expect(try await store.tokenUser(token: token)?.user.id == ana.id)
        #expect(try await store.tokenUser(token: token + "x") == nil)
        let other = try await store.createToken(userID: ana.id, name: "other", now: now)
        #expect(try await store.revokeTokens(userID: ana.id) == 2)
        #expect(try await store.tokenUser(token: other) == nil)

        // A token is made for an active user only, checked in the transaction that stores it.
        _ = try await store.setUserActive(false, username: "ana")
        await #expect(throws: DirectoryError.self) { try await store.createToken(userID: ana.id, name: "x", now: now) }
        _ = try await store.setUserActive(true, username: "ana")
        let third = try await store.createToken(userID: ana.id, name: "again", now: now)
        try await store.endAccess(userID: ana.id)
        #expect(try await store.sessionUser(id: second.id, now: now) == nil)
        #expect(try await store.tokenUser(token: third) == nil)
        try await store.endSession(id: second.id)  // ending an ended session is no error

        // A new password: the old session and token end and the new session opens, in one transaction.
        let before = try await store.createSession(userID: ana.id, replacing: nil, now: now)
        let kept = try await store.createToken(userID: ana.id, name: "kept?", now: now)
        let opened = try #require(try await store.setPasswordHash("new-hash", username: "ana", openSessionAt: now))
        #expect(try await store.sessionUser(id: before.id, now: now) == nil)
        #expect(try await store.tokenUser(token: kept) == nil)
        #expect(try await store.sessionUser(id: opened.id, now: now + 1000)?.user.passwordHash == "new-hash")
        // An unknown user changes nothing and opens nothing.
        await #expect(throws: DirectoryError.self) {
            try await store.setPasswordHash("x", username: "nobody", openSessionAt: now)
        }
        #expect(try await store.sessionUser(id: opened.id, now: now + 1000) != nil)
    }

    @Test(
        "throttling: free attempts, then a wait for every key; a success frees the account", arguments: StoreFactory.all
    )
    func throttling(_ factory: StoreFactory) async throws {
        let (store, _, _, _) = try await site(factory)
        let account = LoginThrottle.accountKey("ana")
        let address = LoginThrottle.addressKey("192.0.2.1")
        for attempt in 0..<LoginThrottle.freeAttempts {
            try await store.reserveAttempt(keys: [account, address], now: now + attempt)
        }
        await #expect(throws: LoginThrottle.Throttled.self) {
            try await store.reserveAttempt(keys: [account, address], now: now + 10)
        }
        await #expect(throws: LoginThrottle.Throttled.self) {
            try await store.reserveAttempt(keys: [LoginThrottle.accountKey("ANA")], now: now + 10)
        }
        try await store.attemptSucceeded(account: account, others: [])
        try await store.reserveAttempt(keys: [account], now: now + 20)
        try await store.reserveAttempt(keys: [LoginThrottle.accountKey("luis")], now: now + 20)
    }

    @Test(
        "alert rules: set, a transition queues once, a stale one changes nothing, outbox, clear",
        arguments: StoreFactory.all)
    func alertRules(_ factory: StoreFactory) async throws {
        let (store, ana, luis, node) = try await site(factory)
        try await store.setThreshold(userID: ana.id, nodeID: node.id, kw: 2.5, now: now)
        let rule = try #require(try await store.alertRules(userID: ana.id).first)
        #expect(rule.thresholdKW == 2.5 && rule.state == .ok && rule.espID == "ESP_A" && rule.username == "ana")
        #expect(try await store.alertRules(userID: luis.id).isEmpty)
        let fired = try await store.transition(
            rule: rule, to: .firing, since: now, lastNotified: now, silentSince: nil, text: "above", now: now)
        #expect(fired.changed && fired.queued != nil)
        let stale = try await store.transition(
            rule: rule, to: .firing, since: now, lastNotified: now, silentSince: nil, text: "again", now: now)
        #expect(!stale.changed && stale.queued == nil, "another run changed it first: nothing queued")
        #expect(try await store.alertRules(userID: nil).first?.state == .firing)
        let waiting = try await store.outbox()
        #expect(waiting.map(\.text) == ["above"] && waiting.first?.username == "ana" && waiting.first?.chatID == nil)
        let id = try #require(waiting.first?.id)
        try await store.deliveryFailed(messageID: id, error: "down")
        #expect(try await store.outbox().first?.attempts == 1)
        try await store.delivered(messageID: id, unlinkingChat: nil)
        #expect(try await store.outbox().isEmpty)
        #expect(try await store.clearThreshold(userID: ana.id, nodeID: node.id))
        #expect(try await !store.clearThreshold(userID: ana.id, nodeID: node.id))
        #expect(try await store.alertRules(userID: ana.id).isEmpty)
    }

    @Test("Telegram: a code links once, expires, moves a chat between users; unlink", arguments: StoreFactory.all)
    func telegram(_ factory: StoreFactory) async throws {
        let (store, ana, luis, _) = try await site(factory)
        try await store.storeLinkCode(userID: ana.id, hash: "h-ana", expiresAt: now + 900_000)
        #expect(
            try await store.redeemLinkCode(hash: "h-ana", chatID: 100, now: now)
                == .linked(userID: ana.id, username: "ana"))
        #expect(try await store.redeemLinkCode(hash: "h-ana", chatID: 200, now: now) == .invalid, "used once")
        #expect(try await store.telegramLink(userID: ana.id)?.chatID == 100)
        #expect(try await store.telegramLink(chatID: 100)?.userID == ana.id)
        try await store.storeLinkCode(userID: luis.id, hash: "h-old", expiresAt: now + 900_000)
        try await store.storeLinkCode(userID: luis.id, hash: "h-luis", expiresAt: now + 900_000)
        #expect(
            try await store.redeemLinkCode(hash: "h-old", chatID: 300, now: now) == .invalid, "voided by the new one")
        #expect(try await store.redeemLinkCode(hash: "h-luis", chatID: 300, now: now + 900_001) == .expired)
        try await store.storeLinkCode(userID: luis.id, hash: "h-luis2", expiresAt: now + 900_000)
        #expect(
            try await store.redeemLinkCode(hash: "h-luis2", chatID: 100, now: now)
                == .linked(userID: luis.id, username: "luis"))
        #expect(try await store.telegramLink(userID: ana.id) == nil, "the chat moved to luis")
        #expect(try await store.telegramLinks().map(\.username) == ["luis"])
        #expect(try await store.unlinkTelegram(chatID: 100))
        #expect(try await !store.unlinkTelegram(userID: luis.id))
        #expect(try await store.telegramLinks().isEmpty)
    }

    @Test("site state: leases, values, counters that never go back", arguments: StoreFactory.all)
    func siteState(_ factory: StoreFactory) async throws {
        let (store, _, _, _) = try await site(factory)
        #expect(try await store.acquireLease("alerts", now: now, until: now + 60_000))
        #expect(try await !store.acquireLease("alerts", now: now + 1, until: now + 60_000))
        #expect(try await store.acquireLease("alerts", now: now + 60_001, until: now + 120_000), "an expired lease")
        try await store.releaseLease("alerts")
        #expect(try await store.acquireLease("alerts", now: now + 60_002, until: now + 120_000))
        #expect(try await store.stateValue("bot") == nil)
        try await store.setStateValue("bot", "enertrack_bot")
        try await store.setStateValue("bot", "other_bot")
        #expect(try await store.stateValue("bot") == "other_bot")
        #expect(try await store.advanceCounter("offset", to: 5))
        #expect(try await store.advanceCounter("offset", to: 3) == false)
        #expect(try await store.advanceCounter("offset", to: 5) == false)
        #expect(try await store.stateValue("offset") == "5")
        #expect(try await store.advanceCounter("offset", to: 9))
        #expect(try await store.stateValue("offset") == "9")
        // Of concurrent claims of one value, one wins.
        async let first = store.advanceCounter("offset", to: 10)
        async let second = store.advanceCounter("offset", to: 10)
        let claims = try await [first, second]
        #expect(claims.filter { $0 }.count == 1, "\(claims)")
    }

    @Test("user settings: language and profile", arguments: StoreFactory.all)
    func settings(_ factory: StoreFactory) async throws {
        let (store, ana, _, _) = try await site(factory)
        #expect(try await store.language(userID: ana.id) == nil)
        try await store.setLanguage(.en, userID: ana.id)
        #expect(try await store.language(userID: ana.id) == .en)
        try await store.setProfile(userID: ana.id, name: "Ana Pérez", language: .es)
        #expect(try await store.language(userID: ana.id) == .es)
        #expect(try await store.user(named: "ana")?.name == "Ana Pérez")
        try await store.setProfile(userID: ana.id, name: nil, language: .es)
        #expect(try await store.user(named: "ana")?.name == nil)
    }
}
