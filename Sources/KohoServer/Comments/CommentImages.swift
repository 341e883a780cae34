import AsyncHTTPClient
import Fluent
import Foundation
import KohoCore
import KohoPlatforms
import NIOCore
import Vapor

/// An image attached to a comment as ingest stores it: the platform's description and, when Koho cannot read it,
/// why (「画像を確認できません（…）」).
package struct ObservedImage: Sendable, Equatable {
    var kind: String
    var url: String?
    var alt: String?
    var problem: String?
}

extension Comment {
    var observedImage: ObservedImage? { imageKind.map { ObservedImage(kind: $0, url: imageURL, alt: imageAlt, problem: imageProblem) } }
}

/// Images in comments (Facebook's attachments; YouTube's since late 2026).
///
/// Koho's judgement reads text; an image it cannot read — the platform gave no address, a kind it cannot show, an
/// address off the platform's image servers, bytes that are not an image — sends the comment to `review` with the
/// reason, so that a person looks at it. Staff see an image only through Koho's route (`/comments/{id}/image`,
/// signed in), which fetches it from the platform's image server and passes on only JPEG, PNG, GIF or WebP bytes:
/// the staff's browser never loads an address taken from a platform answer (the pages' CSP allows only 'self'), so
/// whoever posted the image cannot learn who looked, from where, or when, and SVG or HTML never reach the page.
enum CommentImages {
    static let maxBytes = 8 << 20
    static let maxURLLength = 2048
    /// The attachment kinds that are a still image (or a GIF) Koho can show.
    static let imageKinds: Set<String> = ["photo", "sticker", "image", "animated_image_share", "animated_image_autoplay", "animated_image_video"]
    /// The platforms' image servers, by domain suffix.
    static let platformImageDomains = ["fbcdn.net", "fbsbx.com", "facebook.com", "ggpht.com", "googleusercontent.com", "ytimg.com"]

    /// What Koho may fetch from besides the platforms' image servers: the origins (`scheme://host:port`) of the
    /// platform endpoints it is configured with (a sandbox on this machine).
    static func origins(_ endpoints: PlatformEndpoints?) -> [String] {
        guard let endpoints else { return [] }
        return [endpoints.facebookGraph, endpoints.youtubeAPI].compactMap(origin).distinctElements()
    }

    static func origin(_ raw: String) -> String? {
        guard let c = URLComponents(string: raw), let scheme = c.scheme?.lowercased(), let host = c.host?.lowercased(), !host.isEmpty else { return nil }
        let port = c.port ?? (scheme == "https" ? 443 : 80)
        return "\(scheme)://\(host):\(port)"
    }

    /// The image as ingest stores it, with why Koho cannot read it (nil when it can).
    static func observed(_ image: PlatformCommentImage, origins: [String]) -> ObservedImage {
        ObservedImage(kind: String(image.kind.prefix(64)), url: image.url.map { String($0.prefix(maxURLLength + 1)) },
                      alt: image.alt.map { String($0.prefix(500)) }, problem: problem(image, origins: origins))
    }

    static func problem(_ image: PlatformCommentImage, origins: [String]) -> String? {
        guard imageKinds.contains(image.kind) else {
            return "画像を確認できません（Koho が表示できない種類の添付です: \(PolicyFileError.escaped(String(image.kind.prefix(64))))）"
        }
        guard let url = image.url, !url.isEmpty else {
            return "画像を確認できません（プラットフォームが画像の場所を返しませんでした。削除・非公開の画像かもしれません）"
        }
        return addressProblem(url, origins: origins)
    }

    /// Why Koho will not fetch `url`: only https on a platform's image server, or an origin it is configured with.
    static func addressProblem(_ url: String, origins: [String]) -> String? {
        guard url.count <= maxURLLength, !url.containsControlCharacter, let c = URLComponents(string: url),
              let scheme = c.scheme?.lowercased(), let host = c.host?.lowercased(), !host.isEmpty, c.user == nil, c.password == nil else {
            return "画像を確認できません（画像の場所が正しい URL ではありません）"
        }
        if let o = origin(url), origins.contains(o) { return nil }
        let onPlatform = platformImageDomains.contains { host == $0 || host.hasSuffix("." + $0) }
        guard scheme == "https", onPlatform else {
            return "画像を確認できません（プラットフォームの画像サーバー以外の場所（\(PolicyFileError.escaped(String(host.prefix(100))))）を指しています。Koho は読みに行きません）"
        }
        return nil
    }

