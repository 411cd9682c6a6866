using EvidenceBroker.LoadTest;

namespace EvidenceBroker.Cluster.Tests;

/// <summary>
/// The warm-up past the JIT that eb-load's --jit-rounds and the intake benchmark share: rounds run until one spends
/// less than 1 % of its time compiling, and never more than asked.
/// </summary>
public sealed class JitSettlingTests
{
    [Fact]
    public async Task Stops_at_the_first_round_that_spends_less_than_one_per_cent_compiling()
    {
        var compiling = new Queue<TimeSpan>([TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero]);
        var ran = new List<int>();

        var (rounds, share) = await JitSettling.UntilSettledAsync(
            10, async round => { ran.Add(round); await Task.Delay(20); }, compiling.Dequeue);

        Assert.Equal([1, 2], ran); // the first round compiled for longer than it ran; the second not at all
        Assert.Equal(2, rounds);
        Assert.Equal(0, share);
    }

    [Fact]
    public async Task Gives_up_after_the_rounds_it_was_given_with_the_last_rounds_share()
    {
        var ran = 0;

        var (rounds, share) = await JitSettling.UntilSettledAsync(
            3, _ => { ran++; return Task.CompletedTask; }, () => TimeSpan.FromSeconds(1));

        Assert.Equal(3, ran);
        Assert.Equal(3, rounds);
        Assert.True(share > JitSettling.SettledShare);
    }
}
