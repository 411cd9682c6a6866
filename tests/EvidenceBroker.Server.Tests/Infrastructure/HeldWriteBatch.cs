using EvidenceBroker.Server.Persistence;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace EvidenceBroker.Server.Tests.Infrastructure;

/// <summary>
/// Keeps a broker's write batch open while the broker's own writers join it. Writers of the test take the writers' turn
/// one after another, each queuing the next before it leaves, so that a turn ending always hands the batch on instead of
/// committing it; they roll back, adding nothing. The broker's writers that queue meanwhile take their turns in between,
/// in the same batch. Once released, the last of the test's writers leaves with nobody queued behind it, and the batch
/// commits (or fails to) with everything the broker's writers put in it.
/// </summary>
public sealed class HeldWriteBatch
{
    /// <summary>Enough for the broker's writers to reach the queue between two of the test's turns.</summary>
    private static readonly TimeSpan TurnLength = TimeSpan.FromMilliseconds(10);

    private readonly BrokerFactory broker;
    private Turn current;

    private HeldWriteBatch(BrokerFactory broker, Turn first)
    {
        this.broker = broker;
        current = first;
    }

    /// <summary>Returns once the test holds the writers' turn, in a batch that is open from now on.</summary>
    public static async Task<HeldWriteBatch> HoldAsync(BrokerFactory broker) =>
        new(broker, await TakeTurnAsync(broker));

    /// <summary>Hands the turn on until <paramref name="condition"/> holds, then lets the batch commit.</summary>
    public async Task ReleaseWhenAsync(Func<bool> condition, TimeSpan patience)
    {
        var giveUp = DateTimeOffset.UtcNow + patience;
        Task<Turn>? next = null;
        try
        {
            while (!condition())
            {
                if (DateTimeOffset.UtcNow > giveUp)
                {
                    throw new TimeoutException($"The write batch was held for {patience} and what it waited for did not happen.");
                }

                next = TakeTurnAsync(broker); // queued before this turn ends, which then hands the batch on
                await Task.Delay(TurnLength);
                await current.LeaveAsync();
                current = await next;
                next = null;
            }
        }
        finally
        {
            await current.LeaveAsync(); // nobody of the test's queued behind: the batch commits if nobody else is
            if (next is not null)
            {
                await (await next).LeaveAsync();
            }
        }
    }

    /// <summary>Queues for the turn before returning (the write batch counts a writer as it asks), then waits for it.</summary>
    private static async Task<Turn> TakeTurnAsync(BrokerFactory broker)
    {
        var scope = broker.Services.CreateAsyncScope();
        try
        {
            var db = scope.ServiceProvider.GetRequiredService<BrokerDbContext>();
            return new Turn(scope, await db.BeginWriteAsync(CancellationToken.None));
        }
        catch
        {
            await scope.DisposeAsync();
            throw;
        }
    }

    private sealed class Turn(AsyncServiceScope scope, IDbContextTransaction change)
    {
        private bool left;

        public async Task LeaveAsync()
        {
            if (left)
            {
                return;
            }

            left = true;
            await change.RollbackAsync();
            await change.DisposeAsync();
            await scope.DisposeAsync();
        }
    }
}
