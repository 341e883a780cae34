import AsyncHTTPClient
import Fluent
import Foundation
import NIOCore
import KohoCore
import KohoPlatforms
import KohoSandbox
import NIOConcurrencyHelpers
import Vapor

/// The server's side of the platforms: where they are, the token vault, and the publisher.
final class Publishing: Sendable {
    let mode: PlatformMode
    let endpoints: PlatformEndpoints
    let gateway: PlatformGateway
    let vault: TokenVault
    let settings: PublisherSettings
    let ownerTitle: String
    /// The accounts' tokens, opened and renewed for every caller.
    let credentials: AccountCredentials
    /// The publisher's writes, committed together when several posts write at once.
    let commits = GroupCommit()

    init(mode: PlatformMode, endpoints: PlatformEndpoints, gateway: PlatformGateway, vault: TokenVault, settings: PublisherSettings,
         ownerTitle: String, db: Database, ctx: KohoContext) {
        self.mode = mode
        self.endpoints = endpoints
        self.gateway = gateway
        self.vault = vault
        self.settings = settings
        self.ownerTitle = ownerTitle
        credentials = AccountCredentials(db: db, ctx: ctx, gateway: gateway, vault: vault, environment: mode.isSandbox ? "sandbox" : "live",
                                         ownerTitle: ownerTitle, wallClock: settings.wallClock)
    }

    var environment: String { mode.isSandbox ? "sandbox" : "live" }
}
