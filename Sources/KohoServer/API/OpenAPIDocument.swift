/// The OpenAPI description of `/api/v1`, written by hand; a test checks that each path here is routed.
enum OpenAPIDocument {
    static let yaml = #"""
openapi: 3.0.3
info:
  title: Koho API
  version: "1"
  description: 自治体のソーシャルメディア運用ポリシーに沿った投稿の作成・承認・予約。時刻は ISO 8601（+09:00）。
servers:
  - url: /api/v1
security:
  - bearer: []
components:
  securitySchemes:
    bearer:
      type: http
      scheme: bearer
  schemas:
    Violation:
      type: object
      required: [rule, code, message]
      properties:
        rule: { type: string, description: ポリシーの項番号（例 3(5)）またはプラットフォーム名 }
        code: { type: string, example: hours.outsideOperatingWindow }
        message: { type: string }
    Error:
      type: object
      required: [error]
      properties:
        error: { type: string }
        violations: { type: array, items: { $ref: '#/components/schemas/Violation' } }
    PlannedAction:
      type: object
      additionalProperties: false
      required: [account]
      description: koho check と同じ項目。不明な項目は 400。
      properties:
        account: { type: string }
        kind: { type: string, enum: [post, reply, quote] }
        category: { type: string }
        text: { type: string }
        title: { type: string }
        links: { type: array, items: { type: string } }
        sourceURL: { type: string }
        scheduledAt: { type: string, format: date-time, description: 省略時は次の運用時間（緊急なら直ちに） }
        emergency: { type: boolean }
        emergencyReason: { type: string }
        replyPurpose: { type: string }
        quotedAccount: { type: string }
        articleOrigin: { type: string, description: フェイスブックの記事の出所 4(5)（shiho, website, section） }
        inReplyTo: { type: string, description: 返信先のコメントまたは投稿（プラットフォームのIDかURL） }
    Rendering:
      type: object
      description: プラットフォームが受け取る内容そのもの。ポリシーの検査はこれを数え、発信はこれだけを送る
      required: [kind, platform, handle, text]
      properties:
        kind: { type: string, enum: [xPost, facebookPost, youtubeVideo, reply] }
        platform: { type: string, enum: [x, facebook, youtube] }
        handle: { type: string, description: 発信するアカウント（ユーザー名・ページ・チャンネルID） }
        text: { type: string, description: X の本文、フェイスブックのメッセージ、ユーチューブの説明、返信の本文（本文・リンク・出典記事を1行ずつ） }
        title: { type: string, description: ユーチューブの動画タイトル }
        link: { type: string, description: フェイスブックの投稿のリンク（出典記事、なければ最初のリンク） }
        quotedPostID: { type: string, description: X で引用する投稿のID }
        inReplyTo: { type: string, description: 返信先 }
        privacyStatus: { type: string, description: ユーチューブの公開設定 }
        mediaSHA256: { type: string, description: 添付するファイルの SHA-256 }
    HistoryItem:
      type: object
      properties:
        at: { type: string, format: date-time }
        actor: { type: string }
        action: { type: string }
        detail: { type: string }
        reason: { type: string }
    Post:
      type: object
      required: [id, state, account, requiresChiefApproval, version]
      properties:
        id: { type: string, format: uuid }
        state: { type: string, enum: [draft, submitted, scheduled, rejected, cancelled, expired, publishing, published, failed] }
        account: { type: string }
        category: { type: string, nullable: true }
        kind: { type: string }
        text: { type: string }
        title: { type: string, nullable: true }
        links: { type: array, items: { type: string } }
        sourceURL: { type: string, nullable: true }
        scheduledAt: { type: string, format: date-time, nullable: true }
        chosenAt: { type: string, format: date-time, nullable: true }
        emergency: { type: boolean }
        emergencyReason: { type: string, nullable: true }
        articleOrigin: { type: string, nullable: true }
        requiresChiefApproval: { type: boolean }
        approvalReasons: { type: array, items: { type: string } }
        usesHoursException: { type: boolean }
        version: { type: integer, description: 楽観的ロックの版。変更のたびに増える }
        policyVersionID: { type: string }
        author: { type: string }
        createdAt: { type: string, format: date-time }
        updatedAt: { type: string, format: date-time }
        platformPostId: { type: string, nullable: true, description: 発信後、プラットフォームが付けた投稿のID }
        platformURL: { type: string, nullable: true, description: 発信後、投稿の公開URL }
        publishMessage: { type: string, nullable: true, description: 発信を保留・失敗した理由（担当者向け） }
        mediaSHA256: { type: string, nullable: true, description: 添付したファイル（YouTube の動画、X の画像）の SHA-256 }
        mediaBytes: { type: integer, nullable: true, description: 添付したファイルの大きさ（バイト） }
        mediaType: { type: string, nullable: true, description: 添付したファイルの MIME タイプ（例 video/mp4、image/png） }
        rendering: { allOf: [{ $ref: '#/components/schemas/Rendering' }], nullable: true, description: いま発信するとしたらプラットフォームが受け取る内容 }
        renderingSHA256: { type: string, nullable: true, description: rendering の SHA-256 }
        weightedLength: { type: integer, nullable: true, description: X の重み付き文字数（rendering.text を twitter-text で数えたもの） }
        approvedRenderingSHA256: { type: string, nullable: true, description: 予約済みの間、承認された発信内容の SHA-256。発信時にこれと違えば発信せず承認待ちに戻す }
        history: { type: array, items: { $ref: '#/components/schemas/HistoryItem' } }
        attempts: { type: array, items: { $ref: '#/components/schemas/PublishAttempt' } }
    PublishAttempt:
      type: object
      required: [number, startedAt, outcome, message]
      properties:
        number: { type: integer }
        startedAt: { type: string, format: date-time }
        finishedAt: { type: string, format: date-time, nullable: true }
        outcome: { type: string, enum: [pending, published, unknown, found, absent, notDone, refused, dryRun] }
        platformPostId: { type: string, nullable: true }
        platformURL: { type: string, nullable: true }
        message: { type: string }
    StepBody:
      type: object
      properties:
        version: { type: integer, description: 操作を始めたときの version。古ければ 409 }
        reason: { type: string, description: 理由（差戻しでは必須） }
    AuditEntry:
      type: object
      properties:
        id: { type: integer }
        at: { type: string, format: date-time }
        actor: { type: string }
        action: { type: string }
        subject: { type: string }
        detail: { type: string }
        reason: { type: string }
        prevHash: { type: string }
        hash: { type: string }
  responses:
    Unauthorized: { description: トークンがないか正しくない, content: { application/json: { schema: { $ref: '#/components/schemas/Error' } } } }
    Forbidden: { description: 役割または担当アカウントが違う, content: { application/json: { schema: { $ref: '#/components/schemas/Error' } } } }
    NotFound: { description: 見つからない, content: { application/json: { schema: { $ref: '#/components/schemas/Error' } } } }
    Conflict: { description: 他の人が先に変更した、またはこの状態ではできない操作, content: { application/json: { schema: { $ref: '#/components/schemas/Error' } } } }
    Violations: { description: ポリシーに合わない, content: { application/json: { schema: { $ref: '#/components/schemas/Error' } } } }
    PostWithHistory: { description: 投稿（履歴つき）, content: { application/json: { schema: { $ref: '#/components/schemas/Post' } } } }
  parameters:
    PostID: { name: id, in: path, required: true, schema: { type: string, format: uuid } }
paths:
  /posts:
    get:
      summary: 投稿の一覧（新しい順、ページごと）
      parameters:
        - { name: state, in: query, schema: { type: string } }
        - { name: account, in: query, schema: { type: string } }
        - { name: limit, in: query, schema: { type: integer, minimum: 1, maximum: 200, default: 50 } }
        - { name: cursor, in: query, schema: { type: string }, description: 前のページの X-Next-Cursor }
      responses:
        "200":
          description: 投稿
          headers:
            X-Total-Count: { schema: { type: integer }, description: 条件に合う投稿の数 }
            X-Next-Cursor: { schema: { type: string }, description: 次のページがあるとき、その cursor }
            Link: { schema: { type: string }, description: 次のページ（rel="next"） }
          content: { application/json: { schema: { type: array, items: { $ref: '#/components/schemas/Post' } } } }
        "400": { description: limit または cursor が正しくない }
        "401": { $ref: '#/components/responses/Unauthorized' }
    post:
      summary: 投稿を下書きとして作成（ポリシーの検査つき）
      requestBody: { required: true, content: { application/json: { schema: { $ref: '#/components/schemas/PlannedAction' } } } }
      responses:
        "201": { description: 作成した投稿, content: { application/json: { schema: { $ref: '#/components/schemas/Post' } } } }
        "400": { description: 入力の誤り（不明な項目など） }
        "401": { $ref: '#/components/responses/Unauthorized' }
        "403": { $ref: '#/components/responses/Forbidden' }
        "422": { $ref: '#/components/responses/Violations' }
  /posts/{id}:
    parameters: [{ $ref: '#/components/parameters/PostID' }]
    get:
      summary: 投稿と履歴
      responses:
        "200": { $ref: '#/components/responses/PostWithHistory' }
        "401": { $ref: '#/components/responses/Unauthorized' }
        "404": { $ref: '#/components/responses/NotFound' }
    put:
      summary: 投稿を編集（承認済みなら承認待ちに戻る）
      parameters: [{ name: If-Match, in: header, required: true, schema: { type: string }, description: 編集を始めたときの version }]
      requestBody: { required: true, content: { application/json: { schema: { $ref: '#/components/schemas/PlannedAction' } } } }
      responses:
        "200": { $ref: '#/components/responses/PostWithHistory' }
        "401": { $ref: '#/components/responses/Unauthorized' }
        "403": { $ref: '#/components/responses/Forbidden' }
        "409": { $ref: '#/components/responses/Conflict' }
        "422": { $ref: '#/components/responses/Violations' }
        "428": { description: If-Match がない }
  /posts/{id}/media:
    parameters: [{ $ref: '#/components/parameters/PostID' }]
    put:
      summary: ファイルを添付（YouTube は動画で必須、X は画像を1枚まで任意）。承認済みなら承認待ちに戻る
      parameters: [{ name: If-Match, in: header, required: true, schema: { type: string }, description: 添付を始めたときの version }]
      requestBody:
        required: true
        description: ファイルそのもの。YouTube は MP4・MOV・WebM・AVI・MPEG（512MB まで）、X は JPEG・PNG・GIF・WebP（5MB まで）。形式は先頭のバイトで判定する
        content: { application/octet-stream: { schema: { type: string, format: binary } }, video/*: { schema: { type: string, format: binary } }, image/*: { schema: { type: string, format: binary } } }
      responses:
        "200": { $ref: '#/components/responses/PostWithHistory' }
        "400": { description: 本文が空 }
        "401": { $ref: '#/components/responses/Unauthorized' }
        "403": { $ref: '#/components/responses/Forbidden' }
        "404": { $ref: '#/components/responses/NotFound' }
        "409": { $ref: '#/components/responses/Conflict' }
        "413": { description: 大きすぎる }
        "422": { description: そのアカウントの投稿に添付できる形式ではない（フェイスブックの投稿には添付できない） }
        "428": { description: If-Match がない }
  /posts/{id}/submit:
    parameters: [{ $ref: '#/components/parameters/PostID' }]
    post:
      summary: 提出（課長の判断が要らない区分はそのまま予約）
      requestBody: { content: { application/json: { schema: { $ref: '#/components/schemas/StepBody' } } } }
      responses: &step
        "200": { $ref: '#/components/responses/PostWithHistory' }
        "401": { $ref: '#/components/responses/Unauthorized' }
        "403": { $ref: '#/components/responses/Forbidden' }
        "404": { $ref: '#/components/responses/NotFound' }
        "409": { $ref: '#/components/responses/Conflict' }
        "422": { $ref: '#/components/responses/Violations' }
  /posts/{id}/approve:
    parameters: [{ $ref: '#/components/parameters/PostID' }]
    post:
      summary: 承認（秘書広報課長のみ）
      requestBody: { content: { application/json: { schema: { $ref: '#/components/schemas/StepBody' } } } }
      responses: *step
  /posts/{id}/reject:
    parameters: [{ $ref: '#/components/parameters/PostID' }]
    post:
      summary: 差戻し（秘書広報課長のみ、理由が必要）
      requestBody: { content: { application/json: { schema: { $ref: '#/components/schemas/StepBody' } } } }
      responses: *step
  /posts/{id}/cancel:
    parameters: [{ $ref: '#/components/parameters/PostID' }]
    post:
      summary: 取消し
      requestBody: { content: { application/json: { schema: { $ref: '#/components/schemas/StepBody' } } } }
      responses: *step
  /calendar:
    get:
      summary: 月の運用日・祝日・予約
      parameters: [{ name: month, in: query, schema: { type: string, example: "2026-11" } }]
      responses:
        "200": { description: 月の暦 }
        "400": { description: month の形式の誤り }
        "401": { $ref: '#/components/responses/Unauthorized' }
  /audit:
    get:
      summary: 監査記録（ハッシュ連鎖）
      responses:
        "200": { description: 記録, content: { application/json: { schema: { type: array, items: { $ref: '#/components/schemas/AuditEntry' } } } } }
        "401": { $ref: '#/components/responses/Unauthorized' }
  /openapi.yaml:
    get:
      summary: この文書
      security: []
      responses:
        "200": { description: OpenAPI 3 }
"""#
}
