import Foundation
import KohoCore
import Vapor

/// The policy check shown as staff write: the compose page's small script posts the form here and shows
/// the answer. The server stays the only judge; without scripts the 確認 button gives the same answer.
enum LiveCheckController {
    struct Answer: Content {
        var ok: Bool
        var inputError: String?
        var weightedLength: Int?
        var limit: String?
        var scheduledAt: String?
        var violations: [Violation]
        var approvalReasons: [String]
    }

    static func check(_ req: Request) async throws -> Answer {
        let user = try req.requireUser()
        let form = try req.content.decode(PostsController.ComposeForm.self)
        let action: PlannedAction
        do { action = try form.action() } catch let e as ActionInputError {
            return Answer(ok: false, inputError: e.description, violations: [], approvalReasons: [])
        }
        try PostService.requireMayAct(user, on: action.account, req.koho)
        let (result, at) = req.koho.checker.checkForWorkflow(action, chosen: action.scheduledAt, now: req.koho.now, submitting: true)
        let platform = req.koho.policy.account(action.account)?.platform
        return Answer(ok: result.ok, weightedLength: result.weightedLength,
                      limit: platform.map(ComposeView.limitText), scheduledAt: JapaneseTime.display(at),
                      violations: result.violations, approvalReasons: result.approvalReasons)
    }

    static func script(_ req: Request) -> Response {
        let res = Response(status: .ok, body: .init(string: composeScript))
        res.headers.contentType = HTTPMediaType(type: "text", subType: "javascript", parameters: ["charset": "utf-8"])
        res.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        res.headers.replaceOrAdd(name: .cacheControl, value: "no-cache")
        return res
    }

    /// Every piece of the answer goes in as text (textContent), never as markup.
    static let composeScript = #"""
    (function () {
      "use strict";
      var out = document.getElementById("live-check");
      var text = document.querySelector("form textarea[name=text]");
      if (!out || !text || !window.fetch || !window.URLSearchParams) { return; }
      var form = text.form;
      var timer = null;
      function line(cls, s) {
        var p = document.createElement("p");
        if (cls) { p.className = cls; }
        p.textContent = s;
        out.appendChild(p);
      }
      function render(a) {
        while (out.firstChild) { out.removeChild(out.firstChild); }
        if (a.inputError) { line("error", "入力の誤り: " + a.inputError); return; }
        if (typeof a.weightedLength === "number") { line("", "文字数（Xの数え方）: " + a.weightedLength + " / 280"); }
        if (a.ok) { line("notice", "ポリシーに合っています。予約日時: " + a.scheduledAt); }
        (a.violations || []).forEach(function (v) { line("error", v.message); });
        (a.approvalReasons || []).forEach(function (r) { line("", "承認が必要: " + r); });
      }
      function run() {
        var data = new URLSearchParams(new FormData(form));
        data.set("intent", "check");
        fetch(out.getAttribute("data-check-url"), {
          method: "POST", body: data, credentials: "same-origin", headers: { "Accept": "application/json" }
        }).then(function (r) { return r.ok ? r.json() : null; })
          .then(function (a) { if (a) { render(a); } })
          .catch(function () {});
      }
      form.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(run, 400); });
      form.addEventListener("change", function () { clearTimeout(timer); timer = setTimeout(run, 100); });
    })();
    """#
}