    /// The kind of image the bytes are, by their first bytes (never by what the server says): nil for anything else.
    static func sniff(_ data: Data) -> String? {
        let b = [UInt8](data.prefix(12))
        if b.count >= 3, b[0] == 0xFF, b[1] == 0xD8, b[2] == 0xFF { return "image/jpeg" }
        if b.count >= 8, b[0..<8] == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] { return "image/png" }
        if b.count >= 6, b[0..<6] == Array("GIF87a".utf8)[...] || b[0..<6] == Array("GIF89a".utf8)[...] { return "image/gif" }
        if b.count >= 12, b[0..<4] == Array("RIFF".utf8)[...], b[8..<12] == Array("WEBP".utf8)[...] { return "image/webp" }
        return nil
    }

    /// Reads each new comment's image once, as the poller receives it: an address that answers with no image (gone,
    /// refused, too large, not JPEG/PNG/GIF/WebP) is one Koho cannot read. Images of comments already stored with
    /// their image are not fetched again; at most `perRound` are read per round, the others in the next rounds.
    static func read(_ observed: [ObservedComment], gateway: PlatformGateway, db: Database, perRound: Int = 50) async throws -> [ObservedComment] {
        let candidates = observed.indices.filter { observed[$0].image?.problem == nil && observed[$0].image?.url != nil }
        guard !candidates.isEmpty else { return observed }
        let ids = candidates.map { observed[$0].platformCommentID }
        let known = Set(try await Comment.query(on: db).filter(\.$platformCommentID ~~ ids).filter(\.$imageKind != nil).all(\.$platformCommentID))
        var out = observed
        let unread = candidates.filter { !known.contains(observed[$0].platformCommentID) }
        // Beyond this round's share the image is left for the next round (stored without it for now, so that the
        // next poll reads it and attaches it): never shown unread.
        for i in unread.dropFirst(perRound) { out[i].image = nil }
        // One read per address, though a listing may show a comment twice.
        var found: [String: String?] = [:]
        for i in unread.prefix(perRound) {
            let url = observed[i].image!.url!
            if let problem = found[url] { out[i].image!.problem = problem; continue }
            var problem: String?
            do {
                let fetched = try await gateway.commentImage(url, maxBytes)
                if fetched.status != 200 {
                    problem = "画像を確認できません（プラットフォームの画像サーバーが HTTP \(fetched.status) を返しました）"
                } else if sniff(fetched.data) == nil {
                    problem = "画像を確認できません（画像の中身が JPEG・PNG・GIF・WebP のどれでもありません）"
                }
            } catch {
                problem = "画像を確認できません（取得できませんでした。\(maxBytes >> 20) MB を超える画像も読みません）"
            }
            found[url] = .some(problem)
            out[i].image!.problem = problem
        }
        return out
    }

    /// The review override, after classification: a comment whose image Koho cannot read waits for a person
    /// (`keep` and `correct` become `review`; `delete` stays). Only the stored suggestion changes; the reason is the
    /// comment's `image_problem`, shown with it.
    static func reviewUnreadable(_ a: CommentIngest.Assessed, image: ObservedImage?) -> CommentIngest.Assessed {
        guard image?.problem != nil, a.suggestion == CommentSuggestion.keep.rawValue || a.suggestion == CommentSuggestion.correct.rawValue,
              var assessment = try? JSONDecoder().decode(CommentAssessment.self, from: Data(a.json.utf8)) else { return a }
        assessment.suggestion = .review
        var out = a
        out.suggestion = CommentSuggestion.review.rawValue
        out.json = (try? String(decoding: JSONEncoder().encode(assessment), as: UTF8.self)) ?? a.json
        return out
    }

    static func attach(_ image: ObservedImage, to c: Comment) {
        c.imageKind = image.kind
        c.imageURL = image.url
        c.imageAlt = image.alt
        c.imageProblem = image.problem
    }

    /// The alt text of the `<img>`: the platform's description where it gave one, else what it is.
    static func altText(_ c: Comment) -> String {
        let by = c.authorName.isEmpty ? "投稿者" : c.authorName
        if let alt = c.imageAlt, !alt.isEmpty { return "\(by)さんのコメントの画像（プラットフォームの説明: \(alt)）" }
        return "\(by)さんのコメントに添えられた画像（説明なし）"
    }

    /// Fetches the image of `c` from its platform for a signed-in user: checked address, at most `maxBytes`, served
    /// only as the image type its bytes show, never cached by the browser beyond the session.
    static func serve(_ req: Request, _ c: Comment) async throws -> Response {
        guard let url = c.imageURL, c.imageKind != nil else { throw AppError.notFound("このコメントに画像はありません") }
        guard let publishing = req.application.publishing else { throw AppError.notFound("プラットフォームにつながっていないため画像を読めません") }
        if let problem = addressProblem(url, origins: origins(publishing.endpoints)) { throw AppError.notFound(problem) }
        let fetched: (data: Data, status: Int)
        do { fetched = try await publishing.gateway.commentImage(url, maxBytes) } catch {
            throw AppError(status: .badGateway, message: "画像を確認できません（プラットフォームから取得できませんでした）")
        }
        guard fetched.status == 200, let type = sniff(fetched.data) else {
            throw AppError(status: .badGateway, message: "画像を確認できません（プラットフォームの答えが画像ではありません）")
        }
        var headers = HTTPHeaders()
        headers.add(name: .contentType, value: type)
        headers.add(name: "X-Content-Type-Options", value: "nosniff")
        headers.add(name: "Content-Security-Policy", value: "default-src 'none'; sandbox")
        headers.add(name: .cacheControl, value: "private, max-age=300")
        headers.add(name: "Content-Disposition", value: "inline")
        return Response(status: .ok, headers: headers, body: .init(data: fetched.data))
    }
}

extension PlatformGateway {
    /// The gateway with comment images read on `http` (a client that follows no redirect).
    func withCommentImages(from http: OutboundHTTP, timeout: TimeAmount) -> PlatformGateway {
        var g = self
        g.commentImage = Self.fetchImage(http: http, timeout: timeout)
        return g
    }

    /// `GET` of an image on a platform's image server: the status and at most `maxBytes` of the body.
    static func fetchImage(http: OutboundHTTP, timeout: TimeAmount) -> @Sendable (_ url: String, _ maxBytes: Int) async throws -> (data: Data, status: Int) {
        { url, maxBytes in
            var request = HTTPClientRequest(url: url)
            request.method = .GET
            request.headers.add(name: "Accept", value: "image/jpeg, image/png, image/gif, image/webp")
            let response = try await http.client(for: url).execute(request, timeout: timeout)
            let body = try await response.body.collect(upTo: maxBytes)
            return (Data(body.readableBytesView), Int(response.status.code))
        }
    }
}
