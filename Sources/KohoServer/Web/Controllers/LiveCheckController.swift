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
        /// How much to cut when over the limit (「あと12文字分減らしてください」).
        var cut: [String] = []
        /// What the platform would receive, for the preview beside the form.
        var preview: RenderingPreview.Answer?
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
        let account = req.koho.policy.account(action.account)
        return Answer(ok: result.ok, weightedLength: result.weightedLength,
                      limit: account.map { ComposeView.limitText($0.platform) }, scheduledAt: JapaneseTime.staff(at),
                      violations: result.violations, approvalReasons: result.approvalReasons,
                      cut: account.map { ComposeView.howMuchToCut(result, platform: $0.platform) } ?? [],
                      preview: account.flatMap { a in result.rendering.map { RenderingPreview.Answer($0, account: a) } })
    }

    static func script(_ req: Request) -> Response {
        let res = Response(status: .ok, body: .init(string: composeScript))
        res.headers.contentType = HTTPMediaType(type: "text", subType: "javascript", parameters: ["charset": "utf-8"])
        res.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        res.headers.replaceOrAdd(name: .cacheControl, value: "no-cache")
        return res
    }

    /// Every piece of the answer goes in as text (textContent), never as markup. The second part shows the
    /// progress of a file upload on the post page; without it the form posts as usual.
    static let composeScript = #"""
    (function () {
      "use strict";
      var form = document.querySelector("form[data-upload]");
      if (!form || !window.XMLHttpRequest || !window.FormData) { return; }
      var bar = form.querySelector("progress");
      var note = form.querySelector(".upload-status");
      form.addEventListener("submit", function (e) {
        e.preventDefault();
        var xhr = new XMLHttpRequest();
        xhr.open("POST", form.action);
        // The page the upload redirects to is fetched again by the browser below; it keeps the notice for that.
        xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
        bar.hidden = false;
        xhr.upload.addEventListener("progress", function (p) {
          if (!p.lengthComputable) { return; }
          bar.max = p.total; bar.value = p.loaded;
          note.textContent = "送信中: " + Math.floor(p.loaded * 100 / p.total) + "%（" + Math.round(p.loaded / 1048576) + " / " + Math.round(p.total / 1048576) + " MB）";
        });
        xhr.addEventListener("load", function () {
          if (xhr.status < 400 && xhr.responseURL) { window.location.replace(xhr.responseURL); return; }
          document.open(); document.write(xhr.responseText); document.close();
        });
        xhr.addEventListener("error", function () { note.textContent = "送信できませんでした。通信を確かめて、もう一度お試しください。"; });
        xhr.send(new FormData(form));
      });
    })();
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
      function el(parent, tag, cls, s) {
        var e = document.createElement(tag);
        if (cls) { e.className = cls; }
        if (s !== undefined && s !== null) { e.textContent = s; }
        parent.appendChild(e);
        return e;
      }
      function preview(p) {
        var box = el(out, "section", "preview pv-" + p.platform);
        box.setAttribute("aria-label", p.platformName + "での見え方");
        el(box, "h2", "", "発信される内容（プレビュー）: " + p.platformName);
        var head = el(box, "p", "pv-head");
        var mark = el(head, "span", "mark mark-" + p.platform, p.mark);
        mark.setAttribute("aria-hidden", "true");
        head.appendChild(document.createTextNode(" "));
        el(head, "span", "pf", p.platformName);
        head.appendChild(document.createTextNode(" " + p.accountName + " "));
        el(head, "span", "handle", p.handle);
        if (p.kind === "reply") { el(box, "p", "pv-quote", "返信先: " + (p.inReplyTo || "（未入力）")); }
        if (p.kind === "youtubeVideo") { el(box, "p", "pv-title", p.title || ""); }
        var body = el(box, "p", "pv-text");
        if (p.kind === "xPost") {
          body.appendChild(document.createTextNode(p.within || ""));
          if (p.over) { el(body, "mark", "over", p.over); }
          if (p.quotedPostID) { el(box, "p", "pv-quote", "引用する投稿: " + p.quotedPostID); }
          var over = p.weightedLength - 280;
          el(box, "p", over > 0 ? "pv-count error" : "pv-count", over > 0
            ? "文字数（Xの数え方）: " + p.weightedLength + " / 280。" + over + "超えています。印を付けた部分から先は発信できません"
            : "文字数（Xの数え方）: " + p.weightedLength + " / 280（あと" + (-over) + "）");
        } else {
          body.textContent = p.text;
        }
        if (p.link) {
          var card = el(box, "div", "pv-link");
          el(card, "span", "pv-domain", p.linkDomain || "");
          el(card, "span", "", p.link);
        }
      }
      function render(a) {
        while (out.firstChild) { out.removeChild(out.firstChild); }
        if (a.inputError) { line("error", "入力の誤り: " + a.inputError); return; }
        (a.cut || []).forEach(function (c) { line("error cut", c); });
        if (a.ok) { line("notice", "ポリシーに合っています。予約日時: " + a.scheduledAt); }
        (a.violations || []).forEach(function (v) { line("error", v.message); });
        (a.approvalReasons || []).forEach(function (r) { line("", "承認が必要: " + r); });
        if (a.preview) { preview(a.preview); }
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
    (function () {
      "use strict";
      // Fields that apply only to some categories or kinds are hidden for the others; one that holds a value stays.
      var live = document.getElementById("live-check");
      var form = live && live.closest ? live.closest("form") : null;
      if (!form) { return; }
      function selected(name) { var s = form.querySelector("[name=" + name + "]"); return s ? s.value : ""; }
      function filled(box) {
        return Array.prototype.some.call(box.querySelectorAll("input,select,textarea"), function (i) {
          return i.type === "checkbox" ? i.checked : i.value !== "";
        });
      }
      function apply() {
        var category = selected("category"), kind = selected("kind");
        Array.prototype.forEach.call(form.querySelectorAll("[data-for-categories],[data-for-kinds]"), function (box) {
          var cats = box.getAttribute("data-for-categories"), kinds = box.getAttribute("data-for-kinds");
          var fits = (!cats || !category || cats.split(" ").indexOf(category) >= 0) && (!kinds || kinds.split(" ").indexOf(kind) >= 0);
          box.hidden = !fits && !filled(box);
        });
      }
      form.addEventListener("change", apply);
      apply();
    })();
    """#
}
