using Hangfire;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EvidenceBroker.Server.Jobs;

/// <summary>
/// Ready only while the job storage answers: on PostgreSQL, Hangfire's schema can be reached. A node whose storage is
/// gone still files requests (their deadlines are in the database), but its reminders, webhooks, checkpoints and
/// reports stop, so a load balancer should know.
/// </summary>
internal sealed class JobStorageHealthCheck(JobStorage storage) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            // One cheap query of the storage: the servers it knows of.
            var servers = storage.GetMonitoringApi().Servers().Count;
            return Task.FromResult(HealthCheckResult.Healthy($"{servers} job server(s) registered."));
        }
#pragma warning disable CA1031 // any failure of the storage is the answer: not ready
        catch (Exception e)
#pragma warning restore CA1031
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("The job storage does not answer.", e));
        }
    }
}
