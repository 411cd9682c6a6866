using System.Text.Json;
using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Persistence;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Query;
using Microsoft.Extensions.Options;

namespace EvidenceBroker.Server.Exports;

/// <summary>
/// Builds a queued report. Hangfire delivers at least once: the job takes only the id and first claims the report
/// (<see cref="ExportJob.ClaimedBy"/>), so a second delivery, on this node or another, does nothing while one attempt
/// builds it, and nothing once the file is there. A failed attempt releases its claim and is thrown back to Hangfire,
/// which runs it again (<see cref="Retries"/> times, after a delay); only the last failure marks the report failed.
/// Each start is counted with its claim, before the build, so a build that takes the process down is not started again
/// without end.
/// </summary>
public sealed class ExportJobRunner(IServiceScopeFactory scopes, TimeProvider clock, ILogger<ExportJobRunner> logger)
{
    /// <summary>How many times a failed report is built again before it is given up.</summary>
    public const int Retries = 2;

    /// <summary>
    /// How long a claim holds unless the build reaches its next stage. A claim left by a node that died runs out before
    /// Hangfire delivers that node's job again (half an hour on PostgreSQL; at start on SQLite, which clears claims).
    /// </summary>
    public static readonly TimeSpan ClaimLease = TimeSpan.FromMinutes(15);

    /// <summary>Queues the building of export <paramref name="jobId"/> (when it is asked for, and again if its job was lost).</summary>
    public static void Enqueue(IBackgroundJobClient jobs, Guid jobId) =>
        jobs.Enqueue<ExportJobRunner>(runner => runner.RunAsync(jobId, CancellationToken.None));

    /// <summary>
    /// Queues an export just recorded, whose caller is told it is accepted. If the job storage cannot take it now, the
    /// export stays recorded as queued and the look for lost exports (<see cref="LostExports"/>) queues it once the
    /// storage is back: failing the call instead would tell the caller nothing was done, and a retry without an
    /// Idempotency-Key would record and build the report twice.
    /// </summary>
    public static void EnqueueOrLeaveToLostExports(IBackgroundJobClient jobs, Guid jobId, ILogger logger)
    {
        try
        {
            Enqueue(jobs, jobId);
        }
        catch (BackgroundJobClientException e)
        {
            logger.LogWarning(e, "Export {ExportId} is recorded but its job could not be queued now; the look for lost exports will queue it", jobId);
        }
    }

    [AutomaticRetry(Attempts = Retries)]
    public async Task RunAsync(Guid jobId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BrokerDbContext>();
        var claim = Guid.NewGuid();
        if (!await ClaimAsync(db, jobId, claim, ct))
        {
            // Finished, or another attempt holds it. That attempt may be on a node that died: look again once its claim
            // has run out, so the report is never left "running" with nobody building it.
            var held = await db.ExportJobs.AsNoTracking().Where(j => j.Id == jobId && (j.Status == ExportStatus.Queued || j.Status == ExportStatus.Running))
                .Select(j => j.ClaimedUntil).SingleOrDefaultAsync(ct);
            if (held is { } until)
            {
                scope.ServiceProvider.GetRequiredService<IBackgroundJobClient>().Schedule<ExportJobRunner>(
                    runner => runner.RunAsync(jobId, CancellationToken.None), until - clock.GetUtcNow() + TimeSpan.FromMinutes(1));
                logger.LogInformation("Export job {JobId} is being built by another attempt; looked at again after {Until}", jobId, until);
            }

            return;
        }

        var job = await db.ExportJobs.SingleAsync(j => j.Id == jobId, ct);
        try
        {
            if (job.Attempts > Retries + 1)
            {
                // Every attempt was used and none recorded its end: the process died while building (out of memory, say).
                // Building it again would die again, on every start that queues it again.
                logger.LogError("Export job {JobId} was started {Attempts} times and never finished; given up", jobId, job.Attempts - 1);
                job.Status = ExportStatus.Failed;
                job.Stage = "failed";
                job.Error = "The report could not be built: every attempt ended with the broker stopping. The broker's log has the details.";
                job.CompletedAt = clock.GetUtcNow();
                Release(job);
                await db.SaveChangesAsync(ct);
                return;
            }

            await SetProgressAsync(db, job, 5, "started", ct);
            ReportProgress progress = (percent, stage) => SetProgressAsync(db, job, percent, stage, ct);
            var now = clock.GetUtcNow();
            (byte[] Content, string FileName, string ContentType) file = job.Kind switch
            {
                ExportKind.OversightReport => await OversightAsync(db, job, now, progress, ct),
                ExportKind.AuditTrail => await AuditTrailAsync(db, scope.ServiceProvider, job, now, progress, ct),
                _ => await TransparencyAsync(db, job, now, progress, ct),
            };
            job.Content = file.Content;
            job.FileName = file.FileName;
            job.ContentType = file.ContentType;
            job.Status = ExportStatus.Completed;
            job.Progress = 100;
            job.Stage = "ready";
            job.CompletedAt = clock.GetUtcNow();
            Release(job);
            await db.SaveChangesAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The node is stopping: Hangfire queues the job again, and the next attempt must not find it claimed. The
            // attempt is not counted either: a stop is not a failure of the report, and rolling restarts must not use
            // up its attempts.
            await ReleaseClaimAsync(jobId, claim, set => set.SetProperty(j => j.Attempts, j => j.Attempts - 1));
            throw;
        }
        catch (DbUpdateConcurrencyException)
        {
            // This attempt stalled past its lease and another took the report over: that one builds and records it.
            logger.LogWarning("Export job {JobId}: this attempt's claim ran out and another attempt took the report over; this one stops", jobId);
        }
        catch (Exception ex)
        {
            var again = job.Attempts <= Retries;
            logger.LogError(ex, "Export job {JobId} failed on attempt {Attempt} of {Attempts}{Next}",
                jobId, job.Attempts, Retries + 1, again ? "; it will be tried again" : "; given up");

            if (again)
            {
                await ReleaseClaimAsync(jobId, claim, set => set.SetProperty(j => j.Stage, "failed; trying again"));
                throw;
            }

            var failedAt = clock.GetUtcNow();
            await ReleaseClaimAsync(jobId, claim, set => set
                .SetProperty(j => j.Status, ExportStatus.Failed)
                .SetProperty(j => j.Error, "The report could not be built; the broker's log has the details.")
                .SetProperty(j => j.CompletedAt, failedAt));
        }
    }

