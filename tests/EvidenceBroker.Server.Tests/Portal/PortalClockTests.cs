using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.Portal;
using EvidenceBroker.Server.Sla;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace EvidenceBroker.Server.Tests.Portal;

/// <summary>
/// The portal's countdown is the SLA clock the sweep keeps, not the decision's original figure. What must hold: the
/// due date is the live deadline's; an open clarification shows the clock paused; the answer moves the due date on.
/// </summary>
public sealed class PortalClockTests
{
    private const string Officer = "met-case-system";
    private const string Provider = "northwind-legal";

    private static readonly Caller Oversight = Callers.Oversight;

    [Fact]
    public async Task The_countdown_follows_the_live_deadline_through_a_pause_and_its_answer()
    {
        await using var broker = new BrokerFactory();
        var id = await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber());
        var original = await ResponseDueAsync(broker, id);

        var running = await ClockAsync(broker, id);
        await broker.ActAsync(Provider, id, "clarifications", new { text = "Which of the two accounts with this address?" });
        var paused = await ClockAsync(broker, id);
        var pausedRow = await RowAsync(broker, id);
        broker.Clock.Advance(TimeSpan.FromDays(3));
        await broker.ActAsync(Officer, id, "clarifications/answer", new { text = "The one created on 2 February 2026." });
        var resumed = await ClockAsync(broker, id);
        var resumedRow = await RowAsync(broker, id);

        Assert.Equal((original, false), (running.Due, running.Paused));
        Assert.Equal(new RunningClock(null, null, Paused: true), paused);
        Assert.True(pausedRow.ClockPaused);
        Assert.Null(pausedRow.Due);
        Assert.Equal("none", pausedRow.Risk(broker.Clock.GetUtcNow()));
        Assert.Equal((original + TimeSpan.FromDays(3), false), (resumed.Due, resumed.Paused));
        Assert.Equal(running.AtRiskFrom + TimeSpan.FromDays(3), resumed.AtRiskFrom); // the pause moved the at-risk mark too
        Assert.Equal(original + TimeSpan.FromDays(3), resumedRow.Due);
        Assert.False(resumedRow.ClockPaused);
    }

    private static Task<DateTimeOffset> ResponseDueAsync(BrokerFactory broker, Guid id) =>
        broker.WithDbAsync(db => db.Deadlines.Where(d => d.RequestId == id && d.Kind == DeadlineKind.Response).Select(d => d.DueAt).SingleAsync());

    private static async Task<RunningClock> ClockAsync(BrokerFactory broker, Guid id)
    {
        await using var scope = broker.Services.CreateAsyncScope();
        var portal = new PortalRequests(scope.ServiceProvider.GetRequiredService<BrokerDbContext>());
        return (await portal.FindAsync(Oversight, id, CancellationToken.None))!.Clock;
    }

    private static async Task<PortalRow> RowAsync(BrokerFactory broker, Guid id)
    {
        await using var scope = broker.Services.CreateAsyncScope();
        var portal = new PortalRequests(scope.ServiceProvider.GetRequiredService<BrokerDbContext>());
        return (await portal.ListAsync(Oversight, new PortalSearch(), CancellationToken.None)).Single(r => r.Id == id);
    }
}
