import Fluent
import Foundation
import Vapor

/// Slows password guessing without letting anyone lock the owner out. Failures from one address against
/// one name lock that pair for a while; the name alone and the address alone only add delay, so an
/// attacker can neither lock a name for everybody nor learn whether it exists: every answer, for an unknown,
/// locked or wrong name, takes the same path (the delay, then one bcrypt check).
enum LoginThrottle {
    /// Failures allowed before each further one adds delay.
    static let freeFailures = 3
    /// Failures of one (name, address) pair that lock the pair.
    static let pairLockAfter = 5
    static let pairLockDuration: TimeInterval = 15 * 60
    /// Failures older than this are forgotten.
    static let window: TimeInterval = 60 * 60
    /// The delay doubles per failure up to this many units (`KohoConfig.loginDelayPerFailure`).
    static let maxAddressUnits = 32
    static let maxNameUnits = 8

    struct Keys {
        let name: String
        let address: String
        let pair: String
        let nameKey: String

        init(name: String, address: String) {
            nameKey = Secrets.sha256Hex("name\u{0}" + name)
            self.name = nameKey
            self.address = Secrets.sha256Hex("addr\u{0}" + address)
            pair = Secrets.sha256Hex("pair\u{0}" + name + "\u{0}" + address)
        }
    }

    struct State {
        var nameFailures = 0
        var addressFailures = 0
        var pairLockedUntil: Date?

        func pairLocked(at now: Date) -> Bool { pairLockedUntil.map { $0 > now } ?? false }

        /// How long to hold the answer, in units of the configured delay.
        var delayUnits: Int {
            func units(_ failures: Int, cap: Int) -> Int {
                failures <= freeFailures ? 0 : min(1 << min(failures - freeFailures - 1, 20), cap)
            }
            return max(units(nameFailures, cap: maxNameUnits), units(addressFailures, cap: maxAddressUnits))
        }
    }

    /// The address a request came from; the proxy's `X-Forwarded-For` only when the server is told to trust it.
    static func clientAddress(_ req: Request) -> String {
        if req.koho.config.trustForwardedFor, let forwarded = req.headers.first(name: .xForwardedFor),
           let last = forwarded.split(separator: ",").last?.trimmingCharacters(in: .whitespaces), !last.isEmpty {
            return String(last.prefix(64))
        }
        return req.remoteAddress?.ipAddress ?? "unknown"
    }

    static func state(name: String, address: String, on db: Database, now: Date) async throws -> State {
        let k = Keys(name: name, address: address)
        let rows = try await LoginThrottleRecord.query(on: db).filter(\.$key ~~ [k.name, k.address, k.pair]).all()
        var s = State()
        for r in rows {
            let recent = now.timeIntervalSince(r.lastFailure) < window
            switch r.key {
            case k.name: s.nameFailures = recent ? r.failures : 0
            case k.address: s.addressFailures = recent ? r.failures : 0
            default: s.pairLockedUntil = r.lockedUntil
            }
        }
        return s
    }

    /// Waits as long as the state asks; the same wait whether the name exists or not.
    static func delay(_ s: State, _ ctx: KohoContext) async throws {
        let units = s.delayUnits
        if units > 0 { try await Task.sleep(for: ctx.config.loginDelayPerFailure * units) }
    }

    /// Counts a failure; true when it has just locked the pair.
    @discardableResult
    static func recordFailure(name: String, address: String, _ ctx: KohoContext) async throws -> Bool {
        let k = Keys(name: name, address: address)
        let now = ctx.now
        return try await ctx.write(on: ctx.db) { db in
            try await LoginThrottleRecord.query(on: db).filter(\.$lastFailure < now.addingTimeInterval(-window))
                .group(.or) { $0.filter(\.$lockedUntil == nil).filter(\.$lockedUntil < now) }.delete()
            var locked = false
            for (key, nameKey) in [(k.name, k.nameKey), (k.address, nil), (k.pair, k.nameKey)] {
                let r = try await LoginThrottleRecord.query(on: db).filter(\.$key == key).first() ?? {
                    let r = LoginThrottleRecord()
                    r.key = key
                    r.nameKey = nameKey
                    r.failures = 0
                    return r
                }()
                if r.id != nil, now.timeIntervalSince(r.lastFailure) >= window { r.failures = 0 }
                r.failures += 1
                r.lastFailure = now
                if key == k.pair, r.failures >= pairLockAfter, !(r.lockedUntil.map { $0 > now } ?? false) {
                    r.lockedUntil = now.addingTimeInterval(pairLockDuration)
                    r.failures = 0
                    locked = true
                }
                let isNew = r.id == nil
                do { try await r.save(on: db) } catch where isNew {
                    // Another server on the same database counted this key first; one failure less is no harm.
                }
            }
            return locked
        }
    }

    /// A correct password from an address clears that pair only: the name's and the address's counts stay until they age out.
    static func recordSuccess(name: String, address: String, on db: Database) async throws {
        try await LoginThrottleRecord.query(on: db).filter(\.$key == Keys(name: name, address: address).pair).delete()
    }

    /// Ends every lock and delay on the name (not on the addresses that failed against it).
    static func unlock(name: String, on db: Database) async throws {
        try await LoginThrottleRecord.query(on: db).filter(\.$nameKey == Keys(name: name, address: "").nameKey).delete()
    }

    /// For the users page: how many addresses are locked out of the name now, and the name's recent failures.
    static func summary(name: String, on db: Database, now: Date) async throws -> (lockedPairs: Int, failures: Int) {
        let k = Keys(name: name, address: "")
        let rows = try await LoginThrottleRecord.query(on: db).filter(\.$nameKey == k.nameKey).all()
        let locked = rows.filter { $0.key != k.name && ($0.lockedUntil.map { $0 > now } ?? false) }.count
        let failures = rows.first { $0.key == k.name && now.timeIntervalSince($0.lastFailure) < window }?.failures ?? 0
        return (locked, failures)
    }
}
