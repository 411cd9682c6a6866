using System.Text.Json;
using EvidenceBroker.Server.Persistence;
using Hangfire;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Exports;

/// <summary>
/// Builds a queued report. Hangfire delivers at least once: the job takes only the id, re-reads the job, and does
/// nothing if the file is already there. A failed attempt is thrown back to Hangfire, which runs it again
/// (<see cref="Retries"/> times, after a delay); only the last failure marks the report failed. Each start is
/// counted before the build, so a build that takes the process down is not started again without end.
/// </summary>
public sealed class ExportJobRunner(IServiceScopeFactory scopes, TimeProvider clock, ILogger<ExportJobRunner> logger)
{
    /// <summary>How many times a failed report is built again before it is given up.</summary>
    public const int Retries = 2;

    /// <summary>Queues the building of export <paramref name="jobId"/> (when it is asked for, and again if its job was lost).</summary>
    public static void Enqueue(IBackgroundJobClient jobs, Guid jobId) =>
        jobs.Enqueue<ExportJobRunner>(runner => runner.RunAsync(jobId, CancellationToken.None));

    [AutomaticRetry(Attempts = Retries)]
    public async Task RunAsync(Guid jobId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BrokerDbContext>();
        var job = await db.ExportJobs.SingleOrDefaultAsync(j => j.Id == jobId, ct);
        if (job is null || job.Status is ExportStatus.Completed or ExportStatus.Failed)
        {
            return;
        }

        if (job.Attempts > Retries)
        {
            // Every attempt was used and none recorded its end: the process died while building (out of memory, say).
            // Building it again would die again, on every start that queues it again.
            logger.LogError("Export job {JobId} was started {Attempts} times and never finished; given up", jobId, job.Attempts);
            job.Status = ExportStatus.Failed;
            job.Stage = "failed";
            job.Error = "The report could not be built: every attempt ended with the broker stopping. The broker's log has the details.";
            job.CompletedAt = clock.GetUtcNow();
            await db.SaveChangesAsync(ct);
            return;
        }

        job.Attempts++;
        await SetProgressAsync(db, job, 5, "started", ct);
        try
        {
            var progress = new SyncProgress(p => SetProgressAsync(db, job, p.Percent, p.Stage, ct).GetAwaiter().GetResult());
            var now = clock.GetUtcNow();
            (byte[] Content, string FileName, string ContentType) file = job.Kind switch
            {
                ExportKind.OversightReport => await OversightAsync(db, job, now, progress, ct),
                _ => await TransparencyAsync(db, job, now, progress, ct),
            };
            job.Content = file.Content;
            job.FileName = file.FileName;
            job.ContentType = file.ContentType;
            job.Status = ExportStatus.Completed;
            job.Progress = 100;
            job.Stage = "ready";
            job.CompletedAt = clock.GetUtcNow();
            await db.SaveChangesAsync(ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            var again = job.Attempts <= Retries;
            logger.LogError(ex, "Export job {JobId} failed on attempt {Attempt} of {Attempts}{Next}",
                jobId, job.Attempts, Retries + 1, again ? "; it will be tried again" : "; given up");

            // Recorded through a context of its own: this one may still hold the change that failed.
            await using var recording = scopes.CreateAsyncScope();
            var jobs = recording.ServiceProvider.GetRequiredService<BrokerDbContext>().ExportJobs.Where(j => j.Id == jobId);
            if (again)
            {
                await jobs.ExecuteUpdateAsync(set => set.SetProperty(j => j.Stage, "failed; trying again"), CancellationToken.None);
                throw;
            }

            var failedAt = clock.GetUtcNow();
            await jobs.ExecuteUpdateAsync(set => set
                .SetProperty(j => j.Status, ExportStatus.Failed)
                .SetProperty(j => j.Error, "The report could not be built; the broker's log has the details.")
                .SetProperty(j => j.CompletedAt, failedAt), CancellationToken.None);
        }
    }

    private static async Task<(byte[], string, string)> OversightAsync(
        BrokerDbContext db, ExportJob job, DateTimeOffset now, IProgress<(int, string)> progress, CancellationToken ct)
    {
        var parameters = JsonSerializer.Deserialize<OversightReportParameters>(job.ParametersJson, ExportJob.ParametersOptions)!;
        var data = await OversightReportQuery.BuildAsync(db, parameters, now, progress, ct);
        var pdf = OversightReportDocument.Render(data);
        return (pdf, $"oversight-report-{Formatting.Date(parameters.From)}-{Formatting.Date(parameters.To)}.pdf", "application/pdf");
    }

    private static async Task<(byte[], string, string)> TransparencyAsync(
        BrokerDbContext db, ExportJob job, DateTimeOffset now, IProgress<(int, string)> progress, CancellationToken ct)
    {
        var parameters = JsonSerializer.Deserialize<TransparencyReportParameters>(job.ParametersJson, ExportJob.ParametersOptions)!;
        progress.Report((20, "reading requests"));
        var data = await TransparencyReportQuery.BuildAsync(db, parameters, now, ct);
        progress.Report((80, "rendering"));
        var name = $"transparency-report-{parameters.Period}{(parameters.RequestingCountry is { } c ? "-" + c : string.Empty)}";
        return parameters.Format == TransparencyFormat.Csv
            ? (TransparencyReportDocument.RenderCsv(data), name + ".csv", "text/csv; charset=utf-8")
            : (TransparencyReportDocument.RenderPdf(data), name + ".pdf", "application/pdf");
    }

    private static async Task SetProgressAsync(BrokerDbContext db, ExportJob job, int percent, string stage, CancellationToken ct)
    {
        job.Status = ExportStatus.Running;
        job.Progress = percent;
        job.Stage = stage;
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Reports on the calling thread, between queries, so progress writes never overlap a running query.</summary>
    private sealed class SyncProgress(Action<(int Percent, string Stage)> report) : IProgress<(int Percent, string Stage)>
    {
        public void Report((int Percent, string Stage) value) => report(value);
    }
}
