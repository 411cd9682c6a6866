using System.Net;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Tests.Routing;

/// <summary>Lifting a country's suspension (C11) names the country as it is kept: its ISO code in capitals.</summary>
public sealed class SuspensionLiftTests
{
    [Fact]
    public async Task A_lift_for_a_code_in_lower_case_is_a_400_naming_the_country_and_leaves_the_suspension_in_place()
    {
        await using var broker = new BrokerFactory();
        using var admin = await broker.ClientAsync("broker-admin");
        using var suspended = await admin.PostJsonAsync("/api/v1/policy/suspensions", new { country = "GB", reason = "Review of safeguards." });

        using var lowerCase = await admin.DeleteAsync("/api/v1/policy/suspensions/gb");
        var problem = await lowerCase.JsonAsync();
        var stillSuspended = await broker.WithDbAsync(db => db.CountrySuspensions.AnyAsync(s => s.Country == "GB"));
        using var lifted = await admin.DeleteAsync("/api/v1/policy/suspensions/GB");

        Assert.Equal(HttpStatusCode.NoContent, suspended.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, lowerCase.StatusCode);
        Assert.Contains("capitals", problem.GetProperty("errors").GetProperty("country")[0].GetString(), StringComparison.Ordinal);
        Assert.True(stillSuspended);
        Assert.Equal(HttpStatusCode.NoContent, lifted.StatusCode);
        Assert.Equal(1, await broker.WithDbAsync(db => db.AuditEntries.CountAsync(e => e.Action == "country.reinstated")));
    }
}