    /// <summary>
    /// Takes the report for this attempt, and counts the attempt, in one statement: only if it is unfinished and no
    /// other attempt holds a claim that has not run out.
    /// </summary>
    private async Task<bool> ClaimAsync(BrokerDbContext db, Guid jobId, Guid claim, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var until = now + ClaimLease;
        var taken = await db.ExportJobs
            .Where(j => j.Id == jobId
                && (j.Status == ExportStatus.Queued || j.Status == ExportStatus.Running)
                && (j.ClaimedUntil == null || j.ClaimedUntil < now))
            .ExecuteUpdateAsync(set => set
                .SetProperty(j => j.ClaimedBy, claim)
                .SetProperty(j => j.ClaimedUntil, until)
                .SetProperty(j => j.Attempts, j => j.Attempts + 1), ct);
        return taken == 1;
    }

    /// <summary>
    /// Ends this attempt's claim, and records <paramref name="also"/>, through a context of its own: the attempt's may
    /// still hold the change that failed. Only while the attempt still holds its claim: one that took the report over
    /// meanwhile must not be disturbed.
    /// </summary>
    private async Task ReleaseClaimAsync(Guid jobId, Guid claim, Action<UpdateSettersBuilder<ExportJob>> also)
    {
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<BrokerDbContext>().ExportJobs
            .Where(j => j.Id == jobId && j.ClaimedBy == claim)
            .ExecuteUpdateAsync(set =>
            {
                set.SetProperty(j => j.ClaimedBy, (Guid?)null).SetProperty(j => j.ClaimedUntil, (DateTimeOffset?)null);
                also(set);
            }, CancellationToken.None);
    }

    private static void Release(ExportJob job)
    {
        job.ClaimedBy = null;
        job.ClaimedUntil = null;
    }

    private static async Task<(byte[], string, string)> OversightAsync(
        BrokerDbContext db, ExportJob job, DateTimeOffset now, ReportProgress progress, CancellationToken ct)
    {
        var parameters = JsonSerializer.Deserialize<OversightReportParameters>(job.ParametersJson, ExportJob.ParametersOptions)!;
        var data = await OversightReportQuery.BuildAsync(db, parameters, now, progress, ct);
        var pdf = OversightReportDocument.Render(data);
        return (pdf, $"oversight-report-{Formatting.Date(parameters.From)}-{Formatting.Date(parameters.To)}.pdf", "application/pdf");
    }

    /// <summary>The period's entries, and the whole chain verified as the export is built; the limit is applied when it is asked for, and again here.</summary>
    private static async Task<(byte[], string, string)> AuditTrailAsync(
        BrokerDbContext db, IServiceProvider services, ExportJob job, DateTimeOffset now, ReportProgress progress, CancellationToken ct)
    {
        var parameters = JsonSerializer.Deserialize<AuditTrailExportParameters>(job.ParametersJson, ExportJob.ParametersOptions)!;
        var data = await AuditTrailExportQuery.BuildAsync(db, services.GetRequiredService<AuditSigningKey>(), parameters,
            services.GetRequiredService<IOptions<ExportOptions>>().Value.AuditTrailMaxEntries, job.RequestedBy, job.RequestedByTenant, now, progress, ct);
        var pdf = AuditTrailExportDocument.Render(data);
        return (pdf, parameters.FileName, "application/pdf");
    }

    private static async Task<(byte[], string, string)> TransparencyAsync(
        BrokerDbContext db, ExportJob job, DateTimeOffset now, ReportProgress progress, CancellationToken ct)
    {
        var parameters = JsonSerializer.Deserialize<TransparencyReportParameters>(job.ParametersJson, ExportJob.ParametersOptions)!;
        await progress.ReportAsync(20, "reading requests");
        var data = await TransparencyReportQuery.BuildAsync(db, parameters, now, ct);
        await progress.ReportAsync(80, "rendering");
        var name = $"transparency-report-{parameters.Period}{(parameters.RequestingCountry is { } c ? "-" + c : string.Empty)}";
        return parameters.Format == TransparencyFormat.Csv
            ? (TransparencyReportDocument.RenderCsv(data), name + ".csv", "text/csv; charset=utf-8")
            : (TransparencyReportDocument.RenderPdf(data), name + ".pdf", "application/pdf");
    }

    /// <summary>Records a stage and renews the claim; fails with a concurrency error if another attempt took the report over.</summary>
    private async Task SetProgressAsync(BrokerDbContext db, ExportJob job, int percent, string stage, CancellationToken ct)
    {
        job.ClaimedUntil = clock.GetUtcNow() + ClaimLease;
        job.Status = ExportStatus.Running;
        job.Progress = percent;
        job.Stage = stage;
        await db.SaveChangesAsync(ct);
    }
}
