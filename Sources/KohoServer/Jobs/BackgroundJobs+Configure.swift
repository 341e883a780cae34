import Vapor

struct BackgroundJobsKey: StorageKey { typealias Value = BackgroundJobs }

extension Application {
    package var backgroundJobs: BackgroundJobs? { storage[BackgroundJobsKey.self] }
}

/// The jobs of this server: approval expiry always, the publisher when platforms are configured. They start when the
/// app boots and stop, before the platform clients close, when it shuts down. With several servers on one database,
/// each job but the outboxes runs on the one server holding its lease (see `JobLeases`).
func configureJobs(_ app: Application, _ config: KohoConfig) {
    var logger = app.logger
    logger[metadataKey: "component"] = "jobs"
    let db = app.db
    let expiry = Job(name: "approval-expiry", interval: config.expiryInterval, clock: config.jobClock, logger: logger) {
        try await PostService.expireOverdue(db, app.koho)
    }
    var publisherJob: Job?
    if let publishing = app.publishing, publishing.settings.enabled, let publisher = publishing.publisher {
        publisherJob = Job(name: "publisher", interval: publishing.settings.pollInterval, clock: config.jobClock, logger: logger) {
            try await publisher.pass()
        }
    }
    // The audit chain's head, outside the chain: at start and then every minute while entries are written (an unchanged
    // head writes nothing), so that removing the newest entries is found by `koho audit verify`.
    let dataDirectory = config.dataDirectory, jobLogger = logger, trail = app.koho.audit
    let checkpoint = Job(name: "audit-checkpoint", interval: config.checkpointInterval, clock: config.jobClock, logger: logger) {
        try await trail.writeCheckpoint(on: db, dataDirectory: dataDirectory, at: Date(), logger: jobLogger, always: false)
        return 0
    }
    var others = [checkpoint, ImpersonationScan.job(app, clock: config.jobClock, logger: logger),
                  ProfileCheckService.job(app, clock: config.jobClock, logger: logger)]
    // Comments: one poller job for every connected account (each on its own interval), and the executor of decisions.
    if let publishing = app.publishing, let comments = app.comments {
        let poller = CommentPoller(app: app, publishing: publishing, settings: comments.settings)
        let actions = CommentActions(app: app, publishing: publishing, settings: comments.settings)
        comments.set(poller: poller, actions: actions)
        if comments.settings.enabled {
            others.append(Job(name: "comment-poller", interval: comments.settings.tick, clock: config.jobClock, logger: logger) {
                _ = try await poller.pass()
                return 0
            })
            others.append(Job(name: "comment-actions", interval: comments.settings.actionInterval, clock: config.jobClock, logger: logger) {
                try await actions.pass()
            })
            let alarm = FloodAlarm.job(app, settings: comments.settings, clock: config.jobClock, logger: logger)
            others.append(alarm)
            comments.whenNew { _ in alarm.wake() }
        }
    }
    if let settings = config.mailRelay {
        let mailer = Mailer.live(settings), ctx = app.koho
        let observe = config.intake == nil ? nil : IntakeService.mailObserver(app)
        others.append(Job(name: BackgroundJobs.mailJobName, interval: .seconds(30), clock: config.jobClock, logger: logger) {
            try await MailOutbox.sendDue(on: db, ctx, mailer: mailer, logger: jobLogger, observe: observe)
        })
    }
    if let relay = config.mailRelay, !config.auditMail.isEmpty {
        let ctx = app.koho, addresses = config.auditMail
        others.append(Job(name: AuditHeadMail.jobName, interval: config.auditHeadMailInterval, clock: config.jobClock, logger: logger) {
            guard try await AuditHeadMail.queueIfDue(on: db, ctx: ctx, relay: relay, to: addresses) else { return 0 }
            app.backgroundJobs?.others.first { $0.name == BackgroundJobs.mailJobName }?.wake()
            return 0
        })
    }
    if !app.koho.policy.records.keepsEverything {
        let ctx = app.koho
        others.append(Job(name: RecordsRetentionRun.jobName, interval: config.retentionInterval, clock: config.jobClock, logger: logger) {
            _ = try await RecordsRetentionRun.run(on: db, ctx: ctx)
            return 0
        })
    }
    others += configureIntake(app, config, logger: logger)
    // Every job but the outboxes (which claim item by item) runs on one server at a time.
    let leases = JobLeases(db: db, settings: config.jobLeases, writeLock: app.koho.writeLock, logger: logger)
    let perItem: Set = ["publisher", "comment-actions", BackgroundJobs.mailJobName]
    for job in [expiry] + others where !perItem.contains(job.name) { leases.register(job) }
    app.storage[BackgroundJobsKey.self] = BackgroundJobs(expiry: expiry, publisher: publisherJob, others: others, leases: leases, logger: logger)
    app.lifecycle.use(BackgroundJobsLifecycle())
}

struct BackgroundJobsLifecycle: LifecycleHandler {
    // Sync, so that both boots start them: `koho serve` boots async, the tests' `testable()` sync.
    func didBoot(_ application: Application) throws {
        application.backgroundJobs?.start()
    }

    func shutdownAsync(_ application: Application) async {
        await application.backgroundJobs?.stop()
    }

    func shutdown(_ application: Application) {
        application.backgroundJobs?.cancel()
    }
}
