import Fluent
import Plot
import Vapor
import KohoCore

/// The monthly comment report for the staff: the page (charts drawn on the server, the figures in tables) and its CSV.
/// Both only read.
enum CommentReportController {
    static func register(_ site: RoutesBuilder) {
        site.get(SiteURL.commentReport(nil).route, use: page)
        site.get(SiteURL.commentReportCSV("").route, use: csv)
    }

    /// `?month=YYYY-MM`, this month in Tokyo when absent.
    static func month(_ req: Request) throws -> ReportMonth {
        guard let raw = req.query[String.self, at: "month"], !raw.isEmpty else { return ReportMonth.containing(req.koho.now) }
        guard let m = ReportMonth(raw) else { throw AppError.badRequest("month は YYYY-MM（例: 2026-11）で指定してください") }
        return m
    }

    static func page(_ req: Request) async throws -> Response {
        let m = try month(req)
        let report = try await CommentReportQuery.load(req.db, month: m, policy: req.koho.policy)
        let f = PageFrame(req, title: "コメントの月次報告 \(m.japanese)")
        return Layout.response(CommentReportView.page(f, report, current: ReportMonth.containing(req.koho.now)))
    }

    static func csv(_ req: Request) async throws -> Response {
        let m = try month(req)
        let report = try await CommentReportQuery.load(req.db, month: m, policy: req.koho.policy)
        let res = Response(status: .ok, body: .init(string: report.csv))
        res.headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
        res.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"koho-comments-\(m).csv\"")
        return res
    }
}
