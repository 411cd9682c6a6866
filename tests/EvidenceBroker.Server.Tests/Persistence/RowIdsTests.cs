using EvidenceBroker.Server.Persistence;

namespace EvidenceBroker.Server.Tests.Persistence;

/// <summary>Keys for new rows: version 7 UUIDs as .NET makes them, so that they sort by time and never repeat.</summary>
public sealed class RowIdsTests
{
    [Fact]
    public void An_id_is_a_version_7_uuid_carrying_its_millisecond()
    {
        var at = new DateTimeOffset(2026, 12, 4, 20, 30, 15, 123, TimeSpan.Zero);

        var id = RowIds.Version7(at);
        var dotnet = Guid.CreateVersion7(at);

        Assert.Equal(7, id.Version);
        Assert.Equal((0b10, 0b10), (id.Variant >> 2, dotnet.Variant >> 2)); // RFC 9562's variant: the top two bits of octet 8
        Assert.Equal(dotnet.ToString()[..13], id.ToString()[..13]); // the same 48-bit timestamp and version digit
        Assert.Equal(at.ToUnixTimeMilliseconds(), Convert.ToInt64(id.ToString("N")[..12], 16));
    }

    [Fact]
    public void Ids_never_repeat_and_sort_by_their_time_across_many_draws()
    {
        var start = new DateTimeOffset(2026, 12, 4, 0, 0, 0, TimeSpan.Zero);
        var ids = Enumerable.Range(0, 2_000).Select(i => RowIds.Version7(start.AddMilliseconds(i))).ToList(); // > one draw of 4 KB

        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(ids, ids.Order()); // time first, whatever the random bits
        Assert.Equal(2_000, Enumerable.Range(0, 2_000).Select(_ => RowIds.Version7(start)).Distinct().Count());
    }

    [Fact]
    public void A_time_before_1970_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => RowIds.Version7(DateTimeOffset.UnixEpoch.AddMilliseconds(-1)));
}
