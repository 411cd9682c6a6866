using Hangfire;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EvidenceBroker.Server.Jobs;

/// <summary>
/// Whether the job storage answers (on PostgreSQL, Hangfire's schema). A node whose storage is gone still files
/// requests (their deadlines are in the database), but its reminders, webhooks, checkpoints and reports stop: it is
/// reported Degraded, which monitoring sees on /health/ready, and is not taken out of the load balancer, where a fault
/// of the schema all nodes share would take every node out at once.
/// </summary>
internal sealed class JobStorageHealthCheck(JobStorage storage) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            // One cheap query of the storage, the servers it knows of; Hangfire's API blocks, so off the request's thread.
            var servers = await Task.Run(() => storage.GetMonitoringApi().Servers().Count, cancellationToken);
            return HealthCheckResult.Healthy($"{servers} job server(s) registered.");
        }
#pragma warning disable CA1031 // any failure of the storage is the answer
        catch (Exception e)
#pragma warning restore CA1031
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "The job storage does not answer.", e);
        }
    }
}
