/// `body` over every item, at most `width` at once, the results in the items' order. The first
/// error cancels the work still running and is thrown.
public func concurrentMap<Item: Sendable, Result: Sendable>(
    _ items: [Item], width: Int, _ body: @escaping @Sendable (Item) async throws -> Result
) async throws -> [Result] {
    guard items.count > 1, width > 1 else {
        var results: [Result] = []
        results.reserveCapacity(items.count)
        for item in items { results.append(try await body(item)) }
        return results
    }
    return try await withThrowingTaskGroup(of: (Int, Result).self) { group in
        var results = [Result?](repeating: nil, count: items.count)
        var next = 0
        func start() {
            guard next < items.count else { return }
            let (index, item) = (next, items[next])
            next += 1
            group.addTask { (index, try await body(item)) }
        }
        for _ in 0..<width { start() }
        while let (index, result) = try await group.next() {
            results[index] = result
            start()
        }
        return results.compactMap { $0 }
    }
}
