import Vapor

struct BackgroundJobsKey: StorageKey { typealias Value = BackgroundJobs }

extension Application {
    package var backgroundJobs: BackgroundJobs? { storage[BackgroundJobsKey.self] }
}

/// The jobs of this server: approval expiry always, the publisher when platforms are configured. They start when the
/// app boots and stop, before the platform clients close, when it shuts down. With several servers on one database,
/// each job but the outboxes runs on the one server holding its lease (see `JobLeases`).
func configureJobs(_ app: Application, _ ctx: KohoContext) {
    let config = ctx.config
    var logger = ctx.logger
    logger[metadataKey: "component"] = "jobs"
    let clock = config.jobClock
    let expiry = Job(name: "approval-expiry", interval: config.expiryInterval, clock: clock, logger: logger) {
        try await PostService.expireOverdue(ctx.db, ctx)
    }
    var publisherJob: Job?
    var others: [Job] = []
    if let workers = app.workers {
        if workers.publisher.settings.enabled {
            let publisher = workers.publisher
            publisherJob = Job(name: JobName.publisher, interval: publisher.settings.pollInterval, clock: clock, logger: logger) {
                try await publisher.pass()
            }
        }
        // Comments: one poller job for every connected account (each on its own interval), and the executor of decisions.
        if config.comments.enabled {
            let poller = workers.poller, actions = workers.actions
            others.append(Job(name: "comment-poller", interval: config.comments.tick, clock: clock, logger: logger) {
                _ = try await poller.pass()
                return 0
            })
            others.append(Job(name: JobName.commentActions, interval: config.comments.actionInterval, clock: clock, logger: logger) {
                try await actions.pass()
            })
            others.append(FloodAlarm.job(ctx, settings: config.comments, clock: clock, logger: logger))
        }
    }
    // The audit chain's head, outside the chain: at start and then every minute while entries are written (an unchanged
    // head writes nothing), so that removing the newest entries is found by `koho audit verify`.
    let dataDirectory = config.dataDirectory, jobLogger = logger, trail = ctx.audit
    others += [Job(name: "audit-checkpoint", interval: config.checkpointInterval, clock: clock, logger: logger) {
                   try await trail.writeCheckpoint(on: ctx.db, dataDirectory: dataDirectory, at: Date(), logger: jobLogger, always: false)
                   return 0
               },
               ImpersonationScan.job(ctx, clock: clock, logger: logger),
               ProfileCheckService.job(ctx, clock: clock, logger: logger)]
    if let settings = config.mailRelay {
        let mailer = Mailer.live(settings)
        let observe = ctx.intake == nil ? nil : IntakeService.mailObserver(ctx)
        others.append(Job(name: JobName.mail, interval: .seconds(30), clock: clock, logger: logger) {
            try await MailOutbox.sendDue(on: ctx.db, ctx, mailer: mailer, logger: jobLogger, observe: observe)
        })
    }
    if let relay = config.mailRelay, !config.auditMail.isEmpty {
        let addresses = config.auditMail
        others.append(Job(name: AuditHeadMail.jobName, interval: config.auditHeadMailInterval, clock: clock, logger: logger) {
            guard try await AuditHeadMail.queueIfDue(on: ctx.db, ctx: ctx, relay: relay, to: addresses) else { return 0 }
            ctx.wakers.mail()
            return 0
        })
    }
    if !ctx.policy.records.keepsEverything {
        others.append(Job(name: RecordsRetentionRun.jobName, interval: config.retentionInterval, clock: clock, logger: logger) {
            _ = try await RecordsRetentionRun.run(on: ctx.db, ctx: ctx)
            return 0
        })
    }
    others += ctx.intake?.jobs(ctx, clock: clock, logger: logger) ?? []
    let all = [expiry] + (publisherJob.map { [$0] } ?? []) + others
    for job in all { ctx.wakers.fill(job.name) { job.wake() } }
    // Every job but the outboxes (which claim item by item) runs on one server at a time.
    let leases = JobLeases(db: ctx.db, settings: config.jobLeases, writeLock: ctx.writeLock, logger: logger)
    let perItem: Set = [JobName.publisher, JobName.commentActions, JobName.mail]
    for job in all where !perItem.contains(job.name) { leases.register(job) }
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
